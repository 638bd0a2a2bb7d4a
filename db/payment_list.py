"""The payments list (PA1, PA3): installments due, paged, filtered, summed and exported in SQL, on `installment` only.

    rows, total = await list_installments(PaymentQuery(status='overdue', search='F2026-001', offset=0, limit=25))
    summary = await payment_summary(PaymentQuery(kind='deposit'))   # follows the same filters, not the page
    async for batch in export_rows(PaymentQuery()):                  # lists of plain values, EXPORT_BATCH at a time
        ...

Rows are plain dicts: id, document_id, kind, status, due_date, amount, paid_amount, paid_on, number, client_name,
label, position, deposit_invoice_id. Amounts are Decimals as stored (a credit note's refund is negative; the page
shows `logic.payments.open_amount`). Never a 'planned' installment (not due yet) nor a 'cancelled' one.

Filters: `status` 'open' (due, nothing or part settled) | 'overdue' (open and due before today) | 'paid' | '';
`kind` (the "type" column, logic.payments.type_of) 'installment' | 'deposit' | 'refund' | 'irrecoverable' (an
installment written off, whatever its kind) | ''; `date_from` / `date_to` on the due date; `search` the start of the
number (case-insensitive; a fragment like 'F2026-001' is only a number) or part of the client's name. Newest first: due date descending, then id descending (or
`descending=False`). `sort_by` 'due' (default, on the indexes (status, due_date, id), (kind, status, due_date, id)
and (due_date, id) of db/document.py), or 'number', 'client', 'amount', 'paid_on' (sorted in SQL, no index).

Why the page is read by ids first (a "deferred join", like db/document_list.py): the ids come from the index alone,
then the 25 rows by primary key; skipping deep pages never reads the skipped rows.
"""
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tortoise import connections
from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count

from db.document import Installment
from db.fields import ScaledSum
from logic.payments import LISTED_STATUSES, classify, type_of

COLUMNS = ('id', 'document_id', 'kind', 'status', 'due_date', 'amount', 'paid_amount', 'paid_on', 'number',
           'client_name', 'label', 'position', 'deposit_invoice_id')
SORTS = {'due': 'due_date', 'number': 'number', 'client': 'client_name', 'amount': 'amount', 'paid_on': 'paid_on'}
STATUSES = ('open', 'overdue', 'paid')
KINDS = ('installment', 'deposit', 'refund', 'irrecoverable')
MAX_LIMIT = 500
NUMBER_FRAGMENT = re.compile(r'[A-Za-z0-9/_-]+')
# A search keeping more matches than this is counted and paged in SQL instead of here.
SEARCH_CAP = 5000
EXPORT_BATCH = 2000
EXPORT_HEADERS = ('Échéance', 'Document', 'Client', 'Type', 'Montant', 'Réglé', 'Reste à payer', 'État',
                  'Dernier règlement')
ZERO = Decimal('0.00')


@dataclass(kw_only=True, slots=True)
class PaymentQuery:
    status: str = ''
    kind: str = ''
    date_from: date | None = None
    date_to: date | None = None
    search: str = ''
    sort_by: str = 'due'
    descending: bool = True
    offset: int = 0
    limit: int = 25
    # "Today" for the overdue split (tests and the benchmark pin it).
    today: date | None = None


@dataclass(kw_only=True, slots=True)
class TypeFigures:
    """One line of the summary per type: what is left to collect (or the amount written off) and what was settled.

    Refunds are given as positive amounts (what is left to give back, what was given back).
    """

    due: Decimal = ZERO
    settled: Decimal = ZERO


@dataclass(kw_only=True, slots=True)
class Summary:
    """PA3. The four headline figures cover money to receive (installments and deposits; refunds apart):
    `total_due` = `overdue` + `not_due` (left to pay of open installments), `settled` (settled on listed ones),
    `irrecoverable` (written off). `by_type` maps 'installment' | 'deposit' | 'irrecoverable' | 'refund' to its
    TypeFigures (a type with nothing due nor settled is left out); `count` is the number of installments matching
    the filters."""

    total_due: Decimal = ZERO
    overdue: Decimal = ZERO
    not_due: Decimal = ZERO
    settled: Decimal = ZERO
    irrecoverable: Decimal = ZERO
    count: int = 0
    by_type: dict[str, TypeFigures] = field(default_factory=dict)


async def list_installments(query: PaymentQuery) -> tuple[list[dict], int]:
    """One page of installments and the number matching the filters."""
    offset, limit = max(query.offset, 0), min(max(query.limit, 1), MAX_LIMIT)
    order = order_of(query)
    if query.search.strip():
        ids, total = await _searched_ids(query, order, offset, limit)
    else:
        ids, total = await _page_ids(filtered(query), order, offset, limit)
    by_id = {row['id']: row for row in await Installment.filter(id__in=ids).values(*COLUMNS)}
    return [by_id[item] for item in ids if item in by_id], total


