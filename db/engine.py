"""Database wiring: one Tortoise context per process, migrated at startup.

The ORM is opened from the ASGI lifespan (see main.py), with a global fallback context because NiceGUI handles
requests and websocket events in tasks that are not children of the lifespan task.
"""
import asyncio
import contextlib
import fcntl
import logging
import sqlite3
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.executor import MigrationExecutor

from db import contact_search

log = logging.getLogger(__name__)
# A model module registered ahead of its models (an area being built) is not worth a warning on every command.
warnings.filterwarnings('ignore', message=r'Module "db\.\w+" has no models', category=RuntimeWarning)

# One Tortoise app per area, each with its own migrations package, so that areas evolve independently.
# Cross-app relations name the app: 'models.User', 'contacts.Contact'.
APPS = {
    'models': ['db.user', 'db.audit', 'db.company', 'db.instance', 'db.job'],
    'contacts': ['db.contact', 'db.article'],
    'documents': ['db.document', 'db.situation'],
    'output': ['db.output'],
    'banking': ['db.cheque', 'db.mandate', 'db.reminder'],
    'accounting': ['db.accounting', 'db.closing'],
}


class DatabaseUnavailable(Exception):
    """The database can't be reached or migrated."""


def tortoise_config(database_url: str) -> dict:
    return {
        'connections': {'default': _connection(database_url)},
        'apps': {label: {'models': modules, 'default_connection': 'default',
                         'migrations': f'db.migrations.{"core" if label == "models" else label}'}
                 for label, modules in APPS.items()},
        'use_tz': True,
        'timezone': 'UTC',
    }


async def open_database(database_url: str, *, migrate: bool = True) -> None:
    """Connect, then apply pending migrations. Safe to call again after close_database()."""
    if Tortoise._inited:  # one context per process: tests and the User fixture reopen after closing
        await close_database()
    config = tortoise_config(database_url)
    try:
        await Tortoise.init(config=config, _enable_global_fallback=True)
        await connections.get('default').execute_query('SELECT 1')
        if migrate:
            async with migration_lock(database_url):
                await MigrationExecutor(connections.get('default'), config['apps']).migrate()
        if not is_postgres(database_url):
            await optimize()
            _start_upkeep()
        await contact_search.detect_index()
    except (OSError, asyncio.TimeoutError) as exc:
        await close_database()
        raise DatabaseUnavailable(f'Base de données injoignable : {exc}') from exc
    except Exception as exc:
        if type(exc).__module__.startswith(('asyncpg', 'tortoise.exceptions')) and 'Migration' not in type(exc).__name__:
            await close_database()
            raise DatabaseUnavailable(f'Base de données injoignable : {exc}') from exc
        await close_database()
        raise


# Any number of processes may start (or upgrade) at once on one database: the first to take this lock migrates, the
# others wait for it, then find nothing left to apply. PostgreSQL: a session advisory lock on a connection of its own
# (released when it closes, even if the process dies); SQLite: an exclusive flock on a file beside the database.
MIGRATION_LOCK_KEY = 0x46616374_4D696772  # "FactMigr"


@contextlib.asynccontextmanager
async def migration_lock(database_url: str) -> AsyncIterator[None]:
    if is_postgres(database_url):
        import asyncpg  # noqa: PLC0415 - only PostgreSQL installs need it

        connection = await asyncpg.connect('postgresql://' + database_url.split('://', 1)[1])
        try:
            await connection.execute('SELECT pg_advisory_lock($1)', MIGRATION_LOCK_KEY)
            yield
        finally:
            await connection.close()  # releases the lock
        return
    path = database_url.removeprefix('sqlite://')
    if not path or path.startswith(':memory:'):
        yield
        return
    with open(Path(f'{path}.migrating'), 'a+b') as lock:  # noqa: ASYNC230 - a tiny local file
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# What must be written before the connections close (db/accounts.py: the sessions' last activity).
_before_close: list[Callable[[], Awaitable[None]]] = []


def before_close(hook: Callable[[], Awaitable[None]]) -> None:
    """`await hook()` in every close_database(), before the connections close (an error is logged, not raised)."""
    _before_close.append(hook)


async def close_database() -> None:
    # Closing the global context also clears it, so that open_database() can init a fresh one.
    global _upkeep
    for hook in _before_close if Tortoise._inited else ():
        try:
            await hook()
        except Exception:  # noqa: BLE001 - closing goes on: a database closed on an error may refuse the write
            log.warning('%s failed before closing the database', getattr(hook, '__qualname__', hook), exc_info=True)
    if _upkeep is not None:
        _upkeep.cancel()
        _upkeep = None
        with contextlib.suppress(Exception):  # upkeep: a database closed on an error is not worth a second one
            await optimize()
    await Tortoise.close_connections()


# SQLite upkeep (issue 17), done by the app on every instance rather than by whoever loads data: the query planner
# needs statistics (sqlite_stat1) to pick the right index once tables are big, and SQLite gathers them only when
# asked. `PRAGMA optimize=0x10002` when the database is opened (after the migrations), every hour and at close, as
# SQLite's documentation recommends for long-lived connections: every table checked, those never analysed or much
# grown analysed. Every table, not only those the writer connection used (plain `PRAGMA optimize`): the reads run on
# read connections of their own (db/sqlite_backend.py), which the writer's PRAGMA would never hear of. Almost
# always a no-op: a table is analysed again when it has grown or shrunk tenfold.
# No analysis limit: a limited ANALYZE reads the first entries of each index only, and those sampled statistics sent
# the planner to a full scan of the installments for a client-name search (98 ms instead of 2 ms at 100,000
# invoices, docs/benchmarks.md); a full ANALYZE of the whole 100,000-invoice database takes 2.6 s, once.
# SQLite before 3.46 does not know the 0x10000 bit (check all tables): `_analyze_unknown_tables` does it.
ANALYSIS_LIMIT = 0
UPKEEP_SECONDS = 3600
_upkeep: asyncio.Task | None = None


