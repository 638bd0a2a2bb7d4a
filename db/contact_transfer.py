"""Contact import (CO3) and export (CO6), database side. Reading the file, checking its cells and writing the XLSX
are pure functions of logic/, which the caller runs off the event loop; here are the lookups, the checks against
the base, the all-or-nothing commit and the export query.
"""
import asyncio
from collections.abc import Awaitable, Callable, Iterable

from tortoise.exceptions import IntegrityError

from db.actor import Actor
from db.audit import record
from db.company import PaymentMethod, VatRate
from db.contact import Address, Contact
from db.contacts import DEFAULT_ORDER, LIST_FIELDS, ContactFilter, allocate_codes, contact_query, existing_codes
from db.unit_of_work import transaction
from logic import contact_fields
from logic.contact import clean_code, default_account
from logic.contact_fields import Labels
from logic.errors import DomainError
from logic.importing import Field, ImportPreview, Problem, format_problems, guess_mapping
from logic.tabular import Table

# Rows per INSERT and per export query: each batch holds the event loop ~15-30 ms (Tortoise converts every value
# in Python), then lets other users' requests run.
BATCH = 1000
READ_BATCH = 250


CONCURRENT = ('Rien n’a été importé : un des codes ou références du fichier vient d’être enregistré par ailleurs. '
              'Relancez l’import pour voir lequel.')


class ImportRefused(DomainError):
    """The file was not imported, nothing was written; `problems` says what to fix, row by row."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__('Rien n’a été importé. ' + ' '.join(format_problems(problems, limit=3)))


async def import_fields() -> list[Field]:
    """The import fields, with today's VAT rates and payment methods to read those columns."""
    rates = await VatRate.all().values_list('id', 'rate', 'label')
    methods = dict(await PaymentMethod.all().values_list('name', 'id'))
    return contact_fields.import_fields(rates, methods)


async def preview_import(table: Table, mapping: dict[int, str | None] | None = None
                         ) -> tuple[ImportPreview, dict[int, str | None], list[Field]]:
    """Check a file read by `read_table` with the given column mapping (guessed when None): every problem of its
    cells, rows and codes. The cell checks run in a thread (10,000 rows take about a second)."""
    fields = await import_fields()
    mapping = guess_mapping(table.headers, fields) if mapping is None else mapping
    preview = await asyncio.to_thread(contact_fields.preview_import, table, mapping, fields)
    await check_against_base(preview, _codes_of(table, mapping))
    return preview, mapping, fields


def _codes_of(table: Table, mapping: dict[int, str | None]) -> list[tuple[str, int]]:
    """The codes typed in the file, with their row, even on rows that have other problems."""
    column = next((index for index, key in mapping.items() if key == 'code'), None)
    found = []
    for offset, row in enumerate(table.rows if column is not None else ()):
        try:
            code = clean_code(row[column])
        except ValueError:
            continue
        if code:
            found.append((code, offset + 2))
    return found


async def check_against_base(preview: ImportPreview, given: list[tuple[str, int]] | None = None) -> ImportPreview:
    """Add the problems only the base can tell: a code of the file already used by a contact."""
    if given is None:
        given = [(record['code'], row) for record, row in zip(preview.records, preview.row_numbers)
                 if record.get('code')]
    used = await existing_codes([code for code, _ in given])
    column = preview.mapped.get('code', 'Code')
    preview.refuse([Problem(row=row, column=column, message=(
        f'Le code {code} est déjà celui d’un contact de la base : changez-le ou laissez la cellule vide pour qu’un '
        'code soit attribué.')) for code, row in given if code in used])
    return preview


async def commit_import(actor: Actor, preview: ImportPreview, *, filename: str) -> int:
    """Create every contact of a checked preview in one transaction, or none (raises ImportRefused)."""
    async def create(records: list[dict]) -> None:
        given = {record['code'] for record in records if record.get('code')}
        codes = iter(await allocate_codes(sum(1 for record in records if not record.get('code')), taken=given))
        first = last = ''
        for start in range(0, len(records), BATCH):
            batch = [_new_contact(record, codes) for record in records[start:start + BATCH]]
            await Contact.bulk_create(batch)
            first, last = first or batch[0].code, batch[-1].code
        await record('contact.import', actor, target='contacts',
                     details={'file': filename[:200], 'count': len(records), 'first': first, 'last': last})

    return await commit_all_or_nothing(preview, check_against_base, create)


