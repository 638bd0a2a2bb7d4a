"""A list of documents (DOC5, IN6): filters by state, type and dates, a search, the table paged and sorted in SQL,
an Excel export of what the filters select. On a phone the rows become cards.

The page gives `fetch(filters, request) -> (rows, total)` and `export(filters)`; rows carry 'url' (the document's
page) and 'state_key' (for the badge colour) besides the shown columns. Given a `spec` (logic/list_state.py), the
list opens with the filters, sort and page of its address and keeps the address on them.
"""
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import date

from nicegui import ui

from components.date_input import DateInput
from components.paged_table import PagedTable, PageRequest, opened_state
from logic.dates import read_day
from logic.list_state import ListSpec

# The phone layout: one card per document, every value escaped by Vue's {{ }}.
CARD = r'''
<a :href="props.row.url" class="app-doc-card" :data-id="props.row.id">
  <div class="app-doc-card-top">
    <span class="app-doc-card-number">{{ props.row.number }}</span>
    <span class="app-badge" :class="'app-state-' + props.row.state_key">{{ props.row.state }}</span>
  </div>
  <div class="app-doc-card-client">{{ props.row.client }}</div>
  <div class="app-doc-card-bottom"><span>{{ props.row.date }}</span><span>{{ props.row.type }}</span>
    <span class="app-doc-card-amount">{{ props.row.total_ttc }}</span></div>
</a>
'''
STATE_CELL = r'''
<q-td :props="props">
  <span class="app-badge" :class="'app-state-' + props.row.state_key">{{ props.value }}</span>
</q-td>
'''
NUMBER_CELL = r'''
<q-td :props="props"><a :href="props.row.url" class="app-doc-link">{{ props.value }}</a></q-td>
'''


@dataclass(kw_only=True, slots=True, frozen=True)
class ListFilters:
    state: str = ''
    doc_type: str = ''
    start: date | None = None
    end: date | None = None
    search: str = ''
    view: str = ''  # a named selection of the dashboard (db/document_list.py VIEWS)


Fetch = Callable[[ListFilters, PageRequest], Awaitable[tuple[list[dict], int] | None]]


class DocumentList(ui.element):
    """`DocumentList(columns=..., states={...}, types={...} or None, fetch=..., export=...)`."""

    def __init__(self, *, name: str, columns: list[dict], states: dict[str, str], types: dict[str, str] | None,
                 fetch: Fetch, export: Callable[[ListFilters], Awaitable[None]] | None,
                 new: tuple[str, str] | None = None, hint: str = '', initial: ListFilters | None = None,
                 sort_by: str = 'date', batch: Callable[[ListFilters], Awaitable[None]] | None = None,
                 spec: ListSpec | None = None, views: dict[str, str] | None = None) -> None:
        super().__init__('div')
        self.classes('w-full flex flex-col gap-3')
        state = opened_state(spec) if spec is not None else None
        if state is not None:
            initial = ListFilters(**state.values)
        initial = initial or ListFilters()
        self._fetch = fetch
        self.view = initial.view if initial.view in (views or {}) else ''
        with self:
            with ui.element('div').classes('app-list-head'):
                ui.label(hint).classes('app-muted gt-xs')  # about column titles, which phones don't show
                ui.space()
                with ui.row().classes('gap-2'):
                    if new is not None:
                        ui.button(new[0], icon='add', on_click=lambda: ui.navigate.to(new[1])) \
                            .props('unelevated no-caps data-action=new').mark('new')
                    if export is not None:
                        ui.button('Export Excel', icon='download', on_click=lambda: export(self.filters())) \
                            .props('outline no-caps data-action=export').mark('export')
                    if batch is not None:
                        ui.button('Édition groupée', icon='print', on_click=lambda: batch(self.filters())) \
                            .props('outline no-caps data-action=batch').mark('batch')
            with ui.element('div').classes('app-filters').props('data-role=filters'):
                self.search = ui.input('Rechercher', value=initial.search) \
                    .props('outlined dense clearable debounce=300 data-field=search') \
                    .classes('w-full sm:w-56').mark('search')
                with self.search.add_slot('prepend'):
                    ui.icon('search')
                self.state = ui.select({'': 'Tous les états', **states}, label='État', value=initial.state) \
                    .props('outlined dense data-field=state').classes('w-40').mark('state-filter')
                self.doc_type = None
                if types:
                    self.doc_type = ui.select({'': 'Tous les types', **types}, label='Type',
                                              value=initial.doc_type) \
                        .props('outlined dense data-field=doc_type').classes('w-44').mark('type-filter')
                self.start = DateInput('Du', initial.start, field='start').classes('w-40')
                self.end = DateInput('Au', initial.end, field='end').classes('w-40')
                # On a phone the rows are cards without column titles to click: sort with this instead.
                sorts = {f'{column["name"]}:{direction}': f'{column["label"]} {arrow}' for column in columns
                         if column.get('sortable') for direction, arrow in (('asc', '↑'), ('desc', '↓'))}
                sort = f'{state.sort}:{"desc" if state.descending else "asc"}' if state else f'{sort_by}:asc'
                self.sort = ui.select(sorts, label='Trier par', value=sort if sort in sorts else None) \
                    .props('outlined dense data-field=sort').classes('w-44 lt-sm').mark('sort')
                if self.view:  # opened from the dashboard: say what the list is restricted to, and let it go
                    self.view_chip = ui.chip((views or {})[self.view], icon='filter_alt', removable=True,
                                             on_value_change=self._leave_view) \
                        .props('outline color=primary data-role=view').classes('app-view-chip').mark('view')
            self.table = PagedTable(columns=columns, fetch=self._page, sort_by=sort_by, name=name, state=state)
            if spec is not None:
                self.table.follow_address(spec, lambda: asdict(self.filters()))
            self.table.props(':grid="Quasar.Screen.lt.sm"')
            self.table.add_slot('item', CARD)
            self.table.add_slot('body-cell-state', STATE_CELL)
            self.table.add_slot('body-cell-number', NUMBER_CELL)
            self.table.on('row-click', lambda e: ui.navigate.to(e.args[1]['url']))
        for control in (self.search, self.state, self.doc_type):
            if control is not None:
                control.on_value_change(lambda: self.table.reload(first_page=True))
        for day_input in (self.start, self.end):  # once the typed text is a date (or emptied), not every key
            day_input.on_change(lambda: self.table.reload(first_page=True))
        self.sort.on_value_change(self._sort)

    async def _leave_view(self) -> None:
        self.view = ''
        await self.table.reload(first_page=True)

    async def _sort(self, event) -> None:
        name, _, direction = (event.value or '').partition(':')
        self.table.pagination = {**self.table.pagination, 'sortBy': name, 'descending': direction == 'desc'}
        await self.table.reload(first_page=True, recount=False)  # same filters, same total

    def filters(self) -> ListFilters:
        return ListFilters(state=self.state.value or '', doc_type=(self.doc_type.value or '') if self.doc_type else '',
                           start=_day(self.start.value), end=_day(self.end.value),
                           search=(self.search.value or '').strip(), view=self.view)

    async def reload(self) -> None:
        """Load the page again and count again (another user's change may have added or removed documents)."""
        await self.table.reload()

    async def _page(self, request: PageRequest):
        return await self._fetch(self.filters(), request)


def _day(text: str | None) -> date | None:
    try:
        return read_day(text)
    except ValueError:
        return None
