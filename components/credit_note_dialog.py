"""The "Avoir" dialog (IN4): credit the whole invoice, chosen lines and quantities, or an amount HT per VAT rate, never
beyond what is left to credit; the amount of the credit note is previewed as the user types.

It never queries: the page gives what is left (`logic.credit.Remaining`), the invoice's item lines, and two callbacks
taking the choice (`mode`, `lines`, `amounts`, as db.credit_notes wants them): `preview(choice)` returns the credit
note's totals (or raises DomainError, shown in the preview), `on_create(reason, choice)` issues it. Both are wrapped
with `guard` (`ctx.handler`), so the role is checked at each event.

    CreditNoteDialog(title='Avoir sur Facture F2026-00012', left=left, lines=[CreditLine(id=3, ...)],
                     preview=preview, on_create=create, guard=ctx.handler).open()
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from nicegui import ui

from components.dialog import ConfirmDialog, Guard
from components.money_input import MoneyInput
from logic.credit import Remaining
from logic.errors import DomainError
from logic.money import format_decimal_fr, format_eur
from logic.totals import Totals

MODES = {'full': 'Avoir total', 'lines': 'Certaines lignes', 'amounts': 'Montant par taux de TVA'}


@dataclass(kw_only=True, slots=True, frozen=True)
class CreditLine:
    """An item line of the invoice: its id, what it says, and the quantity that may still be credited."""

    id: int
    designation: str
    quantity: Decimal
    unit_price: Decimal
    left: Decimal


class CreditNoteDialog(ConfirmDialog):

    def __init__(self, *, title: str, left: Remaining, lines: list[CreditLine],
                 preview: Callable[[dict], Awaitable[Totals]], on_create: Callable[[str, dict], Awaitable[None]],
                 guard: Guard) -> None:
        super().__init__(title, confirm='Établir l’avoir', on_confirm=self._create, guard=guard,
                         action='confirm-credit', width=760, role='credit-note-dialog')
        self._preview, self._on_create = preview, on_create
        modes = dict(MODES)
        if left.already_credited:
            modes.pop('full')  # a full credit note is only possible while nothing was credited
        with self.body:
            ui.label(f'Reste à créditer : {format_eur(left.total_ttc)} TTC.').classes('app-muted') \
                .mark('left-to-credit')
            self.mode = ui.radio(modes, value=next(iter(modes))).props('inline data-field=mode').mark('credit-mode')
            self.quantities = self._lines(lines)
            self.amounts = self._rates(left)
            self.reason = ui.input('Motif (imprimé sur l’avoir)') \
                .props('outlined dense maxlength=200 data-field=reason').classes('w-full').mark('credit-reason')
            self.preview = ui.label().classes('font-semibold').props('data-role=credit-preview') \
                .mark('credit-preview')
        self.refresh = guard(self.show_preview)
        self.mode.on_value_change(self._show_mode)
        self.mode.on_value_change(self.refresh)
        self._show_mode()

    def _lines(self, lines: list[CreditLine]) -> dict[int, MoneyInput]:
        quantities: dict[int, MoneyInput] = {}
        with ui.column().classes('w-full gap-1') as self.lines_box:
            for line in lines:
                with ui.row().classes('w-full items-center no-wrap gap-2').props('data-role=credit-line'):
                    with ui.column().classes('grow gap-0'):
                        ui.label(line.designation)
                        ui.label(f'{format_decimal_fr(line.quantity)} × {format_eur(line.unit_price)} HT ; '
                                 f'reste {format_decimal_fr(line.left)}').classes('app-muted text-sm')
                    money = MoneyInput('Quantité', value=Decimal(0), places=4, minimum=Decimal(0), maximum=line.left,
                                       what=line.designation, on_change=lambda _: self.refresh())
                    money.classes('w-28').props('data-field=credit_quantity').mark('credit-quantity')
                    money.set_enabled(bool(line.left))
                    quantities[line.id] = money
        return quantities

    def _rates(self, left: Remaining) -> dict[tuple[str, Decimal], MoneyInput]:
        amounts: dict[tuple[str, Decimal], MoneyInput] = {}
        with ui.column().classes('w-full gap-1') as self.amounts_box:
            for (category, rate), base in left.bases.items():
                caption = f'TVA {format_decimal_fr(rate)} %' if category == 'S' else f'TVA {category}'
                with ui.row().classes('w-full items-center no-wrap gap-2').props('data-role=credit-rate'):
                    ui.label(f'{caption} : reste {format_eur(max(base, Decimal(0)))} HT').classes('grow')
                    money = MoneyInput('Montant HT', value=Decimal(0), minimum=Decimal(0), what=caption,
                                       on_change=lambda _: self.refresh())
                    money.classes('w-36').props('data-field=credit_amount').mark('credit-amount')
                    amounts[(category, rate)] = money
        return amounts

    def choice(self) -> dict:
        """What to credit, as db.credit_notes takes it: {'mode', 'lines': {line id: quantity}, 'amounts': {...}}."""
        mode = self.mode.value
        return {
            'mode': mode,
            'lines': {line_id: money.decimal for line_id, money in self.quantities.items() if money.decimal}
            if mode == 'lines' else None,
            'amounts': {key: money.decimal for key, money in self.amounts.items() if money.decimal}
            if mode == 'amounts' else None}

    async def show_preview(self) -> None:
        wanted = self.choice()
        if wanted['mode'] != 'full' and not (wanted['lines'] or wanted['amounts']):
            self.preview.text = ('Indiquez les quantités à créditer.' if wanted['mode'] == 'lines'
                                 else 'Indiquez les montants HT à créditer.')
            self.preview.classes(replace='app-muted')
            return
        try:
            totals = await self._preview(wanted)
        except DomainError as exc:
            self.preview.text = str(exc)
            self.preview.classes(replace='font-semibold text-negative')
            return
        self.preview.text = (f'Montant de l’avoir : {format_eur(totals.total_ttc)} TTC '
                             f'({format_eur(totals.total_ht)} HT)')
        self.preview.classes(replace='font-semibold')

    def _show_mode(self) -> None:
        self.lines_box.set_visibility(self.mode.value == 'lines')
        self.amounts_box.set_visibility(self.mode.value == 'amounts')

    async def _create(self) -> None:
        typos = [f'{money.what} : {money.error}' for money in (*self.quantities.values(), *self.amounts.values())
                 if money.error]
        if typos:
            raise DomainError(' ; '.join(typos))
        await self._on_create(self.reason.value or '', self.choice())
