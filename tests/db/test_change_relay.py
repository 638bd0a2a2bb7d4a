"""Live refresh across processes on PostgreSQL: a publication in one process reaches the pages of the others."""
import asyncio
import time

from db import change_relay, changes
from db.change_relay import ChangeRelay
from tests.databases import require_postgres
from tests.helpers import until


async def test_a_publication_reaches_the_other_processes_and_not_its_own_twice():
    url = require_postgres()
    seen_a, seen_b = [], []
    process_a = ChangeRelay(url, deliver=lambda topic, doc_id: seen_a.append((topic, doc_id)))
    process_b = ChangeRelay(url, deliver=lambda topic, doc_id: seen_b.append((topic, doc_id)))
    await process_a.start()
    await process_b.start()
    try:
        # Both relays forward every local publication of this test process; each one also hears the other's.
        process_b.forward(changes.DOCUMENTS, 42)
        process_b.forward(changes.DOCUMENTS, None)
        await until(lambda: len(seen_a) == 2, timeout=2, interval=0.02)
        assert seen_a == [('documents', 42), ('documents', None)]  # in order, a None id means "many"
        assert seen_b == []  # a process never receives its own publications back
    finally:
        await process_a.stop()
        await process_b.stop()


async def test_changes_publish_goes_through_the_forwarders_and_stops_when_removed():
    forwarded = []
    remove = changes.add_forwarder(lambda topic, doc_id: forwarded.append((topic, doc_id)))
    changes.publish('documents', 7)
    remove()
    changes.publish('documents', 8)
    assert forwarded == [('documents', 7)]


async def test_a_subscriber_runs_in_its_own_context_not_in_the_publishers_transaction():
    import contextvars  # noqa: PLC0415

    connection = contextvars.ContextVar('connection', default='pool')
    seen = []

    async def reload(doc_id):
        seen.append((doc_id, connection.get()))

    unsubscribe = changes.subscribe('documents', reload)
    try:
        async def operation():
            connection.set('transaction of the publisher')  # what Tortoise's in_transaction() does
            changes.publish('documents', 5)

        await asyncio.create_task(operation())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert seen == [(5, 'pool')]
    finally:
        unsubscribe()


async def test_a_cut_listening_connection_is_noticed_reconnected_and_the_pages_told_to_reload(caplog):
    """Issue 21: after its LISTEN connection was cut, a process missed every later change, silently."""
    import asyncpg  # noqa: PLC0415

    url = require_postgres()
    seen_a = []
    process_a = ChangeRelay(url, deliver=lambda topic, doc_id: seen_a.append((topic, doc_id)))
    process_b = ChangeRelay(url, deliver=lambda topic, doc_id: None)
    await process_a.start()
    await process_b.start()
    admin = await asyncpg.connect(process_a.dsn)
    try:
        assert change_relay.status() == 'ok'
        pid = process_a._listener.get_server_pid()
        await admin.execute('SELECT pg_terminate_backend($1)', pid)  # what a PostgreSQL restart does to it
        await until(lambda: process_a.reconnections == 1, timeout=10, interval=0.05)
        assert process_a._listener.get_server_pid() != pid
        assert ('documents', None) in seen_a and ('payments', None) in seen_a  # every open page reloads
        assert 'reconnected' in caplog.text
        seen_a.clear()
        process_b.forward(changes.DOCUMENTS, 44)  # and the changes of the others reach it again
        await until(lambda: seen_a == [('documents', 44)], timeout=3, interval=0.02)
    finally:
        await admin.close()
        await process_a.stop()
        await process_b.stop()
    assert change_relay.status() is None


async def test_health_says_down_only_past_the_grace_while_the_relay_is_cut(monkeypatch):
    relay = ChangeRelay('postgres://nobody@127.0.0.1:1/none')
    monkeypatch.setattr(change_relay, '_running', relay)
    assert change_relay.status() == 'ok'
    relay.down_since = time.monotonic() - 1
    assert change_relay.status() == 'ok'  # a blip is not an outage
    relay.down_since = time.monotonic() - change_relay.DOWN_GRACE_SECONDS - 1
    assert change_relay.status() == 'down'
