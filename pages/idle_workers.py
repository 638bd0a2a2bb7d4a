"""Worker processes stop when unused (issue 21): a server at rest holds its web process only.

The e-invoice checker (logic/facturx/checker.py, about 245 MB) and NiceGUI's `run.cpu_bound` pool that renders PDFs
(about 120 MB a worker) used to live as long as the server, used or not: about 540 MB for a server nobody uses, too
much for the small machine many self-hosters run. The checker stops itself after `idle_seconds` unused; the pool is
replaced by a fresh, empty one once it has had no work for as long (a pool starts its workers on first use). The
first PDF or validation after a pause pays the start again: about 2 s. And once the last page has left, the web
process hands back to the system the heap its pages freed (50 browsers left it hundreds of MB above its start).
"""
import asyncio
import logging
import time
from concurrent.futures import ProcessPoolExecutor

from nicegui import Client, app, run

from db.job_worker import give_memory_back
from logic.facturx import checker

log = logging.getLogger(__name__)


def stop_when_idle(idle_seconds: float) -> None:
    """Call once while building a server's app."""
    checker.stop_when_idle(idle_seconds)
    app.on_startup(lambda: _keep(asyncio.create_task(_recycle_pool(idle_seconds), name='idle PDF workers')))


_tasks: set[asyncio.Task] = set()


def _keep(task: asyncio.Task) -> None:
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def pool_workers() -> int:
    """How many worker processes the cpu_bound pool holds now."""
    pool = run.process_pool
    return len(getattr(pool, '_processes', None) or {}) if pool is not None else 0


async def _recycle_pool(idle_seconds: float) -> None:
    quiet_since: float | None = None
    pages_open = False
    while True:
        await asyncio.sleep(min(idle_seconds, 30) / 2)
        if pages_open and not Client.instances:  # the last page has left: its freed heap back to the system
            await asyncio.to_thread(give_memory_back)
            log.info('memory handed back: no page open')
        pages_open = bool(Client.instances)
        pool = run.process_pool
        # A private attribute of the standard library's executor: the futures submitted and not finished yet.
        busy = pool is None or bool(getattr(pool, '_pending_work_items', None))
        if busy or not pool_workers():
            quiet_since = None
            continue
        now = time.monotonic()
        quiet_since = quiet_since or now
        if now - quiet_since < idle_seconds:
            continue
        quiet_since = None
        run.process_pool = ProcessPoolExecutor(mp_context=run._pool_context,  # noqa: SLF001 - NiceGUI's own settings
                                               initializer=run._ignore_sigint)  # noqa: SLF001
        pool.shutdown(wait=False)
        log.info('PDF workers stopped after %.0f s unused', idle_seconds)
