"""The heavy work the job workers run (issue 17): grouped printing, the list exports and the dunning runs.

Each kind is `async def kind(ctx: JobContext) -> Result`, registered with db.jobs.register, run in a job worker
process (db/job_worker.py): database reads through the worker's own connection, CPU work (WeasyPrint, the XLSX
writer) through `ctx.run`, the worker's pool of low-priority processes. Parameters are plain JSON made by the page
that queued the job (`*_params` below), so the page and the worker agree on them in one place.
"""
import dataclasses
import pickle
from contextlib import aclosing
from datetime import date
from typing import Any

from db import jobs
from db.jobs import JobCancelled, JobContext, Result
from logic.errors import DomainError
from logic.filenames import dated_file, family_file

BATCH_PRINT = 'batch.print'
EXPORT_DOCUMENTS = 'export.documents'
EXPORT_CONTACTS = 'export.contacts'
EXPORT_ARTICLES = 'export.articles'
EXPORT_PAYMENTS = 'export.payments'
DUNNING_POST = 'dunning.post'
DUNNING_EMAIL = 'dunning.email'
MESSAGE_CHARS = 500  # the job's message column (db/job.py)


def plain(value) -> dict | None:
    """A filter dataclass as JSON: dates as ISO text (see `rebuilt`)."""
    if value is None:
        return None
    return {key: item.isoformat() if isinstance(item, date) else item
            for key, item in dataclasses.asdict(value).items()}


def rebuilt(cls, values: dict | None) -> Any:
    """The filter dataclass back from `plain`: the fields typed `date` read their ISO text again."""
    if values is None:
        return None
    known = {item.name: item for item in dataclasses.fields(cls)}
    kwargs = {}
    for key, item in values.items():
        if key not in known:
            continue
        if isinstance(item, str) and item and 'date' in str(known[key].type):
            item = date.fromisoformat(item)
        kwargs[key] = item
    return cls(**kwargs)


async def batch_print(ctx: JobContext) -> Result:
    """DOC5 "Édition groupée": params {'family', 'ids'} (the ids are chosen by the page, from the list's filters)."""
    from db import publishing  # noqa: PLC0415

    ids = [int(item) for item in ctx.params['ids']]
    path = ctx.result_path('.pdf')
    ctx.advance(0, len(ids))
    count = await publishing.batch_print(ids, path, config=ctx.config, run=ctx.run,
                                         progress=lambda done: ctx.advance(done))
    return Result(file=path, name=family_file(ctx.params['family'], 'pdf'),
                  message='1 document prêt' if count == 1 else f'{count} documents prêts')


async def export_documents(ctx: JobContext) -> Result:
    """A document list's export: params {'family', 'filters', 'columns'} (pages/document_lists.py: export_list)."""
    from components.document_list import ListFilters  # noqa: PLC0415
    from db.document_export import export_ids, raw_rows  # noqa: PLC0415
    from pages.document_lists import EXPORT_BATCH, EXPORT_COLUMNS, list_query, write_list_xlsx  # noqa: PLC0415

    family = ctx.params['family']
    keys = [key for key, _, _ in EXPORT_COLUMNS if key in ctx.params['columns']]
    ids = await export_ids(list_query(family, rebuilt(ListFilters, ctx.params['filters'])))
    ctx.advance(0, len(ids) + 1)
    batches = []
    for start in range(0, len(ids), EXPORT_BATCH):
        batches.append(pickle.dumps(await raw_rows(ids[start:start + EXPORT_BATCH]), pickle.HIGHEST_PROTOCOL))
        ctx.advance(min(start + EXPORT_BATCH, len(ids)))
    data = await ctx.run(write_list_xlsx, keys, batches)
    return _written(ctx, data, ctx.params.get('filename') or family_file(family, 'xlsx'), _count(len(ids), 'ligne'))


async def export_contacts(ctx: JobContext) -> Result:
    """params {'filters': ContactFilter or None (all), 'order', 'full'}."""
    from db import contact_transfer  # noqa: PLC0415
    from db.contacts import ContactFilter  # noqa: PLC0415
    from logic.contact_fields import export_workbook  # noqa: PLC0415

    full = bool(ctx.params.get('full'))
    ctx.advance(0, 2)
    records, labels, addresses = await contact_transfer.export_data(
        ctx.actor, rebuilt(ContactFilter, ctx.params.get('filters')), ctx.params.get('order'), full=full)
    ctx.advance(1)
    data = await ctx.run(_call, export_workbook, (records, labels), {'full': full, 'addresses': addresses})
    return _written(ctx, data, dated_file('contacts' if full else 'contacts-selection', 'xlsx'),
                    _count(len(records), 'contact'))


async def export_articles(ctx: JobContext) -> Result:
    """params {'filters': ArticleFilter or None (all), 'order', 'full'}."""
    from db import article_transfer  # noqa: PLC0415
    from db.articles import ArticleFilter  # noqa: PLC0415
    from logic.article_fields import export_workbook  # noqa: PLC0415

    full = bool(ctx.params.get('full'))
    ctx.advance(0, 2)
    records, units, rates, parts = await article_transfer.export_data(
        ctx.actor, rebuilt(ArticleFilter, ctx.params.get('filters')), ctx.params.get('order'), full=full)
    ctx.advance(1)
    data = await ctx.run(_call, export_workbook, (records, units, rates), {'full': full, 'components': parts})
    return _written(ctx, data, dated_file('articles' if full else 'articles-selection', 'xlsx'),
                    _count(len(records), 'article'))


