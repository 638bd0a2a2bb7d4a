"""Invoices out of the dataset: a one-page Factur-X invoice end to end, and a batch PDF of many invoices.

The documents are the dataset's own validated invoices, printed from their frozen copy (Document.snapshot) the
way the app prints them (logic.render.service.produce_einvoice: CII XML, XSD + EN 16931 + BR-FR checks, PDF/A-3b
with the XML embedded; logic.render.batch.batch_pdf for grouped printing).

The app's grouped printing (pages/batch_print.py, "Édition groupée") is a job (issue 17): the page queues it, the
server's job worker (db/job_worker.py, a process of its own at a lower CPU priority) renders it. `BatchJob` queues
the same job the dialog queues, for the latest quotes of the dataset (`python -m bench.output URL --count 500 --job`),
and waits for the worker to finish it. Quotes, because a validated invoice prints from its stored Factur-X original,
made on first print after the e-invoice checks, and the demo company has no IBAN: the demo invoices paid by transfer
(most of them) fail CII-SR-470 and the action can't print them; a quote is rendered as it is, like any document
without an original. `BatchRun` (`--out FILE`) renders the latest invoices in a process of its own instead, without
the app (the renderer's own speed).
"""
import argparse
import asyncio
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.figures import Figure, spread  # noqa: E402

ONE_PAGE_LINES = 12
PDF_TARGET_MS = 400        # documents-out issue: one Factur-X invoice end to end under 0.4 s
BATCH_TARGET_S_PER_500 = 120  # documents-out issue: 500 invoices in one PDF within 2 minutes


async def load_snapshots(count: int, *, max_lines: int | None = None) -> list:
    """The most recent `count` validated invoices' frozen copies (the database must be open)."""
    from db.document import Document  # noqa: PLC0415
    from logic.snapshot import DocumentSnapshot  # noqa: PLC0415

    found, offset = [], 0
    while len(found) < count:
        rows = await Document.filter(doc_type='invoice', snapshot__not_isnull=True).order_by('-id').offset(
            offset).limit(200).values_list('snapshot', flat=True)
        if not rows:
            break
        offset += len(rows)
        snapshots = [DocumentSnapshot.from_dict(row) for row in rows]
        found += [item for item in snapshots if max_lines is None or len(item.lines) <= max_lines]
    return found[:count]


async def einvoice_figures(runs: int) -> list[Figure]:
    """One-page invoices end to end, in a worker process as in the app (warm: the first one is not counted)."""
    from logic.facturx import checker  # noqa: PLC0415
    from logic.render.service import produce_einvoice  # noqa: PLC0415
    from logic.render.style import TemplateStyle  # noqa: PLC0415

    snapshots = await load_snapshots(runs + 1, max_lines=ONE_PAGE_LINES)
    if not snapshots:
        return spread('one-page invoice PDF end to end (Factur-X, dataset invoice)', [], PDF_TARGET_MS,
                      note='no validated invoice of one page in the dataset')
    loop = asyncio.get_running_loop()
    timings, refused = [], set()
    with ProcessPoolExecutor(max_workers=1) as worker:
        async def in_worker(function, *args):
            return await loop.run_in_executor(worker, function, *args)

        # Fork the worker before the checker's process is started from a thread: a fork while another thread is
        # inside subprocess.Popen inherits its exec-status pipe, and Popen then waits for the worker to exit.
        await loop.run_in_executor(worker, len, ())
        try:
            for index, snapshot in enumerate(snapshots):
                started = time.perf_counter()
                try:
                    await produce_einvoice(snapshot, TemplateStyle(), run=in_worker)
                except checker.EInvoiceInvalid as exc:  # same work done: XML, checks and PDF ran side by side
                    refused.update(issue.rule for issue in exc.result.errors)
                if index:  # the first one starts the checker and the renderer
                    timings.append((time.perf_counter() - started) * 1000)
        finally:
            checker.shutdown()
    note = f'{len(timings)} invoices of ≤ {ONE_PAGE_LINES} lines, rendered in a worker process beside the checks'
    if refused:
        note += f'; the checks refused some of the dataset\'s invoices ({", ".join(sorted(refused))})'
    return spread('one-page invoice PDF end to end (Factur-X, dataset invoice)', timings, PDF_TARGET_MS, note=note)


