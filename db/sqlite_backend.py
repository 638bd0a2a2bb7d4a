"""Tortoise's SQLite client, whose transactions start as the writer (`BEGIN IMMEDIATE`).

Why: since the job workers (db/job_worker.py), a SQLite instance has several processes writing to one file. A
transaction begun with a plain (deferred) `BEGIN` that reads, then writes after another process committed, can't
take the write lock: SQLite refuses it at once ("database is locked", SQLITE_BUSY_SNAPSHOT), without waiting,
since its reads are older than the file. The benchmark saw it: an "Export Excel" click refused while the job worker
recorded a batch's progress (`db.jobs.enqueue` reads the user's jobs, then inserts). Begun IMMEDIATE, a transaction
takes the write lock first, waiting for the other process's commit (the connection's busy timeout, 5 s by
default), and then reads what that commit wrote.

Within one process nothing changes: Tortoise already runs one transaction at a time on its single SQLite
connection. Savepoints (nested `transaction()`) are untouched. `db/engine.py` names this module as the engine.

Read connections (issue 17, a million invoices): Tortoise gives a process one SQLite connection, so every query of
the web process queued behind the one before, a 1 ms page behind a 600 ms count of another user's filter, and behind
a transaction waiting for the job worker's write lock. A plain SELECT outside any transaction now runs on one of
`readers` read-only connections of its own (opened when first needed, `PRAGMA query_only`), several at once, each
in its own thread (SQLite releases the GIL while it works): WAL lets them read while the writer writes. What a
SELECT sees is the same: in autocommit each statement reads the last commit, so a read after a write of the same
task sees it. Transactions, writes, PRAGMAs and scripts stay on the writer connection, and a SELECT inside a
transaction goes through the transaction (Tortoise's context), seeing its own uncommitted rows as before. What
changes is only what PostgreSQL already does: a read of another task no longer waits for a transaction in progress
to commit; it sees the data as it was before it.

Many rows at once (`execute_many`, what Tortoise's `bulk_create` and db/bulk_rows.py call): a plain INSERT goes as
statements of many rows each rather than `executemany` row by row (`_execute_many` says why: the GIL).
"""
import asyncio
import re
import sqlite3
from collections.abc import Sequence

import aiosqlite
from tortoise.backends.base.client import NestedTransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.exceptions import TransactionManagementError

# The most values one statement binds: 32,766 since SQLite 3.32 (999 before).
VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
_PLAIN_INSERT = re.compile(r'\s*INSERT INTO\s+("?\w+"?)\s*\(([^()]*)\)\s*VALUES\s*\((\?(?:\s*,\s*\?)*)\)\s*',
                           re.IGNORECASE)


