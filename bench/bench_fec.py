"""The FEC export at size (AC1): `.venv/bin/python -m bench.bench_fec --database URL [--from D --to D]`.

Times `db.fec.write_fec` (what the "Exporter le FEC" button and `python main.py fec` run: read in batches, entries
built, encoded, checked as written) over every document of the dataset (the demo spreads them over ten years, so
the whole range is "a year of N invoices"), into a file, in a fresh process of its own so that its peak resident
memory is the export's (Python, the ORM and the export; nothing else loaded). Targets (issue 13): 30 s and 300 MB
for 100,000 invoices; no target below that size (a smaller file can't miss it).
"""
import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.figures import print_rows

SECONDS = 30
MEGABYTES = 300
AT_SIZE = 100_000


async def measure(*, database_url: str, date_from: date | None = None, date_to: date | None = None) -> list[dict]:
    command = [sys.executable, str(Path(__file__).resolve()), '--database', database_url, '--child']
    if date_from and date_to:
        command += ['--from', date_from.isoformat(), '--to', date_to.isoformat()]
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        return [{'name': 'FEC : export', 'value': None, 'unit': 's', 'target': SECONDS,
                 'note': f'error: {done.stderr.strip()[-300:]}'}]
    child = json.loads(done.stdout.strip().splitlines()[-1])
    at_size = child['invoices'] >= AT_SIZE
    note = '' if at_size else f'target for {AT_SIZE:,} invoices'
    what = (f'{child["invoices"]} factures, {child["entries"]} écritures, {child["lines"]} lignes, '
            f'{child["megabytes_file"]:.0f} Mo')
    return [
        {'name': f'FEC : export complet ({what})', 'value': child['seconds'], 'unit': 's',
         'target': SECONDS if at_size else None, 'note': note},
        {'name': 'FEC : temps processeur de l’export (tous fils, base comprise)', 'value': child['cpu_seconds'],
         'unit': 's', 'target': None,
         'note': 'what the wall time becomes on an idle machine (the suite may share its cores)'},
        {'name': 'FEC : mémoire résidente maximale du processus', 'value': child['peak_mb'], 'unit': 'MB',
         'target': MEGABYTES if at_size else None, 'note': note},
        {'name': 'FEC : mémoire résidente avant l’export (interpréteur, ORM)', 'value': child['start_mb'],
         'unit': 'MB', 'target': None},
    ]


async def child(database_url: str, date_from: date | None, date_to: date | None) -> dict:
    from db import engine, fec
    from db.document import Document

    await engine.open_database(database_url)
    try:
        start_mb = _peak_mb()
        if date_from is None or date_to is None:
            days = await Document.filter(number__not_isnull=True).exclude(state='draft') \
                .order_by('issue_date').limit(1).values_list('issue_date', flat=True)
            date_from = days[0] if days else date(2000, 1, 1)
            date_to = date(date.today().year, 12, 31)
        invoices = await Document.filter(doc_type='invoice', issue_date__gte=date_from, issue_date__lte=date_to) \
            .exclude(state='draft').count()
        with tempfile.TemporaryDirectory(prefix='h-fec-bench-') as folder:
            path = Path(folder) / 'fec.txt'
            started, cpu = time.perf_counter(), time.process_time()
            with open(path, 'wb') as out:  # noqa: ASYNC230 - written batch by batch, between awaits
                summary = await fec.write_fec(date_from, date_to, out)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            size = path.stat().st_size
        return {'seconds': seconds, 'cpu_seconds': cpu, 'peak_mb': _peak_mb(), 'start_mb': start_mb, 'invoices': invoices,
                'entries': summary.entries, 'lines': summary.lines, 'megabytes_file': size / 1e6}
    finally:
        await engine.close_database()


def _peak_mb() -> float:
    """This process's own peak resident memory: VmHWM, the high-water mark of its own address space. Not
    `ru_maxrss`: Linux carries that one across exec from the process that forked it, so a child started by the
    suite reported the suite's own memory (364 MB on SQLite, 980 MB on PostgreSQL at 100,000 invoices) as its peak."""
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux (see above)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', required=True, help='URL de la base (déjà remplie : démo ou suite)')
    parser.add_argument('--from', dest='date_from', type=date.fromisoformat, default=None)
    parser.add_argument('--to', dest='date_to', type=date.fromisoformat, default=None)
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.database, args.date_from, args.date_to))))
        return
    print_rows(asyncio.run(measure(database_url=args.database, date_from=args.date_from, date_to=args.date_to)),
               width=90)


if __name__ == '__main__':
    main()
