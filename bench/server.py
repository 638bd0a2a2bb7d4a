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
import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
FIRST_PORT = int(os.environ.get('FACTURIER_BENCH_PORT', '8742'))


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
                          verify: bool = True, email: str | None = None) -> list[dict]:
    """`count` signed-in sessions of the first administrator (or of the user `email`, made by `ensure_user`), as
    cookie dicts for httpx and the websocket."""
    from db import accounts, engine  # noqa: PLC0415
    from db.user import ADMIN, User  # noqa: PLC0415

    await engine.open_database(database_url, migrate=False)
    try:
        users = User.filter(email=email) if email else User.filter(role=ADMIN)
        user = await users.filter(is_active=True).order_by('id').first()
        if user is None:
            raise RuntimeError(f'the dataset has no {email or "administrator"} to sign in with')
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


async def ensure_user(database_url: str, email: str, name: str) -> None:
    """A second person of the business (an administrator, as the demo's first user): one heavy job per user at once
    (db/jobs.py), so the colleague printing a batch is not the one exporting the list. Made once per dataset."""
    import secrets  # noqa: PLC0415

    from db import accounts, engine  # noqa: PLC0415
    from db.actor import Actor  # noqa: PLC0415
    from db.user import ADMIN, User  # noqa: PLC0415

    await engine.open_database(database_url, migrate=False)
    try:
        if not await User.filter(email=email).exists():
            await accounts.create_user(Actor(user_id=None, email='bench@facturier.local'), email=email, name=name,
                                       role=ADMIN, password=secrets.token_urlsafe(24), bypass_permission=True)
    finally:
        await engine.close_database()


def job_workers(pid: int) -> list[int]:
    """The job worker processes the server started (`main.py worker`, db/job_worker.py: WorkerSupervisor)."""
    found = []
    for child in _descendants(pid):
        try:
            arguments = Path(f'/proc/{child}/cmdline').read_bytes().split(b'\0')
        except OSError:
            continue  # gone meanwhile
        if any(item.endswith(b'main.py') for item in arguments) and b'worker' in arguments:
            found.append(child)
    return found


def niceness(pid: int = 0) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


@contextlib.contextmanager
def lowered_priority(step: int):
    """The benchmark's own processes (the simulated browsers in this one, the probes it starts) below the server they
    load: on a real install they are other machines. Started before, the server keeps its priority. On leaving, the
    priority is raised back when allowed (root or CAP_SYS_NICE); `state['restored']` says whether it was."""
    before = niceness()
    state = {'before': before, 'during': before, 'restored': False, 'can_restore': False}
    try:
        state['during'] = os.nice(step)
        try:  # allowed to raise it back? (one step up, then down again)
            os.setpriority(os.PRIO_PROCESS, 0, state['during'] - 1)
            os.setpriority(os.PRIO_PROCESS, 0, state['during'])
            state['can_restore'] = True
        except OSError:
            pass
        yield state
    finally:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, before)
            state['restored'] = True
        except OSError:
            pass


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f'no VmRSS for process {pid}')


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the e-invoice checker, the PDF workers), in MB."""
    return sum(tree_rss_parts(pid))


def tree_rss_parts(pid: int) -> list[float]:
    """The resident memory (MB) of a process, then of each of its descendants still there, largest first."""
    parts = []
    for current in [pid, *_descendants(pid)]:
        try:
            parts.append(rss_mb(current))
        except (OSError, RuntimeError):
            continue  # gone meanwhile
    return parts[:1] + sorted(parts[1:], reverse=True)


def rss_parts_note(parts: list[float]) -> str:
    """'web process 180 MB; 2 other process(es): 95, 12 MB' (the job worker, the checker, PDF workers...)."""
    if not parts:
        return 'no process'
    others = f'; {len(parts) - 1} other process(es): {", ".join(f"{mb:.0f}" for mb in parts[1:])} MB' \
        if len(parts) > 1 else ''
    return f'web process {parts[0]:.0f} MB{others}'


def _free_port(first: int = FIRST_PORT) -> int:
    """The first free port from `first` (the ports this project's benchmarks and tests may use), else any."""
    for port in [*range(first, first + 100), 0]:
        with socket.socket() as sock:
            try:
                sock.bind(('127.0.0.1', port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError('no free port')
