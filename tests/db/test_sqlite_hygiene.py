"""SQLite upkeep done by the app (issue 17): the planner's statistics are gathered when the database is opened and
refreshed while it runs, the WAL is checkpointed in small steps, and the benchmark prepares nothing a real instance
would not have (no ANALYZE of its own)."""
import asyncio
import re
from pathlib import Path

import pytest
from tortoise import connections

from db import engine
from db.contact import Contact
from tests.databases import use_postgres

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sqlite_url(database_url):
    if use_postgres():
        pytest.skip('SQLite upkeep (PostgreSQL has its autovacuum)')
    return database_url


async def _statistics(table: str) -> list[dict]:
    client = connections.get('default')
    if not await client.execute_query_dict("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"):
        return []
    return await client.execute_query_dict('SELECT idx, stat FROM sqlite_stat1 WHERE tbl = ?', [table])


async def _add_contacts(count: int, start: int = 0) -> None:
    contacts = [Contact(code=f'H{index:05d}', name=f'Garage Martin {index}') for index in range(start, start + count)]
    for contact in contacts:
        contact.refresh_derived()
    await Contact.bulk_create(contacts)


async def test_it_gathers_the_statistics_of_a_table_never_analysed_when_the_database_opens(sqlite_url):
    await engine.open_database(sqlite_url, migrate=False)
    try:
        await _add_contacts(200)
        assert await _statistics('contact') == []  # nobody ran ANALYZE: a real instance after a day of work
    finally:
        await engine.close_database()
    await engine.open_database(sqlite_url, migrate=False)
    try:
        rows = await _statistics('contact')
        assert rows, 'opening the database analyses the tables that have no statistics'
        assert all(int(row['stat'].split()[0]) == 200 for row in rows if row['idx'])
    finally:
        await engine.close_database()


async def test_it_analyses_again_a_table_that_grew_tenfold_but_not_one_that_barely_changed(sqlite_url):
    await engine.open_database(sqlite_url, migrate=False)
    try:
        await _add_contacts(30)
    finally:
        await engine.close_database()
    await engine.open_database(sqlite_url, migrate=False)
    try:
        first = {row['idx']: row['stat'] for row in await _statistics('contact')}
        await _add_contacts(10, start=30)
        assert await engine.optimize() == []  # 40 rows against 30 known: the statistics still hold
        await _add_contacts(400, start=40)
        assert 'contact' in await engine.optimize()
        grown = {row['idx']: row['stat'] for row in await _statistics('contact')}
    finally:
        await engine.close_database()
    assert {int(stat.split()[0]) for stat in first.values()} == {30}
    assert {int(stat.split()[0]) for stat in grown.values()} == {440}


async def test_it_analyses_a_table_again_when_a_migration_added_an_index_without_statistics(sqlite_url):
    await engine.open_database(sqlite_url, migrate=False)
    try:
        await _add_contacts(50)
        await engine.optimize()
        assert await engine.optimize() == []  # analysed, nothing new
        client = connections.get('default')
        await client.execute_script('CREATE INDEX contact_code_name ON contact (code, name)')  # as a migration does
        await client.execute_script("CREATE INDEX contact_none ON contact (code) WHERE code = 'nobody'")
        assert 'contact' in await engine.optimize()
        stats = {row['idx']: row['stat'] for row in await _statistics('contact')}
        assert stats['contact_code_name'] == '50 1 1'
        assert 'contact_none' not in stats  # a partial index no row enters: no statistics, and no reason to analyse
        assert await engine.optimize() == []
    finally:
        await engine.close_database()


async def test_it_keeps_wal_checkpoints_small_and_analyses_whole_indexes(sqlite_url):
    await engine.open_database(sqlite_url, migrate=False)
    try:
        client = connections.get('default')

        async def pragma(name: str):
            return list((await client.execute_query_dict(f'PRAGMA {name}'))[0].values())[0]

        assert await pragma('journal_mode') == 'wal'
        assert await pragma('wal_autocheckpoint') == engine.WAL_PAGES == 1000
        assert await pragma('journal_size_limit') == engine.JOURNAL_LIMIT
        assert await pragma('analysis_limit') == engine.ANALYSIS_LIMIT
    finally:
        await engine.close_database()


async def test_it_runs_the_upkeep_periodically_while_open_and_stops_it_at_close(sqlite_url, monkeypatch):
    calls = []
    real = engine.optimize

    async def counted():
        calls.append(asyncio.get_running_loop().time())
        return await real()

    monkeypatch.setattr(engine, 'optimize', counted)
    monkeypatch.setattr(engine, 'UPKEEP_SECONDS', 0.05)
    await engine.open_database(sqlite_url, migrate=False)
    try:
        await asyncio.sleep(0.3)
        task = engine._upkeep
        assert task is not None and not task.done()
    finally:
        await engine.close_database()
    assert task.cancelled() or task.done()
    assert engine._upkeep is None
    assert len(calls) >= 4  # on opening, then the hourly runs (here every 50 ms), and one at close


def test_the_benchmark_prepares_nothing_that_a_real_instance_does_not():
    """No ANALYZE in bench/ (PostgreSQL's VACUUM ANALYZE stands for its autovacuum): on SQLite the statistics the
    figures run with are the ones the app gathers itself."""
    statements = re.compile(r"""['"]ANALYZE\b""")
    offenders = [path.name for path in (ROOT / 'bench').glob('*.py') if statements.search(path.read_text())]
    assert offenders == []


async def test_a_transaction_that_reads_then_writes_waits_for_another_process_instead_of_failing(sqlite_url):
    """Two processes on one SQLite file (the web process and a job worker): a transaction that reads, then writes
    after the other committed, used to be refused at once ("database is locked"); begun IMMEDIATE, it holds the
    write lock from its start and the other process waits for it (db/sqlite_backend.py)."""
    import sqlite3
    import time

    from db.unit_of_work import transaction

    await engine.open_database(sqlite_url, migrate=False)
    try:
        await _add_contacts(1)
        other = sqlite3.connect(sqlite_url.removeprefix('sqlite://'), timeout=10, isolation_level=None,
                                check_same_thread=False)

        def other_process_writes() -> float:
            started = time.monotonic()
            other.execute("UPDATE contact SET name = 'Garage Martin (autre processus)' WHERE code = 'H00000'")
            return time.monotonic() - started

        async with transaction():
            assert await Contact.filter(code__startswith='H').count() == 1  # the transaction has read
            writer = asyncio.ensure_future(asyncio.to_thread(other_process_writes))
            await asyncio.sleep(0.3)  # the other process tries to write meanwhile
            await Contact.create(code='H00001', name='Garage Martin 1')  # refused before: the file had moved on
        waited = await writer
        other.close()
        assert waited >= 0.2  # the other process waited for our commit...
        assert await Contact.filter(name='Garage Martin (autre processus)').count() == 1  # ...then wrote
        assert await Contact.filter(code__startswith='H').count() == 2
    finally:
        await engine.close_database()