async def _page_ids(queryset, order: list[str], offset: int, limit: int) -> tuple[list[int], int]:
    """Count, then the ids of the page from the index (past the middle, from the other end: no page skips more
    than half of the rows)."""
    total = await queryset.count()
    if offset >= total:
        return [], total
    if offset > total // 2:
        flipped = [term[1:] if term.startswith('-') else f'-{term}' for term in order]
        count = min(limit, total - offset)
        ids = await queryset.order_by(*flipped).offset(max(total - offset - count, 0)).limit(count).values_list(
            'id', flat=True)
        return list(reversed(ids)), total
    return list(await queryset.order_by(*order).offset(offset).limit(limit).values_list('id', flat=True)), total


async def _searched_ids(query: PaymentQuery, order: list[str], offset: int, limit: int) -> tuple[list[int], int]:
    """A search matches names anywhere, so it reads the whole table: once, keeping the sort keys of the matches,
    which are then counted and sorted here. Walking the due-date index row by row until 25 matches turn up would
    cost far more, and so would a second scan to count. A search matching very many rows falls back to SQL."""
    queryset = filtered(query, scan=True)
    keys = [term.lstrip('-') for term in order]
    matches = await queryset.limit(SEARCH_CAP + 1).values_list(*keys)
    if len(matches) > SEARCH_CAP:
        return await _page_ids(queryset, order, offset, limit)
    descending = order[0].startswith('-')
    matches.sort(key=lambda row: tuple(_sortable(value) for value in row), reverse=descending)
    return [row[-1] for row in matches[offset:offset + limit]], len(matches)


async def payment_summary(query: PaymentQuery) -> Summary:
    """The figures of the summary panel for the filters of `query` (its paging is ignored).

    One pass over the matching rows with nine conditional sums (ScaledSum of CASE expressions) and no GROUP BY:
    grouping makes SQLite sort every row, and reading the rows through an index jumps around the table.
    """
    today = query.today or date.today()
    aggregates = _summary_aggregates(today)
    row = (await filtered(query, scan=True).annotate(rows=Count('id'), **aggregates).values('rows', *aggregates))[0]
    value = {name: _decimal(row[name]) for name in aggregates}
    summary = Summary(count=row['rows'] or 0)
    for kind in ('installment', 'deposit', 'refund', 'irrecoverable'):
        left, paid = value[f'{kind}_open'], value[f'{kind}_paid']
        if not (left or paid):
            continue
        if kind == 'refund':  # money to give back: shown positive, kept out of the money to receive
            summary.by_type[kind] = TypeFigures(due=-left, settled=-paid)
            continue
        summary.by_type[kind] = TypeFigures(due=left, settled=paid)
        summary.settled += paid
        if kind == 'irrecoverable':
            summary.irrecoverable = left
        else:
            summary.total_due += left
    summary.overdue = value['late']
    summary.not_due = summary.total_due - summary.overdue
    return summary


def _summary_aggregates(today: date) -> dict[str, ScaledSum]:
    """Per type (the kind, or 'irrecoverable'): left to pay (when open) and settled; the overdue part of all."""
    left = 'amount - paid_amount'
    terms = {'late': (f"status = 'open' AND kind <> 'refund' AND due_date < '{today.isoformat()}'", left)}
    for kind in ('installment', 'deposit', 'refund'):
        terms[f'{kind}_open'] = (f"status = 'open' AND kind = '{kind}'", left)
        terms[f'{kind}_paid'] = (f"status <> 'irrecoverable' AND kind = '{kind}'", 'paid_amount')
    terms['irrecoverable_open'] = ("status = 'irrecoverable'", left)
    terms['irrecoverable_paid'] = ("status = 'irrecoverable'", 'paid_amount')
    # Only constants and a date formatted here go into this SQL, never user text.
    return {name: ScaledSum(RawSQL(f'CASE WHEN {condition} THEN {value} ELSE 0 END'))
            for name, (condition, value) in terms.items()}


