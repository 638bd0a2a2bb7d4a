"""Database wiring: one Tortoise context per process, migrated at startup.

The ORM is opened from the ASGI lifespan (see main.py), with a global fallback context because NiceGUI handles
requests and websocket events in tasks that are not children of the lifespan task.
"""
import asyncio
import contextlib
import fcntl
import logging
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.executor import MigrationExecutor

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


async def close_database() -> None:
    # Closing the global context also clears it, so that open_database() can init a fresh one.
    await Tortoise.close_connections()


async def ping() -> bool:
    """True when the database answers a trivial query (used by /healthz)."""
    try:
        await asyncio.wait_for(connections.get('default').execute_query('SELECT 1'), timeout=3)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def is_postgres(database_url: str) -> bool:
    return database_url.startswith('postgres://')


def _connection(database_url: str) -> dict | str:
    if database_url.startswith('sqlite://'):
        return {
            'engine': 'tortoise.backends.sqlite',
            'credentials': {
                'file_path': database_url.removeprefix('sqlite://'),
                # WAL lets readers go on while one writer commits; foreign keys are off by default in SQLite.
                'journal_mode': 'WAL',
                'foreign_keys': 'ON',
            },
        }
    return database_url.replace('postgres://', 'asyncpg://', 1)
