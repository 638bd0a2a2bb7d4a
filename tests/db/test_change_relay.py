"""Live refresh across processes on PostgreSQL: a publication in one process reaches the pages of the others."""
import asyncio

from db import changes
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
