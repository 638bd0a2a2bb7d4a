"""Payments at size (issue 6, PA1/PA3): `.venv/bin/python -m bench.bench_payments --installments 200000`.

A temporary SQLite instance (or `--database URL`, reused: the suite passes its dataset) gets installments bulk-filled
directly up to the size asked (the demo generator makes one per invoice at most, and the payments list must hold
200,000), spread over three years, every kind and listed status, plus planned and cancelled ones that the list must
skip, for CLIENTS contacts (about 100 installments each, as in a real file: a name search finds a few clients, then
their installments). Then it times the Règlements list (first page, middle page, overdue, open deposits, one type,
sorted by amount, searched by number and by client name), the summary panel (everything, overdue only, deposits)
and the Excel export's rows. Targets: a page in under 50 ms, a search under 100 ms (median and p95 of
db/payment_list.list_installments), the summary under 100 ms (server time, medians).
`measure()` returns [{'name', 'value', 'unit', 'target'}] for the suite (bench/areas.py).
"""
import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from tortoise import connections

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from db import engine  # noqa: E402
from db.contact import Contact  # noqa: E402
from db.document import Document, Installment  # noqa: E402
from db.payment_list import PaymentQuery, export_rows, list_installments, payment_summary  # noqa: E402
from bench.bench_documents import _median, _result  # noqa: E402  (the same timing helpers)
from bench.figures import p95, print_rows  # noqa: E402

RUNS = 15
BATCH = 5000
CLIENTS = 2000
PAGE_MS = 50
SEARCH_MS = 100  # issue 17: a search (db/payment_list.py list_installments) within 100 ms p95 at 200,000
SUMMARY_MS = 100
NAMES = ('Boulangerie', 'Garage', 'Cabinet', 'Atelier', 'Menuiserie', 'Pharmacie', 'Librairie', 'Plomberie')
TOWNS = ('Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau')


async def measure(installments: int = 200_000, *, seed: int = 1, database_url: str | None = None,
                  runs: int = RUNS) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f'sqlite://{Path(folder) / "bench.sqlite3"}'
        await engine.open_database(url)
        try:
            results = await _fill(installments, seed)
            await _vacuum()
            results += await _lists(runs)
            results += await _summary(runs)
            results += await _export()
        finally:
            await engine.close_database()
    return results


async def _fill(target: int, seed: int) -> list[dict]:
    """Add installments until the table holds `target` (about 95 % listed, 5 % planned or cancelled)."""
    missing = target - await Installment.all().count()
    if missing <= 0:
        return []
    started = time.perf_counter()
    documents = await Document.filter(family='invoice').order_by('id').limit(1000).values_list('id', flat=True)
    if not documents:  # an empty instance: one draft to hang the rows on (the list reads installment alone)
        documents = [(await Document.create(doc_type='invoice', family='invoice', series='invoice')).id]
    rng = random.Random(seed)
    clients = await _clients()
    today = date.today()
    rows = []
    for index in range(missing):
        kind = rng.choices(('installment', 'deposit', 'refund'), (85, 12, 3))[0]
        status = rng.choices(('open', 'paid', 'irrecoverable', 'planned', 'cancelled'), (30, 62, 3, 3, 2))[0]
        due = today + timedelta(days=rng.randint(-3 * 365, 90))
        amount = Decimal(rng.randint(1000, 500_000)) / 100
        paid = amount if status == 'paid' else (amount / 2).quantize(Decimal('0.01')) if rng.random() < 0.1 \
            else Decimal('0.00')
        if status in ('planned', 'cancelled'):
            paid = Decimal('0.00')
        sign = -1 if kind == 'refund' else 1
        prefix = {'installment': 'F', 'deposit': 'D', 'refund': 'AV'}[kind]
        client_id, client_name = rng.choice(clients)
        rows.append(Installment(
            document_id=documents[index % len(documents)], position=0, kind=kind, status=status, due_date=due,
            amount=sign * amount, paid_amount=sign * paid, paid_on=due if paid else None,
            number=f'{prefix}{due.year}-{index:06d}', client_id=client_id, client_name=client_name))
        if len(rows) >= BATCH:
            await Installment.bulk_create(rows)
            rows = []
    if rows:
        await Installment.bulk_create(rows)
    return [_result(f'remplissage: {missing} échéances ajoutées', time.perf_counter() - started, 's', None)]


