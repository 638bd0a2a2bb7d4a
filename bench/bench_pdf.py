"""Documents out, speed and memory: `python -m bench.bench_pdf` prints a table; `measure()` returns the rows.

Targets: a one-page Factur-X invoice end to end (CII XML, XSD + EN 16931 + BR-FR checks, PDF/A-3b rendering with
the XML embedded) under 0.4 s warm; memory flat over many renders (one FontConfiguration per worker).
"""
import asyncio
import os
import statistics
import sys
import tempfile
import time
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


def measure() -> list[dict]:
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

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / 'lot.pdf'
        before = _rss_mb()
        started = time.perf_counter()
        count = asyncio.run(batch_pdf((samples.invoice_three_rates() for _ in range(50)), target, style=style))
        elapsed = time.perf_counter() - started
        rows.append(_row(f'Batch of {count} invoices into one PDF', elapsed, 's', None))
        rows.append(_row('Batch of 500, extrapolated', elapsed * 10, 's', 120))
        rows.append(_row('Batch of 50: output size', target.stat().st_size / 1e6, 'MB', None))
        rows.append(_row('Batch of 50: RSS growth', _rss_mb() - before, 'MB', None))
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


def _row(name: str, value: float, unit: str, target: float | None) -> dict:
    return {'name': name, 'value': round(value, 3), 'unit': unit, 'target': target}


if __name__ == '__main__':
    for row in measure():
        target = f'(target {row["target"]} {row["unit"]})' if row['target'] is not None else ''
        print(f'{row["name"]:<66} {row["value"]:>9} {row["unit"]:<3} {target}')