async def optimize() -> list[str]:
    """Refresh the planner's statistics where they are missing or stale (SQLite; PostgreSQL's autovacuum does
    this by itself). Returns the tables analysed here (before SQLite 3.46)."""
    client = connections.get('default')
    if client.capabilities.dialect != 'sqlite':
        return []
    await client.execute_script(f'PRAGMA analysis_limit={ANALYSIS_LIMIT}')
    analysed = []
    if sqlite3.sqlite_version_info < (3, 46):
        analysed = await _analyze_unknown_tables(client)
    await client.execute_script('PRAGMA optimize=0x10002')
    return analysed


async def _analyze_unknown_tables(client) -> list[str]:
    """What the 0x10000 bit of `PRAGMA optimize` does since SQLite 3.46: the indexed tables without statistics,
    with an index that has none (a migration added it: the planner would guess its worth), or that grew or shrank
    tenfold since theirs were taken (rows estimated by the largest rowid: no scan). A partial index may have no
    statistics after an ANALYZE (no row matches its WHERE): it is no reason to analyse again."""
    known = await analysed_rows(client)
    unanalysed = set()
    if known:
        unanalysed = {row['tbl'] for row in await client.execute_query_dict(
            "SELECT m.tbl_name AS tbl FROM sqlite_master m WHERE m.type = 'index' AND m.tbl_name NOT LIKE 'sqlite_%' "
            "AND (m.sql IS NULL OR m.sql NOT LIKE '% WHERE %') "
            "AND m.name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)")}
    analysed = []
    for row in await client.execute_query_dict(
            "SELECT DISTINCT m.tbl_name AS name FROM sqlite_master m WHERE m.type = 'index' "
            "AND m.tbl_name NOT LIKE 'sqlite_%'"):
        table = row['name']
        rows = (await client.execute_query_dict(f'SELECT max(rowid) AS n FROM "{table}"'))[0]['n']
        if rows is None and table not in known:
            continue  # empty (ANALYZE would record nothing)
        if table in known and table not in unanalysed and rows is not None and \
                known[table] / 10 <= rows <= known[table] * 10:
            continue
        await client.execute_script(f'ANALYZE "{table}"')
        analysed.append(table)
    return analysed


async def analysed_rows(client) -> dict[str, int]:
    """The rows of each table as its last ANALYZE counted them (sqlite_stat1; empty before any ANALYZE)."""
    known: dict[str, int] = {}
    if await client.execute_query_dict("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"):
        for row in await client.execute_query_dict('SELECT tbl, stat FROM sqlite_stat1'):
            known[row['tbl']] = max(known.get(row['tbl'], 0), int(str(row['stat']).split()[0] or 0))
    return known


def _start_upkeep() -> None:
    global _upkeep
    if _upkeep is None:
        _upkeep = asyncio.get_running_loop().create_task(_every_hour())


async def _every_hour() -> None:
    """`PRAGMA optimize`, then a passive checkpoint: the WAL is copied back into the database while nobody
    writes, even when a long reader kept the automatic checkpoints (every WAL_PAGES pages) from finishing."""
    while True:
        await asyncio.sleep(UPKEEP_SECONDS)
        try:
            await optimize()
            await connections.get('default').execute_script('PRAGMA wal_checkpoint(PASSIVE)')
        except Exception:  # noqa: BLE001 - upkeep must never take the server down
            log.exception('SQLite upkeep failed')


async def ping() -> bool:
    """True when the database answers a trivial query (used by /healthz)."""
    try:
        await asyncio.wait_for(connections.get('default').execute_query('SELECT 1'), timeout=3)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def is_postgres(database_url: str) -> bool:
    return database_url.startswith('postgres://')


WAL_PAGES = 1000
JOURNAL_LIMIT = 32 * 1024 * 1024
# Read connections beside SQLite's writer (db/sqlite_backend.py): a slow count of one user's filter no longer holds
# up everyone else's clicks. More than the cores: a cheap page can pass two slow reads still running.
SQLITE_READERS = 4


def _connection(database_url: str) -> dict | str:
    if database_url.startswith('sqlite://'):
        return {
            'engine': 'db.sqlite_backend',  # transactions begin IMMEDIATE: see there
            'credentials': {
                'file_path': database_url.removeprefix('sqlite://'),
                # WAL lets readers go on while one writer commits; foreign keys are off by default in SQLite.
                'journal_mode': 'WAL',
                'foreign_keys': 'ON',
                # Small WAL checkpoints: every WAL_PAGES pages written (about 4 MB) they are copied back into the
                # database, and a WAL that a big transaction (a demo load) grew is cut back to JOURNAL_LIMIT bytes.
                'wal_autocheckpoint': WAL_PAGES,
                'journal_size_limit': JOURNAL_LIMIT,
                'readers': SQLITE_READERS,
            },
        }
    return database_url.replace('postgres://', 'asyncpg://', 1)
