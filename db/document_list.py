"""Paged document lists (DOC5, IN6): filtered, sorted and counted in SQL, on indexes, for 100,000 invoices.

    rows, total = await list_documents(DocumentQuery(family='invoice', states=('validated',), sort_by='total',
                                                     descending=True, offset=0, limit=25))

Rows are plain dicts (no model objects): id, doc_type, type_label, state, state_label, number, issue_date,
due_date, validity_date, client_id, client_name, total_ht, total_vat, total_ttc, amount_due, credited_amount,
probability, version. Amounts are Decimals, dates are dates: the page formats them.

Every sort key is served by an index that starts with `family` (db/document.py Meta.indexes), with the id as the
tie-breaker so that paging is stable; tests/db/test_document_query_plans.py checks the plans.
"""
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from tortoise import connections
from tortoise.expressions import Q, RawSQL, Subquery

from db.contact_search import clients_named, named_ids
from db.document import Document
from db.engine import analysed_rows
from logic import doctypes
from logic.dashboard import OPEN_QUOTE_STATES
from logic.states import state_label

SORTS = {'number': 'number', 'client': 'client_name', 'date': 'issue_date', 'due': 'due_date', 'total': 'total_ttc',
         'state': 'state'}
COLUMNS = ('id', 'doc_type', 'state', 'number', 'issue_date', 'due_date', 'validity_date', 'client_id',
           'client_name', 'total_ht', 'total_vat', 'total_ttc', 'amount_due', 'credited_amount', 'probability',
           'version')
# The named selections a dashboard widget opens (/factures?vue=ca...): family -> {view: label}.
VIEWS = {'invoice': {'ca': 'Chiffre d’affaires (factures et avoirs validés, hors acomptes)'},
         'quote': {'en-cours': 'En attente de réponse, encore valides', 'expires': 'En attente de réponse, expirés'}}
MAX_LIMIT = 200
MAX_CLIENTS = 500
NUMBER_FRAGMENT = re.compile(r'[A-Za-z0-9/_-]+')


@dataclass(kw_only=True, slots=True)
class DocumentQuery:
    family: str = 'invoice'
    doc_types: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    client_id: int | None = None
    search: str = ''
    view: str = ''  # one of VIEWS: what a dashboard widget counts (logic/dashboard.py)
    today: date | None = None  # the day a view's "expired" is measured from (tests); today by default
    sort_by: str | None = None
    descending: bool = False
    offset: int = 0
    limit: int = 25


async def list_documents(query: DocumentQuery, *, total: int | None = None) -> tuple[list[dict], int]:
    """One page of documents and the number of documents matching the filters. `total`: that number, already known
    for the same filters (a page or sort change): no COUNT then (25-30 ms at 100,000 invoices)."""
    search = _search_text(query)
    # The few matching clients first, as a literal list: the planner then reads (family, client_id, ...) directly.
    # Beyond MAX_CLIENTS, a subquery: every match is listed, never the first 500 clients' only.
    client_search = bool(search) and not _is_number(search)
    client_ids, broad, narrowed = None, False, _narrowed(query)
    if client_search:
        client_ids = await clients_named(search).limit(MAX_CLIENTS + 1).values_list('id', flat=True)
        client_ids = client_ids if len(client_ids) <= MAX_CLIENTS else None
    elif search:  # alone, the prefix's count is the total the page already shows
        broad = await _broad_prefix(query, search, matches=None if narrowed else total)
    if total is None:
        # A broad prefix alone is counted from the number index alone; with another filter, from that filter's.
        total = await filtered(query, client_ids=client_ids, search_apart=broad and narrowed).count()
    offset, limit = max(query.offset, 0), min(max(query.limit, 1), MAX_LIMIT)
    apart = await few_matches(Document, total, offset + limit)
    # A client search matching many documents ("cabinet": 72,849 invoices at a million) walks the sort index and
    # tests the client on each row, where SQLite's planner read every match through the client index to sort them
    # (240 ms). Not when sorted by client: the matching names are bunched along that index, not spread. A broad
    # prefix walks too; with few matches it sorts them, found through the state index when a state is chosen (the
    # 28 cancelled of "F20") or else through the number index (at most a few thousand numbers then).
    many_clients = client_search and not apart and dialect() == 'sqlite' and \
        SORTS.get(query.sort_by or '') != 'client_name'
    walk = many_clients or broad and (not apart or bool(query.states))
    ids = await page_ids(filtered(query, client_ids=client_ids, search_apart=walk), order_of(query), offset, limit,
                         total, apart=apart)
    by_id = {row['id']: row for row in await Document.filter(id__in=ids).values(*COLUMNS)}
    rows = [by_id[doc_id] for doc_id in ids if doc_id in by_id]
    for row in rows:
        row['type_label'] = doctypes.label(row['doc_type'])
        row['state_label'] = state_label(row['doc_type'], row['state'])
    return rows, total


async def page_ids(queryset, order: list[str], offset: int, limit: int, total: int, *,
                   apart: bool = False) -> list[int]:
    """The ids of one page, read from the sort index alone, then the rows by id (a "deferred join").

    Skipping 50,000 index entries is cheap, skipping 50,000 rows (each with its frozen copy) is not. Past the middle
    the page is read from the other end in the opposite order, so no page skips more than half of the documents.
    `apart`: the matching rows sorted apart instead of looked for along the sort index (`few_matches`).
    """
    if offset >= total:
        return []
    if apart:
        queryset, order = sorted_apart(queryset, order)
    if offset > total // 2:
        flipped = [term[1:] if term.startswith('-') else f'-{term}' for term in order]
        count = min(limit, total - offset)
        ids = await queryset.order_by(*flipped).offset(max(total - offset - count, 0)).limit(count).values_list(
            'id', flat=True)
        return list(reversed(ids))
    return list(await queryset.order_by(*order).offset(offset).limit(limit).values_list('id', flat=True))


# SQLite's planner reads a sorted page along the sort column's index whenever one exists, testing the filters row by
# row until the page is full: a few rows read when the filter matches many, every row of the table when it matches
# few (its statistics give the average rows per value, not that 275 of a million invoices are cancelled). At a million
# invoices "Annulée" sorted by due date read the whole table, 950 ms for 50 rows. Walking the sort index costs about
# `rows needed × table rows / matches` row reads, sorting the matches about `matches`: `few_matches` compares them
# (the table's rows from sqlite_stat1), and `sorted_apart` then words the sort so that no index can serve it, which
# leaves the planner the filters' index. PostgreSQL's statistics know each value's frequency: it chooses alone.
# The payments list too, for its sorts by amount or client (db/payment_list.list_installments).
_TABLE_ROWS: dict[str, tuple[float, int | None]] = {}
_TABLE_ROWS_SECONDS = 600


async def few_matches(model, total: int, needed: int) -> bool:
    """True on SQLite when sorting the `total` matching rows costs less than walking the sort index for `needed`."""
    if total <= 0 or dialect() != 'sqlite':
        return False
    rows = await table_rows(model)
    return rows is not None and total * total < needed * rows


async def table_rows(model) -> int | None:
    """The rows of `model`'s table as SQLite's last ANALYZE counted them (None: never analysed), kept a while."""
    table = model._meta.db_table
    return await kept(_TABLE_ROWS, table, lambda: _analysed(table))


async def _analysed(table: str) -> int | None:
    return (await analysed_rows(connections.get('default'))).get(table)


async def kept(store: dict, key: str, compute: Callable[[], Awaitable]):
    """`compute()` for `key`, kept _TABLE_ROWS_SECONDS in `store`: sizes that guide a plan, not totals shown."""
    seen, value = store.get(key, (0.0, None))
    if time.monotonic() - seen > _TABLE_ROWS_SECONDS:
        value = await compute()
        store[key] = (time.monotonic(), value)
    return value


