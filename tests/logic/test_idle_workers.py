"""Worker processes stop when unused (issue 21): the e-invoice checker and the PDF workers of a server at rest."""
import asyncio
import time
from concurrent.futures import ProcessPoolExecutor

from nicegui import run

from logic.facturx import checker
from logic.facturx.cii import build_cii
from pages import idle_workers
from tests import samples
from tests.helpers import until


def test_the_checker_stops_once_unused_and_starts_again_on_the_next_check():
    xml = build_cii(samples.ALL[next(iter(samples.ALL))]())
    assert checker.check_blocking(xml).ok
    assert checker.running()
    end = checker.stop_when_idle(0.5)
    try:
        deadline = time.monotonic() + 10
        while checker.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not checker.running()
        assert checker.check_blocking(xml).ok  # started again, on demand
    finally:
        end()
    time.sleep(0.5)
    assert checker.running()  # the watch ended: the checker stays for the other tests


def _square(number: int) -> int:
    return number * number


async def test_the_pdf_worker_pool_is_replaced_by_an_empty_one_once_unused():
    kept, kept_context = run.process_pool, run._pool_context  # noqa: SLF001
    run.process_pool = ProcessPoolExecutor(mp_context=run.SPAWN_CONTEXT)
    run._pool_context = run.SPAWN_CONTEXT  # noqa: SLF001 - what run.setup() sets in a server
    try:
        assert await run.cpu_bound(_square, 7) == 49
        first = run.process_pool
        assert idle_workers.pool_workers() >= 1
        task = asyncio.create_task(idle_workers._recycle_pool(0.3))  # noqa: SLF001
        try:
            await until(lambda: run.process_pool is not first, timeout=10, interval=0.05)
            assert idle_workers.pool_workers() == 0  # the new pool starts no process until asked
            assert await run.cpu_bound(_square, 8) == 64
        finally:
            task.cancel()
    finally:
        run.process_pool.shutdown(wait=False)
        run.process_pool, run._pool_context = kept, kept_context  # noqa: SLF001


async def test_the_web_process_hands_its_freed_memory_back_once_the_last_page_has_left(monkeypatch):
    from nicegui import Client  # noqa: PLC0415

    handed_back = []
    pages = {'a-page': object()}
    monkeypatch.setattr(Client, 'instances', pages)
    monkeypatch.setattr(idle_workers, 'give_memory_back', lambda: handed_back.append(time.monotonic()))
    task = asyncio.create_task(idle_workers._recycle_pool(0.1))  # noqa: SLF001
    try:
        await asyncio.sleep(0.3)
        assert handed_back == []  # a page is open
        pages.clear()
        await until(lambda: len(handed_back) == 1, timeout=5, interval=0.02)
        await asyncio.sleep(0.3)
        assert len(handed_back) == 1  # once, not at every round while nobody comes back
    finally:
        task.cancel()
