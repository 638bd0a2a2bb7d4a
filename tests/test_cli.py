"""The command line as an operator uses it: one clear line and a non-zero exit code on bad settings."""
import asyncio
import os
import sqlite3
import subprocess
import sys
import tarfile
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.server import session_cookies
from tests.databases import pg_admin, require_postgres
from tests.helpers import SECRET, free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'FACTURIER'))}
    return subprocess.run([sys.executable, str(ROOT / 'main.py'), *args], env={**clean, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_help_lists_the_commands():
    result = run(['--help'], {})
    assert result.returncode == 0
    for command in ('serve', 'backup', 'restore', 'migrate'):
        assert command in result.stdout


def test_a_malformed_database_url_stops_startup_with_one_line(tmp_path):
    result = run([], {'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_DATABASE_URL': 'mysql://x'})
    assert result.returncode == 2
    assert result.stderr.strip().count('\n') == 0 and 'FACTURIER_DATABASE_URL' in result.stderr


def test_an_unreachable_postgresql_stops_startup_with_one_line(tmp_path):
    result = run([], {'FACTURIER_DATA_DIR': str(tmp_path),
                      'FACTURIER_DATABASE_URL': 'postgres://nobody:x@127.0.0.1:9/nothing'}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count('\n') == 0 and 'injoignable' in result.stderr


def test_an_unwritable_data_dir_stops_startup_with_one_line(tmp_path):
    (tmp_path / 'file').write_text('x')
    result = run([], {'FACTURIER_DATA_DIR': str(tmp_path / 'file' / 'data')})
    assert result.returncode == 2 and 'FACTURIER_DATA_DIR' in result.stderr


def test_backup_and_restore_carry_the_database_the_files_and_the_secret(tmp_path):
    source = {'FACTURIER_DATA_DIR': str(tmp_path / 'a')}
    assert run(['migrate'], source).returncode == 0
    (tmp_path / 'a' / 'uploads' / 'logo-x.png').write_bytes(b'png bytes')
    archive = tmp_path / 'backup.tar.gz'
    result = run(['backup', str(archive)], source)
    assert result.returncode == 0, result.stderr
    with tarfile.open(archive) as tar:
        assert {'manifest.json', 'database.sqlite3', 'instance-secret.key', 'uploads/logo-x.png'} <= set(tar.getnames())

    target = {'FACTURIER_DATA_DIR': str(tmp_path / 'b')}
    assert run(['migrate'], target).returncode == 0
    refused = run(['restore', str(archive)], target)
    assert refused.returncode == 2 and '--force' in refused.stderr
    restored = run(['restore', '--force', str(archive)], target)
    assert restored.returncode == 0, restored.stderr
    assert (tmp_path / 'b' / 'uploads' / 'logo-x.png').read_bytes() == b'png bytes'
    assert (tmp_path / 'b' / 'instance-secret.key').read_text() == (tmp_path / 'a' / 'instance-secret.key').read_text()


def test_it_refuses_to_restore_under_a_running_server_and_restores_once_it_stopped(tmp_path):
    """Issue 18: `restore --force` under a running SQLite server deleted its WAL and overwrote the database in place;
    the server went on writing into deleted files and its users' logins were lost."""
    env = {'FACTURIER_DATA_DIR': str(tmp_path / 'live'), 'FACTURIER_SECRET': SECRET}
    assert run(['migrate'], env).returncode == 0
    archive = tmp_path / 'empty.tar.gz'
    assert run(['backup', str(archive)], env).returncode == 0
    demo = run(['demo', '--invoices', '3'], env)
    assert demo.returncode == 0, demo.stderr
    database = tmp_path / 'live' / 'facturier.sqlite3'
    with serving(env, tmp_path / 'server.log') as url:
        refused = run(['restore', '--force', str(archive)], env)
        assert refused.returncode == 2 and 'en cours d’exécution' in refused.stderr, refused.stderr
        assert refused.stderr.strip().count('\n') == 0
        # The server goes on working on its own data: five people log in after the refused restore.
        cookies = asyncio.run(session_cookies(SimpleNamespace(url=url), f'sqlite://{database}', count=5))
        assert len(cookies) == 5
    assert count_rows(database, 'auth_session WHERE activated') == 5 and count_rows(database, 'contact') > 0

    restored = run(['restore', '--force', str(archive)], env)
    assert restored.returncode == 0, restored.stderr
    assert count_rows(database, 'auth_session') == 0 and count_rows(database, 'contact') == 0
    assert not list((tmp_path / 'live').glob('*.restoring*')) and not list((tmp_path / 'live').glob('.restore-*'))


@contextmanager
def serving(env: dict, log: Path):
    """`python main.py` on a free port with `env`; yields its URL once /healthz answers, stops it at the end."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI', 'FACTURIER'))}
    process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], cwd=ROOT, stdin=subprocess.DEVNULL,
                               env={**clean, **env, 'FACTURIER_PORT': str(port), 'FACTURIER_HOST': '127.0.0.1'},
                               stdout=log.open('w'), stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        with urllib.request.urlopen(f'{url}/healthz', timeout=2) as response:
            return response.status == 200

    try:
        wait_until(healthy, timeout=60, interval=0.2, ignoring=(OSError,), label='the server answering /healthz')
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def count_rows(database: Path, table: str) -> int:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(f'SELECT count(*) FROM {table}').fetchone()[0]
    finally:
        connection.close()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / 'bogus.tar.gz'
    bogus.write_bytes(b'not a tarball')
    result = run(['restore', str(bogus)], {'FACTURIER_DATA_DIR': str(tmp_path / 'c')})
    assert result.returncode == 2 and 'illisible' in result.stderr


def test_backup_refuses_to_overwrite_an_existing_file(tmp_path):
    env = {'FACTURIER_DATA_DIR': str(tmp_path / 'a'), 'FACTURIER_SECRET': SECRET}
    assert run(['migrate'], env).returncode == 0
    existing = tmp_path / 'exists.tar.gz'
    existing.write_bytes(b'keep me')
    result = run(['backup', str(existing)], env)
    assert result.returncode == 2 and existing.read_bytes() == b'keep me'


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(tmp_path):
    server = require_postgres()
    base = server.rsplit('/', 1)[0]
    asyncio.run(pg_admin(server, 'DROP DATABASE IF EXISTS facturier_cli_a', 'CREATE DATABASE facturier_cli_a',
                         'DROP DATABASE IF EXISTS facturier_cli_b', 'CREATE DATABASE facturier_cli_b'))
    try:
        a = {'FACTURIER_DATA_DIR': str(tmp_path / 'a'), 'FACTURIER_DATABASE_URL': f'{base}/facturier_cli_a'}
        b = {'FACTURIER_DATA_DIR': str(tmp_path / 'b'), 'FACTURIER_DATABASE_URL': f'{base}/facturier_cli_b'}
        assert run(['migrate'], a).returncode == 0
        archive = tmp_path / 'pg.tar.gz'
        result = run(['backup', str(archive)], a)
        assert result.returncode == 0, result.stderr
        restored = run(['restore', '--force', str(archive)], b)
        assert restored.returncode == 0, restored.stderr
    finally:
        asyncio.run(pg_admin(server, 'DROP DATABASE IF EXISTS facturier_cli_a WITH (FORCE)',
                             'DROP DATABASE IF EXISTS facturier_cli_b WITH (FORCE)'))


def test_a_start_with_another_secret_than_the_databases_is_refused(tmp_path):
    """Issue 21: a process started with another FACTURIER_SECRET validated invoices that `verify` then called
    altered. The first start records the secret's fingerprint; any command or server with another one stops."""
    env = {'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_SECRET': SECRET}
    first = run(['verify'], env)
    assert first.returncode == 0, first.stderr
    other = {**env, 'FACTURIER_SECRET': 'another-secret-of-at-least-32-characters!'}
    for args in (['verify'], ['serve']):
        refused = run(args, {**other, 'FACTURIER_PORT': str(free_port())})
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr.strip().count('\n') == 0 and 'n’est pas celui de cette base' in refused.stderr
    again = run(['verify'], env)  # the right secret still works, and nothing was recorded by the refused ones
    assert again.returncode == 0, again.stderr
    stored = sqlite3.connect(tmp_path / 'facturier.sqlite3').execute('SELECT COUNT(*) FROM instance_key').fetchone()
    assert stored == (1,)