async def export_payments(ctx: JobContext) -> Result:
    """params {'filters': PaymentQuery}: every installment matching the Règlements list's filters."""
    from db import payment_list  # noqa: PLC0415
    from pages.payments import export_workbook  # noqa: PLC0415

    rows: list[list] = []
    ctx.advance(0, 0)
    async for batch in payment_list.export_rows(rebuilt(payment_list.PaymentQuery, ctx.params['filters'])):
        rows.extend(batch)
        ctx.advance(len(rows))
    ctx.advance(len(rows), len(rows) + 1)
    data = await ctx.run(export_workbook, rows)
    return _written(ctx, data, dated_file('reglements', 'xlsx'), _count(len(rows), 'ligne'))


async def dunning_post(ctx: JobContext) -> Result:
    """PA6, the letters for the post: params {'ids': the installments chosen on Règlements > Relances}. One PDF, one
    letter after the other; the letters are recomputed here, on the day the job runs, and recorded once the PDF is
    complete (a stop before that records nothing; after it, the PDF and its record stay)."""
    from db import dunning  # noqa: PLC0415

    today = date.today()
    letters = await _dunning_letters(ctx, today)
    path = ctx.result_path('.pdf')
    await dunning.print_letters(letters, path, run=ctx.run, today=today, progress=ctx.advance)
    ctx.advance(len(letters))  # the last moment a stop is heard: nothing is recorded yet
    ctx.committed = True
    await dunning.record_letters(ctx.actor, letters, 'post', today)
    name = dated_file('relances', 'pdf', today=today)
    return Result(file=path, name=name, message=f'{len(letters)} lettre(s) prête(s) : {name}')


async def dunning_email(ctx: JobContext) -> Result:
    """PA6, the letters by e-mail: params {'ids'} as `dunning_post`. Each letter is recorded once sent; a stop
    (Arrêter) is heard between two letters. No file: the message says how many went out and why the others did not
    (they stay proposed)."""
    from db import dunning  # noqa: PLC0415

    today = date.today()
    letters = await _dunning_letters(ctx, today)
    sent, errors = 0, []
    try:
        async with aclosing(dunning.send_letters(ctx.actor, letters, secret=ctx.config.secret, today=today)) as run:
            async for done, (_, error) in _numbered(run):
                if error:
                    errors.append(error)
                else:
                    sent += 1
                ctx.advance(done)
    except JobCancelled:
        raise JobCancelled(outcome=letters_message(f'Arrêté : {sent} lettre(s) envoyée(s) sur {len(letters)}.',
                                                   errors)) from None
    ctx.committed = True  # every letter went out or failed: a late stop changes nothing
    return Result(message=letters_message(f'{sent} lettre(s) envoyée(s) sur {len(letters)}.', errors))


def letters_message(head: str, errors: list[str]) -> str:
    """The outcome of a run, one line each, within the job's message: '1 lettre(s) envoyée(s) sur 2.' then
    'Martin SARL : pas d’adresse e-mail', and '… et 3 autre(s) non envoyée(s)' when they don't all fit."""
    lines = [head]
    for index, error in enumerate(errors):
        more = f'… et {len(errors) - index} autre(s) non envoyée(s).'
        last = index == len(errors) - 1
        if len('\n'.join([*lines, error] + ([] if last else [more]))) > MESSAGE_CHARS:
            lines.append(more)
            break
        lines.append(error)
    return '\n'.join(lines)


async def _dunning_letters(ctx: JobContext, today: date) -> list:
    from db import dunning  # noqa: PLC0415

    letters = await dunning.letters([int(item) for item in ctx.params['ids']], today)
    if not letters:
        raise DomainError('Ces échéances ne sont plus à relancer (réglées ou déjà relancées entre-temps).')
    ctx.advance(0, len(letters))
    return letters


async def _numbered(items):
    """enumerate(…, start=1) of an async iterator."""
    index = 0
    async for item in items:
        index += 1
        yield index, item


def _count(count: int, noun: str) -> str:
    """'1 ligne', '2 lignes'."""
    return f'{count} {noun}' if count == 1 else f'{count} {noun}s'


def _call(function, args: tuple, kwargs: dict):
    """Keyword arguments through a runner that passes positional ones only (a process pool)."""
    return function(*args, **kwargs)


def _written(ctx: JobContext, data: bytes, name: str, message: str) -> Result:
    path = ctx.result_path('.' + name.rsplit('.', 1)[-1])
    path.write_bytes(data)
    return Result(file=path, name=name, message=f'{message} : {name}')


jobs.register(BATCH_PRINT, batch_print)
jobs.register(EXPORT_DOCUMENTS, export_documents)
jobs.register(EXPORT_CONTACTS, export_contacts)
jobs.register(EXPORT_ARTICLES, export_articles)
jobs.register(EXPORT_PAYMENTS, export_payments)
jobs.register(DUNNING_POST, dunning_post)
jobs.register(DUNNING_EMAIL, dunning_email)
