"""The dashboard at size (issue 14, DA1-DA5): `.venv/bin/python -m bench.bench_dashboard --database URL`.

Times db/dashboard.py `read_dashboard`, the server part of opening Accueil (what the page then lays out is a few
dozen elements whatever the size), on the suite's dataset: the default widgets as a new user sees them, every widget
at once, then each widget alone (informative). Target: the whole default dashboard under 150 ms (median, server
time) at 100,000 invoices. `measure()` returns [{'name', 'value', 'unit', 'target'}] for the suite (bench/areas.py).
"""
import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_documents import _median, _result
from bench.figures import print_rows
from db import dashboard, engine, settings
from db.document import Document
from logic import dashboard as rules

RUNS = 15
DASHBOARD_MS = 150


async def measure(*, database_url: str, runs: int = RUNS) -> list[dict]:
    await engine.open_database(database_url)
    try:
        options = await settings.get_options()
        today = await _last_day()
        count = await Document.filter(family='invoice').count()

        async def read(widgets: list[str]):
            return await dashboard.read_dashboard(today=today, options=options, widgets=widgets)

        defaults = rules.default_widgets(options)
        results = [
            _result(f'tableau de bord par défaut ({len(defaults)} éléments, {count} factures)',
                    await _median(runs, lambda: read(defaults)), 'ms', DASHBOARD_MS),
            _result(f'tableau de bord complet ({len(rules.WIDGETS)} éléments)',
                    await _median(runs, lambda: read(list(rules.WIDGETS))), 'ms', DASHBOARD_MS),
        ]
        for key, widget in rules.WIDGETS.items():
            results.append(_result(f'élément seul : {widget.label}', await _median(runs, lambda k=key: read([k])),
                                   'ms', None))
        return results
    finally:
        await engine.close_database()


async def _last_day() -> date:
    """The dataset's last invoice date: 'today' for a dataset loaded on another day."""
    last = await Document.filter(family='invoice').order_by('-issue_date').first().values_list('issue_date', flat=True)
    return last or date.today()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', required=True, help='URL de la base (déjà remplie : démo ou suite)')
    parser.add_argument('--runs', type=int, default=RUNS)
    args = parser.parse_args()
    print_rows(asyncio.run(measure(database_url=args.database, runs=args.runs)), width=60)


if __name__ == '__main__':
    main()
