"""A unit of work: one database transaction, and the live-change publications it makes, sent once it commits.

Every db/ operation opens its transaction with `transaction()` instead of Tortoise's `in_transaction()`. Inside it,
`db.changes.publish(...)` only queues the publication; the outermost `transaction()` sends the queue (each
(topic, id) once, in order) after its COMMIT, and drops it on a rollback. Operations may call each other freely:
a nested `transaction()` is a savepoint whose publications join the outer queue if it succeeds and are dropped
with it if it rolls back, so a page never reloads on data that is not committed, nor on data that never will be.

>>> import asyncio
>>> from db import changes
>>> seen = []
>>> stop = changes.subscribe('demo', seen.append)
>>> async def nested():
...     async with _unit():
...         changes.publish('demo', 1)
...         async with _unit():
...             changes.publish('demo', 1)
...             changes.publish('demo', 2)
...         queued = list(seen)
...     return queued
>>> asyncio.run(nested()), seen
([], [1, 2])
>>> stop()
"""
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tortoise.transactions import in_transaction

Publication = tuple[str, int | None]
Queue = dict[Publication, None]  # an ordered set
_queue: ContextVar[Queue | None] = ContextVar('unit_of_work_queue', default=None)
_after: ContextVar[list[Callable[[], object]] | None] = ContextVar('unit_of_work_after', default=None)
# More changes than this on one topic in one unit (a bulk validation) are sent as one "everything changed" (None).
COLLAPSE_ABOVE = 20


@asynccontextmanager
async def transaction(connection_name: str | None = None) -> AsyncIterator[object]:
    """`in_transaction()` that holds back publications until the outermost one commits."""
    async with _unit():
        async with in_transaction(connection_name) as connection:
            yield connection


def is_open() -> bool:
    """True inside a unit of work (a publication made now waits for its commit)."""
    return _queue.get() is not None


def defer(topic: str, doc_id: int | None) -> bool:
    """Queue a publication in the open unit of work; False when none is open (publish it now)."""
    queue = _queue.get()
    if queue is None:
        return False
    queue[(topic, doc_id)] = None
    return True


def on_commit(callback: Callable[[], object]) -> None:
    """Run `callback()` once the outermost unit of work commits (at once outside any), never on a rollback: what
    must follow a commit, like giving a staged original its final name (db/issuing.py)."""
    callbacks = _after.get()
    if callbacks is None:
        callback()
    else:
        callbacks.append(callback)


@asynccontextmanager
async def _unit() -> AsyncIterator[None]:
    """The queue of one (possibly nested) unit; the outermost one delivers it after the body succeeded."""
    outer, outer_after = _queue.get(), _after.get()
    mine: Queue = {}
    my_after: list[Callable[[], object]] = []
    token, after_token = _queue.set(mine), _after.set(my_after)
    try:
        yield
    finally:
        _queue.reset(token)
        _after.reset(after_token)
    # Only reached when the body (and so its transaction) succeeded: a rollback raised past this point.
    if outer is not None:
        outer.update(mine)
        outer_after.extend(my_after)
        return
    for callback in my_after:
        callback()
    from db import changes  # noqa: PLC0415 - changes imports this module to defer

    for topic, doc_id in collapsed(mine):
        changes.publish(topic, doc_id)


def collapsed(queue: Queue) -> list[Publication]:
    """The publications to send: each once, in order; a topic with many changes once, as None (reload all).

    >>> collapsed({('documents', 1): None, ('payments', 1): None, ('documents', 1): None})
    [('documents', 1), ('payments', 1)]
    >>> collapsed({('documents', n): None for n in range(50)})
    [('documents', None)]
    """
    counts: dict[str, int] = {}
    for topic, _ in queue:
        counts[topic] = counts.get(topic, 0) + 1
    sent: Queue = {}
    for topic, doc_id in queue:
        sent[(topic, None) if counts[topic] > COLLAPSE_ABOVE else (topic, doc_id)] = None
    return list(sent)
