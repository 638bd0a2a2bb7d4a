"""SQLite's read connections (db/sqlite_backend.py, issue 17): a plain SELECT outside a transaction runs on a
read-only connection of its own, several at once, so that one slow count does not hold up every other click of the
web process, nor a transaction waiting for the write lock; what a read sees stays what it saw on one connection."""
import asyncio
import sqlite3
import threading
import time

import pytest
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from db import engine
from db.contact import Contact

# SQLite work that takes time (a recursive count), in a SELECT so that it goes to a read connection.
SLOW = ('SELECT (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) '
        'SELECT count(*) FROM n) AS total')


async def _contact(code: str) -> Contact:
    contact = Contact(code=code, name=f'Garage {code}')
    contact.refresh_derived()
    await contact.save()
    return contact


async def _timed(coroutine) -> tuple[object, float]:
    started = time.perf_counter()
    result = await coroutine
    return result, time.perf_counter() - started


async def _slow_rows(client, seconds: float = 0.4) -> int:
    """Rows for a slow count of `seconds` at least on this machine, whatever its speed."""
    rows = 200_000
    while (await _timed(client.execute_query_dict(SLOW, [rows])))[1] < seconds:
        rows *= 2
    return rows


async def test_a_cheap_read_passes_a_slow_one_still_running(sqlite_db):
    client = sqlite_db
    await _contact('R1')
    rows = await _slow_rows(client)
    slow = asyncio.ensure_future(_timed(client.execute_query_dict(SLOW, [rows])))
    await asyncio.sleep(0.05)  # the slow count is running on a reader
    contacts, cheap = await _timed(Contact.filter(code='R1').values_list('name', flat=True))
    assert contacts == ['Garage R1']
    (result, slow_seconds) = await slow
    assert result[0]['total'] == rows
    # On the writer's single connection the cheap read would have waited for the whole count.
    assert cheap < slow_seconds / 4, (cheap, slow_seconds)


async def test_a_read_does_not_wait_for_a_transaction_in_progress_and_sees_the_last_commit(sqlite_db):
    await _contact('T1')
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with in_transaction():
            await Contact.filter(code='T1').update(name='Garage renommé')
            # Within the transaction, its own write is seen (the read goes through the transaction).
            assert await Contact.filter(code='T1').values_list('name', flat=True) == ['Garage renommé']
            inside.set()
            await release.wait()

    task = asyncio.ensure_future(writer())
    try:
        await inside.wait()
        # Another task reads meanwhile: at once (the writer connection is held), and the data before the transaction.
        names, seconds = await _timed(asyncio.wait_for(Contact.filter(code='T1').values_list('name', flat=True), 2))
        assert names == ['Garage T1']
        assert seconds < 1
    finally:
        release.set()
        await task
    # Once committed, the next read sees it, from whichever connection.
    for _ in range(6):
        assert await Contact.filter(code='T1').values_list('name', flat=True) == ['Garage renommé']


async def test_a_read_after_a_write_of_the_same_task_sees_it(sqlite_db):
    for index in range(20):
        contact = await _contact(f'W{index}')
        assert await Contact.filter(id=contact.id).count() == 1
        await Contact.filter(id=contact.id).update(name=f'Nom {index}')
        assert (await Contact.get(id=contact.id)).name == f'Nom {index}'
        await Contact.filter(id=contact.id).delete()
        assert not await Contact.filter(id=contact.id).exists()


async def test_reads_use_at_most_the_configured_read_connections_and_writes_stay_on_the_writer(sqlite_db):
    client = sqlite_db
    assert client._readers == engine.SQLITE_READERS
    results = await asyncio.gather(*(client.execute_query_dict(SLOW, [20_000]) for _ in range(10)))
    assert [row[0]['total'] for row in results] == [20_000] * 10
    assert len(client._open) == engine.SQLITE_READERS  # ten reads at once, four connections opened
    # The read connections refuse writes: a write sent there by mistake could not slip past the writer's lock.
    reader = next(iter(client._open))
    with pytest.raises(sqlite3.OperationalError, match='readonly|read-only|query_only'):
        await reader.execute("UPDATE contact SET name = 'x'")
    # A write through the client goes to the writer, whatever the statement looks like.
    await _contact('X1')
    assert await client.execute_query("UPDATE contact SET name = 'Écrit' WHERE code = 'X1'") is not None
    assert await Contact.filter(code='X1').values_list('name', flat=True) == ['Écrit']


async def test_the_read_connections_close_with_the_database_even_busy_or_awaited(sqlite_db):
    client = sqlite_db
    rows = await _slow_rows(client, seconds=0.8)
    threads = _reader_threads()
    reads = [asyncio.ensure_future(client.execute_query_dict(SLOW, [rows]))
             for _ in range(engine.SQLITE_READERS + 1)]  # every read connection busy, one more read waiting
    deadline = time.perf_counter() + 0.5  # opening the connections takes longer on a loaded machine (CI: 50 ms missed)
    while len(client._open) < engine.SQLITE_READERS and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    readers = set(client._open)
    assert len(readers) == engine.SQLITE_READERS
    # The client itself (engine.close_database first runs the upkeep's reads, which wait for these to end).
    await client.close()
    assert not any(read.done() for read in reads)
    # The reads in progress finish, then their connections close; the one waiting reads once, then closes its own.
    assert [result[0]['total'] for result in await asyncio.wait_for(asyncio.gather(*reads), 60)] == \
        [rows] * (engine.SQLITE_READERS + 1)
    await asyncio.sleep(0.2)
    for reader in readers:
        with pytest.raises(ValueError):  # aiosqlite: "no active connection"
            await reader.execute('SELECT 1')
    assert _reader_threads() <= threads, 'a connection thread outlived its closed database'
    assert await Contact.all().count() == 0  # the client opens again when used


def _reader_threads() -> set:
    """The aiosqlite connection threads alive (each connection has one, until it closes)."""
    return {thread for thread in threading.enumerate() if '_connection_worker_thread' in thread.name}  # not idents:
    # a thread's ident is reused by the next one


async def test_an_error_in_a_read_is_reported_as_from_the_writer_and_frees_its_connection(sqlite_db):
    client = sqlite_db
    for _ in range(engine.SQLITE_READERS + 2):
        with pytest.raises(OperationalError, match='no such table'):
            await client.execute_query('SELECT * FROM no_such_table')
    assert (await client.execute_query_dict('SELECT 2 AS two'))[0]['two'] == 2
