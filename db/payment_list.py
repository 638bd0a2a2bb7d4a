"""The payments list (PA1, PA3): installments due, paged, filtered, summed and exported in SQL, on `installment` only.

    rows, total = await list_installments(PaymentQuery(status='overdue', search='F2026-001', offset=0, limit=25))
    summary = await payment_summary(PaymentQuery(kind='deposit'))   # follows the same filters, not the page
    async for batch in export_rows(PaymentQuery()):                  # lists of plain values, EXPORT_BATCH at a time
        ...

Rows are plain dicts: id, document_id, kind, status, due_date, amount, paid_amount, paid_on, number, client_name,
label, position, deposit_invoice_id, and from the journal `imputed` (the part of paid_amount that credit notes imputed:
no money moved, logic.payments.installment_display) and `imputed_refs` (the imputations' references: on an invoice's
installment the credit notes' numbers, on a credit note's refund the invoices'). Amounts are Decimals as stored (a credit note's refund is negative; the page
shows `logic.payments.open_amount`). Never a 'planned' installment (not due yet) nor a 'cancelled' one.

Filters: `status` 'open' (due, nothing or part settled) | 'overdue' (open and due before today) | 'paid' | '';
`kind` (the "type" column, logic.payments.type_of) 'installment' | 'deposit' | 'refund' | 'irrecoverable' (an
installment written off, whatever its kind) | ''; `date_from` / `date_to` on the due date; `search` the start of a
number (letters and digits with a digit, like 'f2026-001': upper-cased, on the index (number, id)) or words of the
client's name (looked up in the contacts, then their installments through (client_id, due_date, id), like
db/document_list.py). Newest first: due date descending, then id descending (or `descending=False`). `sort_by` 'due'
(default, on the indexes (due_date, id, status, kind), (status, due_date, id) and (kind, status, due_date, id, ...)
of db/document.py), or 'number', 'client', 'amount', 'paid_on' (sorted in SQL, no index).

Why the page is read by ids first (a "deferred join", like db/document_list.py): the ids come from the index alone,
then the 25 rows by primary key; skipping deep pages never reads the skipped rows (status and kind are in the
due-date index, so that filtering on them needs no row either). tests/db/test_payment_query_plans.py checks the plans.
"""
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count

from db.contact_search import clients_named, named_ids
from db.document import Installment, Payment
from db.document_list import (
    BROAD_PREFIX,
    dialect,
    few_matches,
    kept,
    number_prefix,
    page_ids,
    prefix_bounds,
    table_rows,
)
from db.fields import ScaledSum, summed_money
from logic.payments import IMPUTATION, LISTED_STATUSES, installment_display, type_of

COLUMNS = ('id', 'document_id', 'kind', 'status', 'due_date', 'amount', 'paid_amount', 'paid_on', 'number',
           'client_name', 'label', 'position', 'deposit_invoice_id')
SORTS = {'due': 'due_date', 'number': 'number', 'client': 'client_name', 'amount': 'amount', 'paid_on': 'paid_on'}
WALKED_SORTS = ('due_date', 'number', 'amount')  # a client search with many matches walks their index
STATUSES = ('open', 'overdue', 'paid')
KINDS = ('installment', 'deposit', 'refund', 'irrecoverable')
ROW_KINDS = ('installment', 'deposit', 'refund')  # the `kind` column ('irrecoverable' is a status)
# The money to receive (the dashboard's "règlements" widgets): installments and deposits, refunds apart.
RECEIVABLE = 'receivable'
RECEIVABLE_KINDS = ('installment', 'deposit')
MAX_LIMIT = 500
NUMBER_FRAGMENT = re.compile(r'[A-Za-z0-9/_-]+')
# Clients matching a name search passed to SQL as a literal list (the planner then reads their installments by
# client_id); beyond, as a subquery.
MAX_CLIENTS = 500
EXPORT_BATCH = 2000
EXPORT_HEADERS = ('Échéance', 'Document', 'Client', 'Type', 'Montant', 'Réglé', 'Reste à payer', 'État',
                  'Dernier règlement', 'Avoir imputé')
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

    `settled` is money only (received, or given back); `credited` what credit notes imputed (no money moved: on an
    installment the credit notes that paid it, on a refund what was imputed on the invoice). Refunds are given as
    positive amounts (what is left to give back, what was given back, what was imputed).
    """

    due: Decimal = ZERO
    settled: Decimal = ZERO
    credited: Decimal = ZERO


@dataclass(kw_only=True, slots=True)
class Summary:
    """PA3. The four headline figures cover money to receive (installments and deposits; refunds apart):
    `total_due` = `overdue` + `not_due` (left to pay of open installments), `settled` (money received on listed
    ones: a credit note imputed on an installment is no money received, it is in `by_type[...].credited`),
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


