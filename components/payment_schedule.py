"""A draft invoice's payment schedule (IN5): split evenly, by percentages or by amounts, with dates from the payment
terms every N days or months, or chosen by hand. The parts always sum to the total to the cent: logic/schedule.py
splits (the last part takes the remainder) and says in French why typed amounts don't add up.

It never queries: the page gives the total, the saved installments and an `on_save([(due_date, amount), ...])`
callback (an empty list = no schedule, one installment at the terms' due date).

    PaymentSchedule(total=Decimal('1200.00'), installments=[], first_due=date(2026, 4, 30), on_save=save)

A validated invoice's installments are shown by components/installments_view.py.
"""
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from nicegui import ui

from components.date_input import DateInput
from components.money_input import MoneyInput
from logic.dates import format_date
from logic.errors import DomainError
from logic.money import format_eur
from logic.schedule import (HUNDRED, MAX_INSTALLMENTS, add_months, check_amounts, schedule_dates, split_by_percentages,
                            split_evenly)

SPLITS = {'even': 'Parts égales', 'percent': 'Pourcentages', 'amount': 'Montants'}
DATES = {'terms': 'Échéances régulières', 'manual': 'Dates au choix'}
UNITS = {'months': 'mois', 'days': 'jours'}

SaveCallback = Callable[[list[tuple[date, Decimal]]], Awaitable[object]]


@dataclass(kw_only=True, slots=True)
class _Part:
    due: date | None
    percent: Decimal | None = None
    amount: Decimal | None = None


