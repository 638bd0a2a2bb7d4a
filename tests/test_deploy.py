"""The deployment of docs/deploy.md as a user makes it (issue 21): two Facturier processes on one PostgreSQL, started
together on an empty database, behind Debian's nginx with docs/deploy/nginx.conf itself (ports and certificate
replaced), over HTTPS.

What it proves: both processes migrate and start together; a browser stays on one process (its page and websocket
work through the proxy), browsers spread over both; the proxy's HTTPS reaches Facturier (Secure cookies); a stopped
process's browser carries on with the other one; an export runs as a job in the separate job worker and downloads
through the proxy.
"""
import asyncio
import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from bench.clients import Browser
from db.change_relay import LISTENER_NAME
from tests.databases import pg_admin, pg_db_url, require_postgres
from tests.helpers import IN_CI, SECRET, free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / 'docs' / 'deploy' / 'nginx.conf'
DATABASE = 'facturier_deploy'


def require_nginx() -> str:
    nginx = shutil.which('nginx') or ('/usr/sbin/nginx' if Path('/usr/sbin/nginx').exists() else None)
    if nginx is None:
        if IN_CI:
            pytest.fail('nginx is missing: ./facturier test installs it (Debian package nginx)')
        pytest.skip('nginx not installed')
    return nginx


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert, private = folder / 'cert.pem', folder / 'key.pem'
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, private