async def _execute_many(connection: aiosqlite.Connection, query: str, values: list[list]) -> None:
    """A plain `INSERT ... VALUES (?, ...)` of many rows as statements of many rows each, instead of `executemany`.

    Why: `executemany` binds each row's values holding the GIL and runs the row without it, so SQLite's thread takes
    the GIL back after every row, waiting each time for whichever thread runs Python meanwhile (the bulk path hashes
    its chain and receives its next batch while it writes): in the demo's load at 20,000 invoices a line cost about
    30 µs, 17 of them the thread's own work. One statement of 1,400 rows takes the GIL back once. The rows, triggers
    and constraints are the same; a refusal rolls the whole call back, as a transaction's caller (and the autocommit
    path's BEGIN) already did."""
    match = _PLAIN_INSERT.fullmatch(query)
    if match is None or len(values) < 2:
        await connection.executemany(query, values)
        return
    width = match.group(3).count('?')
    per = max(1, VARIABLES // width)
    head = f'INSERT INTO {match.group(1)} ({match.group(2)}) VALUES '
    one = '(' + ', '.join('?' * width) + ')'
    for start in range(0, len(values), per):
        part = values[start:start + per]
        await connection.execute(head + ', '.join([one] * len(part)), [value for row in part for value in row])


class _ImmediateTransaction(SqliteTransactionWrapper):

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute('BEGIN IMMEDIATE')
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc

    def _in_transaction(self) -> NestedTransactionContext:
        return NestedTransactionContext(_ImmediateTransaction(self))  # a savepoint, with the same execute_many

    @translate_exceptions
    async def execute_many(self, query: str, values: list[list]) -> None:
        async with self.acquire_connection() as connection:
            self.log.debug('%s: %s', query, values)
            await _execute_many(connection, query, values)


_CLOSING: set[asyncio.Task] = set()


class ImmediateSqliteClient(SqliteClient):

    def __init__(self, file_path: str, *, readers: int = 0, **kwargs) -> None:
        super().__init__(file_path, **kwargs)  # every other keyword is a PRAGMA of the writer connection
        in_memory = not file_path or file_path.startswith(':memory:') or 'mode=memory' in file_path
        self._readers = 0 if in_memory else int(readers)  # an in-memory database is one connection's alone
        self._slots = asyncio.Semaphore(max(self._readers, 1))  # reads at once, one per read connection
        self._idle: list[aiosqlite.Connection] = []
        self._open: set[aiosqlite.Connection] = set()  # this client's read connections, until it closes
        self._closed = False  # closed, not reopened: a read still finishing or waiting uses a connection once

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        self._closed = False

    def _in_transaction(self) -> SqliteTransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)

    @translate_exceptions
    async def execute_many(self, query: str, values: list[list]) -> None:
        async with self.acquire_connection() as connection:  # autocommit: the rows all or none, as Tortoise does
            self.log.debug('%s: %s', query, values)
            await connection.execute('BEGIN')
            try:
                await _execute_many(connection, query, values)
            except Exception:
                await connection.rollback()
                raise
            else:
                await connection.commit()

    @translate_exceptions
    async def execute_query(self, query: str, values: list | None = None) -> tuple[int, Sequence[dict]]:
        if not self._reads(query):
            return await super().execute_query(query, values)
        rows = await self._read(query, values)
        return len(rows), rows

    @translate_exceptions
    async def execute_query_dict(self, query: str, values: list | None = None) -> list[dict]:
        if not self._reads(query):
            return await super().execute_query_dict(query, values)
        return list(map(dict, await self._read(query, values)))

    def _reads(self, query: str) -> bool:
        return self._readers > 0 and query.lstrip()[:6].upper() == 'SELECT'

    async def _read(self, query: str, values: list | None) -> list[sqlite3.Row]:
        query = query.replace('\x00', "'||CHAR(0)||'")  # as Tortoise does on its connection
        connection = await self._take()
        try:
            self.log.debug('%s: %s', query, values)
            return await connection.execute_fetchall(query, values or [])
        finally:
            self._give(connection)

    async def _take(self) -> aiosqlite.Connection:
        await self._slots.acquire()  # a slot is a read connection: an idle one, or one opened now
        try:
            if self._idle:
                return self._idle.pop()
            opened = self._open
            connection = await aiosqlite.connect(self.filename, isolation_level=None)
        except BaseException:
            self._slots.release()
            raise
        opened.add(connection)  # the set of the client as it was: one closed meanwhile closes it after this read
        try:
            connection._conn.row_factory = sqlite3.Row  # noqa: SLF001 - as Tortoise sets its own
            await connection.execute('PRAGMA query_only=ON')  # a write sent here by mistake fails loudly
        except BaseException:  # cancelled or refused: never a connection left open
            opened.discard(connection)
            self._give(connection)
            raise
        return connection

    def _give(self, connection: aiosqlite.Connection) -> None:
        if connection in self._open and not self._closed:
            self._idle.append(connection)
        else:  # refused, or the client closed while it read: close it now
            task = asyncio.get_running_loop().create_task(connection.close())
            _CLOSING.add(task)  # a reference until done: an unreferenced task may be collected before it ran
            task.add_done_callback(_CLOSING.discard)
        self._slots.release()  # wakes a read waiting for a slot, which opens a connection if none is idle

    async def close(self) -> None:
        self._closed = True
        idle, self._idle, self._open = self._idle, [], set()
        for connection in idle:
            await connection.close()
        await super().close()


client_class = ImmediateSqliteClient
