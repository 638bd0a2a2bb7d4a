"""Documents at size (issue 4): `.venv/bin/python -m bench.bench_documents --invoices 100000` prints the figures.

A temporary SQLite instance (or `--database URL`, reused as is when it already holds documents) is filled by the
demo generator through the rules; then it times the invoice list (first, middle and last page, sorted by amount,
filtered by state, searched by number), the validation of 10-line invoices at that size, the totals of a 300-line
document as the editor computes them, saving that draft, and the integrity check of the whole chain.
`measure()` returns [{'name', 'value', 'unit', 'target'}] for a larger suite; values are medians, in server time.
"""
import argparse
import asyncio
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.figures import p95, print_rows  # noqa: E402
from db import documents, engine, publishing, validation  # noqa: E402
from db.accounts import actor_of  # noqa: E402
from db.contact import Contact  # noqa: E402
from db.demo import fill_demo  # noqa: E402
from db.document import Document  # noqa: E402
from db.document_list import DocumentQuery, list_documents  # noqa: E402
from db.integrity import verify_series  # noqa: E402
from db.issuing import Issuer  # noqa: E402
from db.user import ADMIN, User  # noqa: E402
from logic.draft import Draft, DraftLine  # noqa: E402

SECRET = os.environ.get('FACTURIER_BENCH_SECRET') or 'bench-secret-' + 'b' * 40  # as bench/__main__.py
RUNS = 15
LOAD_SECONDS_PER_100K = 120  # issue 17 (issue 7 asked for 180)
VALIDATION_P95_MS = 300  # issue 17: the click, end to end
VALIDATION_DATABASE_MS = 20  # issue 17: the server's (database) part, at 1,000,000 invoices


