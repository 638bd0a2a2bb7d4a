"""The "Régler" dialog (PA2, DE3): payment date (today, editable), method, amount (what is left to pay) and a
reference such as the cheque number; for a deposit, also the date of the deposit invoice it creates.

It never queries: the page gives the values and an `on_settle(values: SettleValues)` callback (wrapped with
`ctx.handler`) that returns something truthy once the settlement is recorded; the dialog then closes. On a refusal
the handler has shown the French message and the dialog stays open with what was typed.

    SettleDialog(title='Règlement de F2026-00012', left_to_pay=Decimal('1200.00'), methods=SETTLEMENT_METHODS,
                 method='transfer', on_settle=ctx.handler(settle)).open()
    SettleDialog(..., deposit=True)  # the whole amount only, plus "Date de la facture d'acompte" and its warning
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from nicegui import ui

from components.date_input import DateInput
from components.money_input import MoneyInput
from logic.cheques import ChequeDetails
from logic.dates import read_day
from logic.money import format_eur


@dataclass(kw_only=True, slots=True, frozen=True)
class SettleValues:
    """What the user chose; `invoice_date` only for a deposit."""

    paid_on: date
    method: str
    amount: Decimal
    reference: str = ''
    invoice_date: date | None = None
    # A cheque's drawer ("tireur") and bank, for its remittance slip (PA4); its number is the reference.
    drawer: str = ''
    bank: str = ''

    @property
    def cheque(self) -> ChequeDetails | None:
        if self.method != 'cheque':
            return None
        return ChequeDetails(drawer=self.drawer, bank=self.bank, number=self.reference)


SettleCallback = Callable[[SettleValues], Awaitable[object]]


class SettleDialog(ui.dialog):
    """`methods` maps method keys to French labels (db.document.SETTLEMENT_METHODS); `method` is preselected
    (the document's payment method kind when it is one of them); `today` is there for tests."""

    def __init__(self, *, title: str, left_to_pay: Decimal, methods: dict[str, str], on_settle: SettleCallback,
                 method: str = '', deposit: bool = False, detail: str = '', today: date | None = None) -> None:
        super().__init__()
        self._on_settle = on_settle
        self.deposit = deposit
        today = today or date.today()
        self.on_value_change(lambda event: None if event.value else self.delete())
        with self, ui.card().classes('app-card w-[520px] max-w-full').props('data-role=settle-dialog'):
            ui.label(title).classes('app-subtitle').mark('settle-title')
            if detail:
                ui.label(detail).classes('app-muted')
            ui.label(f'Reste à payer : {format_eur(left_to_pay)}').classes('font-semibold').mark('settle-left')
            with ui.element('div').classes('app-form-grid app-form-grid-narrow'):
                self.paid_on = DateInput('Date du règlement', today, field='paid_on', marker='settle-date')
                self.method = ui.select(methods, label='Mode de règlement',
                                        value=method if method in methods else next(iter(methods))) \
                    .props('outlined dense data-field=method').mark('settle-method')
                self.amount = MoneyInput('Montant reçu', value=left_to_pay, minimum=Decimal('0.01'),
                                         allow_negative=False, suffix='€', field='amount', what='Montant')
                self.amount.mark('settle-amount')
                if deposit:  # a deposit is settled whole: its deposit invoice is made for that amount
                    self.amount.props('readonly')
                self.reference = ui.input('Référence (n° de chèque, de virement…)') \
                    .props('outlined dense maxlength=100 data-field=reference').mark('settle-reference')
                # What the cheque remittance slip lists (PA4): shown for a cheque only.
                self.drawer = ui.input('Tireur du chèque (si autre que le client)') \
                    .props('outlined dense maxlength=100 data-field=drawer').mark('settle-drawer') \
                    .bind_visibility_from(self.method, 'value', backward=lambda value: value == 'cheque')
                self.bank = ui.input('Banque du chèque') \
                    .props('outlined dense maxlength=100 data-field=bank').mark('settle-bank') \
                    .bind_visibility_from(self.method, 'value', backward=lambda value: value == 'cheque')
            self.invoice_date = None
            if deposit:
                ui.label('Un acompte se règle en entier : si le client a versé un autre montant, modifiez d’abord '
                         'l’acompte sur le devis.').classes('app-muted text-sm')
                self.invoice_date = DateInput('Date de la facture d’acompte', today, field='invoice_date',
                                              marker='settle-invoice-date').classes('w-full')
                with ui.row().classes('items-start no-wrap gap-2 app-settle-warning'):
                    ui.icon('warning', color='warning').classes('text-xl')
                    ui.label('Le règlement crée une facture d’acompte « Réglée », numérotée à cette date : '
                             'elle ne pourra plus être modifiée ensuite (seul un avoir l’annule).') \
                        .classes('text-sm').mark('settle-warning')
            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=self.close).props('flat data-action=cancel-settle')
                self.button = ui.button('Enregistrer', icon='check', on_click=self._settle) \
                    .props('unelevated color=positive data-action=confirm-settle').mark('confirm-settle')

    def values(self) -> SettleValues:
        """The typed values; a French `ValueError` names the first bad field."""
        if self.amount.error or self.amount.decimal is None:
            raise ValueError(f'Montant : {self.amount.error or "obligatoire"}.')
        return SettleValues(paid_on=_day(self.paid_on.value, 'Date du règlement'), method=self.method.value,
                            amount=self.amount.decimal, reference=(self.reference.value or '').strip(),
                            drawer=(self.drawer.value or '').strip(), bank=(self.bank.value or '').strip(),
                            invoice_date=_day(self.invoice_date.value, 'Date de la facture d’acompte')
                            if self.invoice_date is not None else None)

    async def _settle(self) -> None:
        try:
            values = self.values()
        except ValueError as exc:
            ui.notify(str(exc), type='negative')
            return
        self.button.disable()
        try:
            done = await self._on_settle(values)
        finally:
            self.button.enable()
        if done:
            self.close()


def _day(text: str | None, what: str) -> date:
    try:
        day = read_day(text)
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f'{what} : date invalide.')
    return day
