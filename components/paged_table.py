"""A table paged and sorted on the server: only the shown page travels to the browser.

The page supplies `fetch(PageRequest) -> (rows, total)`; the table calls it on first show, on each page or sort
change (Quasar's `request` event) and on `reload()` (after a filter changed or another user's change).

Counting is the dear part of a page at 100,000 rows (a COUNT reads the whole filtered index: 25-30 ms, where the
page itself takes 0.05 ms). A page or sort change keeps the filters, so it keeps the total: the request then carries
the total of the last load (`request.total`) and a fetch may return it as is instead of counting again. `reload()`
(filters changed, another user's change) passes `total=None`: count.

`follow_address(spec, values)` keeps the browser's address on the list's filters, sort and page (logic/list_state.py)
after each load, replacing the history entry without reloading: the back button from a document comes back to the
list as it was, and the address can be bookmarked or sent. `opened_state(spec)` reads the address the page opened at.
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from logic import list_state
from logic.list_state import ListSpec, ListState


@dataclass(kw_only=True, slots=True, frozen=True)
class PageRequest:
    page: int
    per_page: int
    sort_by: str | None
    descending: bool
    total: int | None = None  # the total of the same filters, still valid; None: count again

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


Fetch = Callable[[PageRequest], Awaitable[tuple[list[dict], int]]]


class PagedTable(ui.table):
    """`PagedTable(columns=..., fetch=..., sort_by='date')`; columns marked 'sortable' sort in SQL."""

    def __init__(self, *, columns: list[dict], fetch: Fetch, sort_by: str | None = None, descending: bool = False,
                 per_page: int = 25, row_key: str = 'id', name: str = 'list', state: ListState | None = None) -> None:
        page = 1
        if state is not None:  # opened from an address: its sort and page win
            sort_by, descending, per_page, page = state.sort or sort_by, state.descending, state.per_page, state.page
        super().__init__(columns=columns, rows=[], row_key=row_key, pagination={
            'page': page, 'rowsPerPage': per_page, 'sortBy': sort_by, 'descending': descending, 'rowsNumber': 0})
        self._fetch = fetch
        self._total: int | None = None  # the count of the current filters, None until counted
        self._filters_version = 0  # bumped by each reload that counts: a slower page load can't bring back an old total
        self._address: Callable[[PageRequest], str] | None = None
        self._shown_address = ''
        options = ','.join(str(option) for option in list_state.PER_PAGE_OPTIONS)
        self.props(f'flat bordered dense wrap-cells binary-state-sort :rows-per-page-options="[{options}]" '
                   f'data-table={name}')
        self.props('rows-per-page-label="Lignes par page" no-data-label="Aucun résultat"')
        self.classes('app-table')
        self.mark(name)
        self.on('request', self._on_request)

    async def reload(self, *, first_page: bool = False, recount: bool = True) -> None:
        """Load again; `recount=False` only when the filters are unchanged (a sort chosen outside the table)."""
        if first_page:
            self.pagination = {**self.pagination, 'page': 1}
        if recount:
            self._total = None
            self._filters_version += 1
        await self._load(self.pagination)

    def follow_address(self, spec: ListSpec, values: Callable[[], dict]) -> None:
        """After each load, show the list's state in the address bar; `values()` gives the filters' current values
        (keyed as in `spec`)."""
        url = self.client.request.url
        self._shown_address = url.path + (f'?{url.query}' if url.query else '')

        def address(request: PageRequest) -> str:
            state = ListState(values=values(), sort=request.sort_by or '', descending=request.descending,
                              page=request.page, per_page=request.per_page)
            return list_state.address(url.path, spec, state)

        self._address = address

    async def _on_request(self, event) -> None:
        await self._load(event.args['pagination'])

    async def _load(self, pagination: dict) -> None:
        version = self._filters_version
        request = PageRequest(page=max(int(pagination.get('page') or 1), 1),
                              per_page=int(pagination.get('rowsPerPage') or 25) or 25,
                              sort_by=pagination.get('sortBy'), descending=bool(pagination.get('descending')),
                              total=self._total)
        result = await self._fetch(request)
        if result is None:  # the page's access check refused the request
            return
        rows, total = result
        if not rows and total and request.offset >= total:  # past the last page (an old bookmark, rows deleted)
            request = PageRequest(page=(total - 1) // request.per_page + 1, per_page=request.per_page,
                                  sort_by=request.sort_by, descending=request.descending, total=total)
            result = await self._fetch(request)
            if result is None:
                return
            rows, total = result
        if version == self._filters_version:
            self._total = total
        elif self._total is not None:  # a reload counted meanwhile: its total is the newer one
            total = self._total
        self.rows = rows
        self.pagination = {'page': request.page, 'rowsPerPage': request.per_page, 'sortBy': request.sort_by,
                           'descending': request.descending, 'rowsNumber': total}
        self.update()
        if self._address is not None:
            shown = self._address(request)
            if shown != self._shown_address:  # no message when nothing changed (another user's change, a recount)
                self._shown_address = shown
                ui.navigate.history.replace(shown)


def opened_state(spec: ListSpec) -> ListState:
    """The list's state from the address its page was opened at (unknown or invalid values ignored)."""
    return list_state.read(spec, ui.context.client.request.query_params)


def sort_clause(request: PageRequest, allowed: dict[str, str], default: list[str]) -> list[str]:
    """Tortoise order_by terms from the table's sort column, only among `allowed` (column -> field), with the
    default order as tie-breaker so that paging is stable."""
    field = allowed.get(request.sort_by or '')
    if not field:
        return default
    first = f'-{field}' if request.descending else field
    return [first] + [term for term in default if term.lstrip('-') != field]
