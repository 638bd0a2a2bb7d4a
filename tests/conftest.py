"""Shared fixtures: a fresh, migrated database per test, on SQLite or (FACTURIER_TEST_DATABASE=postgres) PostgreSQL.

Migrating once into a template and copying it per test keeps a fresh database cheap: a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL.
"""
import os
import shutil
import uuid
from pathlib import Path

import pytest

from db import engine

SECRET = 'test-secret-' + 'x' * 40
IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')


def postgres_url() -> str:
    """The server URL used for PostgreSQL tests (a superuser able to create databases), or ''."""
    return os.environ.get('FACTURIER_TEST_POSTGRES_URL', '')


def use_postgres() -> bool:
    return os.environ.get('FACTURIER_TEST_DATABASE', 'sqlite') == 'postgres'


def require_postgres() -> str:
    """PostgreSQL tests fail in CI when the server is missing, and are skipped on a bare developer machine."""
    url = postgres_url()
    if not url:
        if IN_CI:
            pytest.fail('FACTURIER_TEST_POSTGRES_URL is not set: CI must provide PostgreSQL.')
        pytest.skip('PostgreSQL not available (set FACTURIER_TEST_POSTGRES_URL, or run ./facturier test as root)')
    return url


class Databases:
    """Makes fresh migrated databases from a per-session template."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None
        self.created: list[str] = []

    async def sqlite(self, folder: Path) -> str:
        if self.sqlite_template is None:
            template = self.work / 'template.sqlite3'
            await engine.open_database(f'sqlite://{template}')
            await engine.close_database()
            self.sqlite_template = template
        target = folder / 'facturier.sqlite3'
        shutil.copyfile(self.sqlite_template, target)
        return f'sqlite://{target}'

    async def postgres(self) -> str:
        server = require_postgres()
        if self.pg_template is None:
            name = f'facturier_tpl_{os.getpid()}'
            await _pg_admin(server, f'DROP DATABASE IF EXISTS {name}', f'CREATE DATABASE {name}')
            await engine.open_database(_pg_db_url(server, name))
            await engine.close_database()
            self.pg_template = name
        name = f'facturier_t_{uuid.uuid4().hex[:12]}'
        await _pg_admin(server, f'CREATE DATABASE {name} TEMPLATE {self.pg_template}')
        self.created.append(name)
        return _pg_db_url(server, name)

    async def fresh(self, folder: Path) -> str:
        return await self.postgres() if use_postgres() else await self.sqlite(folder)

    async def drop(self, url: str) -> None:
        name = url.rsplit('/', 1)[1]
        if url.startswith('postgres') and name in self.created:
            await _pg_admin(postgres_url(), f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
            self.created.remove(name)


async def _pg_admin(server: str, *statements: str) -> None:
    import asyncpg  # noqa: PLC0415

    connection = await asyncpg.connect(_pg_db_url(server, 'postgres').replace('postgres://', 'postgresql://', 1))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _pg_db_url(server: str, name: str) -> str:
    base = server.rsplit('/', 1)[0] if server.count('/') > 2 else server
    return f'{base}/{name}'.replace('postgresql://', 'postgres://', 1)


_databases: Databases | None = None


@pytest.fixture(scope='session')
def databases(tmp_path_factory) -> Databases:
    global _databases  # noqa: PLW0603 - one template per test session
    if _databases is None:
        _databases = Databases(tmp_path_factory.mktemp('templates'))
    return _databases


@pytest.fixture
async def database_url(databases: Databases, tmp_path: Path):
    url = await databases.fresh(tmp_path)
    yield url
    await databases.drop(url)


@pytest.fixture
async def db(database_url: str):
    """An open, migrated, empty database for tests of db/ operations."""
    await engine.open_database(database_url, migrate=False)
    try:
        yield database_url
    finally:
        await engine.close_database()


@pytest.fixture
def instance_env(monkeypatch, tmp_path: Path, database_url: str) -> Path:
    """Environment of an instance for tests that run main.py (User fixture)."""
    data_dir = tmp_path / 'data'
    monkeypatch.setenv('FACTURIER_DATA_DIR', str(data_dir))
    monkeypatch.setenv('FACTURIER_DATABASE_URL', database_url)
    monkeypatch.setenv('FACTURIER_SECRET', SECRET)
    return data_dir