async def list_installments(query: PaymentQuery, *, total: int | None = None) -> tuple[list[dict], int]:
    """One page of installments and the number matching the filters. `total`: that number, already known for the
    same filters (a page or sort change): no COUNT then (on PostgreSQL a parallel scan of ~190,000 installments at
    100,000 invoices, the tail of the payments list's clicks in the benchmark's tiers)."""
    offset, limit = max(query.offset, 0), min(max(query.limit, 1), MAX_LIMIT)
    search = _search_text(query)
    broad = await broad_number(query)
    searched = bool(search) and not broad
    client_ids = await matching_clients(query) if searched else None
    if searched:
        # Counted and paged in SQL from the number index or the client index (client_id, due_date, id, status,
        # kind, ...), which holds what the count and the due-date order need: however many installments match, no
        # row is read but the page's (issue 17: 100 ms at 200,000 installments).
        queryset = counted = filtered(query, lead='search', client_ids=client_ids)
    else:
        counted = filtered(query, search_as='none' if broad else 'index')
    if total is None:
        total = await counted.count()
        if broad:  # every installment of the filters but those numbered outside the prefix (a few, on their index)
            total -= await filtered(query, lead='search', search_as='outside').count()
    order = order_of(query)
    apart = await few_matches(Installment, total, offset + limit)
    sort_lead = 'due' if order[0].lstrip('-') == 'due_date' else 'sort'
    if not searched:
        # The index of the sort leads: (due_date, id, ...), (amount, due_date, id) or (client_name, due_date, id),
        # unless few installments match (a rare state or type): then the filters' index, and a sort of those few
        # (walking a sort index for them would read every installment: db/document_list.few_matches). A broad
        # number prefix is tested on each row of the walk (`+number`).
        queryset = filtered(query, lead='filters' if apart else sort_lead, search_as='apart' if broad else 'index')
    elif not apart and not is_number(search) and dialect() == 'sqlite' and order[0].lstrip('-') in WALKED_SORTS:
        # A client search matching many installments ("cabinet": 72,854 at a million) walks the sort index and tests
        # the client on each row, as the documents lists do, rather than sorting every match (38 ms a page). Not when
        # sorted by client: the matching names are bunched along that index, not spread (the client index carries
        # them: its matches are sorted from it alone).
        queryset = filtered(query, lead=sort_lead, client_ids=client_ids, search_as='apart')
    else:
        apart = False  # the search's own index, its matches sorted
    ids = await page_ids(queryset, order, offset, limit, total, apart=apart)
    by_id = {row['id']: row for row in await Installment.filter(id__in=ids).values(*COLUMNS)}
    rows = [by_id[item] for item in ids if item in by_id]
    await add_imputations(rows)
    return rows, total


async def add_imputations(rows: list[dict]) -> list[dict]:
    """Add `imputed` and `imputed_refs` to each row, from the journal's credit note imputations (through the index
    (installment_id, id) of the page's rows)."""
    imputed: dict[int, Decimal] = {}
    refs: dict[int, list[str]] = {}
    if rows:
        for installment_id, amount, reference in await Payment.filter(
                installment_id__in=[row['id'] for row in rows], method=IMPUTATION).order_by('id').values_list(
                'installment_id', 'amount', 'reference'):
            imputed[installment_id] = imputed.get(installment_id, ZERO) + amount
            if reference and reference not in refs.setdefault(installment_id, []):
                refs[installment_id].append(reference)
    for row in rows:
        row['imputed'] = imputed.get(row['id'], ZERO)
        row['imputed_refs'] = refs.get(row['id'], []) if row['imputed'] else []
    return rows


