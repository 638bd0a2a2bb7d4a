"""Shared fixtures: a fresh, migrated database per test (tests.databases), and the environment of an instance."""
import os
from pathlib import Path

import pytest
from passlib.context import CryptContext

from db import engine
from logic import passwords
from tests import issuing
from tests.databases import Databases, use_postgres
from tests.helpers import SECRET

_databases: Databases | None = None
# The fixtures through which a test gets the test database: what FACTURIER_TEST_DATABASE changes.
DATABASE_FIXTURES = frozenset({'database_url', 'databases'})


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL run (FACTURIER_TEST_DATABASE=postgres, CI's second run) keeps the tests that get the test
    database (DATABASE_FIXTURES, directly or through another fixture): the others do exactly what they did in the
    first run (pure logic, PDFs, a SQLite file or a PostgreSQL server of their own: those run in the first run, which
    has the throw-away server too), so running them again would prove nothing more and cost CI minutes (1,171 of the
    1,953 tests are left out of that run). FACTURIER_TEST_EVERYTHING=1 keeps them all."""
    if not use_postgres() or os.environ.get('FACTURIER_TEST_EVERYTHING'):
        return
    kept, elsewhere = [], []
    for item in items:
        (kept if DATABASE_FIXTURES & set(getattr(item, 'fixturenames', ())) else elsewhere).append(item)
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = kept


@pytest.fixture(autouse=True, scope='session')
def _cheap_password_hashing():
    """Argon2 at its lowest cost in the test process: the same scheme, hash format and checks in ~5 ms instead of
    ~0.2 s, paid by every company set-up and every login (some 300 a run). Slow-on-purpose hashing is a production
    setting, not a behaviour under test; servers started as subprocesses (CLI, browser) keep the real cost."""
    real = passwords._context, passwords._DUMMY_HASH
    passwords._context = CryptContext(schemes=['argon2'], deprecated='auto', argon2__memory_cost=8, argon2__rounds=1,
                                      argon2__parallelism=1)
    passwords._DUMMY_HASH = passwords._context.hash('facturier-dummy-password')
    yield
    passwords._context, passwords._DUMMY_HASH = real


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


@pytest.fixture(autouse=True)
def test_issuer(tmp_path: Path):
    """Every test's issuer (tests/issuing.py): the originals of its legal documents in its own folder."""
    yield issuing.start(tmp_path / 'issuer')
    issuing.stop()
