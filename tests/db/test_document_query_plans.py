"""The list queries (DOC5) are answered from indexes: no full scan of `document`, no sort of all its rows.

On SQLite, EXPLAIN QUERY PLAN must show each access to `document` through an index and no temporary B-tree for
the ORDER BY (a search may sort the few rows it found). On PostgreSQL (FACTURIER_TEST_DATABASE=postgres) the plan
must use a document index once sequential scans are discouraged (an empty test table would otherwise be scanned).
"""
from datetime import date

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from db.document_list import DocumentQuery, filtered, order_of

QUERIES = {
    'oldest first': DocumentQuery(),
    'newest first': DocumentQuery(descending=True),
    'by number': DocumentQuery(sort_by='number'),
    'by client': DocumentQuery(sort_by='client', descending=True),
    'by amount': DocumentQuery(sort_by='total', descending=True),
    'by due date': DocumentQuery(sort_by='due'),
    'by state': DocumentQuery(sort_by='state'),
    'one state by date': DocumentQuery(states=('validated',)),
    'a date range': DocumentQuery(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)),
    'quotes': DocumentQuery(family='quote', descending=True),
    'one client': DocumentQuery(client_id=3),
}
# A search reads only the matching rows through an index (then sorts those few): (index, constraint expected).
SEARCHES = {
    'a number search': (DocumentQuery(search='f2026-001'), 'number>? AND number<?'),
    'a client search': (DocumentQuery(search='Martin', descending=True), 'client_id=?'),
}


def page_sql(query: DocumentQuery) -> tuple[str, list]:
    """The ids of a page (db.document_list.page_ids); the rows are then read by primary key."""
    return _parameterized(filtered(query, client_ids=CLIENT_IDS).order_by(*order_of(query)).offset(50_000).limit(25).values_list(
        'id', flat=True))


def count_sql(query: DocumentQuery) -> tuple[str, list]:
    return _parameterized(filtered(query, client_ids=CLIENT_IDS).count())


# What list_documents finds in the contacts table first for a client search.
CLIENT_IDS = [3, 8, 21]


def _parameterized(queryset) -> tuple[str, list]:
    # sql(params_inline=True) leaves the parameters of a subquery out: take the statement and its parameters.
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    return queryset.query.get_parameterized_sql()


@pytest.mark.parametrize('name', QUERIES)
async def test_a_list_page_and_its_count_use_an_index(db, name):
    client = connections.get('default')
    for sql, params in (page_sql(QUERIES[name]), count_sql(QUERIES[name])):
        if client.capabilities.dialect == 'sqlite':
            plan = [row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}', params)]
            scans = [step for step in plan if step.startswith(('SCAN', 'SEARCH')) and 'document' in step]
            assert scans and all('INDEX' in step for step in scans), (sql, plan)
            assert not any('TEMP B-TREE' in step for step in plan), (sql, plan)
        else:
            plan = await _postgres_plan(sql, params)
            assert 'idx_document' in plan and 'Seq Scan on document' not in plan, (sql, plan)


@pytest.mark.parametrize('name', SEARCHES)
async def test_a_search_reads_only_the_matching_rows_through_an_index(db, name):
    """Its count reads only the matching index entries. Its page may instead walk the sort index until it has a
    page (SQLite's choice when it has no statistics yet): both stay on an index."""
    client = connections.get('default')
    query, constraint = SEARCHES[name]
    for sql, params in (count_sql(query), page_sql(query)):
        if client.capabilities.dialect == 'sqlite':
            plan = [row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}', params)]
            steps = [step for step in plan if 'document' in step]
            assert steps and all('INDEX' in step for step in steps), (sql, plan)
            if sql.startswith('SELECT COUNT'):
                assert any(constraint in step for step in steps), (sql, plan)
        else:
            plan = await _postgres_plan(sql, params)
            assert 'idx_document' in plan and 'Seq Scan on document' not in plan, (sql, plan)


async def _postgres_plan(sql: str, params: list) -> str:
    # Each statement may run on another pooled connection: SET LOCAL inside one transaction keeps them together.
    async with in_transaction() as connection:
        await connection.execute_script('SET LOCAL enable_seqscan = off')
        rows = await connection.execute_query_dict(f'EXPLAIN {sql}', params)
    return '\n'.join(row['QUERY PLAN'] for row in rows)
