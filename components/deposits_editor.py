"""A quote's deposits block (QU4): one or several deposits, each an amount TTC or a percentage of the quote's total
TTC, with a due date and an optional label; the amount of each in euros and the total of the deposits.

It never queries: the page passes the deposits as `DepositRow` values and callbacks. Paid deposits are read-only;
`editable=False` shows the whole block read-only (the quote is invoiced).

    block = DepositsEditor(rows, total_ttc=Decimal('1200.00'), editable=True, on_save=save,
                           on_settle=settle, on_request=request)
    block.set_total(Decimal('1440.00'))   # the quote's lines changed: percentages follow
"""
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from nicegui import ui

from components.date_input import DateInput
from components.money_input import MoneyInput
from logic.dates import format_date
from logic.deposits import deposit_amount
from logic.errors import DomainError
from logic.money import format_decimal_fr, format_eur, round_cents

HUNDRED = Decimal(100)
# Installment.status -> label, the payments page's words; the colours are `app-dep-<status>` (assets/components.css).
STATUSES = {'planned': 'Prévu', 'open': 'En attente', 'paid': 'Réglé', 'irrecoverable': 'Irrécouvrable',
            'cancelled': 'Supprimé'}
MODES = {'percent': '%', 'amount': '€'}



@dataclass(kw_only=True, slots=True)
class DepositRow:
    """One deposit as the block shows and edits it. `percent` set = a share of the quote's TTC, else `amount`."""

    id: int | None = None  # the installment's id; None for a deposit not saved yet
    percent: Decimal | None = None
    amount: Decimal | None = None
    due_date: date | None = None
    label: str = ''
    status: str = 'planned'
    paid_amount: Decimal = Decimal(0)
    paid_on: date | None = None
    # The deposit invoice made when the deposit was settled (DE3): its title and address, shown as a link.
    invoice_title: str = ''
    invoice_url: str = ''
    key: int = field(default=0)  # stable per-row key for the browser tests ('data-deposit')

    @property
    def locked(self) -> bool:
        """Paid (or written off, given up) deposits are history: they are shown, never edited."""
        return self.status not in ('planned', 'open')

    def euros(self, total_ttc: Decimal) -> Decimal | None:
        """The amount due: the percentage applied to the quote's current total TTC, or the amount typed."""
        if self.locked and self.amount is not None:
            return self.amount  # settled: what was paid, whatever the quote's total became
        if self.percent is not None:
            try:
                return deposit_amount(total_ttc, percent=self.percent)
            except DomainError:
                return None  # shown as '—', problems() says why
        return self.amount


RowCallback = Callable[[DepositRow], Awaitable[None] | None]


