"""The shared job queue across processes (issue 17): two app processes and two job workers on one PostgreSQL.

What it proves: jobs queued from both app processes' pages and from elsewhere are each run exactly once, by one of
the two workers (both take their share); a result is downloadable from either app process, by its owner only; the
workers stop cleanly. (A worker that dies mid-job: tests/db/test_jobs.py, reap.)
"""
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.clients import Browser
from tests.databases import pg_admin, pg_db_url, require_postgres
from tests.helpers import SECRET, free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
DATABASE = 'facturier_job_workers'
USERS = 6

# Run in a process of its own (this one's ORM may have met SQLite before): users, their sign-in tickets, and one
# invoice export queued for each of the first USERS - 2 (the last two queue theirs from the pages).
SETUP = '''
import asyncio, json, sys
from db import accounts, engine, jobs, job_kinds
from db.user import User, USER
from tests.personas import set_up_company

async def main(url, count):
    await engine.open_database(url)
    try:
        admin = await set_up_company()
        users = [await accounts.create_user(admin, email=f'u{n}@atelier.fr', name=f'Personne {n}', role=USER,
                                            password='une phrase de passe solide') for n in range(count)]
        out = {'tickets': [await accounts.open_session(user, '127.0.0.1') for user in users]
                          + [await accounts.open_session(users[0], '127.0.0.1')], 'jobs': []}
        for user in users[:count - 2]:
            job = await jobs.enqueue(accounts.actor_of(user), job_kinds.EXPORT_CONTACTS,
                                     {'filters': None, 'order': None, 'full': True}, title='Export des contacts')
            out['jobs'].append(job.id)
        print(json.dumps(out))
    finally:
        await engine.close_database()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
'''

# The jobs table as the test checks it, read in a process of its own.
JOBS = '''
import asyncio, json, sys
from db import engine
from db.job import Job

async def main(url):
    await engine.open_database(url, migrate=False)
    try:
        rows = await Job.all().order_by('id').values('id', 'user_id', 'kind', 'state', 'attempts', 'worker',
                                                     'result_file', 'message')
        print(json.dumps(rows))
    finally:
        await engine.close_database()

asyncio.run(main(sys.argv[1]))
'''


def clean_env(**extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    env.update(extra)
    return env


def script(code: str, *args: str, env: dict) -> object:
    done = subprocess.run([sys.executable, '-c', code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def cookies_for(base_url: str, ticket: str) -> dict:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        response = http.get('/_auth/finish', params={'ticket': ticket, 'next': '/contacts'})
        assert response.status_code == 303 and 'login' not in response.headers['location']
        return dict(http.cookies)


def test_two_app_processes_and_two_workers_share_one_queue_on_postgresql(tmp_path):  # noqa: PLR0915
    server = require_postgres()
    asyncio.run(pg_admin(server, f'DROP DATABASE IF EXISTS {DATABASE}', f'CREATE DATABASE {DATABASE}'))
    database_url = pg_db_url(server, DATABASE)
    data_dir = tmp_path / 'data'  # shared by every process, as docs/deploy.md requires
    data_dir.mkdir()
    env = clean_env(FACTURIER_DATABASE_URL=database_url, FACTURIER_DATA_DIR=str(data_dir), FACTURIER_SECRET=SECRET,
                    FACTURIER_HOST='127.0.0.1', FACTURIER_JOB_WORKERS='0')
    ports = [free_port(), free_port()]
    started: list[subprocess.Popen] = []

    def start(*args: str, name: str, **extra: str) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, str(ROOT / 'main.py'), *args], cwd=ROOT, env={**env, **extra},
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=(tmp_path / f'{name}.log').open('w'))
        started.append(process)
        return process

    try:
        apps = [start(name=f'app-{port}', FACTURIER_PORT=str(port)) for port in ports]
        urls = [f'http://127.0.0.1:{port}' for port in ports]
        for url in urls:
            wait_until(lambda url=url: httpx.get(f'{url}/healthz', timeout=2).status_code == 200, timeout=90,
                       interval=0.3, ignoring=(httpx.HTTPError,), label=f'{url} (see {tmp_path})')
        setup = script(SETUP, database_url, str(USERS), env=env)
        # One job at a time each: the first job of a worker starts its pool (seconds), so both take their share.
        workers = [start('worker', '--slots', '1', name=f'worker-{n}') for n in range(2)]

        async def from_the_pages() -> list[int]:
            """The last two users each export the contacts from another app process's page."""
            sizes = []
            for index, url in enumerate(urls):
                browser = Browser(url, cookies_for(url, setup['tickets'][USERS - 2 + index]))
                try:
                    assert await browser.open('/contacts')
                    browser.export = _export_button(browser)
                    await browser.export_ms(timeout=120)
                    sizes.append(browser.downloaded_bytes)
                finally:
                    await browser.close()
            return sizes

        assert all(size > 1000 for size in asyncio.run(from_the_pages()))

        def finished():
            rows = script(JOBS, database_url, env=env)
            return rows if len(rows) == USERS and all(row['state'] == 'done' for row in rows) else None

        rows = wait_until(finished, timeout=120, interval=1, label='every job done')
        assert [row['attempts'] for row in rows] == [1] * USERS  # each claimed once, run once
        assert len({row['result_file'] for row in rows}) == USERS
        assert len({row['worker'] for row in rows}) == 2, rows  # both workers took their share
        assert [app.poll() for app in apps] == [None, None]

        # A result is served by either app process, to its owner only.
        first = rows[0]
        owner = cookies_for(urls[0], setup['tickets'][-1])  # user 0's second session: valid on both processes
        other = cookies_for(urls[1], setup['tickets'][1])
        bodies = [httpx.get(f'{url}/telechargements/{first["id"]}/fichier', cookies=owner, timeout=10)
                  for url in urls]
        assert [body.status_code for body in bodies] == [200, 200] and bodies[0].content == bodies[1].content
        assert bodies[0].content[:2] == b'PK' and 'contacts-' in bodies[0].headers['content-disposition']
        assert httpx.get(f'{urls[1]}/telechargements/{first["id"]}/fichier', cookies=other,
                         timeout=10).status_code == 404

        for worker in workers:  # a clean stop: SIGTERM, as systemd and the web server's supervisor send it
            worker.send_signal(signal.SIGTERM)
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0]
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        asyncio.run(pg_admin(server, f'DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)'))


