"""Dunning at size (PA6): `.venv/bin/python -m bench.bench_dunning --database URL`.

Times what opening Règlements > Relances costs the server: db/dunning.py `proposal_page` (every installment due for
a new level counted and summed by client in SQL, the clients sorted by name, then the first page's 20 clients read
line by line with their penalties), what "Tout choisir" reads (`due_installment_ids`), and the letters of the first
client's proposal (what a run prepares before sending). On the suite's dataset, whose demo holds a dunning history
(db/demo_dunning.py). Targets: those of the lists (50 ms, bench/lists.py).
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
from db import dunning, engine
from db.document import Installment
from db.reminder import Reminder

RUNS = 15
PROPOSAL_MS = 50  # the list target (bench/lists.py PAGE_TARGET_MS)
LETTERS_MS = 50


async def measure(*, database_url: str, runs: int = RUNS) -> list[dict]:
    await engine.open_database(database_url)
    try:
        today = date.today()
        overdue = await Installment.filter(status='open', kind='installment', due_date__lt=today).count()
        reminders = await Reminder.all().count()
        proposal = await dunning.proposal_page(1, today=today)
        results = [_result(f'relances : proposition, première page ({len(proposal.groups)} clients sur '
                           f'{proposal.clients}, {proposal.lines} échéances à relancer ; {overdue} échéances en '
                           f'retard, {reminders} relances déjà envoyées)',
                           await _median(runs, lambda: dunning.proposal_page(1, today=today)), 'ms', PROPOSAL_MS),
                   _result(f'relances : « Tout choisir » ({proposal.lines} échéances)',
                           await _median(runs, lambda: dunning.due_installment_ids(today)), 'ms', PROPOSAL_MS)]
        if proposal.groups:
            ids = [line.installment_id for line in proposal.groups[0].lines]
            results.append(_result(f'relances : lettres d’un client ({len(ids)} échéances)',
                                   await _median(runs, lambda: dunning.letters(ids, today)), 'ms', LETTERS_MS))
        return results
    finally:
        await engine.close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', required=True, help='URL de la base (déjà remplie : démo ou suite)')
    parser.add_argument('--runs', type=int, default=RUNS)
    args = parser.parse_args()
    print_rows(asyncio.run(measure(database_url=args.database, runs=args.runs)), width=90)


if __name__ == '__main__':
    main()
