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


# sqlite_stat1 of `document` at a million invoices (python -m bench --invoices 1000000): a state holds a quarter of
# its family on average; the planner can't know that 275 invoices are cancelled.
MILLION_STATISTICS = {
    'idx_document_family_a79558': '1505000 376250 110 1', 'idx_document_doc_typ_1d0b82': '1505000 215000 109 1',
    'idx_document_family_893dc6': '1505000 376250 94063 79 1 1', 'idx_document_family_e8dd7d': '1505000 376250 1 1',
    'idx_document_family_629400': '1505000 376250 842 1', 'idx_document_family_d2e8ee': '1505000 376250 2 1',
    'idx_document_family_46c9c1': '1505000 376250 405 1', 'idx_document_family_4473ea': '1505000 376250 7 2 1 1 1',
    'idx_document_client__f002ff': '1505000 13 2', 'idx_document_source__353ad7': '1505000 4',
    'document_legal_number_unique': '1000681 1', 'idx_document_family_c8f62e': '1505000 376250 110 109 79 1 1 1',
    'idx_document_family_035768': '1505000 376250 1', 'idx_document_payment_556a14': '1505000 188125 1',
    'sqlite_autoindex_document_1': '1505000 301000 1',
}


async def _million_statistics(client) -> None:
    """The statistics of `document` as at a million invoices, reloaded by the planner (SQLite)."""
    from db import document_list
    await client.execute_script('ANALYZE')
    for index, stat in MILLION_STATISTICS.items():  # as ANALYZE found them at a million invoices
        await client.execute_query('UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx = ?',
                                   [stat, 'document', index])
    await client.execute_script('ANALYZE sqlite_schema')
    document_list._TABLE_ROWS.clear()


async def test_a_page_of_few_matches_sorts_them_instead_of_walking_the_sort_index(db):
    """A rare state sorted by due date (issue 17, a million invoices: 950 ms for 50 rows): SQLite would walk the due
    date index past every invoice to find the 275 cancelled ones; with few matches the page sorts them instead, read
    through the state index, and gives the same rows in the same order as the walk, from either end."""
    from db import document_list
    from db.document import Document

    states = ['sent'] * 30 + ['refused'] * 5 + ['accepted'] * 5  # quotes: invoices are created as drafts only
    await Document.bulk_create([
        Document(family='quote', doc_type='quote', series='quote', state=state, client_name=f'Client {index % 7}',
                 issue_date=date(2026, 1, 1 + index % 28),
                 due_date=None if index % 9 == 0 else date(2026, 3, 1 + (index * 7) % 28),
                 total_ttc=(index * 37) % 500)
        for index, state in enumerate(states)])
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    if sqlite:
        await _million_statistics(client)
        assert await document_list.few_matches(Document, 5, 50)  # 5 refused of a million: sort them
        assert not await document_list.few_matches(Document, 250_000, 50)  # a quarter: 200 index entries
        assert await document_list.few_matches(Document, 20_000, 1_000)  # sort 20,000 rather than read 50,000 rows
        assert not await document_list.few_matches(Document, 20_000, 100)  # read 5,000 rows rather than sort 20,000
        rare = DocumentQuery(family='quote', states=('refused',), sort_by='due')
        walked = filtered(rare).order_by(*order_of(rare)).limit(25).values_list('id', flat=True)
        apart, order = document_list.sorted_apart(filtered(rare), order_of(rare))
        for queryset, index, sorts in ((walked, 'idx_document_family_46c9c1', False),
                                       (apart.order_by(*order).limit(25).values_list('id', flat=True),
                                        'idx_document_family_893dc6', True)):
            sql, params = _parameterized(queryset)
            plan = ' / '.join(row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}',
                                                                                         params))
            assert index in plan and ('TEMP B-TREE FOR ORDER BY' in plan) == sorts, plan
    for state in ('refused', 'sent', 'accepted'):
        for sort_by in ('due', 'total', 'client', None):
            for descending in (False, True):
                query = DocumentQuery(family='quote', states=(state,), sort_by=sort_by, descending=descending)
                total = await filtered(query).count()
                for offset in range(0, total, 3):
                    pages = [await document_list.page_ids(filtered(query), order_of(query), offset, 3, total,
                                                          apart=apart) for apart in (False, True)]
                    assert pages[0] == pages[1] and pages[0], (state, sort_by, descending, offset)


