"""Contacts and articles at size: `.venv/bin/python -m bench.bench_contacts` prints what the issue targets.

A temporary SQLite instance gets 20,000 contacts and 5,000 articles; then it times a list page (query and rows as
the page builds them), searches, the import of 10,000 contacts (read, check, commit) and the export of 20,000
contacts, with the longest stall of the event loop during the export, seen by a task that ticks every 10 ms
(also with the heap frozen, see _export_with_frozen_heap).
`measure()` returns the figures for a larger suite: [{'name', 'value', 'unit', 'target'}].
"""
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from db import article_transfer, articles, contact_transfer, contacts, engine  # noqa: E402
from db.actor import Actor  # noqa: E402
from db.article import Article  # noqa: E402
from db.contact import Contact  # noqa: E402
from logic import article_fields, contact_fields  # noqa: E402
from logic.tabular import read_table  # noqa: E402
from tests.personas import set_up_company  # noqa: E402

CITIES = [('69003', 'Lyon'), ('75011', 'Paris'), ('13001', 'Marseille'), ('35000', 'Rennes'), ('59000', 'Lille'),
          ('33000', 'Bordeaux'), ('42000', 'Saint-Étienne'), ('67000', 'Strasbourg')]
NAMES = ['Dupont', 'Martin', 'Bernard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre',
         'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier', 'Morel', 'Girard', 'André']
KINDS = ['client', 'client', 'client', 'prospect', 'supplier', 'partner', 'other']


async def measure(contact_count: int = 20_000, article_count: int = 5_000, import_count: int = 10_000
                  ) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        await engine.open_database(f'sqlite://{Path(folder) / "bench.sqlite3"}')
        try:
            actor = await set_up_company()
            await _seed(contact_count, article_count)
            results = await _lists()
            results += await _export(actor)
            results.append(await _export_with_frozen_heap(actor))
            results += await _import(actor, import_count)
        finally:
            await engine.close_database()
    return results


async def _seed(contact_count: int, article_count: int) -> None:
    batch = []
    for number in range(1, contact_count + 1):
        postcode, city = CITIES[number % len(CITIES)]
        contact = Contact(code=f'C{number:05d}', kind=KINDS[number % len(KINDS)], account=f'411C{number:05d}',
                          name=f'{NAMES[number % len(NAMES)]} {["SARL", "SAS", "et fils", ""][number % 4]} {number}',
                          postcode=postcode, city=city, siren=f'{number:09d}', email=f'contact{number}@example.fr',
                          phone=f'04 78 {number % 100:02d} {number // 100 % 100:02d} 00', address='1 rue de la Paix')
        contact.refresh_derived()
        batch.append(contact)
        if len(batch) == 1000:
            await Contact.bulk_create(batch)
            batch = []
    await Contact.bulk_create(batch) if batch else None
    from db.contact import Counter  # noqa: PLC0415

    await Counter.filter(key='contact').update(value=contact_count)
    items = []
    for number in range(1, article_count + 1):
        article = Article(reference=f'REF-{number:05d}', kind=['good', 'service'][number % 2],
                          designation=f'{["Vis", "Planche", "Pose", "Parquet", "Joint"][number % 5]} modèle {number}',
                          sale_price=Decimal(number % 997) + Decimal('0.5'), sales_account='706000')
        article.refresh_derived()
        items.append(article)
    for start in range(0, len(items), 1000):
        await Article.bulk_create(items[start:start + 1000])


async def _timed(function, repeat: int = 15) -> float:
    """Median milliseconds of `repeat` runs (after one warm-up)."""
    await function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def _lists() -> list[dict]:
    from pages.contacts import table_row  # noqa: PLC0415 - the rows exactly as the page builds them

    async def contact_page(filters=contacts.ContactFilter(), order=contacts.DEFAULT_ORDER, offset=0):
        rows, _ = await contacts.list_contacts(filters, order, offset=offset, limit=25)
        return [table_row(row) for row in rows]

    async def article_page(filters=articles.ArticleFilter(), order=articles.DEFAULT_ORDER):
        return await articles.list_articles(filters, order, offset=0, limit=25)

    worst_sort = 0.0
    for column in contacts.SORTS:
        for descending in (False, True):
            order = contacts.list_order(column, descending)
            worst_sort = max(worst_sort, await _timed(lambda order=order: contact_page(order=order), repeat=5))
    return [
        {'name': 'contact list page (default order)', 'value': await _timed(contact_page), 'unit': 'ms',
         'target': 50},
        {'name': 'contact list page, last page', 'value': await _timed(lambda: contact_page(offset=19_975)),
         'unit': 'ms', 'target': 50},
        {'name': 'contact list page, slowest column sort', 'value': worst_sort, 'unit': 'ms', 'target': 50},
        {'name': 'contact list page, filtered by type', 'unit': 'ms', 'target': 50,
         'value': await _timed(lambda: contact_page(contacts.ContactFilter(kind='supplier')))},
        {'name': 'contact search (name)', 'unit': 'ms', 'target': 100,
         'value': await _timed(lambda: contact_page(contacts.ContactFilter(search='lefevre')))},
        {'name': 'contact search (city + postcode)', 'unit': 'ms', 'target': 100,
         'value': await _timed(lambda: contact_page(contacts.ContactFilter(search='etienne 42000')))},
        {'name': 'contact picker search', 'unit': 'ms', 'target': 100,
         'value': await _timed(lambda: contacts.search_for_picker('dupont sarl'))},
        {'name': 'article list page', 'value': await _timed(article_page), 'unit': 'ms', 'target': 50},
        {'name': 'article list page, by price', 'value': await _timed(lambda: article_page(
            order=articles.list_order('sale_price', descending=True))), 'unit': 'ms', 'target': 50},
        {'name': 'article search', 'unit': 'ms', 'target': 100,
         'value': await _timed(lambda: article_page(articles.ArticleFilter(search='parquet 12')))},
    ]


