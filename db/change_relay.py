"""Live refresh across server processes on PostgreSQL: db.changes publications relayed by LISTEN/NOTIFY.

`db.changes` notifies the pages of ONE process. With several app processes on one PostgreSQL database (the path
for bigger installs), a user of process A must still see a list refresh when a user of process B validates an
invoice. Each process runs one relay: it forwards its own publications as `NOTIFY facturier_changes` and delivers
the other processes' notifications to its local subscribers. A notification carries the topic and the id only;
pages reload what they show from the database, as they do for local changes.

    relay = ChangeRelay(database_url)
    await relay.start()          # after the database is open; changes.publish() now reaches every process
    ...
    await relay.stop()

PostgreSQL delivers a NOTIFY when its transaction commits; publications are made after the commit already, and
the relay sends them from its own connection, in order, through one queue.
"""
import asyncio
import json
import logging
import secrets
from collections.abc import Callable

from db import changes

log = logging.getLogger(__name__)

CHANNEL = 'facturier_changes'
# NOTIFY payloads are limited to 8000 bytes; ours are a few dozen.
Deliver = Callable[[str, int | None], None]


class ChangeRelay:
    """One process's bridge between db.changes and the other processes (see the module docstring)."""

    def __init__(self, database_url: str, *, deliver: Deliver = changes.deliver) -> None:
        self.dsn = 'postgresql://' + database_url.split('://', 1)[1]
        self.origin = secrets.token_hex(8)
        self._deliver = deliver
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._listener = self._sender = None
        self._task: asyncio.Task | None = None
        self._unforward: Callable[[], None] | None = None

    async def start(self) -> None:
        import asyncpg  # noqa: PLC0415 - only PostgreSQL installs need it

        self._listener = await asyncpg.connect(self.dsn)
        await self._listener.add_listener(CHANNEL, self._received)
        self._sender = await asyncpg.connect(self.dsn)
        self._task = asyncio.create_task(self._send_loop(), name='change relay')
        self._unforward = changes.add_forwarder(self.forward)

    async def stop(self) -> None:
        if self._unforward:
            self._unforward()
        if self._task:
            self._queue.put_nowait(None)
            await self._task
        for connection in (self._listener, self._sender):
            if connection is not None:
                await connection.close()
        self._listener = self._sender = self._task = self._unforward = None

    def forward(self, topic: str, doc_id: int | None) -> None:
        """Called by changes.publish for every local publication: queue it for the other processes."""
        self._queue.put_nowait(json.dumps({'o': self.origin, 't': topic, 'i': doc_id}))

    async def _send_loop(self) -> None:
        while (payload := await self._queue.get()) is not None:
            try:
                await self._sender.execute('SELECT pg_notify($1, $2)', CHANNEL, payload)
            except Exception:  # noqa: BLE001 - a lost refresh must never stop the relay
                log.exception('could not relay a change notification')

    def _received(self, _connection, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message['o'] == self.origin:  # our own publication, already delivered locally
                return
            doc_id = message['i']
            self._deliver(str(message['t']), int(doc_id) if doc_id is not None else None)
        except Exception:  # noqa: BLE001 - a malformed notification is dropped, the relay goes on
            log.exception('bad change notification %r', payload)