async def test_a_broad_search_is_read_along_the_sort_or_state_index_and_lists_the_same(db, monkeypatch):
    """"F20" (every invoice) with « Réglée » (issue 17: 200 ms at 100,000 invoices on SQLite, the number range read
    row by row): past BROAD_PREFIX numbers, the page walks the sort index and the count reads the state index alone,
    whose entries carry the number; a narrow prefix keeps the number range. A client search with many matches walks
    the sort index too (240 ms at a million: every match read through the client index, then sorted). Either way the
    same rows, in the same order, and the same total as through the search's own index."""
    from db import document_list
    from db.contact import Contact
    from db.document import Document

    contacts = [Contact(code=f'C{index}', name=name) for index, name in
                enumerate(('Garage Martin', 'Cabinet Martin', 'Boulangerie Dupont'))]
    for contact in contacts:
        contact.refresh_derived()
        await contact.save()
    states = ('sent', 'refused', 'accepted', 'sent')
    await Document.bulk_create([  # quotes: invoices are created as drafts only; 36 numbers D2026-…, 4 X2026-…
        Document(family='quote', doc_type='quote', series='quote', state=states[index % 4],
                 number=f'{"X" if index % 10 == 3 else "D"}2026-{index:05d}', client_id=contacts[index % 3].id,
                 client_name=contacts[index % 3].name, issue_date=date(2026, 1, 1 + index % 28),
                 due_date=date(2026, 3, 1 + (index * 7) % 28), total_ttc=(index * 37) % 500)
        for index in range(40)])
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    monkeypatch.setattr(document_list, 'BROAD_PREFIX', 5)
    monkeypatch.setattr(document_list, '_NUMBERED', {})  # counted here, not by an earlier test
    assert await document_list._broad_prefix(DocumentQuery(family='quote'), 'd20') == sqlite  # 36 of 40
    assert not await document_list._broad_prefix(DocumentQuery(family='quote'), 'D2026-0001')  # 9: not half
    assert not await document_list._broad_prefix(DocumentQuery(family='quote'), 'X20')
    if sqlite:
        await _million_statistics(client)
        broad = DocumentQuery(family='quote', states=('refused',), search='D20')
        apart = filtered(broad, search_apart=True)
        by_date = DocumentQuery(family='quote', search='martin')
        for queryset, index in ((apart.count(), 'COVERING INDEX idx_document_family_893dc6'),
                                (filtered(broad).count(), 'idx_document_family_e8dd7d'),
                                (apart.order_by(*order_of(broad)).limit(25).values_list('id', flat=True),
                                 'idx_document_family_893dc6 (family=? AND state=?)'),
                                (filtered(by_date, client_ids=[contacts[0].id, contacts[1].id], search_apart=True)
                                 .order_by(*order_of(by_date)).limit(25).values_list('id', flat=True),
                                 'idx_document_family_a79558 (family=?)'),
                                # a client search with a state: counted from the client index, which carries it
                                (filtered(DocumentQuery(family='quote', states=('refused',), search='martin'),
                                          client_ids=[contacts[0].id, contacts[1].id]).count(),
                                 'COVERING INDEX idx_document_family_4473ea')):
            sql, params = _parameterized(queryset)
            plan = ' / '.join(row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}',
                                                                                         params))
            assert index in plan and 'TEMP B-TREE' not in plan, plan
        # A client search sorted by client: its matches sorted, their names read from the client index, which
        # carries them (no row read per match: 300-625 -> 24-56 ms a page at a million).
        by_client = DocumentQuery(family='quote', search='martin', sort_by='client')
        sql, params = _parameterized(filtered(by_client, client_ids=[contacts[0].id, contacts[1].id])
                                     .order_by(*order_of(by_client)).limit(25).values_list('id', flat=True))
        plan = ' / '.join(row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}', params))
        assert 'COVERING INDEX idx_document_family_4473ea' in plan, plan
    real_few_matches = document_list.few_matches

    async def few(model, total, needed):
        return True

    async def many(model, total, needed):
        return False

    # Through the search's own index (never broad, matches sorted apart); walking past a broad prefix and many
    # matches; as the list decides.
    ways = ((1_000_000, few), (5, many), (5, real_few_matches))
    for search in ('D20', 'x2026', 'D2026-0001', 'martin', 'Dupont', 'cabinet martin'):
        for state in ((), ('refused',), ('sent',)):
            for sort_by in ('number', 'total', 'due', 'client', None):
                for descending in (False, True):
                    query = DocumentQuery(family='quote', states=state, search=search, sort_by=sort_by,
                                          descending=descending, limit=4)
                    lists = []
                    for prefix, matches in ways:
                        monkeypatch.setattr(document_list, 'BROAD_PREFIX', prefix)
                        monkeypatch.setattr(document_list, 'few_matches', matches)
                        pages = []
                        for offset in range(0, 40, 4):
                            query.offset = offset
                            rows, total = await document_list.list_documents(query)
                            pages.append(([(row['number'], row['client_name']) for row in rows], total))
                        lists.append(pages)
                    assert lists[0] == lists[1] == lists[2], (search, state, sort_by, descending)
                    found = [row for page, _ in lists[0] for row in page]
                    assert all(number.startswith(search.upper()) or set(search.lower().split()) <= set(
                        name.lower().split()) for number, name in found), found
                    assert len(found) == lists[0][0][1] == len(set(found)) > 0, (search, state)