def _import_file(count: int) -> bytes:
    lines = [';'.join(column.label for column in contact_fields.COLUMNS)]
    keys = [column.key for column in contact_fields.COLUMNS]
    for number in range(count):
        postcode, city = CITIES[number % len(CITIES)]
        values = {'kind': 'Client', 'name': f'Import {NAMES[number % len(NAMES)]} {number}', 'siren': '552100554',
                  'email': f'import{number}@example.fr', 'phone': '04 78 12 34 56', 'address': '8 rue Récamier',
                  'postcode': postcode, 'city': city, 'country': 'FR', 'iban': 'FR1420041010050500013M02606',
                  'bic': 'PSSTFRPPLYO', 'notes': 'Importé', 'active': 'Oui'}
        lines.append(';'.join(values.get(key, '') for key in keys))
    return ('\n'.join(lines) + '\n').encode('utf-8-sig')


async def _import(actor: Actor, count: int) -> list[dict]:
    data = _import_file(count)
    start = time.perf_counter()
    table = await asyncio.to_thread(read_table, data, 'import.csv')
    read = time.perf_counter()
    preview, _, _ = await contact_transfer.preview_import(table)
    checked = time.perf_counter()
    assert preview.ok, preview.problems[:3]
    await contact_transfer.commit_import(actor, preview, filename='import.csv')
    done = time.perf_counter()
    return [
        {'name': f'import of {count} contacts: read CSV', 'value': (read - start) * 1000, 'unit': 'ms',
         'target': None},
        {'name': f'import of {count} contacts: check rows', 'value': (checked - read) * 1000, 'unit': 'ms',
         'target': None},
        {'name': f'import of {count} contacts: commit', 'value': (done - checked) * 1000, 'unit': 'ms',
         'target': None},
        {'name': f'import of {count} contacts, total', 'value': done - start, 'unit': 's', 'target': 5},
    ]


async def _export(actor: Actor) -> list[dict]:
    """The page's path: rows fetched by batches on the loop, the file written in a thread (`run.io_bound`)."""
    stalls = [0.0]
    running = True

    async def tick() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            stalls[0] = max(stalls[0], now - last - 0.01)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        start = time.perf_counter()
        records, labels, addresses = await contact_transfer.export_data(actor, None, full=True)
        fetched = time.perf_counter()
        data = await asyncio.to_thread(_write_contacts, records, labels, addresses)
        done = time.perf_counter()
        selection, labels, _ = await contact_transfer.export_data(
            actor, contacts.ContactFilter(kind='client'), contacts.list_order('city'), full=False)
        await asyncio.to_thread(contact_fields.export_workbook, selection, labels, full=False)
        selection_done = time.perf_counter()
        article_records, units, rates, parts = await article_transfer.export_data(actor, None, full=True)
        article_data = await asyncio.to_thread(_write_articles, article_records, units, rates, parts)
        articles_done = time.perf_counter()
    finally:
        running = False
        await ticker
    return [
        {'name': f'export of {len(records)} contacts: fetch rows', 'value': (fetched - start) * 1000, 'unit': 'ms',
         'target': None},
        {'name': f'export of {len(records)} contacts: write XLSX ({len(data) // 1024} KB)',
         'value': (done - fetched) * 1000, 'unit': 'ms', 'target': None},
        {'name': f'export of {len(records)} contacts (every field), total', 'value': done - start, 'unit': 's',
         'target': 5},
        {'name': f'export of a selection of {len(selection)} clients (list columns)',
         'value': selection_done - done, 'unit': 's', 'target': 5},
        {'name': f'export of {len(article_records)} articles, total ({len(article_data) // 1024} KB)',
         'value': articles_done - selection_done, 'unit': 's', 'target': 5},
        {'name': 'longest event-loop stall during the exports', 'value': stalls[0] * 1000, 'unit': 'ms',
         'target': 100},
    ]


async def _export_with_frozen_heap(actor: Actor) -> dict:
    """The same exports after gc.freeze(): most of the stalls above are the garbage collector walking the ~110,000
    objects of the imported modules (30-100 ms a time on this machine), not the export. A server could freeze
    its heap once started; this measures what that would give."""
    gc.collect()
    gc.freeze()
    try:
        stall = (await _export(actor))[-1]
    finally:
        gc.unfreeze()
    return {**stall, 'name': f'{stall["name"]}, startup heap frozen (gc.freeze)'}


def _write_contacts(records, labels, addresses) -> bytes:
    return contact_fields.export_workbook(records, labels, full=True, addresses=addresses)


def _write_articles(records, units, rates, parts) -> bytes:
    return article_fields.export_workbook(records, units, rates, full=True, components=parts)


def print_table(results: list[dict]) -> None:
    width = max(len(result['name']) for result in results)
    print(f'{"measure":<{width}}  {"value":>10}  {"target":>10}  ok')
    for result in results:
        target = result['target']
        verdict = '' if target is None else ('yes' if result['value'] <= target else 'NO')
        target_text = '' if target is None else f'< {target} {result["unit"]}'
        print(f'{result["name"]:<{width}}  {result["value"]:>7.{1 if result["unit"] == "ms" else 2}f} '
              f'{result["unit"]:<2}  {target_text:>10}  {verdict}')


if __name__ == '__main__':
    print_table(asyncio.run(measure()))
