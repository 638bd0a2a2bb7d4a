"""Fixtures shared by the db/ tests: a real SMTP server, the publishing configuration, the e-invoice checker, and an
open SQLite database (the SQLite backend's own tests)."""
from types import SimpleNamespace

import pytest
from tortoise import connections

from db import engine
from logic.facturx import checker
from tests.databases import use_postgres
from tests.helpers import SECRET
from tests.issuing import issuer
from tests.mail import running_smtp_server


@pytest.fixture
def smtp_server():
    """(controller, inbox) of an SMTP server on 127.0.0.1 that wants the login of tests.mail.configured."""
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def config(tmp_path):
    """What publishing and the job workers need from the instance settings: where files go (a job's results in the
    data dir's jobs/), and the secret. The files are the test issuer's (tests/issuing.py): one instance, one folder
    of originals, as a server has."""
    current = issuer()
    for folder in (current.files_dir, current.uploads_dir):
        folder.mkdir(parents=True, exist_ok=True)
    return SimpleNamespace(data_dir=current.files_dir.parent, files_dir=current.files_dir,
                           uploads_dir=current.uploads_dir, secret=SECRET, workers_idle_seconds=300)


@pytest.fixture(autouse=True, scope='module')
def stop_checker():
    """The checker is a long-lived subprocess: stop it after each module so none outlives the tests."""
    yield
    checker.shutdown()


@pytest.fixture
async def sqlite_db(database_url):
    """The open SQLite database's client, for the tests of db/sqlite_backend.py (skipped on PostgreSQL)."""
    if use_postgres():
        pytest.skip('SQLite backend only (PostgreSQL has its own pool and executemany)')
    await engine.open_database(database_url, migrate=False)
    try:
        yield connections.get('default')
    finally:
        await engine.close_database()