class PaymentSchedule(ui.element):
    """The editor; `first_due` is the due date the payment terms give (the first installment's date)."""

    def __init__(self, *, total: Decimal, installments: list[tuple[date, Decimal]], first_due: date,
                 on_save: SaveCallback, terms_label: str = '') -> None:
        super().__init__('div')
        self.classes('app-schedule').props('data-role=schedule')
        self.total = total
        self.first_due = first_due
        self.on_save = on_save
        self.terms_label = terms_label
        self.saved = list(installments)
        self.split = 'amount' if installments else 'even'
        self.dates = 'manual' if installments else 'terms'
        self.every, self.unit = 1, 'months'
        self.parts = [_Part(due=due, amount=amount) for due, amount in installments] or \
            [_Part(due=day) for day in schedule_dates(first_due, 2, 1, 'months')]
        if not installments:
            self._resplit()
        self.error: str | None = None
        self.dirty = False
        with self:
            self._options()
            self.rows_box = ui.column().classes('w-full gap-0').props('data-role=schedule-rows')
            with ui.element('div').classes('app-schedule-sum'):
                self.sum_label = ui.label().props('data-role=schedule-sum').mark('schedule-sum')
                self.total_label = ui.label(f'Total à échelonner : {format_eur(total)}') \
                    .classes('app-muted font-normal').mark('schedule-total')
            self.error_label = ui.label().classes('app-schedule-error').props('data-role=schedule-error') \
                .mark('schedule-error')
            with ui.row().classes('w-full items-center gap-2'):
                if installments:
                    ui.button('Supprimer l’échéancier', icon='delete_outline', on_click=self._clear) \
                        .props('flat color=negative no-caps data-action=clear-schedule').mark('clear-schedule')
                ui.space()
                self.save_button = ui.button('Enregistrer l’échéancier', icon='save', on_click=self._save) \
                    .props('unelevated no-caps data-action=save-schedule').mark('save-schedule')
        self._draw_rows()

    # --- for the page and the tests --------------------------------------------------------------------------

    def set_total(self, total: Decimal) -> None:
        """The invoice's total changed (lines edited): even and percentage splits follow, typed amounts are checked."""
        if total == self.total:
            return
        self.total = total
        self.total_label.text = f'Total à échelonner : {format_eur(total)}'
        if self.split != 'amount':
            self._refresh()
        else:
            self._touched()

    def installments(self) -> list[tuple[date, Decimal]]:
        """The schedule as it will be saved; raises DomainError (French) when it doesn't add up."""
        if any(part.due is None for part in self.parts):
            raise DomainError('Chaque échéance doit avoir une date.')
        amounts = self._amounts()
        check_amounts(self.total, amounts)
        return [(part.due, amount) for part, amount in zip(self.parts, amounts)]

    # --- drawing ---------------------------------------------------------------------------------------------

    def _options(self) -> None:
        with ui.element('div').classes('app-schedule-options'):
            ui.toggle(SPLITS, value=self.split, on_change=lambda e: self._set_split(e.value)) \
                .props('no-caps unelevated toggle-color=primary color=white text-color=primary data-field=split') \
                .classes('app-toggle').mark('schedule-split')
            self.count = MoneyInput('Nombre d’échéances', value=Decimal(len(self.parts)), places=0,
                                    minimum=Decimal(1), maximum=Decimal(MAX_INSTALLMENTS), field='count',
                                    what='Nombre d’échéances', on_change=self._set_count)
            self.count.classes('w-40').mark('schedule-count')
        with ui.element('div').classes('app-schedule-options'):
            ui.select(DATES, value=self.dates, label='Dates', on_change=lambda e: self._set_dates(e.value)) \
                .props('outlined dense data-field=dates').classes('w-72').mark('schedule-dates')
            self.every_input = MoneyInput('Tous les', value=Decimal(self.every), places=0, minimum=Decimal(1),
                                          maximum=Decimal(366), field='every', what='Intervalle',
                                          on_change=self._set_every)
            self.every_input.classes('w-24').mark('schedule-every')
            self.unit_select = ui.select(UNITS, value=self.unit, on_change=lambda e: self._set_unit(e.value)) \
                .props('outlined dense data-field=unit').classes('w-28').mark('schedule-unit')
            hint = f'Première échéance : {format_date(self.first_due, empty="—")}'
            if self.terms_label:
                hint += f' ({self.terms_label})'
            self.terms_hint = ui.label(hint).classes('app-muted text-sm').mark('schedule-first-due')
        self._show_date_options()

    def _show_date_options(self) -> None:
        by_terms = self.dates == 'terms'
        for element in (self.every_input, self.unit_select, self.terms_hint):
            element.set_visibility(by_terms)

    def _draw_rows(self) -> None:
        self.rows_box.clear()
        self._amount_labels: list[ui.label] = []
        with self.rows_box:
            for position, part in enumerate(self.parts, start=1):
                with ui.element('div').classes('app-schedule-row w-full' + (' with-percent' if self.split == 'percent'
                                                                             else '')) \
                        .props(f'data-installment={position}'):
                    ui.label(str(position)).classes('s-pos')
                    day = DateInput('Échéance', part.due, field='due', marker='schedule-due',
                                    on_change=lambda value, part=part: self._set_due(part, value)) \
                        .props('hide-bottom-space')
                    day.set_enabled(self.dates == 'manual')
                    if self.split == 'percent':
                        MoneyInput('%', value=part.percent, places=2, minimum=Decimal(0), maximum=HUNDRED,
                                   field='percent', what=f'Pourcentage de l’échéance {position}',
                                   on_change=lambda value, part=part: self._set_percent(part, value)) \
                            .mark('schedule-percent')
                    if self.split == 'amount':
                        MoneyInput('Montant TTC', value=part.amount, allow_negative=False, field='amount',
                                   what=f'Montant de l’échéance {position}',
                                   on_change=lambda value, part=part: self._set_amount(part, value)) \
                            .classes('s-amount-input').mark('schedule-amount')
                    else:
                        self._amount_labels.append(ui.label().classes('s-amount').mark('schedule-part'))
        self._refresh()

    def _refresh(self) -> None:
        """Recompute the parts and show their sum, or why they don't make a schedule of the total."""
        self.error = None
        try:
            amounts = self._amounts()
            check_amounts(self.total, amounts)
        except DomainError as exc:
            self.error = str(exc)
            amounts = [part.amount for part in self.parts]
        if self.split != 'amount':
            for label, amount in zip(self._amount_labels, amounts):
                label.text = format_eur(amount) if amount is not None and self.error is None else '—'
        typed = [amount for amount in amounts if amount is not None]
        self.sum_label.text = f'Somme des échéances : {format_eur(sum(typed, Decimal("0.00")))}'
        self.error_label.text = self.error or ''
        self.error_label.set_visibility(bool(self.error))

    def _amounts(self) -> list[Decimal]:
        if self.split == 'even':
            return split_evenly(self.total, len(self.parts))
        if self.split == 'percent':
            if any(part.percent is None for part in self.parts):
                raise DomainError('Indiquez le pourcentage de chaque échéance.')
            return split_by_percentages(self.total, [part.percent for part in self.parts])
        if any(part.amount is None for part in self.parts):
            raise DomainError('Indiquez le montant de chaque échéance.')
        return [part.amount for part in self.parts]

    # --- edits -----------------------------------------------------------------------------------------------

    def _set_split(self, split: str) -> None:
        # The figures carry over: the even split becomes the starting amounts or percentages.
        try:
            amounts = self._amounts()
        except DomainError:
            amounts = split_evenly(self.total, len(self.parts))
        self.split = split
        for part, amount in zip(self.parts, amounts):
            part.amount = amount
            part.percent = None
        if split == 'percent':
            self._even_percentages()
        self._touched(redraw=True)

    def _set_count(self, value: Decimal | None) -> None:
        count = int(value or 1)
        if count == len(self.parts):
            return
        self.parts = self.parts[:count] + [_Part(due=None) for _ in range(count - len(self.parts))]
        self._redate()
        self._resplit()
        self._touched(redraw=True)

    def _set_dates(self, mode: str) -> None:
        self.dates = mode
        self._show_date_options()
        self._redate()
        self._touched(redraw=True)

    def _set_every(self, value: Decimal | None) -> None:
        self.every = int(value or 1)
        self._redate()
        self._touched(redraw=True)

    def _set_unit(self, unit: str) -> None:
        self.unit = unit
        self._redate()
        self._touched(redraw=True)

    def _set_due(self, part: _Part, day: date | None) -> None:
        part.due = day
        self._touched()

    def _set_percent(self, part: _Part, value: Decimal | None) -> None:
        part.percent = value
        self._touched()

    def _set_amount(self, part: _Part, value: Decimal | None) -> None:
        part.amount = value
        self._touched()

    def _redate(self) -> None:
        if self.dates == 'terms':
            for part, day in zip(self.parts, schedule_dates(self.first_due, len(self.parts), self.every, self.unit)):
                part.due = day
        else:  # new rows by hand start a month after the previous one
            for index, part in enumerate(self.parts):
                if part.due is None:
                    part.due = add_months(self.parts[index - 1].due, 1) if index and self.parts[index - 1].due \
                        else self.first_due

    def _resplit(self) -> None:
        amounts = split_evenly(self.total, len(self.parts))
        for part, amount in zip(self.parts, amounts):
            part.amount = amount
        if self.split == 'percent':
            self._even_percentages()

    def _even_percentages(self) -> None:
        # Percentages at the hundredth that sum to exactly 100: the last one takes the remainder.
        for part, percent in zip(self.parts, split_evenly(HUNDRED.quantize(Decimal('0.01')), len(self.parts))):
            part.percent = percent

    def _touched(self, redraw: bool = False) -> None:
        self.dirty = True
        if redraw:
            self._draw_rows()
        else:
            self._refresh()

    async def _save(self) -> None:
        try:
            installments = self.installments()
        except DomainError as exc:
            self.error_label.text = str(exc)
            self.error_label.set_visibility(True)
            ui.notify(str(exc), type='negative', multi_line=True)
            return
        await _maybe_await(self.on_save(installments))

    async def _clear(self) -> None:
        await _maybe_await(self.on_save([]))



async def _maybe_await(result) -> None:
    if inspect.isawaitable(result):
        await result


