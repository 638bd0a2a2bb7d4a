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
"""
import sqlite3

from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError


class _ImmediateTransaction(SqliteTransactionWrapper):

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute('BEGIN IMMEDIATE')
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):

    def _in_transaction(self) -> SqliteTransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient
