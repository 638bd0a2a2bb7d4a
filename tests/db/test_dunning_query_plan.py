"""The dunning proposal (PA6) reads the overdue installments from an index and finds each one's DunningState by
primary key: no scan of `installment`, no probe of the reminders (db/dunning.py overdue_sql).

SQLite: EXPLAIN QUERY PLAN on a fresh base. PostgreSQL: EXPLAIN once sequential scans are discouraged (an empty
test table would otherwise be scanned). bench/bench_dunning.py and docs/benchmarks.md time it at size.
"""
from datetime import date

from tortoise import connections
from tortoise.transactions import in_transaction

from db.dunning import overdue_sql

THRESHOLDS = {1: 15, 2: 30, 3: 45}


async def test_the_proposal_reads_an_index_and_each_state_by_primary_key(db):
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    sql, params = overdue_sql(date(2026, 3, 15), THRESHOLDS, sqlite=sqlite)
    if sqlite:
        plan = [row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}', params)]
        assert any(step.startswith('SEARCH i USING INDEX') and 'kind=? AND status=? AND due_date<?' in step
                   for step in plan), plan
        assert any(step.startswith('SEARCH s USING INTEGER PRIMARY KEY') for step in plan), plan
        assert not any('reminder' in step for step in plan), plan
    else:
        async with in_transaction() as connection:
            await connection.execute_script('SET LOCAL enable_seqscan = off')
            rows = await connection.execute_query_dict(f'EXPLAIN {sql}', params)
        plan = '\n'.join(row['QUERY PLAN'] for row in rows)
        assert 'idx_installment' in plan and 'dunning_state_pkey' in plan, plan
        assert 'Seq Scan on installment' not in plan and 'reminder' not in plan, plan


async def test_the_proposal_sums_its_clients_from_the_index_alone(db):
    """The summary and the pages (db/dunning.py due_clients) group every installment due by client: on SQLite from
    the (kind, status, due_date, ..., client_id) index alone (migration documents/0016), no installment row read;
    on PostgreSQL from an index, never a scan of the table (its choice of index follows its statistics: measured at
    size by bench/bench_dunning.py)."""
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    sql, params = overdue_sql(date(2026, 3, 15), THRESHOLDS, sqlite=sqlite,
                              select='i.client_id, COUNT(*), SUM(i.amount - i.paid_amount)',
                              tail='AND i.client_id IS NOT NULL GROUP BY i.client_id')
    if sqlite:
        plan = [row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}', params)]
        assert any(step.startswith('SEARCH i USING COVERING INDEX') and 'kind=? AND status=? AND due_date<?' in step
                   for step in plan), plan
    else:
        async with in_transaction() as connection:
            await connection.execute_script('SET LOCAL enable_seqscan = off')
            rows = await connection.execute_query_dict(f'EXPLAIN {sql}', params)
        plan = '\n'.join(row['QUERY PLAN'] for row in rows)
        assert 'idx_installment' in plan and 'Seq Scan on installment' not in plan, plan
