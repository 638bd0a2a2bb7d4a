"""A list's filters, sort and page as its address carries them, so that the back button, a bookmark or a link from
the dashboard reopens the list as it was. Parameter names are French; every value is checked against what the list
declares, and what is unknown is ignored: a stale bookmark or a hand-typed address opens the list, never an error.

A list declares a `ListSpec`; `read` turns query parameters into a `ListState`, `query_string` writes one back and
leaves out what equals the default, so that the plain list keeps its plain address.

>>> spec = ListSpec(filters=(choice('etat', 'state', ('draft', 'validated'), aliases=('state',)),
...                          day('du', 'start'), text('q', 'search')),
...                 sorts=('date', 'client'), sort='date', sort_aliases={'issue_date': 'date'})
>>> state = read(spec, {'etat': 'validated', 'tri': '-issue_date', 'page': '3', 'q': ' martin ', 'x': '1'})
>>> state.values, state.sort, state.descending, state.page
({'state': 'validated', 'start': None, 'search': 'martin'}, 'date', True, 3)
>>> query_string(spec, state)
'etat=validated&q=martin&tri=-date&page=3'
>>> read(spec, {'etat': 'lost', 'du': '2026-02-30', 'tri': 'amount', 'page': '-2', 'lignes': '7'}) == spec.default
True
>>> read(spec, {'state': 'draft', 'du': '2026-03-01'}).values['start']  # an older name still read
datetime.date(2026, 3, 1)
>>> query_string(spec, spec.default)
''
"""
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import quote, urlencode

PER_PAGE_OPTIONS = (10, 25, 50, 100)
SORT, PAGE, PER_PAGE = 'tri', 'page', 'lignes'
MAX_TEXT = 100  # a search longer than this is a pasted paragraph, not a search
MAX_PAGE = 100_000


@dataclass(kw_only=True, slots=True, frozen=True)
class Filter:
    """One filter: `param` in the address, `key` in the list's own code."""

    param: str
    key: str
    kind: str  # 'choice', 'text' or 'day'
    choices: tuple[str, ...] = ()
    default: str = ''
    aliases: tuple[str, ...] = ()  # older parameter names, still read so that links already made keep working

    def parse(self, raw: str | None) -> str | date | None:
        """The value of `raw`, or the default when it is missing or not valid."""
        if self.kind == 'day':
            try:
                return date.fromisoformat(raw) if raw else None
            except ValueError:
                return None
        if self.kind == 'text':
            return ' '.join((raw or '').split())[:MAX_TEXT]
        return raw if raw in self.choices else self.default

    def written(self, value) -> str | None:
        """`value` as the address shows it; None when it is the default (left out)."""
        if self.kind == 'day':
            return value.isoformat() if isinstance(value, date) else None
        if self.kind == 'text':
            value = ' '.join((value or '').split())[:MAX_TEXT]
            return value or None
        return value if value in self.choices and value != self.default else None


def choice(param: str, key: str, choices, *, default: str = '', aliases: tuple[str, ...] = ()) -> Filter:
    return Filter(param=param, key=key, kind='choice', choices=tuple(choices), default=default, aliases=aliases)


def text(param: str, key: str, *, aliases: tuple[str, ...] = ()) -> Filter:
    return Filter(param=param, key=key, kind='text', aliases=aliases)


def day(param: str, key: str, *, aliases: tuple[str, ...] = ()) -> Filter:
    return Filter(param=param, key=key, kind='day', aliases=aliases)


@dataclass(kw_only=True, slots=True, frozen=True)
class ListState:
    values: dict = field(default_factory=dict)  # filter key -> value (str, or date for a day)
    sort: str = ''
    descending: bool = False
    page: int = 1
    per_page: int = 25


@dataclass(kw_only=True, slots=True, frozen=True)
class ListSpec:
    filters: tuple[Filter, ...] = ()
    sorts: tuple[str, ...] = ()  # the sortable columns
    sort: str = ''  # the default order
    descending: bool = False
    per_page: int = 25
    sort_aliases: dict = field(default_factory=dict)  # other names of a column in the address -> column

    @property
    def default(self) -> ListState:
        return ListState(values={f.key: f.parse(None) for f in self.filters}, sort=self.sort,
                         descending=self.descending, per_page=self.per_page)


def read(spec: ListSpec, query: Mapping[str, str]) -> ListState:
    """The state a list opens in, from its address's query parameters; what is not valid is ignored."""
    state = spec.default
    values = {f.key: f.parse(_first(query, (f.param, *f.aliases))) for f in spec.filters}
    sort, descending = _sort(spec, query.get(SORT) or '')
    return replace(state, values=values, sort=sort or state.sort,
                   descending=descending if sort else state.descending,
                   page=_number(query.get(PAGE), range(1, MAX_PAGE + 1)) or 1,
                   per_page=_number(query.get(PER_PAGE), PER_PAGE_OPTIONS) or state.per_page)


def query_string(spec: ListSpec, state: ListState) -> str:
    """The query string of `state` (without '?'), its parameters in a stable order, defaults left out."""
    pairs = [(f.param, written) for f in spec.filters if (written := f.written(state.values.get(f.key)))]
    sort = state.sort if state.sort in spec.sorts else spec.sort
    descending = state.descending if state.sort in spec.sorts else spec.descending
    if sort and (sort, descending) != (spec.sort, spec.descending):
        pairs.append((SORT, f'-{sort}' if descending else sort))
    if state.page > 1:
        pairs.append((PAGE, str(state.page)))
    if state.per_page != spec.per_page and state.per_page in PER_PAGE_OPTIONS:
        pairs.append((PER_PAGE, str(state.per_page)))
    return urlencode(pairs, quote_via=quote)


def address(path: str, spec: ListSpec, state: ListState) -> str:
    """'/factures?etat=validated' (the path alone for the default state)."""
    query = query_string(spec, state)
    return f'{path}?{query}' if query else path


def _first(query: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((query[name] for name in names if query.get(name)), None)


def _sort(spec: ListSpec, raw: str) -> tuple[str, bool]:
    descending = raw.startswith('-')
    name = raw.removeprefix('-')
    name = spec.sort_aliases.get(name, name)
    return (name, descending) if name in spec.sorts else ('', False)


def _number(raw: str | None, allowed) -> int | None:
    try:
        number = int(raw or '')
    except ValueError:
        return None
    return number if number in allowed else None