async def payment_summary(query: PaymentQuery) -> Summary:
    """The figures of the summary panel for the filters of `query` (its paging is ignored).

    Sums per (kind, status) read from the index (kind, status, due_date, id, amount, paid_amount) alone: one range
    per kind and state, in the index order (no sort, no table row, no state or type tested row by row), then the overdue
    part from a range of the same index. Nine conditional sums in one pass over the table cost two to three times as
    much at 200,000 installments (docs/benchmarks.md, Payments). A search reads its few rows through its own index.
    """
    client_ids = await matching_clients(query)
    # A broad number prefix: the sums of the filters (their covering index's ranges) less those of the few
    # installments numbered outside the prefix (the number index's), rather than a million rows of the number index
    # grouped and sorted (900 ms for "F20" at a million installments).
    parts = [(1, 'index')] if not await broad_number(query) else [(1, 'none'), (-1, 'outside')]
    groups: dict[tuple[str, str], dict] = {}
    late = {'due': 0, 'paid': 0}
    overdue_too = query.status in ('', 'open', 'overdue') and query.kind in ('', 'installment', 'deposit', RECEIVABLE)
    for sign, search_as in parts:
        for group in await grouped_sums(query, client_ids=client_ids, search_as=search_as):
            names = ('row_kind', 'row_status') if search_as == 'outside' else ('kind', 'status')
            total = groups.setdefault((group[names[0]], group[names[1]]), {'rows': 0, 'due': 0, 'paid': 0})
            for part in total:
                total[part] += sign * (group[part] or 0)
        if overdue_too:
            sums = (await overdue_sums(query, client_ids=client_ids, search_as=search_as))[0]
            for part in late:
                late[part] += sign * (sums[part] or 0)
    value = {f'{kind}_{part}': ZERO for kind in KINDS for part in ('open', 'paid')}
    credited = await imputed_by_type(query, client_ids=client_ids)
    summary = Summary()
    for (row_kind, status), group in groups.items():
        kind = 'irrecoverable' if status == 'irrecoverable' else row_kind
        if f'{kind}_open' not in value:
            continue
        summary.count += group['rows'] or 0
        paid = summed_money(group['paid'])
        if status != 'paid':  # open, or written off: what is left
            value[f'{kind}_open'] += summed_money(group['due']) - paid
        value[f'{kind}_paid'] += paid
    for kind in ('installment', 'deposit', 'refund', 'irrecoverable'):
        left, imputed = value[f'{kind}_open'], credited.get(kind, ZERO)
        paid = value[f'{kind}_paid'] - imputed  # money only
        if not (left or paid or imputed):
            continue
        if kind == 'refund':  # money to give back: shown positive, kept out of the money to receive
            summary.by_type[kind] = TypeFigures(due=-left, settled=-paid, credited=-imputed)
            continue
        summary.by_type[kind] = TypeFigures(due=left, settled=paid, credited=imputed)
        summary.settled += paid
        if kind == 'irrecoverable':
            summary.irrecoverable = left
        else:
            summary.total_due += left
    summary.overdue = summed_money(late.get('due')) - summed_money(late.get('paid'))
    summary.not_due = summary.total_due - summary.overdue
    return summary


def grouped_sums(query: PaymentQuery, *, client_ids: list[int] | None, search_as: str = 'index'):
    """The summary's rows, count and sums of amount and paid_amount per (kind, status), as `values()` dicts
    ('kind' and 'status' named 'row_kind' and 'row_status' for the numbers 'outside' a prefix)."""
    grouped = summed(query, client_ids=client_ids, search_as=search_as) \
        .annotate(rows=Count(RawSQL('*')), due=ScaledSum('amount'), paid=ScaledSum('paid_amount'))
    if search_as != 'outside':
        return grouped.group_by('kind', 'status').values('kind', 'status', 'rows', 'due', 'paid')
    # Grouped by expressions, which no index orders: the number index does the reading (SQLite walked the whole
    # (kind, status, ...) index for its order, 410 ms at a million installments, rather than two ranges).
    return grouped.annotate(row_kind=RawSQL('+"kind"'), row_status=RawSQL('+"status"')) \
        .group_by('row_kind', 'row_status').values('row_kind', 'row_status', 'rows', 'due', 'paid')


def overdue_sums(query: PaymentQuery, *, client_ids: list[int] | None, search_as: str = 'index'):
    """The summary's overdue part: the sums of amount and paid_amount of the overdue installments (refunds apart
    when no type is chosen), one `values()` dict."""
    # No type chosen: the money to receive (refunds apart), a condition `filtered` words for the index it reads.
    overdue = summed(replace(query, status='overdue', kind=query.kind or RECEIVABLE), client_ids=client_ids,
                     search_as=search_as)
    return overdue.annotate(due=ScaledSum('amount'), paid=ScaledSum('paid_amount')).values('due', 'paid')


async def imputed_by_type(query: PaymentQuery, *, client_ids: list[int] | None) -> dict[str, Decimal]:
    """What credit notes imputed on the installments matching the filters, per type (logic.payments.type_of),
    signed like the installments. Imputations are few (one or two journal records per credit note): they are read
    first, as a range of the index (method, installment_id, amount), then which of their installments the filters
    keep, by primary key."""
    per_installment: dict[int, Decimal] = {}
    for installment_id, amount in await Payment.filter(method=IMPUTATION).values_list('installment_id', 'amount'):
        per_installment[installment_id] = per_installment.get(installment_id, ZERO) + amount
    ids = [key for key, amount in per_installment.items() if amount]
    if not ids:
        return {}
    sums: dict[str, Decimal] = {}
    for installment_id, kind, status in await filtered(query, client_ids=client_ids).filter(
            id__in=ids, kind__in=ROW_KINDS).values_list('id', 'kind', 'status'):
        key = type_of(kind, status)
        sums[key] = sums.get(key, ZERO) + per_installment[installment_id]
    return sums


def summed(query: PaymentQuery, *, client_ids: list[int] | None, search_as: str = 'index'):
    """The rows the summary adds up: `filtered()` read through the index (kind, status, ...) by ranges, both its
    leading columns constrained (then SQLite takes it even without statistics), or through a search's index
    (`search_as`: see `filtered`)."""
    if _search_text(query) and search_as != 'none':
        return filtered(query, lead='search', client_ids=client_ids, search_as=search_as)
    queryset = filtered(query, lead='sums', client_ids=client_ids, search_as=search_as)
    return queryset.filter(kind__in=ROW_KINDS) if query.kind in ('', 'irrecoverable') else queryset


async def export_rows(query: PaymentQuery, *, batch: int = EXPORT_BATCH) -> AsyncIterator[list[list]]:
    """Every installment matching the filters (paging ignored), as lists of plain values for a spreadsheet, in
    batches: keyset paging on (due_date, id), so the last batch costs what the first does and no object is kept.

    Columns: EXPORT_HEADERS (amounts as positive Decimals, dates as dates, the state in French as every screen shows
    it: logic.payments.installment_display). "Réglé" is money only; what credit notes imputed is "Avoir imputé".
    """
    from logic.payments import TYPE_LABELS, open_amount

    today = query.today or date.today()
    base = filtered(query, lead='search' if _search_text(query) else 'due', client_ids=await matching_clients(query))
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
        imputations = {row['id']: row['imputed'] for row in await add_imputations([{'id': row[0]} for row in rows])}
        values = []
        for item, due, number, client, kind, status, amount, paid, paid_on in rows:
            imputed = imputations[item]
            _, state_label = installment_display(status, amount, paid, due, today, kind, imputed)
            values.append([due, number, client, TYPE_LABELS.get(type_of(kind, status), kind), abs(amount),
                           abs(paid - imputed), open_amount(amount, paid), state_label, paid_on, abs(imputed)])
        yield values
        if len(rows) < batch:
            return
        after = (rows[-1][1], rows[-1][0])


# A broad number prefix ("F20": every invoice's installments of the century; issue 17, the payments list at a million
# installments on SQLite): its range of the number index is read whole by the count (130 ms), sorted for each page
# (200 ms) and grouped for the summary (900 ms). When it holds half of the installments or more, the list counts and
# sums the filters without it, less the few installments numbered outside it, and walks the sort index testing the
# number on each row (`+number`). Known per prefix for _TABLE_ROWS_SECONDS.
_BROAD: dict[str, tuple[float, bool]] = {}


