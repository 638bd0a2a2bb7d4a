"""Every migration applies from an empty database, on SQLite and on PostgreSQL, and the models need no new one."""
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.autodetector import MigrationAutodetector

from db import engine
from tests.conftest import _pg_admin, _pg_db_url, require_postgres

MIGRATIONS = Path(__file__).resolve().parents[2] / 'db' / 'migrations'


def migration_files() -> set[str]:
    return {path.stem for path in MIGRATIONS.glob('*/0*.py')}


async def applied() -> set[str]:
    rows = await connections.get('default').execute_query_dict('SELECT name FROM tortoise_migrations')
    return {row['name'] for row in rows}


async def test_all_migrations_apply_from_empty_on_sqlite(tmp_path):
    await engine.open_database(f'sqlite://{tmp_path / "empty.sqlite3"}')
    try:
        assert await applied() == migration_files()
    finally:
        await engine.close_database()


async def test_all_migrations_apply_from_empty_on_postgresql():
    server = require_postgres()
    await _pg_admin(server, 'DROP DATABASE IF EXISTS facturier_migrations', 'CREATE DATABASE facturier_migrations')
    try:
        await engine.open_database(_pg_db_url(server, 'facturier_migrations'))
        try:
            assert await applied() == migration_files()
        finally:
            await engine.close_database()
    finally:
        await _pg_admin(server, 'DROP DATABASE IF EXISTS facturier_migrations WITH (FORCE)')


async def test_the_models_match_the_migrations(tmp_path):
    """A model change without its migration would break every existing instance at the next start."""
    config = engine.tortoise_config(f'sqlite://{tmp_path / "detect.sqlite3"}')
    await Tortoise.init(config=config)
    try:
        changes = await MigrationAutodetector(Tortoise.apps, config['apps']).changes()
        assert [f'{writer.app_label}.{writer.name}' for writer in changes] == []
    finally:
        await Tortoise.close_connections()
