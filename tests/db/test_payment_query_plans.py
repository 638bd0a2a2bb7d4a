"""The payments list (PA1, PA3) is answered from indexes: no full scan of `installment`, no sort of all its rows.

SQLite's EXPLAIN QUERY PLAN, on a fresh base (no statistics, the planner's worst case): a page in due-date order and
its count read an index of `installment` and sort nothing, whatever the state and type filters; a search reads the
number or client index (then sorts the few rows it found); the summary reads its sums from the covering index
(kind, status, ..., amount, paid_amount) by ranges, without a sort. bench/bench_payments.py times them at 200,000.
"""
from dataclasses import replace
from datetime import date

import pytest
from tortoise import connections
from tortoise.expressions import RawSQL
from tortoise.functions import Count

from db.fields import ScaledSum
from db.payment_list import PaymentQuery, filtered, grouped_sums, order_of, overdue_sums, summed
from tests.databases import use_postgres

pytestmark = pytest.mark.skipif(use_postgres(), reason='EXPLAIN QUERY PLAN is SQLite’s; PostgreSQL plans by size')

TODAY = date(2026, 3, 15)
PAGES = {
    'everything': PaymentQuery(),
    'oldest first': PaymentQuery(descending=False),
    'overdue': PaymentQuery(status='overdue'),
    'open': PaymentQuery(status='open'),
    'paid': PaymentQuery(status='paid'),
    'deposits': PaymentQuery(kind='deposit'),
    'open deposits': PaymentQuery(kind='deposit', status='open'),
    'written off': PaymentQuery(kind='irrecoverable'),
    'a date range': PaymentQuery(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)),
    'by amount': PaymentQuery(sort_by='amount'),
    'open ones by client': PaymentQuery(sort_by='client', descending=False, status='open'),
}
# A search: (query, the index constraint its rows are found by).
SEARCHES = {
    'a number': (PaymentQuery(search='f2026-001'), 'number>? AND number<?'),
    'a client': (PaymentQuery(search='Martin'), 'client_id=?'),
    'a client, open only': (PaymentQuery(search='Martin', status='open'), 'client_id=?'),
}
# What matching_clients() finds in the contacts table for a name search.
CLIENT_IDS = [3, 8, 21]


@pytest.mark.parametrize('name', PAGES)
async def test_a_page_and_its_count_read_an_index_and_sort_nothing(db, name):
    query = PAGES[name]
    lead = 'due' if query.sort_by == 'due' else 'sort'  # as list_installments words it when many match
    page = filtered(_pinned(query), lead=lead).order_by(*order_of(query)).offset(50_000).limit(25)
    for sql in (page.values_list('id', flat=True).sql(params_inline=True),
                filtered(query).count().sql(params_inline=True)):
        steps = await _plan(sql)
        assert steps and all('INDEX' in step for step in steps), (sql, steps)
        assert not any('TEMP B-TREE' in step for step in steps), (sql, steps)


@pytest.mark.parametrize('name', SEARCHES)
async def test_a_search_reads_only_its_matches_through_their_index(db, name):
    query, constraint = SEARCHES[name]
    queryset = filtered(_pinned(query), lead='search', client_ids=CLIENT_IDS)
    for sql in (queryset.order_by(*order_of(query)).values_list('due_date', 'id').sql(params_inline=True),
                queryset.count().sql(params_inline=True)):
        steps = await _plan(sql)
        assert any(constraint in step for step in steps if 'installment' in step), (sql, steps)


