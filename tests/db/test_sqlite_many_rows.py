"""SQLite's `execute_many` of a plain INSERT as statements of many rows (db/sqlite_backend.py, issue 17): the same
rows, triggers and refusals as `executemany`, without taking the GIL back after every row (the demo's load)."""

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db import sqlite_backend

TABLE = ('CREATE TABLE many_rows (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, amount INTEGER, note TEXT);'
         'CREATE TABLE many_rows_seen (code TEXT);'
         'CREATE TRIGGER many_rows_each AFTER INSERT ON many_rows BEGIN '
         'INSERT INTO many_rows_seen (code) VALUES (NEW.code); END;')
INSERT = 'INSERT INTO "many_rows" ("code","amount","note") VALUES (?,?,?)'


@pytest.fixture
async def table(sqlite_db):
    await sqlite_db.execute_script(TABLE)
    return sqlite_db


@pytest.fixture
def counted(monkeypatch):
    """How many times the connection's executemany ran (the row-by-row path)."""
    calls = []
    original = sqlite_backend.aiosqlite.Connection.executemany

    def executemany(self, sql, parameters):
        calls.append(sql)
        return original(self, sql, parameters)

    monkeypatch.setattr(sqlite_backend.aiosqlite.Connection, 'executemany', executemany)
    return calls


def _rows(count: int, start: int = 0) -> list[list]:
    return [[f'C{index:06d}', index * 3, None if index % 5 else f'n° {index}'] for index in range(start, start + count)]


async def _stored(client) -> tuple[list, list]:
    rows = await client.execute_query_dict('SELECT code, amount, note FROM many_rows ORDER BY id')
    seen = await client.execute_query_dict('SELECT code FROM many_rows_seen ORDER BY rowid')
    return [[row['code'], row['amount'], row['note']] for row in rows], [row['code'] for row in seen]


async def test_the_rows_of_several_statements_are_stored_in_order_with_their_triggers(table, counted):
    client = table
    rows = _rows(sqlite_backend.VARIABLES // 3 * 2 + 7)  # three statements, the last one short
    async with in_transaction() as connection:
        await connection.execute_many(INSERT, rows)
        async with in_transaction() as savepoint:  # a nested transaction (a savepoint) goes the same way
            await savepoint.execute_many(INSERT, _rows(3, start=len(rows)))
    await client.execute_many(INSERT, _rows(4, start=len(rows) + 3))  # and autocommit
    stored, seen = await _stored(client)
    assert stored == _rows(len(rows) + 7)
    assert seen == [row[0] for row in stored]  # the trigger ran once per row
    assert counted == []  # never row by row


async def test_a_refused_row_leaves_none_of_the_call(table):
    client = table
    await client.execute_many(INSERT, _rows(2))
    clash = _rows(sqlite_backend.VARIABLES // 3 + 10, start=2) + _rows(1)  # C000000 again, in the second statement
    with pytest.raises(IntegrityError):
        await client.execute_many(INSERT, clash)  # autocommit: the first statement's rows are rolled back too
    assert (await _stored(client))[0] == _rows(2)
    with pytest.raises(IntegrityError):
        async with in_transaction() as connection:
            await connection.execute_many(INSERT, clash)
    assert (await _stored(client))[0] == _rows(2)


async def test_other_statements_still_go_row_by_row(table, counted):
    client = table
    await client.execute_many(INSERT, _rows(3))
    upsert = INSERT + ' ON CONFLICT (code) DO UPDATE SET amount = excluded.amount'
    update = 'UPDATE many_rows SET amount = ? WHERE code = ?'
    async with in_transaction() as connection:
        await connection.execute_many(upsert, [['C000001', 'x', None], ['C000009', 9, None]])
        await connection.execute_many(update, [[7, 'C000000'], [8, 'C000002']])
    assert counted == [upsert, update]
    expected = _rows(3)
    expected[0][1], expected[1][1], expected[2][1] = 7, 'x', 8
    assert (await _stored(client))[0] == [*expected, ['C000009', 9, None]]

