"""A validated invoice's installments (IN5, PA2, PA7): due date, nature, amount, paid, left to pay and state of each,
with the actions the page offers on each row ("Régler", "Annuler le règlement") as callbacks, and the totals.

    InstallmentsView([InstallmentRow(id=7, due_date=date(2026, 4, 30), label='Échéance 1/2', amount=Decimal('600.00'),
                                  paid_amount=Decimal('0.00'), status='open',
                                  actions=[('settle', 'Régler', 'payments', lambda: settle(7))])])

Cards on phones, a table-like grid from 760 px.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from nicegui import ui

from logic.dates import format_date
from logic.money import format_eur
from logic.payments import DISPLAY_LABELS

# The labels are logic.payments.installment_display's (the page passes them); the colours are `app-inst-<status>`
# (assets/components.css).
OPEN_KEYS = ('open', 'partial', 'overdue')


@dataclass(kw_only=True, slots=True)
class InstallmentRow:
    """One installment of a validated invoice as `InstallmentsView` shows it."""

    id: int
    due_date: date
    label: str
    amount: Decimal
    paid_amount: Decimal  # settled, credit note imputations included
    status: str  # logic.payments.installment_display's key
    state_label: str = ''  # logic.payments.installment_display's label (else the key's own label)
    credited: Decimal = Decimal('0.00')  # the part of paid_amount that credit notes imputed: no money received
    actions: list[tuple[str, str, str, Callable[[], object]]] = field(default_factory=list)  # (key, label, icon, cb)

    @property
    def left_to_pay(self) -> Decimal:
        return self.amount - self.paid_amount


class InstallmentsView(ui.element):
    """A validated invoice's installments, read-only, with the actions the page offers on each."""

    def __init__(self, rows: list[InstallmentRow]) -> None:
        super().__init__('div')
        # `data-table=installments` and `.rows` keep the older table's hooks (tests and the browser walk-throughs).
        self.classes('app-installments').props('data-role=installments-detail data-table=installments')
        self.rows = [{'id': row.id, 'due': _fr(row.due_date), 'kind': row.label, 'amount': format_eur(row.amount),
                      'status': row.status} for row in rows]
        with self:
            with ui.element('div').classes('app-installment app-installment-head'):
                for caption, area in (('Échéance', 'i-due'), ('Nature', 'i-label'), ('Montant', 'i-amount'),
                                      ('Réglé', 'i-paid'), ('Reste à payer', 'i-left'), ('État', 'i-state')):
                    ui.label(caption).classes(area)
            for row in rows:
                self._row(row)
            with ui.element('div').classes('app-schedule-totals'):
                paid = sum((row.paid_amount - row.credited for row in rows), Decimal('0.00'))
                credited = sum((row.credited for row in rows), Decimal('0.00'))
                left = sum((row.left_to_pay for row in rows if row.status in OPEN_KEYS), Decimal('0.00'))
                ui.label(f'Réglé : {format_eur(paid)}').props('data-role=schedule-paid').mark('schedule-paid')
                if credited:
                    ui.label(f'Avoirs imputés : {format_eur(credited)}') \
                        .props('data-role=schedule-credited').mark('schedule-credited')
                ui.label(f'Reste à payer : {format_eur(left)}').classes('font-semibold') \
                    .props('data-role=schedule-left').mark('schedule-left')

    def _row(self, row: InstallmentRow) -> None:
        with ui.element('div').classes('app-installment') \
                .props(f'data-installment-id={row.id} data-status={row.status}').mark('installment-row'):
            ui.label(_fr(row.due_date)).classes('i-due')
            ui.label(row.label).classes('i-label')
            ui.label(format_eur(row.amount)).classes('i-amount').mark('installment-amount')
            with ui.column().classes('i-paid gap-0'):
                ui.label('Réglé').classes('i-caption')
                ui.label(format_eur(row.paid_amount - row.credited)).mark('installment-paid')
                if row.credited:
                    ui.label(f'Avoir imputé : {format_eur(row.credited)}').classes('app-muted text-xs') \
                        .mark('installment-credited')
            with ui.column().classes('i-left gap-0'):
                ui.label('Reste à payer').classes('i-caption')
                left = row.left_to_pay if row.status in OPEN_KEYS else Decimal('0.00')
                ui.label(format_eur(left)).mark('installment-left')
            ui.label(row.state_label or DISPLAY_LABELS.get(row.status, row.status)) \
                .classes(f'i-state app-status app-inst-{row.status}').props(f'data-status={row.status}') \
                .mark('installment-status')
            with ui.element('div').classes('i-act'):
                for key, caption, icon, callback in row.actions:
                    ui.button(caption, icon=icon, on_click=callback) \
                        .props(f'outline dense no-caps data-action={key}').mark(key)



def _fr(value: date | None) -> str:
    return format_date(value, empty='—')
