"""A tiny in-process change notifier (DOC7): pages subscribe to a topic and refresh when an operation commits.

db/ operations call `publish('documents', doc_id)` wherever they like: inside a unit of work (db/unit_of_work.py,
the `transaction()` every operation opens) the publication waits for the outermost commit, so a page that reloads
on the notification always sees the committed data. Callbacks may be plain functions or coroutine functions;
a failing callback is logged and never breaks the operation nor the other subscribers.

>>> seen = []
>>> unsubscribe = subscribe('documents', seen.append)
>>> publish('documents', 42)
>>> seen
[42]
>>> unsubscribe()
>>> publish('documents', 43)
>>> seen
[42]

With several server processes on PostgreSQL, db/change_relay.py forwards each publication to the other processes
(LISTEN/NOTIFY), which `deliver` it to their own subscribers.
"""
import asyncio
import contextvars
import inspect
import logging
from collections.abc import Callable

from db import unit_of_work

log = logging.getLogger(__name__)

DOCUMENTS = 'documents'
# Installments and payments (the Règlements list follows only this one): whatever opens, settles, cancels or changes
# an installment publishes it, besides DOCUMENTS for the document concerned.
PAYMENTS = 'payments'
# Jobs of the queue (db/jobs.py): queued, progressing, finished, cancelled.
JOBS = 'jobs'

Callback = Callable[[int | None], object]
_subscribers: dict[str, list[tuple[Callback, contextvars.Context]]] = {}
_forwarders: list[Callable[[str, int | None], None]] = []
# Keeps scheduled coroutines alive until they finish (the event loop only holds weak references to tasks).
_pending: set[asyncio.Task] = set()


def subscribe(topic: str, callback: Callback) -> Callable[[], None]:
    """Call `callback(doc_id)` on each publication of `topic`; returns the function that unsubscribes.

    The callback runs in the context of the subscriber (a copy taken now), never in the publisher's: the publisher
    may still be inside a database transaction whose connection must not leak into a page's reload.
    """
    entry = (callback, contextvars.copy_context())
    _subscribers.setdefault(topic, []).append(entry)

    def unsubscribe() -> None:
        entries = _subscribers.get(topic, [])
        if entry in entries:
            entries.remove(entry)

    return unsubscribe


def publish(topic: str, doc_id: int | None = None) -> None:
    """Notify the subscribers of `topic` here and, through the forwarders, in the other processes; inside a unit of
    work, once it commits (and never if it rolls back)."""
    if unit_of_work.defer(topic, doc_id):
        return
    deliver(topic, doc_id)
    for forward in list(_forwarders):
        try:
            forward(topic, doc_id)
        except Exception:  # noqa: BLE001 - other processes missing a refresh must not break the operation
            log.exception('change forwarder failed on %s', topic)


def topics() -> list[str]:
    """The topics some page of this process follows."""
    return [topic for topic, entries in _subscribers.items() if entries]


def add_forwarder(forward: Callable[[str, int | None], None]) -> Callable[[], None]:
    """Also hand every publication to `forward(topic, doc_id)` (db/change_relay.py); returns the remover."""
    _forwarders.append(forward)
    return lambda: _forwarders.remove(forward) if forward in _forwarders else None


def deliver(topic: str, doc_id: int | None = None) -> None:
    """Notify this process's subscribers of `topic`; coroutine callbacks are scheduled on the loop, not awaited."""
    for callback, context in list(_subscribers.get(topic, ())):
        try:
            run_in = context.copy()  # a fresh copy each time: a context can't be entered twice at once
            result = run_in.run(callback, doc_id)
            if inspect.isawaitable(result):
                task = asyncio.get_running_loop().create_task(result, context=run_in) \
                    if inspect.iscoroutine(result) else asyncio.ensure_future(result)
                _pending.add(task)
                task.add_done_callback(_finished)
        except Exception:  # noqa: BLE001 - a broken page must not break the operation that published
            log.exception('change subscriber failed on %s', topic)


def subscriber_count(topic: str) -> int:
    return len(_subscribers.get(topic, ()))


def _finished(task: asyncio.Task) -> None:
    _pending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error('change subscriber failed', exc_info=task.exception())
