"""The registry of running processes (issue 21): one row per web or worker process, kept alive by a heartbeat.

A pid file per data dir held one pid of two processes and went stale after a crash. Here each process inserts its
own row when it starts, refreshes `heartbeat_at` every HEARTBEAT_SECONDS and deletes it when it stops; a row whose
heartbeat is older than STALE_SECONDS belongs to a process that died (kill -9, a lost machine) and is ignored, then
removed by the next `live()`. Because the rows are in the database, the answer holds for processes of several
machines sharing one PostgreSQL, where a lock file in one machine's data dir can't see the others.

    me = await register('web', config.data_dir)
    await beat(me)                  # every few seconds
    await live()                    # [Process(kind='web', host='a', pid=12, ...), ...]
    await unregister(me)
"""
import asyncio
import logging
import os
import secrets
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from db.job import Process

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 30.0


def process_id(kind: str) -> str:
    """'worker:host:1234:ab12': unique even when a pid is reused after a restart."""
    return f'{kind}:{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}'


async def register(kind: str, data_dir: Path | str = '', *, process: str | None = None) -> str:
    now = _now()
    row = await Process.create(id=process or process_id(kind), kind=kind, pid=os.getpid(), host=socket.gethostname()[:100],
                               data_dir=str(data_dir)[:500], started_at=now, heartbeat_at=now)
    return row.id


async def beat(process: str) -> None:
    """Refresh the heartbeat; a row removed meanwhile (by a peer that thought us dead) is written again."""
    if not await Process.filter(id=process).update(heartbeat_at=_now()):
        kind, host, pid, _ = process.split(':', 3)
        now = _now()
        await Process.create(id=process, kind=kind, pid=int(pid), host=host, started_at=now, heartbeat_at=now)


async def unregister(process: str) -> None:
    await Process.filter(id=process).delete()


async def live(kind: str | None = None, *, stale_seconds: float = STALE_SECONDS) -> list[Process]:
    """The processes alive now (heartbeat within `stale_seconds`), oldest first; stale rows are removed."""
    limit = _now() - timedelta(seconds=stale_seconds)
    await Process.filter(heartbeat_at__lt=limit).delete()
    query = Process.filter(heartbeat_at__gte=limit)
    if kind:
        query = query.filter(kind=kind)
    return await query.order_by('started_at', 'id')


def describe(processes: list[Process]) -> str:
    """'serveur web sur a (pid 12), worker sur a (pid 13)'."""
    names = {'web': 'serveur web', 'worker': 'processus de travaux'}
    return ', '.join(f'{names.get(item.kind, item.kind)} sur {item.host} (pid {item.pid})' for item in processes)


def _now() -> datetime:
    return datetime.now(UTC)


class Heartbeat:
    """This process's row, kept alive while it runs: `await Heartbeat('web', data_dir).start()` ... `.stop()`."""

    def __init__(self, kind: str, data_dir: Path | str = '') -> None:
        self.kind, self.data_dir = kind, data_dir
        self.name = process_id(kind)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await register(self.kind, self.data_dir, process=self.name)
        self._task = asyncio.get_running_loop().create_task(self._beat(), name=f'{self.kind} heartbeat')

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        try:
            await unregister(self.name)
        except Exception:  # noqa: BLE001 - the database may be gone already: the row goes stale by itself
            log.warning('could not remove the process row %s', self.name)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await beat(self.name)
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the heartbeat for good
                log.exception('process heartbeat failed')
