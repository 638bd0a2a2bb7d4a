"""Fresh migrated databases for tests, on SQLite or (FACTURIER_TEST_DATABASE=postgres) PostgreSQL.

Migrating once into a template and copying it per test keeps a fresh database cheap: a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL.
"""
import os
import shutil
import uuid
from pathlib import Path

import pytest

from db import engine
from tests.helpers import IN_CI


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
            await pg_admin(server, f'DROP DATABASE IF EXISTS {name}', f'CREATE DATABASE {name}')
            await engine.open_database(pg_db_url(server, name))
            await engine.close_database()
            self.pg_template = name
        name = f'facturier_t_{uuid.uuid4().hex[:12]}'
        await pg_admin(server, f'CREATE DATABASE {name} TEMPLATE {self.pg_template}')
        self.created.append(name)
        return pg_db_url(server, name)

    async def fresh(self, folder: Path) -> str:
        return await self.postgres() if use_postgres() else await self.sqlite(folder)

    async def drop(self, url: str) -> None:
        name = url.rsplit('/', 1)[1]
        if url.startswith('postgres') and name in self.created:
            await pg_admin(postgres_url(), f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
            self.created.remove(name)


async def pg_admin(server: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database (CREATE and DROP DATABASE)."""
    import asyncpg  # noqa: PLC0415

    connection = await asyncpg.connect(pg_db_url(server, 'postgres').replace('postgres://', 'postgresql://', 1))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def pg_db_url(server: str, name: str) -> str:
    base = server.rsplit('/', 1)[0] if server.count('/') > 2 else server
    return f'{base}/{name}'.replace('postgresql://', 'postgres://', 1)