def _export_button(browser: Browser) -> str:
    """The contacts page's "Exporter la liste affichée" menu item (the bench's browser knows the lists' button)."""
    for element_id, element in browser.elements.items():
        if element.get('props', {}).get('data-action') == 'export-selection':
            return element_id
    raise AssertionError('no export-selection item on /contacts')


def test_restore_is_refused_while_a_process_of_another_machine_is_alive_on_the_database(tmp_path):
    """Issue 21: the lock file only sees this machine's processes; the registry in the database sees the others."""
    from tests.test_cli import run  # noqa: PLC0415

    env = {'FACTURIER_DATA_DIR': str(tmp_path / 'data'), 'FACTURIER_SECRET': SECRET}
    assert run(['migrate'], env).returncode == 0
    archive = tmp_path / 'empty.tar.gz'
    assert run(['backup', str(archive)], env).returncode == 0
    database = tmp_path / 'data' / 'facturier.sqlite3'
    with sqlite3.connect(database) as connection:  # a web process of another machine, alive
        now = datetime.now(UTC).isoformat(sep=' ')
        connection.execute('INSERT INTO process (id, kind, pid, host, data_dir, started_at, heartbeat_at) VALUES '
                           "('web:autre:4242:ab', 'web', 4242, 'autre', '', ?, ?)", (now, now))
    refused = run(['restore', '--force', str(archive)], env)
    assert refused.returncode == 2 and 'serveur web sur autre (pid 4242)' in refused.stderr, refused.stderr
    with sqlite3.connect(database) as connection:  # its heartbeat stopped long ago: gone
        connection.execute("UPDATE process SET heartbeat_at = '2020-01-01 00:00:00+00:00'")
    restored = run(['restore', '--force', str(archive)], env)
    assert restored.returncode == 0, restored.stderr


def test_a_worker_lowers_the_priority_of_every_thread_and_of_the_processes_they_start():
    """On Linux a niceness is a thread's: a thread made before the worker lowered its priority (the executor that
    later starts the e-invoice checker) must be lowered too, and so must a process it starts."""
    script = '''
import os, subprocess, threading
from db.job_worker import NICENESS, lower_priority
ready, go, seen = threading.Event(), threading.Event(), {}
def early():
    ready.set(); go.wait()
    seen['thread'] = os.getpriority(os.PRIO_PROCESS, 0)
    seen['child'] = int(subprocess.run(['sh', '-c', 'cut -d" " -f19 /proc/$$/stat'], capture_output=True,
                                       text=True).stdout)
thread = threading.Thread(target=early); thread.start(); ready.wait()
before = os.getpriority(os.PRIO_PROCESS, 0)
lower_priority(); go.set(); thread.join()
print(before, os.getpriority(os.PRIO_PROCESS, 0), seen['thread'], seen['child'], NICENESS)
'''
    result = subprocess.run([sys.executable, '-c', script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    before, main, thread, child, niceness = map(int, result.stdout.split())
    expected = min(before + niceness, 19)
    assert (main, thread, child) == (expected, expected, expected)