def sorted_apart(queryset, order: list[str]):
    """The same order, its first column wrapped in SQLite's no-op unary plus: an expression, which no index serves.
    On PostgreSQL (no unary plus on text or dates; its planner chooses alone) the order as it is."""
    if dialect() != 'sqlite':
        return queryset, order
    first = order[0]
    sign, field = ('-', first[1:]) if first.startswith('-') else ('', first)
    column = queryset.model._meta.fields_map[field].source_field or field
    return queryset.annotate(sort_apart=RawSQL(f'+"{column}"')), [f'{sign}sort_apart', *order[1:]]


def filtered(query: DocumentQuery, *, client_ids: list[int] | None = None, search_apart: bool = False):
    """The queryset of the filters and the search box, without order (the lists, their export, grouped printing).

    The search box takes the start of a number or part of the client's name, and both stay on indexes at 100,000
    documents: a number fragment becomes a range on (family, number) (upper-cased, like the numbers of the default
    patterns), a name is looked up in the much smaller contacts table, whose ids then select documents through
    (family, client_id, ...). A contains-search on the documents themselves would read them all.
    `search_apart` (SQLite): the search's condition written as an expression (unary plus), which no index serves:
    the planner then finds the rows along another index (the sort's, a filter's) and tests it on each.
    """
    queryset = Document.filter(family=query.family)
    if query.doc_types:
        queryset = queryset.filter(doc_type__in=query.doc_types)
    if query.states:
        queryset = queryset.filter(state__in=query.states)
    if query.date_from:
        queryset = queryset.filter(issue_date__gte=query.date_from)
    if query.date_to:
        queryset = queryset.filter(issue_date__lte=query.date_to)
    if query.client_id:
        queryset = queryset.filter(client_id=query.client_id)
    if query.view in VIEWS.get(query.family, {}):
        queryset = in_view(queryset, query.view, query.today or date.today())
    search = _search_text(query)
    if not search:
        return queryset
    if _is_number(search):
        if search_apart:
            return queryset.annotate(number_apart=RawSQL('+"number"')).filter(
                *number_prefix(search, field='number_apart'))
        return queryset.filter(*number_prefix(search))
    column = 'client_id'
    if search_apart:
        queryset, column = queryset.annotate(client_apart=RawSQL('+"client_id"')), 'client_apart'
    if client_ids is not None:
        return queryset.filter(**{f'{column}__in': client_ids or [0]})
    return queryset.filter(**{f'{column}__in': named_ids(search)})


def number_prefix(search: str, *, field: str = 'number') -> list[Q]:
    """The conditions of numbers starting with `search`, upper-cased (the numbering patterns make upper-case
    numbers): a range, which reads the number index. One range only: an OR of two (as typed and upper-cased) would
    not use the index. On SQLite (binary order) the range is exactly the prefix; elsewhere startswith makes it exact
    whatever the collation, and costs a test per match (a fifth of the count of "F20", every invoice, at 100,000)."""
    prefix, after = prefix_bounds(search)
    conditions = [Q(**{f'{field}__gte': prefix}), Q(**{f'{field}__lt': after})]
    if dialect() != 'sqlite':
        conditions.append(Q(**{f'{field}__startswith': prefix}))
    return conditions


def prefix_bounds(search: str) -> tuple[str, str]:
    """The numbers starting with `search` (upper-cased) are those from the first bound and before the second.

    >>> prefix_bounds('f20')
    ('F20', 'F21')
    """
    prefix = search.upper()
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


# A broad number prefix ("F20": every invoice of the decade; issue 17, the realistic tier's slowest invoices clicks on
# SQLite, 200 ms at 100,000 with « Réglée »). SQLite's planner, which can't know that a prefix holds every number,
# reads the number range and each matching row: for its state (75 ms for the count, whatever the state), or all of
# them sorted for a page (85-100 ms). With the number written as an expression (unary plus, no index serves it), the
# page walks the sort index as it does without a search, and a state filter is counted from the state index, whose
# entries carry the number (db/document.py: 7 ms for 84,507 paid invoices, 0.02 ms for the 28 cancelled ones).
# Broad means half of the family's numbers or more: a year ("F2026-0", a tenth of them, all at the end of the date
# order) would have the walk read the nine years before it (110 ms); its number range reads a tenth.
# PostgreSQL's statistics know how many numbers a prefix holds.
BROAD_PREFIX = 1000  # fewer numbers than this: never broad
_NUMBERED: dict[str, tuple[float, int]] = {}  # family -> (when counted, its numbered documents)