async def commit_all_or_nothing(preview: ImportPreview, check: Callable[[ImportPreview], Awaitable[ImportPreview]],
                                create: Callable[[list[dict]], Awaitable[None]]) -> int:
    """The import skeleton: refuse a preview with problems, check it again against the base inside the transaction
    (someone may have created one of its codes or references since the preview), then `create` every record."""
    if not preview.ok or not preview.records:
        raise ImportRefused(preview.problems or [Problem(row=0, column='', message='Aucune ligne à importer.')])
    records = list(preview.records)
    try:
        async with transaction():
            await check(preview)
            if preview.problems:
                raise ImportRefused(preview.problems)
            await create(records)
    except IntegrityError:  # a code or reference of the file created elsewhere at the same moment
        raise DomainError(CONCURRENT) from None
    return len(records)


def _new_contact(values: dict, codes) -> Contact:
    values = {**model_defaults(Contact), **values}
    code = values.pop('code', '') or next(codes)
    values['account'] = values.get('account') or default_account(code, values.get('kind', 'client'))
    contact = Contact(code=code, **values)
    contact.refresh_derived()
    return contact


def model_defaults(model) -> dict:
    """The plain default of every column: passing them all to the model skips its per-field default lookup, which
    costs more than the INSERT itself in a 10,000-row import."""
    if '_plain_defaults' not in model.__dict__:
        model._plain_defaults = {
            key: field.default for key, field in model._meta.fields_map.items()
            if key in model._meta.fields_db_projection and not field.pk and not callable(field.default)
            and (field.default is not None or field.null) and not getattr(field, 'auto_now_add', False)
            and not getattr(field, 'auto_now', False)}
    return model._plain_defaults


async def export_data(actor: Actor, filters: ContactFilter | None, order: list[str] | None = None, *,
                      full: bool) -> tuple[list[dict], Labels, list[dict]]:
    """The contacts to export as plain dicts, in list order: all of them (`filters` None) or those matching.

    The ids are read first in one query, then the rows by batches: the event loop is never held long, and the
    rows come in exactly the order of the list even though they are fetched in several queries.
    """
    query = contact_query(filters) if filters is not None else Contact.all()
    ids = await query.order_by(*(order or DEFAULT_ORDER)).values_list('id', flat=True)
    fields = contact_fields.EXPORT_FIELDS if full else LIST_FIELDS
    records = await fetch_in_order(Contact, ids, fields)
    labels = Labels(vat_rates=dict(await VatRate.all().values_list('id', 'label')),
                    payment_methods=dict(await PaymentMethod.all().values_list('id', 'name')))
    addresses = await _addresses(ids if filters is not None else None) if full else []
    async with transaction():
        await record('contact.export', actor, target='contacts',
                     details={'scope': 'all' if filters is None else 'selection', 'full': full,
                              'count': len(records)})
    return records, labels, addresses


async def _addresses(ids: list[int] | None) -> list[dict]:
    """Further addresses of these contacts (all when None), with their contact's code, by contact code."""
    fields = ('contact__code', 'kind', 'label', 'address', 'address2', 'postcode', 'city', 'country')
    if ids is None:
        rows = await Address.all().order_by('contact__code', 'id').values(*fields)
    else:
        rows = []
        for start in range(0, len(ids), BATCH):
            rows.extend(await Address.filter(contact_id__in=ids[start:start + BATCH]).values(*fields))
        rows.sort(key=lambda row: row['contact__code'])
    for row in rows:
        row['contact_code'] = row.pop('contact__code')
    return rows


async def fetch_in_order(model, ids: list[int], fields: Iterable[str]) -> list[dict]:
    """Rows of `model` as dicts of `fields` (and 'id'), in the order of `ids`, read READ_BATCH at a time."""
    fields = list(dict.fromkeys(['id', *fields]))
    records: list[dict] = []
    for start in range(0, len(ids), READ_BATCH):
        chunk = ids[start:start + READ_BATCH]
        by_id = {row['id']: row for row in await model.filter(id__in=chunk).values(*fields)}
        records.extend(by_id[row_id] for row_id in chunk if row_id in by_id)
    return records