async def broad_number(query: PaymentQuery) -> bool:
    """True on SQLite when the search is a number prefix held by half of the installments or more (the table's
    rows as last analysed; BROAD_PREFIX at least): one skip along the number index, no row read."""
    search = _search_text(query)
    if not search or not is_number(search) or dialect() != 'sqlite':
        return False
    rows = await table_rows(Installment)
    if rows is None or rows < 2 * BROAD_PREFIX:
        return False
    if len(_BROAD) > 1000:
        _BROAD.clear()

    async def beyond_half() -> bool:
        return bool(await Installment.filter(*number_prefix(search)).order_by('number').offset(rows // 2 - 1)
                    .limit(1).values_list('id', flat=True))
    return await kept(_BROAD, search.upper(), beyond_half)


async def matching_clients(query: PaymentQuery) -> list[int] | None:
    """The ids of the contacts a name search designates (each word in the folded name, like the contacts list), or
    None: no name search, or too many clients to list (the search then takes them through a subquery)."""
    search = _search_text(query)
    if not search or is_number(search):
        return None
    ids = await clients_named(search).limit(MAX_CLIENTS + 1).values_list('id', flat=True)
    return list(ids) if len(ids) <= MAX_CLIENTS else None


def filtered(query: PaymentQuery, *, lead: str = 'filters', client_ids: list[int] | None = None,
             search_as: str = 'index'):
    """The queryset of the filters, without order (the list, the summary, the export). `client_ids`: what
    matching_clients() found for a name search (else a subquery finds them).

    `lead`, the index SQLite must read ('filters': any index of the state, type and date conditions, for a count;
    'due': the due-date order of a page, 'sort': the amount or client order of a page, 'sums': the summary's,
    'search': the number or client index). Conditions that must not pick the index are written `+status`,
    `+kind`, `+due_date` on SQLite. Without statistics (a base never analysed) its planner would otherwise take
    (status, due_date, id) for three states and sort 190,000 ids for each page, or fetch the rows of a sum one by
    one (tests/db/test_payment_query_plans.py).

    `search_as`, how the search's condition is written: 'index' (a range of the number index, the client ids in the
    client index), 'apart' (the same condition as an expression, `+number` or `+client_id`, tested on each row
    another index finds), and for a number prefix, 'outside' (the numbers before and after its range: what the
    filters hold besides the prefix) or 'none' (the prefix left out): see `broad_number`.
    """
    today = query.today or date.today()
    queryset = Installment.all()
    several_states = query.kind != 'irrecoverable' and query.status not in STATUSES
    hidden = {'filters': (), 'due': ('status', 'kind') if several_states else (), 'sums': ('due_date',),
              'search': ('status', 'kind', 'due_date'), 'sort': ('status', 'kind', 'due_date')}[lead] \
        if dialect() == 'sqlite' else ()
    for column in hidden:
        queryset = queryset.annotate(**{f'plus_{column}': RawSQL(f'+{column}')})
    status_field, kind_field, due_field = (f'plus_{column}' if column in hidden else column
                                           for column in ('status', 'kind', 'due_date'))

    def where(field_name: str, lookup: str, value) -> Q:
        return Q(**{f'{field_name}{lookup}': value})

    kind, status = query.kind, query.status
    conditions: list[Q] = []
    if kind == 'irrecoverable':
        conditions.append(where(status_field, '', 'irrecoverable'))
        if status and status != 'irrecoverable':
            conditions.append(Q(id=0))  # an irrecoverable installment is neither open nor paid
    else:
        if kind in ROW_KINDS:
            conditions.append(where(kind_field, '', kind))
        elif kind == RECEIVABLE:
            conditions.append(where(kind_field, '__in', RECEIVABLE_KINDS))
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
    search = _search_text(query)
    if search and is_number(search):  # like the documents lists, a range of the number index
        if search_as == 'apart':
            queryset = queryset.annotate(number_apart=RawSQL('+"number"'))
            conditions += number_prefix(search, field='number_apart')
        elif search_as == 'outside':
            before, after = prefix_bounds(search)
            conditions.append(Q(number__lt=before) | Q(number__gte=after))
        elif search_as == 'index':
            conditions += number_prefix(search)
    elif search:
        clients = named_ids(search) if client_ids is None else client_ids or [0]
        column = 'client_id'
        if search_as == 'apart':
            queryset, column = queryset.annotate(client_apart=RawSQL('+"client_id"')), 'client_apart'
        conditions.append(Q(**{f'{column}__in': clients}))
    return queryset.filter(*conditions)


def _search_text(query: PaymentQuery) -> str:
    return ' '.join((query.search or '').split())


def is_number(search: str) -> bool:
    """
    >>> is_number('f2026-001'), is_number('Martin'), is_number('Garage 2000')
    (True, False, False)
    """
    return bool(NUMBER_FRAGMENT.fullmatch(search)) and any(char.isdigit() for char in search)


def order_of(query: PaymentQuery) -> list[str]:
    field_name = SORTS.get(query.sort_by or 'due', 'due_date')
    sign = '-' if query.descending else ''
    terms = [f'{sign}{field_name}']
    if field_name != 'due_date':
        terms.append(f'{sign}due_date')
    return [*terms, f'{sign}id']
