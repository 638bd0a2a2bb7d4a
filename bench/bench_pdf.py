"""Documents out, speed and memory: `python -m bench.bench_pdf` prints a table; `measure()` returns the rows.

Targets: a one-page Factur-X invoice end to end (CII XML, XSD + EN 16931 + BR-FR checks, PDF/A-3b rendering with
the XML embedded) under 0.4 s warm; memory flat over many renders (one FontConfiguration per worker); a batch of 500
one-page invoices in one PDF within 90 s, rendered for real (`python -m bench.bench_pdf 50` for a smaller batch:
then without a target, never extrapolated).
"""
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from logic.facturx import checker  # noqa: E402
from logic.facturx.cii import build_cii  # noqa: E402
from logic.render.batch import batch_pdf  # noqa: E402
from logic.render.pdf import make_job, render_pdf  # noqa: E402
from logic.render.style import TemplateStyle  # noqa: E402
from tests import samples  # noqa: E402

WARM_RUNS = 15
BATCH = 500
BATCH_TARGET_S = 90  # issue 17: 500 one-page PDFs, measured, on a quiet machine


def _batch(count: int, style: TemplateStyle) -> list[dict]:
    """The grouped printing's own path, for real (never extrapolated from a smaller batch): logic.render.batch.batch_pdf
    renders `count` one-page invoices (logic.render.pdf.render_pdf in a spawned process pool, as `run.cpu_bound`
    does in the app and the job worker) and merges them into one file. What the job process adds around it (loading
    the documents, their stored originals) is timed by bench/output.py and bench/scenario.py on the dataset."""
    pool = ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=multiprocessing.get_context('spawn'))

    async def cpu_bound(function, *args):
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)

    async def warm_up() -> None:  # the app's pool is started with the server, not by the first batch
        await asyncio.gather(*(cpu_bound(render_pdf, make_job(samples.invoice_three_rates(), style))
                               for _ in range(os.cpu_count() or 1)))

    rows = []
    try:
        asyncio.run(warm_up())
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / 'lot.pdf'
            before, load = _rss_mb(), _load_average()
            started = time.perf_counter()
            done = asyncio.run(batch_pdf((samples.invoice_three_rates() for _ in range(count)), target, style=style,
                                         run=cpu_bound))
            elapsed = time.perf_counter() - started
            from pypdf import PdfReader  # noqa: PLC0415

            pages = len(PdfReader(target).pages)
            note = f'{done} invoices, {pages} pages; load average {load} before, {_load_average()} after'
            rows.append(_row(f'Batch of {done} one-page invoices into one PDF (logic.render.batch.batch_pdf, '
                             f'rendered in a process pool)', elapsed, 's', BATCH_TARGET_S if done >= 500 else None,
                             note if pages == done else f'error: {pages} pages for {done} invoices'))
            rows.append(_row(f'Batch of {done}: output size', target.stat().st_size / 1e6, 'MB', None))
            rows.append(_row(f'Batch of {done}: RSS growth of the merging process', _rss_mb() - before, 'MB', None))
    finally:
        pool.shutdown(cancel_futures=True)
    return rows


def _load_average() -> str:
    return ' '.join(Path('/proc/loadavg').read_text().split()[:3])


def measure(batch: int = BATCH) -> list[dict]:
    rows: list[dict] = []
    snapshot, style = samples.invoice_three_rates(), TemplateStyle()
    rss_start = _rss_mb()

    started = time.perf_counter()
    render_pdf(make_job(snapshot, style))
    rows.append(_row('PDF render, cold (first in the process)', time.perf_counter() - started, 's', None))
    rows.append(_row('PDF render, warm (median)', _median(lambda: render_pdf(make_job(snapshot, style))), 's', 0.25))
    rows.append(_row('CII XML build (median)', _median(lambda: build_cii(snapshot)), 's', 0.01))

    xml = build_cii(snapshot)
    started = time.perf_counter()
    assert checker.check_blocking(xml).ok
    rows.append(_row('XML checks, cold (start process + compile XSLT)', time.perf_counter() - started, 's', None))
    rows.append(_row('XML checks XSD+EN16931+BR-FR, warm (median)', _median(lambda: checker.check_blocking(xml)),
                     's', 0.1))

    def sequential() -> None:
        data = build_cii(snapshot)
        assert checker.check_blocking(data).ok
        render_pdf(make_job(snapshot, style, facturx_xml=data))

    rows.append(_row('Factur-X invoice end to end, sequential (median)', _median(sequential), 's', 0.4))

    async def concurrent() -> None:
        data = build_cii(snapshot)
        result, _pdf = await asyncio.gather(checker.check(data), asyncio.to_thread(
            render_pdf, make_job(snapshot, style, facturx_xml=data)))
        assert result.ok

    rows.append(_row('Factur-X invoice end to end, checks beside rendering (median)',
                     _median(lambda: asyncio.run(concurrent())), 's', 0.4))

    before = _rss_mb()
    for _ in range(100):
        render_pdf(make_job(snapshot, style))
    rows.append(_row('RSS growth over 100 renders', _rss_mb() - before, 'MB', 25))

    rows += _batch(batch, style)
    rows.append(_row('Process RSS at the end (renderer side)', _rss_mb(), 'MB', None))
    rows.append(_row('Process RSS at start', rss_start, 'MB', None))
    rows.append(_row('Checker process RSS', _rss_mb(checker._process.pid) if checker._process else 0, 'MB', None))
    checker.shutdown()
    return rows


def _median(function, runs: int = WARM_RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _rss_mb(pid: int | None = None) -> float:
    with open(f'/proc/{pid or os.getpid()}/statm') as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 1e6


def _row(name: str, value: float, unit: str, target: float | None, note: str = '') -> dict:
    return {'name': name, 'value': round(value, 3), 'unit': unit, 'target': target, 'note': note}


if __name__ == '__main__':
    for row in measure(int(sys.argv[1]) if len(sys.argv) > 1 else BATCH):
        target = f'(target {row["target"]} {row["unit"]})' if row['target'] is not None else ''
        print(f'{row["name"]:<66} {row["value"]:>9} {row["unit"]:<3} {target}')