def _narrowed(query: DocumentQuery) -> bool:
    """A filter besides the search, whose index then counts the matches of a broad prefix."""
    return bool(query.states or query.doc_types or query.date_from or query.date_to or query.client_id or
                query.view in VIEWS.get(query.family, {}))


async def _broad_prefix(query: DocumentQuery, search: str, *, matches: int | None = None) -> bool:
    """True on SQLite when half of the family's numbered documents or more (BROAD_PREFIX at least) start with the
    number prefix `search`: `matches`, their count when known (the total of the prefix alone, on a page or sort
    click), else skipping that many entries of the number index, without reading a row (2 ms at 100,000 invoices).
    The family's numbers are counted again every _TABLE_ROWS_SECONDS."""
    if dialect() != 'sqlite':
        return False
    numbered = await kept(_NUMBERED, query.family, Document.filter(family=query.family, number__not_isnull=True).count)
    threshold = max(BROAD_PREFIX, numbered // 2)
    if matches is not None:
        return matches >= threshold
    beyond = await Document.filter(Q(family=query.family), *number_prefix(search)).order_by('number').offset(
        threshold - 1).limit(1).values_list('id', flat=True)
    return bool(beyond)


def dialect() -> str:
    """'sqlite' or 'postgres': the lists word a few conditions for their planner."""
    return connections.get('default').capabilities.dialect


def in_view(queryset, view: str, today: date):
    """The documents of `queryset` a view selects; the dashboard sums what the list then shows."""
    if view == 'ca':
        return revenue(queryset)
    if view in ('en-cours', 'expires'):
        queryset = queryset.filter(state__in=OPEN_QUOTE_STATES)
        if view == 'expires':
            return queryset.filter(validity_date__lt=today)
        return queryset.filter(Q(validity_date__gte=today) | Q(validity_date__isnull=True))
    raise ValueError(f'unknown view {view}')


def revenue(queryset):
    """Issued documents that make the turnover (logic/dashboard.py): invoices and progress invoices, and their
    credit notes; not deposit invoices nor the credit notes of deposit invoices."""
    others = Document.filter(doc_type__in=doctypes.keys(family='invoice', revenue=False)).values('id')
    return queryset.filter(doc_type__in=doctypes.keys(revenue=True)).exclude(state='draft') \
        .filter(Q(doc_type__not='credit_note') | Q(source_id__isnull=True) | ~Q(source_id__in=Subquery(others)))


def _search_text(query: DocumentQuery) -> str:
    return ' '.join((query.search or '').split())


def _is_number(search: str) -> bool:
    return bool(NUMBER_FRAGMENT.fullmatch(search)) and any(char.isdigit() for char in search)


def order_of(query: DocumentQuery) -> list[str]:
    """Oldest first by default (DOC5); any sort column, then the date and the id as tie-breakers."""
    field = SORTS.get(query.sort_by or '', 'issue_date')
    sign = '-' if query.descending else ''
    terms = [f'{sign}{field}']
    if field != 'issue_date' and field in ('state',):
        terms.append(f'{sign}issue_date')
    terms.append(f'{sign}id')
    return terms


_FAMILIES: dict[int, str] = {}  # a document's family never changes: known once, kept (bounded)
_FAMILIES_KEPT = 50_000


async def family_of(doc_id: int) -> str | None:
    """The family of document `doc_id` ('invoice', 'quote'...), None once it is deleted: what a list asks before
    reloading on a change, so that saving a quote does not reload every open invoice list."""
    family = _FAMILIES.get(doc_id)
    if family is None:
        family = await Document.filter(id=doc_id).first().values_list('family', flat=True)
        if family is not None:
            if len(_FAMILIES) >= _FAMILIES_KEPT:
                _FAMILIES.clear()
            _FAMILIES[doc_id] = family
    return family