async def _clients() -> list[tuple[int, str]]:
    """The bench's CLIENTS contacts ('Garage Durand 17'...), made once."""
    existing = await Contact.filter(code__startswith='BP').values_list('id', 'name')
    if len(existing) >= CLIENTS:
        return list(existing)
    contacts = [Contact(code=f'BP{index:05d}', name=f'{NAMES[index % 8]} {TOWNS[index // 8 % len(TOWNS)]} {index}')
                for index in range(len(existing), CLIENTS)]
    for contact in contacts:
        contact.refresh_derived()  # bulk_create skips save()
    await Contact.bulk_create(contacts)
    return list(await Contact.filter(code__startswith='BP').values_list('id', 'name'))


async def _vacuum() -> None:
    """PostgreSQL: the statistics and visibility map its autovacuum gives every instance in the minutes after a
    change this big (200,000 rows added at once, which a real instance gathers over years). SQLite: nothing. Its
    statistics are the app's own (db/engine.py: `PRAGMA optimize` on opening, hourly and at close): the suite's
    dataset got them when fill_demo finished, the rows added here are timed without, as a server that has not yet
    reached its hourly upkeep would be. No ANALYZE of the benchmark's own (issue 17)."""
    client = connections.get('default')
    if client.capabilities.dialect != 'sqlite':
        await client.execute_script('VACUUM ANALYZE installment')


async def _lists(runs: int) -> list[dict]:
    total = (await list_installments(PaymentQuery(limit=1)))[1]
    sample = await Installment.filter(status='open', kind='installment').order_by('-id').first()
    queries = {
        f'liste: première page ({total} échéances)': PaymentQuery(),
        'liste: page du milieu': PaymentQuery(offset=total // 2),
        'liste: en retard (première page)': PaymentQuery(status='overdue'),
        'liste: acomptes en attente': PaymentQuery(kind='deposit', status='open'),
        'liste: type échéance (tous états)': PaymentQuery(kind='installment'),
        'liste: réglées, plus anciennes d’abord': PaymentQuery(status='paid', descending=False),
        'liste: triée par montant': PaymentQuery(sort_by='amount'),
        'liste: recherche par début de numéro': PaymentQuery(search=sample.number[:-2].lower()),
        'liste: recherche par nom de client': PaymentQuery(search=sample.client_name),
        'liste: recherche large (un mot, 10 % des échéances)': PaymentQuery(search=sample.client_name.split()[1]),
    }
    # Informative only: deep offsets and sorts other than the due date are not index-backed (see db/payment_list.py).
    untargeted = ('liste: page du milieu', 'liste: triée par montant')
    searches = ('liste: recherche par début de numéro', 'liste: recherche par nom de client',
                'liste: recherche large (un mot, 10 % des échéances)')
    rows = []
    for name, query in queries.items():
        timings = await _timings(runs, lambda q=query: list_installments(q))
        target = None if name in untargeted else SEARCH_MS if name in searches else PAGE_MS
        rows += [_result(f'{name} (médiane)', statistics.median(timings), 'ms', target),
                 _result(f'{name} (p95)', p95(timings), 'ms', target)]
    return rows


async def _timings(runs: int, call) -> list[float]:
    await call()  # warm-up: first query plans, caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _summary(runs: int) -> list[dict]:
    queries = {'synthèse: toutes les échéances': PaymentQuery(),
               'synthèse: en retard': PaymentQuery(status='overdue'),
               'synthèse: acomptes': PaymentQuery(kind='deposit')}
    return [_result(name, await _median(runs, lambda q=query: payment_summary(q)), 'ms', SUMMARY_MS)
            for name, query in queries.items()]


async def _export() -> list[dict]:
    started, count = time.perf_counter(), 0
    async for batch in export_rows(PaymentQuery()):
        count += len(batch)
    return [_result(f'export Excel: lignes de {count} échéances', time.perf_counter() - started, 's', None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--installments', type=int, default=200_000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--runs', type=int, default=RUNS)
    parser.add_argument('--database', help='URL d’une base à utiliser (complétée si elle a moins d’échéances)')
    args = parser.parse_args()
    rows = asyncio.run(measure(args.installments, seed=args.seed, database_url=args.database, runs=args.runs))
    print_rows(rows, width=55, unit_width=12)


if __name__ == '__main__':
    main()