def site_config(app_ports: list[int], http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """docs/deploy/nginx.conf with this test's ports and certificate; nothing else changed."""
    text = SITE.read_text()
    text = text.replace('127.0.0.1:8081', f'127.0.0.1:{app_ports[0]}').replace('127.0.0.1:8082',
                                                                               f'127.0.0.1:{app_ports[1]}')
    text = text.replace('listen 80;', f'listen 127.0.0.1:{http_port};')
    text = text.replace('listen 443 ssl;', f'listen 127.0.0.1:{https_port} ssl;')
    text = re.sub(r'ssl_certificate /\S+;', f'ssl_certificate {cert};', text)
    text = re.sub(r'ssl_certificate_key /\S+;', f'ssl_certificate_key {key};', text)
    assert text.count(str(cert)) == 1 and f':{https_port} ssl' in text, 'docs/deploy/nginx.conf changed shape'
    return text


def main_config(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, in the test's folder; the access log names the
    process that answered each request."""
    return f'''daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$cookie_facturier_node|$upstream_addr|$status';
    access_log {folder}/access.log upstream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
'''


def served_by(folder: Path) -> dict[str, set[str]]:
    """{node cookie: the processes that answered it} from the access log (requests that carried the cookie)."""
    answered: dict[str, set[str]] = defaultdict(set)
    for line in (folder / 'access.log').read_text().splitlines():
        node, upstream, _status = line.split('|')
        if node and node != '-' and upstream != '-':  # tried in turn: '127.0.0.1:8081, 127.0.0.1:8082'
            answered[node].add(upstream.split(',')[-1].strip())
    return answered


def plain_env(**extra: str) -> dict[str, str]:
    """This process's environment without pytest's and NiceGUI's variables, for a Facturier process of its own."""
    return {**{key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}, **extra}


def start_app(port: int, database_url: str, data_dir: Path) -> subprocess.Popen:
    env = plain_env()
    env.update(FACTURIER_DATABASE_URL=database_url, FACTURIER_DATA_DIR=str(data_dir), FACTURIER_SECRET=SECRET,
               FACTURIER_HOST='127.0.0.1', FACTURIER_TRUSTED_PROXIES='127.0.0.1',
               FACTURIER_JOB_WORKERS='0')  # the job worker runs apart (docs/deploy/facturier-worker.service)
    if port:
        env['FACTURIER_PORT'] = str(port)
    command = [sys.executable, str(ROOT / 'main.py')] + ([] if port else ['worker'])  # port 0: the job worker
    return subprocess.Popen(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=(data_dir.parent / f'app-{port}.log').open('w'))


def signed_in(url: str, database_url: str) -> dict:
    """A signed-in session's cookies, exchanged through the proxy. In a process of its own: this one's ORM has
    served SQLite tests before, and Tortoise keeps per-model SQL of the first database it met."""
    script = ('import asyncio, json, sys, types\n'
              'from bench.server import session_cookies\n'
              'cookies = asyncio.run(session_cookies(types.SimpleNamespace(url=sys.argv[1]), sys.argv[2], 1, '
              "next_path='/factures', verify=False))\n"
              'print(json.dumps(cookies[0]))\n')
    env = plain_env()
    done = subprocess.run([sys.executable, '-c', script, url, database_url], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@contextlib.asynccontextmanager
async def connected(database_url: str):
    """A plain asyncpg connection to the test's database (the ORM of this process served SQLite before)."""
    import asyncpg  # noqa: PLC0415

    connection = await asyncpg.connect(database_url.replace('postgres://', 'postgresql://', 1))
    try:
        yield connection
    finally:
        await connection.close()


async def listeners(database_url: str, *, kill: bool = False) -> set[int]:
    """The backends holding the processes' LISTEN of live changes (db/change_relay.py); `kill` cuts them."""
    async with connected(database_url) as connection:
        pids = {row['pid'] for row in await connection.fetch(
            'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
            LISTENER_NAME)}
        if kill:
            for pid in pids:
                await connection.execute('SELECT pg_terminate_backend($1)', pid)
        return pids


async def a_draft_invoice(database_url: str) -> int:
    async with connected(database_url) as connection:
        return await connection.fetchval("SELECT id FROM document WHERE doc_type = 'invoice' AND state = 'draft' "
                                         'ORDER BY id LIMIT 1')


async def until_shown(browser: Browser, role: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not browser.shows(role):
        assert time.monotonic() < deadline, f'{role} not shown within {timeout} s'
        await asyncio.sleep(0.2)


def healthy(url: str) -> bool:
    return httpx.get(f'{url}/healthz', timeout=2, verify=False).status_code == 200


def test_two_processes_behind_nginx_on_one_postgresql(tmp_path):
    server = require_postgres()
    nginx = require_nginx()
    asyncio.run(pg_admin(server, f'DROP DATABASE IF EXISTS {DATABASE}', f'CREATE DATABASE {DATABASE}'))
    database_url = pg_db_url(server, DATABASE)
    data_dir = tmp_path / 'data'  # shared by both processes, as docs/deploy.md requires
    data_dir.mkdir()
    ports = [free_port(), free_port()]
    apps = [start_app(port, database_url, data_dir) for port in ports]  # together, on the empty database
    worker = start_app(0, database_url, data_dir)  # the job worker (`main.py worker`), as the docs deploy it
    proxy = None
    try:
        for port in ports:
            wait_until(lambda port=port: healthy(f'http://127.0.0.1:{port}'), timeout=90, interval=0.3,
                       ignoring=(httpx.HTTPError,), label=f'process on {port} (see {tmp_path}/app-{port}.log)')
        assert [app.poll() for app in apps] == [None, None]
        demo = subprocess.run([sys.executable, str(ROOT / 'main.py'), 'demo', '--invoices', '30'], cwd=ROOT,
                              env=plain_env(FACTURIER_DATABASE_URL=database_url, FACTURIER_DATA_DIR=str(data_dir),
                                            FACTURIER_SECRET=SECRET), capture_output=True, text=True, timeout=300)
        assert demo.returncode == 0, demo.stderr[-3000:]

        folder = tmp_path / 'nginx'
        folder.mkdir()
        cert, key = self_signed(folder)
        http_port, https_port = free_port(), free_port()
        (folder / 'site.conf').write_text(site_config(ports, http_port, https_port, cert, key))
        (folder / 'nginx.conf').write_text(main_config(folder, folder / 'site.conf'))
        checked = subprocess.run([nginx, '-t', '-c', str(folder / 'nginx.conf'), '-p', str(folder)],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        proxy = subprocess.Popen([nginx, '-c', str(folder / 'nginx.conf'), '-p', str(folder)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f'https://127.0.0.1:{https_port}'
        wait_until(lambda: healthy(url), timeout=20, interval=0.2, ignoring=(httpx.HTTPError,), label='nginx')
        plain = httpx.get(f'http://127.0.0.1:{http_port}/login', timeout=5)
        assert plain.status_code == 301 and plain.headers['location'].startswith('https://')

        # The relays' LISTEN connections are cut: each process connects again (and says so in /healthz meanwhile).
        cut = asyncio.run(listeners(database_url, kill=True))
        assert len(cut) == 2, cut
        wait_until(lambda: len(asyncio.run(listeners(database_url)) - cut) == 2, timeout=60, interval=0.5,
                   label='the relays listening again')
        for port in ports:
            wait_until(lambda port=port: healthy(f'http://127.0.0.1:{port}'), timeout=30, interval=0.3,
                       ignoring=(httpx.HTTPError,), label=f'/healthz of {port} after the cut')

        # Browsers spread over both processes, each staying on its own; HTTPS reaches Facturier: Secure cookies.
        for _ in range(16):
            with httpx.Client(base_url=url, verify=False, timeout=10) as visitor:
                for _ in range(3):
                    response = visitor.get('/login')
                    assert response.status_code == 200
                assert 'Secure' in response.headers.get('set-cookie', '')
        time.sleep(0.5)  # the access log is written after the answer
        spread = served_by(folder)
        assert len(spread) >= 16 and all(len(processes) == 1 for processes in spread.values()), spread
        assert len(set().union(*spread.values())) == 2, spread

        async def walk() -> str:
            """A signed-in browser's node cookie."""
            cookies = signed_in(url, database_url)
            assert 'facturier_node' in cookies and 'session' in cookies
            other = signed_in(url, database_url)
            for _ in range(8):  # a second browser, on the other process
                if served_by(folder).get(other['facturier_node']) != served_by(folder).get(cookies['facturier_node']):
                    break
                other = signed_in(url, database_url)
            draft = await a_draft_invoice(database_url)
            storage: dict = {}  # the first browser's local storage, across its pages
            browser = Browser(url, cookies, verify=False, storage=storage)
            editor = Browser(url, other, verify=False)
            try:
                assert await browser.open('/factures')  # the page and its websocket, through the proxy
                # A draft saved on the other process: this process's list follows (LISTEN/NOTIFY).
                assert await editor.open_editor(f'/factures/{draft}')
                await editor.edit_ms()
                table = browser._expect([browser.table])  # noqa: SLF001 - the list's next update
                await editor.save_ms()
                await asyncio.wait_for(table.get(), 30)
            finally:
                await editor.close()
            try:
                assert await browser.click('page', timeout=20) >= 0
                await browser.export_ms(timeout=120)  # a job: queued by the page, run by the worker, downloaded
                assert browser.downloaded_bytes > 1000
                exported = (browser.downloaded_url, browser.downloaded_bytes)
            finally:
                await browser.close()
            await asyncio.sleep(0.5)
            (process,) = served_by(folder)[cookies['facturier_node']]
            # An edit not saved yet on that process, kept by the browser (components/draft_keeper.py)...
            browser = Browser(url, cookies, verify=False, storage=storage)
            try:
                assert await browser.open_editor(f'/factures/{draft}')
                await browser.edit_ms()
                deadline = time.monotonic() + 15
                while not storage and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                assert storage, 'the unsaved edit was not kept in the browser'
            finally:
                await browser.close()
            stopped = apps[ports.index(int(process.rsplit(':', 1)[1]))]
            stopped.send_signal(signal.SIGTERM)
            stopped.wait(timeout=30)
            # ... then that process stops: the same browser carries on with the other one, still signed in, and
            # the edit is offered back when the page comes back there.
            browser = Browser(url, cookies, verify=False, storage=storage)
            try:
                assert await browser.open_editor(f'/factures/{draft}')
                await until_shown(browser, 'kept-draft')
            finally:
                await browser.close()
            browser = Browser(url, cookies, verify=False)
            try:
                assert await browser.open('/factures')
                assert await browser.click('page', timeout=20) >= 0
                # The export made through the stopped process is downloaded again from the other one.
                again = await browser.http.get(exported[0])
                assert again.status_code == 200 and len(again.content) == exported[1]
            finally:
                await browser.close()
            return cookies['facturier_node']

        node = asyncio.run(walk())
        time.sleep(0.5)
        assert served_by(folder)[node] == {f'127.0.0.1:{port}' for port in ports}  # one, then the other
        verified = subprocess.run([sys.executable, str(ROOT / 'main.py'), 'verify'], cwd=ROOT, capture_output=True,
                                  text=True, timeout=300,
                                  env=plain_env(FACTURIER_DATABASE_URL=database_url, FACTURIER_DATA_DIR=str(data_dir),
                                                FACTURIER_SECRET=SECRET))
        assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for app in [*apps, worker]:
            if app.poll() is None:
                app.terminate()
                app.wait(timeout=30)
        asyncio.run(pg_admin(server, f'DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)'))
