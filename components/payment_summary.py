"""The payments summary panel (PA3): total due, overdue, not yet due and settled, then the same by type.

It takes a Summary-like plain object (db.payment_list.payment_summary gives one) and never queries; `show(summary)`
refreshes the figures in place when a payment changes elsewhere.

    panel = PaymentSummary(summary)
    panel.show(await payment_list.payment_summary(query))

The summary's attributes: `total_due`, `overdue`, `not_due`, `settled` (Decimals), and `by_type`, a mapping of
type key ('installment', 'deposit', 'irrecoverable', 'refund') to an object with `due`, `settled` (money only),
`credited` (what credit notes imputed) and `count`. The "Réglé" figure is money received only.
"""
from decimal import Decimal

from nicegui import ui

from logic.money import format_eur
from logic.payments import TYPE_LABELS

ZERO = Decimal('0.00')
# (attribute, French label, colour of the figure, data-role)
FIGURES = [('total_due', 'Total à encaisser', '', 'total-due'), ('overdue', 'En retard', 'negative', 'overdue'),
           ('not_due', 'À échoir', '', 'not-due'), ('settled', 'Réglé', 'positive', 'settled')]


class PaymentSummary(ui.element):
    """`PaymentSummary(summary)`: four figures, then one line per type present ("Acompte : 1 200,00 € à encaisser,
    300,00 € réglés")."""

    def __init__(self, summary=None, *, types: tuple[str, ...] = ('installment', 'deposit', 'irrecoverable',
                                                                   'refund')) -> None:
        super().__init__('div')
        self.classes('w-full flex flex-col gap-2').props('data-role=payment-summary').mark('payment-summary')
        self._figures: dict[str, ui.label] = {}
        self._by_type: dict[str, ui.label] = {}
        with self:
            with ui.element('div').classes('app-pay-summary'):
                for attribute, label, colour, role in FIGURES:
                    with ui.element('div').classes('app-pay-figure' + (f' app-pay-figure-{colour}' if colour else '')):
                        ui.label(label).classes('app-pay-figure-label')
                        self._figures[attribute] = ui.label().classes('app-pay-figure-value') \
                            .props(f'data-role={role}').mark(f'summary-{role}')
            with ui.element('div').classes('app-pay-types').props('data-role=summary-types'):
                for key in types:
                    self._by_type[key] = ui.label().props(f'data-type={key}').mark(f'summary-type-{key}')
        if summary is not None:
            self.show(summary)

    def show(self, summary) -> None:
        for attribute, label in self._figures.items():
            label.text = format_eur(getattr(summary, attribute, ZERO) or ZERO)
        by_type = getattr(summary, 'by_type', {}) or {}
        for key, label in self._by_type.items():
            figures = by_type.get(key)
            label.set_visibility(figures is not None and bool(getattr(figures, 'count', 1)))
            if figures is None:
                continue
            label.text = type_line(key, figures.due, figures.settled, getattr(figures, 'credited', ZERO) or ZERO)


def type_line(key: str, due: Decimal, settled: Decimal, credited: Decimal = ZERO) -> str:
    """'Échéance : 1 200,00 € à encaisser, 300,00 € réglés' (then ', 54,00 € soldés par avoir' when credit notes
    paid part). A credit note: 'Avoir : 54,00 € imputés sur facture, 0,00 € à rembourser, 0,00 € remboursés'
    (imputed is no money: only a refund paid out is "remboursé")."""
    name = TYPE_LABELS.get(key, key)
    if key == 'irrecoverable':
        return f'{name} : {format_eur(due)} passés en perte'
    if key == 'refund':
        imputed = f'{format_eur(credited)} imputés sur facture, ' if credited else ''
        return f'{name} : {imputed}{format_eur(due)} à rembourser, {format_eur(settled)} remboursés'
    text = f'{name} : {format_eur(due)} à encaisser, {format_eur(settled)} réglés'
    return f'{text}, {format_eur(credited)} soldés par avoir' if credited else text
