"""One client of the dunning proposal (PA6): its overdue installments with the level due, the days late, what is
left to pay, the penalties and the indemnity, each with a box to choose it. Rows wrap into cards on phones.

It takes the proposal's values (db/dunning.py ClientGroup) and a set of chosen installment ids it keeps up to date.
"""
from nicegui import ui

from logic.dates import format_date
from logic.dunning import LEVEL_LABELS
from logic.money import format_eur

LEVEL_COLOURS = {1: 'app-level-1', 2: 'app-level-2', 3: 'app-level-3'}


class DunningGroup(ui.card):

    def __init__(self, group, chosen: set[int], on_change) -> None:
        super().__init__()
        self.classes('app-card app-dunning-group gap-2').props(f'data-client={group.client_id}')
        self.group, self.chosen, self.on_change = group, chosen, on_change
        self.boxes: list[tuple[int, ui.checkbox]] = []
        with self:
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                self.all = ui.checkbox(value=self._all_chosen(), on_change=lambda e: self._choose_all(e.value)) \
                    .props(f'dense data-choose-client={group.client_id}').props(
                        f'aria-label="Tout choisir : {_attr(group.name)}"')
                with ui.column().classes('gap-0 grow min-w-0'):
                    ui.label(group.name).classes('font-semibold ellipsis').mark('dunning-client')
                    kind = 'Entreprise' if group.business else 'Particulier (ni pénalités ni indemnité)'
                    ui.label(f'{kind} · {group.email or "pas d’e-mail"}').classes('app-muted text-xs')
                ui.label(format_eur(group.total)).classes('font-semibold text-no-wrap').mark('dunning-total')
            for line in group.lines:
                self._line(line)

    def _line(self, line) -> None:
        with ui.element('div').classes('app-dunning-line').props(f'data-installment={line.installment_id}'):
            box = ui.checkbox(value=line.installment_id in self.chosen,
                              on_change=lambda e, i=line.installment_id: self._choose(i, e.value)) \
                .props(f'dense data-choose={line.installment_id}').props(f'aria-label="Choisir {line.number}"')
            self.boxes.append((line.installment_id, box))
            with ui.element('div').classes('app-dunning-cells'):
                ui.link(line.number, f'/factures/{line.document_id}').classes('app-doc-link')
                ui.label(f'échue le {format_date(line.due_date)}').classes('app-muted')
                ui.label(f'{line.days_late} j de retard')
                ui.label(f'Niveau {line.level} · {LEVEL_LABELS[line.level]}') \
                    .classes(f'app-badge {LEVEL_COLOURS[line.level]}').props(f'data-level={line.level}')
                ui.label(f'Reste {format_eur(line.left)}').classes('text-no-wrap')
                if self.group.business:
                    penalties = format_eur(line.penalties) if line.penalties is not None else 'taux manquant'
                    ui.label(f'Pénalités {penalties}').classes('text-no-wrap').props('data-role=penalties')
                    if line.indemnity:
                        ui.label(f'Indemnité {format_eur(line.indemnity)}').classes('text-no-wrap') \
                            .props('data-role=indemnity')

    def _all_chosen(self) -> bool:
        return all(line.installment_id in self.chosen for line in self.group.lines)

    def _choose(self, installment_id: int, value: bool) -> None:
        (self.chosen.add if value else self.chosen.discard)(installment_id)
        self.all.set_value(self._all_chosen())
        self.on_change()

    def _choose_all(self, value: bool) -> None:
        if value == self._all_chosen():
            return
        for installment_id, box in self.boxes:
            box.set_value(value)


def _attr(text: str) -> str:
    return text.replace('"', '').replace("'", '')