@pytest.mark.parametrize('name', PAGES)
async def test_the_summary_sums_ranges_of_the_covering_index(db, name):
    query = _pinned(PAGES[name])
    groups = summed(query, client_ids=None).annotate(rows=Count(RawSQL('*')), due=ScaledSum('amount')) \
        .group_by('kind', 'status').values('kind', 'status', 'rows', 'due')
    queries = [groups]
    if query.kind in ('', 'deposit'):  # as payment_summary() adds up the overdue part
        queries.append(summed(replace(query, status='overdue'), client_ids=None).filter(
            kind__in=('installment', 'deposit')).annotate(due=ScaledSum('amount')).values('due'))
    for sql in (queryset.sql(params_inline=True) for queryset in queries):
        steps = await _plan(sql)
        assert steps and all('COVERING INDEX' in step and '(kind=? AND status=?' in step for step in steps), (
            sql, steps)
        assert not any('TEMP B-TREE' in step for step in steps), (sql, steps)


@pytest.mark.parametrize('status', ['', 'overdue', 'paid'])
async def test_a_number_prefix_is_counted_paged_and_summed_from_its_index_alone(db, status):
    """"F20" matches every invoice of the decade: no row of `installment` is read for the count, the page's order or
    the sums (issue 17: 80 and 120 ms at 100,000 invoices when each match read its row)."""
    query = _pinned(PaymentQuery(search='F20', status=status))
    queryset = filtered(query, lead='search')
    sums = summed(query, client_ids=None).annotate(rows=Count(RawSQL('*')), due=ScaledSum('amount'),
                                                   paid=ScaledSum('paid_amount')).group_by('kind', 'status') \
        .values('kind', 'status', 'rows', 'due', 'paid')
    for sql in (queryset.count().sql(params_inline=True),
                queryset.order_by(*order_of(query)).limit(25).values_list('id', flat=True).sql(params_inline=True),
                sums.sql(params_inline=True)):
        steps = [step for step in await _plan(sql) if 'installment' in step]
        assert steps and all('COVERING INDEX' in step and 'number>? AND number<?' in step for step in steps), (
            sql, steps)


def _pinned(query: PaymentQuery) -> PaymentQuery:
    query.today = TODAY
    return query


async def _plan(sql: str) -> list[str]:
    rows = await connections.get('default').execute_query_dict(f'EXPLAIN QUERY PLAN {sql}')
    return [row['detail'] for row in rows]


@pytest.mark.parametrize('status', ['', 'open', 'overdue', 'paid'])
async def test_what_a_broad_prefix_leaves_out_is_read_from_the_number_index_alone(db, status):
    """A broad prefix ("F20", db/payment_list.broad_number) is counted and summed as the filters less the installments
    numbered outside it: those are found by the two ranges around the prefix on the number index, covering, never by
    a walk of another index (SQLite walked the (kind, status, ...) index for the grouping's order: 410 ms at a
    million installments)."""
    query = _pinned(PaymentQuery(search='F20', status=status))
    counted = filtered(query, lead='search', search_as='outside').count()
    for sql in (counted.sql(params_inline=True),
                grouped_sums(query, client_ids=None, search_as='outside').sql(params_inline=True),
                overdue_sums(query, client_ids=None, search_as='outside').sql(params_inline=True)):
        steps = [step for step in await _plan(sql) if 'installment' in step]
        assert sorted(steps) == ['SEARCH installment USING COVERING INDEX idx_installment_number_0d6bc3 (number<?)',
                                 'SEARCH installment USING COVERING INDEX idx_installment_number_0d6bc3 (number>?)'], (
            sql, steps)


async def test_a_client_search_sorted_by_client_reads_names_from_the_client_index(db):
    """A client search sorted by client sorts its matches, their names read from the client index, which carries
    them with what the filters need (no row read per match: 260 -> 51 ms a page at a million installments)."""
    query = _pinned(PaymentQuery(search='Martin', sort_by='client', status='open'))
    sql = filtered(query, lead='search', client_ids=CLIENT_IDS).order_by(*order_of(query)).limit(25) \
        .values_list('id', flat=True).sql(params_inline=True)
    steps = [step for step in await _plan(sql) if 'installment' in step]
    assert steps == ['SEARCH installment USING COVERING INDEX idx_installment_client__df49de (client_id=?)'], steps
