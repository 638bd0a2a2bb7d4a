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

from logic.money import format_eur

INSTALLMENTS_CSS = """
.app-installments { display: flex; flex-direction: column; width: 100%; }
.app-installment { display: grid; gap: 4px 12px; align-items: center; padding: 10px 0;
  border-bottom: 1px solid var(--app-line); grid-template-columns: minmax(0, 1fr) auto;
  grid-template-areas: "due amount" "label state" "paid left" "act act"; }
.app-installment:last-child { border-bottom: none; }
.app-installment .i-due { grid-area: due; font-weight: 600; } .app-installment .i-label { grid-area: label; }
.app-installment .i-amount { grid-area: amount; text-align: right; font-weight: 650; }
.app-installment .i-paid { grid-area: paid; }
.app-installment .i-left { grid-area: left; text-align: right; align-items: flex-end; }
.app-installment .i-state { grid-area: state; justify-self: end; }
.app-installment .i-act { grid-area: act; display: flex; flex-wrap: wrap; gap: 6px; justify-content: flex-end; }
.app-installment .i-amount, .app-installment .i-paid, .app-installment .i-left {
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.app-installment-head { display: none; }
@media (min-width: 760px) {
  .app-installment { grid-template-columns: 96px minmax(90px, 1fr) 110px 100px 110px 104px 176px;
    grid-template-areas: "due label amount paid left state act"; }
  .app-installment .i-paid, .app-installment .i-left { text-align: right; align-items: flex-end; }
  .app-installment .i-state { justify-self: start; }
  .app-installment-head { display: grid; color: var(--app-muted); font-size: .8rem; font-weight: 600;
    padding-top: 0; }
  .app-installment .i-caption { display: none; }
}
.app-installment .i-caption { color: var(--app-muted); font-size: .8rem; }
.app-schedule-totals { display: flex; flex-wrap: wrap; gap: 4px 24px; justify-content: flex-end;
  font-variant-numeric: tabular-nums; padding-top: 8px; }
.app-status { border-radius: 999px; padding: 1px 10px; font-size: .8rem; font-weight: 600;
  white-space: nowrap; }
"""
# Installment.status -> (label, background, ink), the payments page's words.
STATUSES = {'planned': ('Prévue', '#eef1f4', '#4a5563'), 'open': ('En attente', '#e3ecf7', '#1d4e89'),
            'overdue': ('En retard', '#fff1dc', '#a15c00'), 'paid': ('Réglée', '#e3f2e5', '#2e7d32'),
            'irrecoverable': ('Irrécouvrable', '#fbe4e4', '#c62828'), 'cancelled': ('Annulée', '#fbe4e4', '#c62828')}


@dataclass(kw_only=True, slots=True)
class InstallmentRow:
    """One installment of a validated invoice as `InstallmentsView` shows it."""

    id: int
    due_date: date
    label: str
    amount: Decimal
    paid_amount: Decimal
    status: str  # Installment.status, or 'overdue' for an open one past its date
    actions: list[tuple[str, str, str, Callable[[], object]]] = field(default_factory=list)  # (key, label, icon, cb)

    @property
    def left_to_pay(self) -> Decimal:
        return self.amount - self.paid_amount


class InstallmentsView(ui.element):
    """A validated invoice's installments, read-only, with the actions the page offers on each."""

    def __init__(self, rows: list[InstallmentRow]) -> None:
        super().__init__('div')
        add_styles()
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
                paid = sum((row.paid_amount for row in rows), Decimal('0.00'))
                left = sum((row.left_to_pay for row in rows if row.status in ('open', 'overdue')), Decimal('0.00'))
                ui.label(f'Réglé : {format_eur(paid)}').props('data-role=schedule-paid').mark('schedule-paid')
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
                ui.label(format_eur(row.paid_amount)).mark('installment-paid')
            with ui.column().classes('i-left gap-0'):
                ui.label('Reste à payer').classes('i-caption')
                ui.label(format_eur(row.left_to_pay if row.status in ('open', 'overdue') else Decimal('0.00'))) \
                    .mark('installment-left')
            label, background, ink = STATUSES.get(row.status, (row.status, '#eef1f4', '#4a5563'))
            ui.label(label).classes('i-state app-status').style(f'background:{background};color:{ink}') \
                .props(f'data-status={row.status}').mark('installment-status')
            with ui.element('div').classes('i-act'):
                for key, caption, icon, callback in row.actions:
                    ui.button(caption, icon=icon, on_click=callback) \
                        .props(f'outline dense no-caps data-action={key}').mark(key)


def add_styles() -> None:
    client = ui.context.client
    if not getattr(client, '_installments_css', False):
        client._installments_css = True  # noqa: SLF001 - a per-page flag
        ui.add_css(INSTALLMENTS_CSS)


def _fr(value: date | None) -> str:
    return value.strftime('%d/%m/%Y') if value else '—'