class BatchRun:
    """The batch in its own process: `async with BatchRun(url, 500, path) as batch: ...; batch.result`."""

    def __init__(self, database_url: str, count: int, path: Path) -> None:
        self.database_url, self.count, self.path = database_url, count, Path(path)
        self.result: dict = {}
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> 'BatchRun':
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, '-m', 'bench.output', self.database_url, '--count', str(self.count), '--out',
            str(self.path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(ROOT))
        return self

    async def wait(self, timeout: float) -> dict:
        output, errors = await asyncio.wait_for(self._process.communicate(), timeout)
        if self._process.returncode != 0:
            raise RuntimeError(f'batch PDF failed: {errors.decode()[-2000:]}')
        self.result = json.loads(output.decode().strip().splitlines()[-1])
        return self.result

    async def __aexit__(self, *exc_info) -> None:
        if self._process.returncode is None:
            self._process.kill()
            await self._process.wait()


class BatchJob(BatchRun):
    """The batch as the app runs it: a job queued in the database, run by the server's job worker.
    `async with BatchJob(url, 500) as batch: ...; await batch.wait(600)` -> {'count', 'seconds', 'bytes', ...}."""

    def __init__(self, database_url: str, count: int) -> None:
        super().__init__(database_url, count, Path('-'))

    async def __aenter__(self) -> 'BatchJob':
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, '-m', 'bench.output', self.database_url, '--count', str(self.count), '--job',
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(ROOT))
        return self


async def _batch_job(database_url: str, count: int) -> dict:
    """Queue "Édition groupée" of the latest `count` quotes as the dialog does, then wait for the worker."""
    from db import engine, job_kinds, jobs  # noqa: PLC0415
    from db.actor import Actor  # noqa: PLC0415
    from db.document import Document  # noqa: PLC0415
    from db.job import Job  # noqa: PLC0415

    await engine.open_database(database_url, migrate=False)
    try:
        ids = await Document.filter(doc_type='quote').order_by('-id').limit(count).values_list('id', flat=True)
        ids = sorted(ids)
        bench = Actor(user_id=None, email='bench@facturier.local', name='Benchmark')  # not the browsers' user
        started = time.perf_counter()
        job = await jobs.enqueue(bench, job_kinds.BATCH_PRINT, {'family': 'quote', 'ids': ids}, total=len(ids),
                                 title=f'Édition groupée : {len(ids)} devis')
        running_at = None
        while True:
            await asyncio.sleep(0.5)
            job = await Job.get(id=job.id)
            if running_at is None and job.state != 'queued':
                running_at = time.perf_counter()
            if not job.active:
                break
        return {'count': job.done if job.state == 'done' else 0, 'seconds': time.perf_counter() - started,
                'queued_seconds': (running_at or started) - started, 'bytes': job.result_size, 'state': job.state,
                'message': job.message}
    finally:
        await engine.close_database()


async def _batch(database_url: str, count: int, out: Path) -> dict:
    from db import engine  # noqa: PLC0415
    from logic.render.batch import batch_pdf  # noqa: PLC0415
    from logic.render.style import TemplateStyle  # noqa: PLC0415

    await engine.open_database(database_url, migrate=False)
    try:
        snapshots = await load_snapshots(count)
    finally:
        await engine.close_database()
    started = time.perf_counter()
    done = await batch_pdf(snapshots, out, style=TemplateStyle())
    return {'count': done, 'seconds': time.perf_counter() - started, 'bytes': out.stat().st_size}


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='render a batch PDF of the dataset\'s latest invoices')
    parser.add_argument('database_url')
    parser.add_argument('--count', type=int, default=500)
    parser.add_argument('--out', type=Path, help='render here, in this process (without --job)')
    parser.add_argument('--job', action='store_true', help='queue the app\'s batch job and wait for its worker')
    arguments = parser.parse_args()
    outcome = _batch_job(arguments.database_url, arguments.count) if arguments.job else \
        _batch(arguments.database_url, arguments.count, arguments.out)
    print(json.dumps(asyncio.run(outcome)), flush=True)
