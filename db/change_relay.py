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

A connection can be cut (a PostgreSQL restart, a proxy, an administrator's pg_terminate_backend). The relay notices
it at once (asyncpg's termination callback) or within PROBE_SECONDS (a probe query: a silent network cut), logs it,
and reconnects with backoff. Whatever the other processes published meanwhile was lost: once back, it tells this
process's pages to reload what they show (each topic published with no id, "anything may have changed"). `status()`
says whether the relay of this process is down for more than DOWN_GRACE_SECONDS: /healthz then answers 503, so that
a load balancer stops sending users to a process whose pages no longer follow the others.
"""
import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable

from db import changes

log = logging.getLogger(__name__)

CHANNEL = 'facturier_changes'
LISTENER_NAME = 'facturier-relay-listen'  # the application_name of each process's LISTEN connection
# NOTIFY payloads are limited to 8000 bytes; ours are a few dozen.
Deliver = Callable[[str, int | None], None]
PROBE_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 3.0
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)  # then the last one, for as long as it takes
DOWN_GRACE_SECONDS = 5.0
_running: 'ChangeRelay | None' = None


def status() -> str | None:
    """'ok', 'down' (cut for more than DOWN_GRACE_SECONDS), or None when this process runs no relay (SQLite)."""
    if _running is None:
        return None
    return 'ok' if _running.healthy else 'down'


class ChangeRelay:
    """One process's bridge between db.changes and the other processes (see the module docstring)."""

    def __init__(self, database_url: str, *, deliver: Deliver = changes.deliver) -> None:
        self.dsn = 'postgresql://' + database_url.split('://', 1)[1]
        self.origin = secrets.token_hex(8)
        self._deliver = deliver
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._listener = self._sender = None
        self._task: asyncio.Task | None = None
        self._watch: asyncio.Task | None = None
        self._lost = asyncio.Event()
        self._unforward: Callable[[], None] | None = None
        self.down_since: float | None = None  # time.monotonic() of the cut, while the relay is down
        self.reconnections = 0

    @property
    def healthy(self) -> bool:
        return self.down_since is None or time.monotonic() - self.down_since <= DOWN_GRACE_SECONDS

    async def start(self) -> None:
        global _running  # noqa: PLW0603 - one relay per process, read by /healthz
        self._listener = await self._listen()
        self._sender = await self._connect()
        self._task = asyncio.create_task(self._send_loop(), name='change relay')
        self._watch = asyncio.create_task(self._watch_loop(), name='change relay watch')
        self._unforward = changes.add_forwarder(self.forward)
        _running = self

    async def stop(self) -> None:
        global _running  # noqa: PLW0603
        if _running is self:
            _running = None
        if self._unforward:
            self._unforward()
        if self._watch:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self._task:
            self._queue.put_nowait(None)
            await self._task
        for connection in (self._listener, self._sender):
            if connection is not None:
                await connection.close()
        self._listener = self._sender = self._task = self._watch = self._unforward = None

    async def _connect(self, name: str = 'facturier-relay-send'):
        import asyncpg  # noqa: PLC0415 - only PostgreSQL installs need it

        # Named, so that an administrator (and the deployment test) tells the relay's connections apart.
        return await asyncpg.connect(self.dsn, timeout=10, server_settings={'application_name': name})

    async def _listen(self):
        listener = await self._connect(LISTENER_NAME)
        await listener.add_listener(CHANNEL, self._received)
        listener.add_termination_listener(self._terminated)
        return listener

    def _terminated(self, _connection) -> None:
        self._lost.set()

    async def _watch_loop(self) -> None:
        """Probe the listening connection; when it is gone, reconnect with backoff, then have the pages reload."""
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), timeout=PROBE_SECONDS)
            except asyncio.TimeoutError:
                if await self._alive():
                    continue
            self._lost.clear()
            await self._reconnect()

    async def _alive(self) -> bool:
        try:
            await asyncio.wait_for(self._listener.fetchval('SELECT 1'), timeout=PROBE_TIMEOUT_SECONDS)
            return True
        except Exception:  # noqa: BLE001 - any failure: the connection is not usable
            return False

    async def _reconnect(self) -> None:
        self.down_since = time.monotonic()
        log.warning('change relay: the listening connection to PostgreSQL was lost; reconnecting')
        old, self._listener = self._listener, None
        if old is not None:
            old.remove_termination_listener(self._terminated)
            old.terminate()
        attempt = 0
        while True:
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1
            try:
                self._listener = await self._listen()
                break
            except Exception as exc:  # noqa: BLE001 - PostgreSQL still away: try again later
                log.warning('change relay: reconnection attempt %d failed (%s)', attempt, type(exc).__name__)
        down = time.monotonic() - self.down_since
        self.down_since = None
        self.reconnections += 1
        log.warning('change relay: reconnected after %.1f s; the open pages reload', down)
        for topic in sorted({changes.DOCUMENTS, changes.PAYMENTS, *changes.topics()}):
            self._deliver(topic, None)  # what the others published meanwhile was lost: reload everything shown

    def forward(self, topic: str, doc_id: int | None) -> None:
        """Called by changes.publish for every local publication: queue it for the other processes."""
        self._queue.put_nowait(json.dumps({'o': self.origin, 't': topic, 'i': doc_id}))

    async def _send_loop(self) -> None:
        while (payload := await self._queue.get()) is not None:
            for attempt in range(2):  # a cut sending connection is opened again once, for this payload
                try:
                    if self._sender is None or self._sender.is_closed():
                        self._sender = await self._connect()
                    await self._sender.execute('SELECT pg_notify($1, $2)', CHANNEL, payload)
                    break
                except Exception:  # noqa: BLE001 - a lost refresh must never stop the relay
                    if attempt:
                        log.exception('could not relay a change notification')
                    elif self._sender is not None:
                        self._sender.terminate()

    def _received(self, _connection, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message['o'] == self.origin:  # our own publication, already delivered locally
                return
            doc_id = message['i']
            self._deliver(str(message['t']), int(doc_id) if doc_id is not None else None)
        except Exception:  # noqa: BLE001 - a malformed notification is dropped, the relay goes on
            log.exception('bad change notification %r', payload)
