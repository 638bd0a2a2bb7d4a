"""A table paged and sorted on the server: only the shown page travels to the browser.

The page supplies `fetch(PageRequest) -> (rows, total)`; the table calls it on first show, on each page or sort
change (Quasar's `request` event) and on `reload()` (after a filter changed or another user's change).

Counting is the dear part of a page at 100,000 rows (a COUNT reads the whole filtered index: 25-30 ms, where the
page itself takes 0.05 ms). A page or sort change keeps the filters, so it keeps the total: the request then carries
the total of the last load (`request.total`) and a fetch may return it as is instead of counting again. `reload()`
(filters changed, another user's change) passes `total=None`: count.
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui


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
                 per_page: int = 25, row_key: str = 'id', name: str = 'list') -> None:
        super().__init__(columns=columns, rows=[], row_key=row_key, pagination={
            'page': 1, 'rowsPerPage': per_page, 'sortBy': sort_by, 'descending': descending, 'rowsNumber': 0})
        self._fetch = fetch
        self._total: int | None = None  # the count of the current filters, None until counted
        self._filters_version = 0  # bumped by each reload that counts: a slower page load can't bring back an old total
        self.props(f'flat bordered dense wrap-cells binary-state-sort :rows-per-page-options="[10,25,50,100]" '
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
        if version == self._filters_version:
            self._total = total
        elif self._total is not None:  # a reload counted meanwhile: its total is the newer one
            total = self._total
        self.rows = rows
        self.pagination = {'page': request.page, 'rowsPerPage': request.per_page, 'sortBy': request.sort_by,
                           'descending': request.descending, 'rowsNumber': total}
        self.update()


def sort_clause(request: PageRequest, allowed: dict[str, str], default: list[str]) -> list[str]:
    """Tortoise order_by terms from the table's sort column, only among `allowed` (column -> field), with the
    default order as tie-breaker so that paging is stable."""
    field = allowed.get(request.sort_by or '')
    if not field:
        return default
    first = f'-{field}' if request.descending else field
    return [first] + [term for term in default if term.lstrip('-') != field]