async def measure(invoices: int = 100_000, *, seed: int = 1, database_url: str | None = None,
                  runs: int = RUNS, files_dir: Path | None = None) -> list[dict]:
    """`files_dir`: where the validated invoices' originals are stored, the instance's own (the suite gives the
    data dir its server runs on, so that these invoices print from their original later); a folder removed at the
    end otherwise."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f'sqlite://{Path(folder) / "bench.sqlite3"}'
        await engine.open_database(url)
        try:
            results = await _load(invoices, seed)
            results += await _lists(runs)
            results += await _validation(runs, files_dir)
            results += await _editor(runs)
            results += await _verify()
        finally:
            await engine.close_database()
    return results


async def _load(invoices: int, seed: int) -> list[dict]:
    if await Document.exists():
        return []
    started, cpu = time.perf_counter(), time.process_time()
    summary = await fill_demo(secret=SECRET, invoices=invoices, seed=seed)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return [_result(f'demo: {summary.invoices} factures, {summary.lines} lignes', seconds, 's',
                    LOAD_SECONDS_PER_100K * max(invoices, 1) / 100_000),
            # On a busy machine the wall time says more about the neighbours: this process's own CPU time.
            _result('demo: temps CPU de ce processus (SQLite compris)', cpu, 's', None),
            _result('demo: débit', summary.invoices / seconds, 'factures/s', 100_000 / LOAD_SECONDS_PER_100K)]


async def _lists(runs: int) -> list[dict]:
    total = await Document.filter(family='invoice').count()
    middle = await Document.filter(family='invoice', number__not_isnull=True).order_by('number').offset(
        total // 2).first()
    client = await Contact.filter(category='individual').order_by('id').first()
    queries = {
        'liste: première page': DocumentQuery(),
        'liste: page du milieu': DocumentQuery(offset=total // 2),
        'liste: dernière page': DocumentQuery(offset=max(total - 25, 0)),
        'liste: triée par montant': DocumentQuery(sort_by='total', descending=True),
        'liste: filtrée (réglées, récentes d’abord)': DocumentQuery(states=('paid',), descending=True),
        'liste: recherche par début de numéro': DocumentQuery(search=middle.number[:-2].lower()),
        'liste: recherche par nom de client': DocumentQuery(search=client.name.upper()),
    }
    results = []
    for name, query in queries.items():
        results.append(_result(name, await _median(runs, lambda q=query: list_documents(q)), 'ms', 50))
    return results


async def _validation(runs: int, files_dir: Path | None = None) -> list[dict]:
    """The "Valider" click of pages/invoices.py (`validate`), end to end: db/publishing.validate_and_publish with the
    instance's issuer and a spawned process pool like NiceGUI's `run.cpu_bound` (main.py): the draft locked and its
    totals, mentions and schedule checked, the original made before the number is taken (CII XML, the XSD +
    EN 16931 + BR-FR checks of the e-invoice checker, the Factur-X PDF/A-3 rendered in the pool), then the number,
    the frozen copy, the chain entry and the audit entry in one transaction, the PDF stored write-once. One warm-up
    validation first (the pool's workers and the checker start once per server, not per click).

    Then the database part alone (the same `validate_invoice` with no original to make: what the transaction and
    its preparation cost at this size), which the 1,000,000-invoice target names "server part"."""
    user = await User.filter(role=ADMIN).first()
    actor = actor_of(user, '127.0.0.1')
    client = await Contact.filter(category='fr_business').first()
    lines = [DraftLine(designation=f'Prestation {n}', quantity=Decimal(n), unit_price=Decimal('12.5'),
                       vat_rate=Decimal(20 if n % 2 else 10)) for n in range(1, 11)]
    drafts = [await documents.create_document(actor, Draft(client_id=client.id, lines=lines))
              for _ in range(2 * runs + 1)]
    folder = Path(tempfile.mkdtemp(prefix='facturier-bench-files-'))
    (folder / 'uploads').mkdir()
    config = SimpleNamespace(secret=SECRET, files_dir=Path(files_dir) if files_dir else folder / 'files',
                             uploads_dir=folder / 'uploads')
    before = sum(1 for _ in config.files_dir.rglob('*.pdf'))
    pool = ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=multiprocessing.get_context('spawn'))

    async def cpu_bound(function, *args):
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)

    clicks, database = [], []
    try:
        for index, draft in enumerate(drafts[:runs + 1]):
            started = time.perf_counter()
            await publishing.validate_and_publish(actor, draft.id, config=config, run=cpu_bound)
            if index:  # the first one warms the pool and the checker up
                clicks.append((time.perf_counter() - started) * 1000)
        stored = sum(1 for _ in config.files_dir.rglob('*.pdf')) - before
        generated = Issuer.for_generated_data(SECRET)
        for draft in drafts[runs + 1:]:
            started = time.perf_counter()
            await validation.validate_invoice(actor, draft.id, issuer=generated)
            database.append((time.perf_counter() - started) * 1000)
    finally:
        pool.shutdown(cancel_futures=True)
        shutil.rmtree(folder, ignore_errors=True)
    click = 'validation d’une facture de 10 lignes, comme le bouton Valider (publishing.validate_and_publish : ' \
            'contrôles, Factur-X vérifié, numéro, copie figée, chaîne, PDF stocké)'
    part = 'validation, partie base de données (validation.validate_invoice sans original : contrôles, numéro, ' \
           'copie figée, chaîne, audit)'
    note = f'{len(clicks)} clicks timed after a warm-up one, {stored} PDF stored'
    return [_result(f'{click} (médiane)', statistics.median(clicks), 'ms', None, note),
            _result(f'{click} (p95)', p95(clicks), 'ms', VALIDATION_P95_MS, note),
            _result(f'{part} (médiane)', statistics.median(database), 'ms', None),
            _result(f'{part} (p95)', p95(database), 'ms', VALIDATION_DATABASE_MS)]


async def _editor(runs: int) -> list[dict]:
    lines = [DraftLine(designation=f'Article {n}', quantity=Decimal(n % 17 + 1) / 4, unit_price=Decimal('19.99'),
                       vat_rate=Decimal(('20', '10', '5.5')[n % 3]), discount_kind='percent' if n % 5 == 0 else None,
                       discount_value=Decimal(5)) for n in range(300)]
    draft = Draft(lines=lines, global_discount_kind='percent', global_discount_value=Decimal(3), shipping=Decimal(25))

    async def totals():
        draft.totals()

    results = [_result('éditeur: totaux de 300 lignes', await _median(runs, totals), 'ms', 20)]
    user = await User.filter(role=ADMIN).first()
    actor = actor_of(user, '127.0.0.1')
    draft.client_id = (await Contact.first()).id
    document = await documents.create_document(actor, draft)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        document = await documents.save_draft(actor, document.id, draft, document.version)
        timings.append((time.perf_counter() - started) * 1000)
    await documents.delete_draft(actor, document.id)
    return results + [_result('enregistrement d’un brouillon de 300 lignes', statistics.median(timings), 'ms', None)]


async def _verify() -> list[dict]:
    started = time.perf_counter()
    report = await verify_series('invoice', SECRET)
    seconds = time.perf_counter() - started
    return [_result(f'contrôle d’intégrité ({report.count} factures{", intacte" if report.ok else ""})', seconds, 's',
                    None)]


async def _median(runs: int, call) -> float:
    await call()  # warm-up: first query plans, caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _result(name: str, value: float, unit: str, target: float | None, note: str = '') -> dict:
    return {'name': name, 'value': round(value, 2), 'unit': unit, 'target': target, 'note': note}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--invoices', type=int, default=100_000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--database', help='URL d’une base à utiliser (remplie si elle est vide)')
    args = parser.parse_args()
    rows = asyncio.run(measure(args.invoices, seed=args.seed, database_url=args.database))
    print_rows(rows, width=55, unit_width=12)


if __name__ == '__main__':
    main()