class DepositsEditor(ui.element):
    def __init__(self, rows: list[DepositRow], *, total_ttc: Decimal, editable: bool,
                 on_save: Callable[[list[DepositRow]], Awaitable[object]] | None = None,
                 on_settle: RowCallback | None = None, on_request: RowCallback | None = None,
                 on_unsettle: RowCallback | None = None,
                 default_due: date | None = None, note: str = '') -> None:
        super().__init__('div')
        self.classes('app-deposits').props('data-role=deposits')
        self.rows = rows
        self.total_ttc = total_ttc
        self.editable = editable
        self.on_save = on_save
        self.on_settle = on_settle
        self.on_request = on_request
        self.on_unsettle = on_unsettle
        self.default_due = default_due or date.today() + timedelta(days=8)
        self.note = note
        self.dirty = False
        self._inputs: list[MoneyInput] = []
        self._euros: dict[int, ui.label] = {}
        for index, row in enumerate(rows, start=1):
            row.key = index
        self._next_key = len(rows) + 1
        self.render()

    # --- for the page ----------------------------------------------------------------------------------------

    def set_total(self, total_ttc: Decimal) -> None:
        """The quote's total changed (lines edited): the percentages follow."""
        if total_ttc != self.total_ttc:
            self.total_ttc = total_ttc
            self._refresh_figures()

    def problems(self) -> list[str]:
        """What blocks saving, in French (typos, missing dates, deposits beyond the quote's total)."""
        found = [f'{money.what} : {money.error}' for money in self._inputs if money.error]
        active = [row for row in self.rows if row.status != 'cancelled']
        for position, row in enumerate(active, start=1):
            if row.locked:
                continue
            if row.percent is None and row.amount is None:
                found.append(f'Acompte {position} : indiquez un montant ou un pourcentage.')
            elif (row.percent is not None and row.percent <= 0) or (row.amount is not None and row.amount <= 0):
                found.append(f'Acompte {position} : le montant doit être supérieur à zéro.')
            if row.due_date is None:
                found.append(f'Acompte {position} : indiquez la date d’échéance.')
        total = self.deposits_total()
        if total > self.total_ttc:
            found.append(f'Les acomptes ({format_eur(total)}) dépassent le total TTC du devis '
                         f'({format_eur(self.total_ttc)}).')
        return found

    def deposits_total(self) -> Decimal:
        return sum((row.euros(self.total_ttc) or Decimal(0) for row in self.rows if row.status != 'cancelled'),
                   Decimal('0.00'))

    # --- drawing ---------------------------------------------------------------------------------------------

    def render(self) -> None:
        self.clear()
        self._inputs.clear()
        self._euros.clear()
        self._row_actions: list[ui.element] = []
        shown = [row for row in self.rows if row.status != 'cancelled']
        with self:
            if self.note:
                ui.label(self.note).classes('app-muted text-sm').mark('deposits-note')
            if not shown:
                ui.label('Aucun acompte demandé sur ce devis.').classes('app-muted').mark('deposits-empty')
            with ui.column().classes('w-full gap-0'):
                for row in shown:
                    if self.editable and not row.locked:
                        self._row_inputs(row)
                    else:
                        self._row_view(row)
            with ui.element('div').classes('app-deposit-total'):
                self.total_label = ui.label().props('data-role=deposits-total').mark('deposits-total')
                self.rest_label = ui.label().classes('app-muted font-normal').mark('deposits-rest')
            self.error_label = ui.label().classes('app-deposit-error').props('data-role=deposits-error') \
                .mark('deposits-error')
            if self.editable:
                with ui.row().classes('w-full items-center gap-2'):
                    ui.button('Ajouter un acompte', icon='add', on_click=self._add) \
                        .props('outline data-action=add-deposit').mark('add-deposit')
                    ui.space()
                    self.save_button = ui.button('Enregistrer les acomptes', icon='save', on_click=self._save) \
                        .props('unelevated data-action=save-deposits').mark('save-deposits')
                    self.save_button.set_visibility(self.dirty)  # appears with the first change
        self._refresh_figures()

    def _row_inputs(self, row: DepositRow) -> None:
        with ui.element('div').classes('app-deposit w-full') \
                .props(f'data-deposit={row.key} data-status={row.status}'):
            ui.toggle(MODES, value='percent' if row.percent is not None else 'amount',
                      on_change=lambda e, row=row: self._mode(row, e.value)) \
                .props('no-caps unelevated spread toggle-color=primary color=white text-color=primary '
                       'data-field=deposit_mode') \
                .classes('d-mode app-toggle').mark('deposit-mode')
            with ui.element('div').classes('d-value'):
                if row.percent is not None:
                    money = MoneyInput('Pourcentage', value=row.percent, places=4, minimum=Decimal('0.01'),
                                       maximum=HUNDRED, suffix='%', what='Pourcentage de l’acompte',
                                       field='deposit_percent',
                                       on_change=lambda value, row=row: self._value(row, 'percent', value))
                    money.mark('deposit-percent')
                else:
                    money = MoneyInput('Montant TTC', value=row.amount, allow_negative=False, suffix='€',
                                       what='Montant de l’acompte', field='deposit_amount',
                                       on_change=lambda value, row=row: self._value(row, 'amount', value))
                    money.mark('deposit-amount')
                money.classes('w-full')
                self._inputs.append(money)
            DateInput('Échéance', row.due_date, field='deposit_due', marker='deposit-due',
                      on_change=lambda day, row=row: self._due(row, day)) \
                .props('hide-bottom-space').classes('d-due')
            ui.input('Libellé (facultatif)', value=row.label,
                     on_change=lambda e, row=row: self._label(row, e.value)) \
                .props('outlined dense hide-bottom-space maxlength=100 data-field=deposit_label') \
                .classes('d-label').mark('deposit-label')
            self._euros[row.key] = ui.label().classes('d-euros').props('data-role=deposit-euros') \
                .mark('deposit-euros')
            with ui.element('div').classes('d-act'):
                ui.button(icon='delete_outline', on_click=lambda row=row: self._remove(row)) \
                    .props('flat round dense color=negative data-action=remove-deposit') \
                    .tooltip('Retirer cet acompte').mark('remove-deposit')
            if row.id is not None:
                with ui.element('div').classes('d-state'):
                    self._state(row)

    def _row_view(self, row: DepositRow) -> None:
        with ui.element('div').classes('app-deposit app-deposit-view w-full') \
                .props(f'data-deposit={row.key} data-status={row.status}'):
            caption = row.label or (f'Acompte de {format_decimal_fr(row.percent)} %' if row.percent is not None
                                    else 'Acompte')
            ui.label(caption).classes('d-label font-medium').mark('deposit-caption')
            ui.label(f'Échéance le {format_date(row.due_date, empty="—")}').classes('d-due app-muted')
            self._euros[row.key] = ui.label().classes('d-euros').props('data-role=deposit-euros') \
                .mark('deposit-euros')
            with ui.element('div').classes('d-state'):
                self._state(row)

    def _state(self, row: DepositRow) -> None:
        ui.label(STATUSES.get(row.status, row.status)).classes(f'app-status app-dep-{row.status}') \
            .props(f'data-status={row.status}').mark('deposit-status')
        if row.paid_amount and row.status == 'open':
            ui.label(f'Réglé : {format_eur(row.paid_amount)}').classes('app-muted text-sm')
        if row.status == 'paid' and row.paid_on:
            ui.label(f'le {format_date(row.paid_on, empty="—")}').classes('app-muted text-sm').mark('deposit-paid-on')
        if row.invoice_url:
            ui.link(row.invoice_title, row.invoice_url).classes('app-doc-link') \
                .props('data-role=deposit-invoice').mark('deposit-invoice')
        if self.dirty:
            return  # unsaved changes: settle or send only what is saved
        if row.status == 'open':
            if self.on_request is not None:
                self._action(row, 'Demande d’acompte', 'outgoing_mail', self.on_request, 'deposit-request',
                             'flat dense no-caps')
            if self.on_settle is not None:
                self._action(row, 'Régler', 'payments', self.on_settle, 'settle-deposit', 'outline dense no-caps')
        if row.status == 'paid' and self.on_unsettle is not None:
            self._action(row, 'Annuler le règlement', 'undo', self.on_unsettle, 'unsettle-deposit',
                         'flat dense no-caps color=negative')

    def _action(self, row: DepositRow, caption: str, icon: str, callback: RowCallback, key: str, props: str) -> None:
        button = ui.button(caption, icon=icon, on_click=lambda: self._call(callback, row)) \
            .props(f'{props} data-action={key}').mark(key)
        self._row_actions.append(button)

    def _refresh_figures(self) -> None:
        for row in self.rows:
            label = self._euros.get(row.key)
            if label is None:
                continue
            euros = row.euros(self.total_ttc)
            label.text = format_eur(euros) if euros is not None else '—'
        total = self.deposits_total()
        share = f' ({format_decimal_fr(round_cents(total * HUNDRED / self.total_ttc))} % du TTC)' \
            if self.total_ttc > 0 and total else ''
        self.total_label.text = f'Total des acomptes : {format_eur(total)}{share}'
        self.rest_label.text = f'Solde à facturer : {format_eur(self.total_ttc - total)}'
        problems = self.problems() if self.editable and self.dirty else []
        self.error_label.text = ' '.join(problems)
        self.error_label.set_visibility(bool(problems))

    # --- edits -----------------------------------------------------------------------------------------------

    def _touched(self, redraw: bool = False) -> None:
        self.dirty = True
        if redraw:
            self.render()
            return
        # Not redrawn while typing (the field would lose the focus): the row actions wait for the save.
        for button in self._row_actions:
            button.set_visibility(False)
        if self.editable:
            self.save_button.set_visibility(True)
        self._refresh_figures()

    def _add(self) -> None:
        self.rows.append(DepositRow(percent=Decimal(30) if not self.rows else None,
                                    amount=None, due_date=self.default_due, key=self._next_key))
        self._next_key += 1
        self._touched(redraw=True)

    def _remove(self, row: DepositRow) -> None:
        self.rows.remove(row)
        self._touched(redraw=True)

    def _mode(self, row: DepositRow, mode: str) -> None:
        # Switching keeps the figure in euros: 30 % of 1 200 € becomes 360,00 €, and back.
        euros = row.euros(self.total_ttc)
        if mode == 'amount':
            row.amount, row.percent = euros, None
        else:
            row.percent = (round_cents(euros * HUNDRED / self.total_ttc) if euros and self.total_ttc > 0
                           else None)
            row.amount = None
        self._touched(redraw=True)

    def _value(self, row: DepositRow, name: str, value: Decimal | None) -> None:
        setattr(row, name, value)
        self._touched()

    def _due(self, row: DepositRow, day: date | None) -> None:
        row.due_date = day
        self._touched()

    def _label(self, row: DepositRow, text: str | None) -> None:
        row.label = (text or '').strip()
        self._touched()

    async def _save(self) -> None:
        problems = self.problems()
        if problems:
            self.error_label.text = ' '.join(problems)
            self.error_label.set_visibility(True)
            ui.notify(' '.join(problems), type='negative', multi_line=True)
            return
        if self.on_save is not None:
            await self.on_save(list(self.rows))

    async def _call(self, callback: RowCallback, row: DepositRow) -> None:
        result = callback(row)
        if inspect.isawaitable(result):
            await result



