"""The progress of a building contract (IN8): its lines across its situations, what is billed and what remains.

`SituationGrid(rows=..., heads=...)` takes plain values from db/situations.py (`standing`) and lays them out as a table
that scrolls sideways on a phone; it never queries.
"""
from dataclasses import dataclass
from decimal import Decimal

from nicegui import ui

from logic.money import format_decimal_fr, format_eur


@dataclass(kw_only=True, slots=True, frozen=True)
class Head:
    """One situation's column: 'S2', its number and whether it still counts (credited in full: no)."""

    label: str
    number: str
    counted: bool = True


class SituationGrid(ui.element):
    def __init__(self, *, rows: list, heads: list[Head], totals: dict[str, Decimal]) -> None:
        super().__init__('div')
        self.classes('app-situation-grid w-full').props('data-role=situation-grid')
        with self, ui.element('table').classes('app-grid-table'):
            with ui.element('thead'), ui.element('tr'):
                _cell('th', 'Désignation', 'left')
                _cell('th', 'Marché HT')
                for head in heads:
                    with ui.element('th').classes('num' + ('' if head.counted else ' credited')):
                        ui.label(head.label)
                        ui.label(head.number if head.counted else f'{head.number} (avoir)').classes('app-muted')
                _cell('th', 'Facturé HT')
                _cell('th', 'Avancement')
                _cell('th', 'Reste HT')
            with ui.element('tbody'):
                for row in rows:
                    with ui.element('tr').props(f'data-line={row.line.line_id}'):
                        _cell('td', row.line.designation, 'left')
                        _cell('td', format_eur(row.line.amount))
                        for head, cell in zip(heads, row.cells):
                            with ui.element('td').classes('num' + ('' if head.counted else ' credited')):
                                if cell is not None:
                                    ui.label(f'{format_decimal_fr(cell.cumulative_percent)} %')
                                    ui.label(f'+{format_eur(cell.delta_amount)}').classes('app-muted')
                        _cell('td', format_eur(row.billed))
                        _cell('td', f'{format_decimal_fr(row.percent)} %')
                        _cell('td', format_eur(row.remaining))
                with ui.element('tr').classes('total').props('data-line=total'):
                    _cell('td', 'Total du marché', 'left')
                    _cell('td', format_eur(totals['contract']))
                    for _ in heads:
                        _cell('td', '')
                    _cell('td', format_eur(totals['billed'])).mark('grid-billed')
                    _cell('td', f'{format_decimal_fr(totals["percent"])} %')
                    _cell('td', format_eur(totals['contract'] - totals['billed'])).mark('grid-remaining')


def _cell(tag: str, text: str, align: str = 'num') -> ui.label:
    """A cell with its text; the label is returned (markers go on it)."""
    with ui.element(tag).classes('num' if align == 'num' else ''):
        return ui.label(text)
