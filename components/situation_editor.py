"""The editor of a situation (IN8): per contract line, the cumulative progress typed (a percent, or a quantity done)
and, live, what the situation bills; below, its totals, deposits deducted, holdback and what is to pay now.

`SituationEditor(lines=..., previous=..., plan=...)`: `plan(percents, quantities)` is the page's pure function
(db/situations.plan_situation over the loaded contract) returning the plan or raising a DomainError; the editor only
parses what is typed and lays the figures out. Cards, not a table: it reads on a 390 px phone.
"""
from collections.abc import Callable
from decimal import Decimal

from nicegui import ui

from logic.errors import DomainError
from logic.money import format_decimal_fr, format_eur, parse_number


class SituationEditor(ui.column):
    def __init__(self, *, lines: list, previous: dict, plan: Callable[[dict, dict], object]) -> None:
        super().__init__()
        self.classes('w-full gap-2').props('data-role=situation-editor')
        self._plan, self._lines, self._previous = plan, lines, previous
        self.inputs: dict[int, ui.input] = {}
        self.deltas: dict[int, ui.label] = {}
        self.current = None  # the last plan computed without error
        with self:
            with ui.row().classes('items-center gap-2'):
                self.by_quantity = ui.switch('Saisir les quantités réalisées', on_change=self._switch) \
                    .props('data-field=by-quantity').mark('by-quantity')
                ui.button('Tout à 100 %', on_click=self._all_done).props('flat dense data-action=all-done') \
                    .mark('all-done')
            for line in lines:
                self._card(line)
            self.error = ui.label('').classes('text-negative').mark('situation-error')
            with ui.card().classes('app-card w-full').props('data-role=situation-totals') as self.totals_card:
                self.totals = ui.column().classes('w-full gap-1')
        self.recompute()
        if self.current is None:  # nothing typed yet: a hint, not an error
            self.error.text = 'Saisissez l’avancement cumulé des lignes qui ont progressé depuis la dernière situation.'
            self.error.classes(replace='app-muted')

    def _card(self, line) -> None:
        done = self._previous.get(line.line_id)
        before = done.percent if done else Decimal(0)
        with ui.card().classes('app-card w-full app-situation-line').props(f'data-line={line.line_id}'):
            with ui.row().classes('w-full items-start justify-between no-wrap gap-2'):
                with ui.column().classes('gap-0'):
                    ui.label(line.designation).classes('font-medium')
                    ui.label(f'Marché {format_eur(line.amount)} HT · quantité {format_decimal_fr(line.quantity)}'
                             f' · déjà {format_decimal_fr(before)} %').classes('app-muted')
                self.inputs[line.line_id] = ui.input('Cumul %', value=format_decimal_fr(before),
                                                     on_change=self.recompute) \
                    .props(f'outlined dense inputmode=decimal data-field=cumulative-{line.line_id}') \
                    .classes('w-28 shrink-0').mark(f'cumulative-{line.line_id}')
            self.deltas[line.line_id] = ui.label('').classes('app-muted').mark(f'delta-{line.line_id}')

    def values(self) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
        """(percents, quantities) typed, per line id; refuses what is not a number (DomainError, in French)."""
        percents, quantities = {}, {}
        for line in self._lines:
            text = self.inputs[line.line_id].value
            target = quantities if self.by_quantity.value else percents
            target[line.line_id] = parse_number(text, places=4, allow_negative=False, label=line.designation)
        return percents, quantities

    def recompute(self) -> None:
        try:
            plan = self._plan(*self.values())
        except DomainError as exc:
            self.current = None
            self.error.classes(replace='text-negative')
            self.error.text = str(exc)
            self.totals_card.visible = False
            return
        self.current, self.error.text = plan, ''
        self.totals_card.visible = True
        for item in plan.lines:
            self.deltas[item.line.line_id].text = (
                f'Cumul {format_eur(item.cumulative_amount)} − précédent {format_eur(item.previous_amount)} = '
                f'{format_eur(item.delta_amount)} HT ({format_decimal_fr(item.delta_percent)} %)')
        self.totals.clear()
        with self.totals:
            title = f'Situation n° {plan.seq}' + (' — décompte général définitif' if plan.final else '')
            ui.label(title).classes('app-subtitle').mark('situation-title')
            for label, value, marker in (
                    ('Cumul HT', plan.cumulative_ht, 'plan-cumulative'), ('Cette situation HT', plan.delta_ht,
                                                                          'plan-ht'),
                    ('TVA', plan.totals.total_vat, 'plan-vat'), ('Total TTC', plan.totals.total_ttc, 'plan-ttc'),
                    ('Acomptes déduits', -plan.amounts.deposit, 'plan-deposit'),
                    ('Retenue de garantie', -plan.amounts.holdback, 'plan-holdback'),
                    ('Net à payer', plan.amounts.pay_now, 'plan-pay')):
                with ui.row().classes('w-full justify-between'):
                    ui.label(label)
                    ui.label(format_eur(value)).classes('font-medium').mark(marker)

    def _switch(self) -> None:
        quantity = bool(self.by_quantity.value)
        for line in self._lines:
            done = self._previous.get(line.line_id)
            percent = done.percent if done else Decimal(0)
            field = self.inputs[line.line_id]
            field.label = 'Quantité' if quantity else 'Cumul %'
            field.value = format_decimal_fr((line.quantity * percent / 100).quantize(Decimal('0.0001')).normalize()
                                            if quantity else percent)
        self.recompute()

    def _all_done(self) -> None:
        for line in self._lines:
            self.inputs[line.line_id].value = format_decimal_fr(line.quantity if self.by_quantity.value
                                                                else Decimal(100))
        self.recompute()