async def export_rows(query: PaymentQuery, *, batch: int = EXPORT_BATCH) -> AsyncIterator[list[list]]:
    """Every installment matching the filters (paging ignored), as lists of plain values for a spreadsheet, in
    batches: keyset paging on (due_date, id), so the last batch costs what the first does and no object is kept.

    Columns: EXPORT_HEADERS (amounts as positive Decimals, dates as dates, the state in French).
    """
    from logic.payments import STATUS_LABELS, TYPE_LABELS, open_amount  # noqa: PLC0415 - export only

    today = query.today or date.today()
    base = filtered(query)
    descending = query.descending
    after: tuple[date, int] | None = None
    while True:
        page = base
        if after is not None:
            day, last_id = after
            # The redundant bound on the due date alone lets the index start the range there.
            page = page.filter(Q(due_date__lte=day), Q(due_date__lt=day) | Q(due_date=day, id__lt=last_id)) \
                if descending else page.filter(Q(due_date__gte=day), Q(due_date__gt=day) | Q(due_date=day,
                                                                                           id__gt=last_id))
        order = ('-due_date', '-id') if descending else ('due_date', 'id')
        rows = await page.order_by(*order).limit(batch).values_list(
            'id', 'due_date', 'number', 'client_name', 'kind', 'status', 'amount', 'paid_amount', 'paid_on')
        if not rows:
            return
        values = []
        for _, due, number, client, kind, status, amount, paid, paid_on in rows:
            state = classify(status, due, today=today) if status == 'open' else status
            state_label = 'Réglée en partie' if status == 'open' and paid and state != 'overdue' else \
                STATUS_LABELS.get(state if state != 'not_due' else 'open', status)
            values.append([due, number, client, TYPE_LABELS.get(type_of(kind, status), kind), abs(amount),
                           abs(paid), open_amount(amount, paid), state_label, paid_on])
        yield values
        if len(rows) < batch:
            return
        after = (rows[-1][1], rows[-1][0])


def filtered(query: PaymentQuery, *, scan: bool = False):
    """The queryset of the filters, without order (the list, the summary, the export).

    `scan=True` when most rows are read anyway (sums, a search in names): on SQLite the conditions are then written
    `+status`, `+kind`, `+due_date`, which keeps the planner off the indexes: fetching 150,000 rows one by one in
    index order costs several times a plain scan of the table.
    """
    today = query.today or date.today()
    queryset = Installment.all()
    status_field, kind_field, due_field = 'status', 'kind', 'due_date'
    if scan and _dialect() == 'sqlite':
        queryset = queryset.annotate(scan_status=RawSQL('+status'), scan_kind=RawSQL('+kind'),
                                     scan_due=RawSQL('+due_date'))
        status_field, kind_field, due_field = 'scan_status', 'scan_kind', 'scan_due'

    def where(field_name: str, lookup: str, value) -> Q:
        return Q(**{f'{field_name}{lookup}': value})

    kind, status = query.kind, query.status
    conditions: list[Q] = []
    if kind == 'irrecoverable':
        conditions.append(where(status_field, '', 'irrecoverable'))
        if status and status != 'irrecoverable':
            conditions.append(Q(id=0))  # an irrecoverable installment is neither open nor paid
    else:
        if kind in ('installment', 'deposit', 'refund'):
            conditions.append(where(kind_field, '', kind))
        if status == 'overdue':
            conditions += [where(status_field, '', 'open'), where(due_field, '__lt', today)]
        elif status in ('open', 'paid'):
            conditions.append(where(status_field, '', status))
        elif kind:
            # The "type" of a written-off installment is "Irrécouvrable", not its kind.
            conditions.append(where(status_field, '__in', ('open', 'paid')))
        else:
            conditions.append(where(status_field, '__in', LISTED_STATUSES))
    if query.date_from:
        conditions.append(where(due_field, '__gte', query.date_from))
    if query.date_to:
        conditions.append(where(due_field, '__lte', query.date_to))
    search = ' '.join((query.search or '').split())
    if search:
        # SQLite's LIKE ignores the case (ASCII, as UPPER() would), PostgreSQL needs ILIKE: no function on the
        # column either way, so that a search stays a plain scan.
        insensitive = '' if _dialect() == 'sqlite' else 'i'
        if is_number(search):  # like the documents lists: letters and digits with a digit are a number's start
            conditions.append(Q(**{f'number__{insensitive}startswith': search}))
        else:
            conditions.append(Q(**{f'number__{insensitive}startswith': search})
                              | Q(**{f'client_name__{insensitive}contains': search}))
    return queryset.filter(*conditions)


def is_number(search: str) -> bool:
    """
    >>> is_number('f2026-001'), is_number('Martin'), is_number('Garage 2000')
    (True, False, False)
    """
    return bool(NUMBER_FRAGMENT.fullmatch(search)) and any(char.isdigit() for char in search)


def _dialect() -> str:
    return connections.get('default').capabilities.dialect


def order_of(query: PaymentQuery) -> list[str]:
    field_name = SORTS.get(query.sort_by or 'due', 'due_date')
    sign = '-' if query.descending else ''
    terms = [f'{sign}{field_name}']
    if field_name != 'due_date':
        terms.append(f'{sign}due_date')
    return [*terms, f'{sign}id']


def _sortable(value):
    # None (no settlement date) sorts first, like NULLs in SQLite ascending.
    return (value is not None, value if value is not None else 0)


def _decimal(value) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else (Decimal(int(value)) / 100).quantize(Decimal('0.01'))
