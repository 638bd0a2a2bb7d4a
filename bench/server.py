"""A real Facturier server for the benchmark: `python main.py` in a subprocess, on 127.0.0.1 and a free port.

Signing in goes through the app's own login exchange without typing a password: a login ticket is opened in the
database (db.accounts.open_session, what the login form does once the password is checked), then
`GET /_auth/finish?ticket=...` hands the browser its session cookie, exactly as after a real login.

    server = await start_server(data_dir, database_url, secret)
    cookies = await session_cookies(server, database_url, count=50)   # one signed-in browser each
    ...
    stop_server(server)
"""
import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass(kw_only=True, slots=True)
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    data_dir: Path

    @property
    def pid(self) -> int:
        return self.process.pid


async def start_server(data_dir: Path, database_url: str, secret: str, *, timeout: float = 120,
                       env_extra: dict[str, str] | None = None) -> Server:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    env.update(FACTURIER_DATA_DIR=str(data_dir), FACTURIER_DATABASE_URL=database_url, FACTURIER_PORT=str(port),
               FACTURIER_HOST='127.0.0.1', FACTURIER_SECRET=secret, **(env_extra or {}))
    log = Path(data_dir) / 'server.log'
    process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=log.open('w'), stderr=subprocess.STDOUT)
    server = Server(url=f'http://127.0.0.1:{port}', process=process, log=log, data_dir=Path(data_dir))
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f'the server exited early:\n{log.read_text()[-4000:]}')
            try:
                if (await http.get(f'{server.url}/healthz')).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f'the server did not answer within {timeout:.0f} s:\n{log.read_text()[-4000:]}')


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


async def session_cookies(server: Server, database_url: str, count: int, next_path: str = '/', *,
                          verify: bool = True) -> list[dict]:
    """`count` signed-in sessions of the first administrator, as cookie dicts for httpx and the websocket."""
    from db import accounts, engine  # noqa: PLC0415
    from db.user import ADMIN, User  # noqa: PLC0415

    await engine.open_database(database_url, migrate=False)
    try:
        user = await User.filter(role=ADMIN, is_active=True).order_by('id').first()
        if user is None:
            raise RuntimeError('the dataset has no administrator to sign in with')
        tickets = [await accounts.open_session(user, '127.0.0.1') for _ in range(count)]
    finally:
        await engine.close_database()
    cookies = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30, verify=verify) as http:
        for ticket in tickets:
            http.cookies.clear()
            response = await http.get('/_auth/finish', params={'ticket': ticket, 'next': next_path})
            if response.status_code != 303 or 'login' in response.headers.get('location', '/login'):
                raise RuntimeError(f'login exchange refused: {response.status_code} {response.headers}')
            cookies.append(dict(http.cookies))
    return cookies


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f'no VmRSS for process {pid}')


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the e-invoice checker, the PDF workers), in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += rss_mb(current)
        except (OSError, RuntimeError):
            continue
        todo += children.get(current, [])
    return total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
