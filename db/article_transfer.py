"""Article import (AR2) and export (AR3), database side, as for contacts (db/contact_transfer.py).

Imported articles are simple ones; the parts of composites are edited on their page (the full export lists them on
a second sheet, for reading).
"""
import asyncio

from db.actor import Actor
from db.article import Article, ArticleComponent
from db.articles import DEFAULT_ORDER, LIST_FIELDS, ArticleFilter, article_query
from db.audit import record
from db.company import Unit, VatRate
from db.contact_transfer import BATCH, ImportRefused, commit_all_or_nothing, fetch_in_order, model_defaults
from db.unit_of_work import transaction
from logic import article_fields
from logic.article import clean_reference
from logic.importing import Field, ImportPreview, Problem, guess_mapping
from logic.tabular import Table

__all__ = ['ImportRefused', 'check_against_base', 'commit_import', 'export_data', 'import_fields', 'preview_import']


async def import_fields() -> list[Field]:
    """The import fields, with today's VAT rates and units (by name or UN/ECE code) to read those columns."""
    rates = await VatRate.all().values_list('id', 'rate', 'label')
    units = {}
    for unit_id, name, code in await Unit.all().order_by('position', 'id').values_list('id', 'name', 'code'):
        units[name] = unit_id
        units.setdefault(code, unit_id)  # 'C62' names 'unité' rather than the later 'forfait' or 'lot'
    return article_fields.import_fields(rates, units)


async def preview_import(table: Table, mapping: dict[int, str | None] | None = None
                         ) -> tuple[ImportPreview, dict[int, str | None], list[Field]]:
    """Check a file read by `read_table`: its cells in a thread, then the references already in the base."""
    fields = await import_fields()
    mapping = guess_mapping(table.headers, fields) if mapping is None else mapping
    preview = await asyncio.to_thread(article_fields.preview_import, table, mapping, fields)
    await check_against_base(preview, _references_of(table, mapping))
    return preview, mapping, fields


def _references_of(table: Table, mapping: dict[int, str | None]) -> list[tuple[str, int]]:
    column = next((index for index, key in mapping.items() if key == 'reference'), None)
    found = []
    for offset, row in enumerate(table.rows if column is not None else ()):
        try:
            found.append((clean_reference(row[column]), offset + 2))
        except ValueError:
            continue
    return found


async def check_against_base(preview: ImportPreview, given: list[tuple[str, int]] | None = None) -> ImportPreview:
    """Add the problems only the base can tell: a reference already used, whatever its case."""
    if given is None:
        given = [(record['reference'], row) for record, row in zip(preview.records, preview.row_numbers)]
    # All references at once: 50,000 of them are a few megabytes, and SQL can't compare case-blind with an index.
    known = {reference.casefold() for reference in await Article.all().values_list('reference', flat=True)}
    column = preview.mapped.get('reference', 'Référence')
    preview.refuse([Problem(row=row, column=column, message=(
        f'La référence {reference} est déjà celle d’un article de la base : changez-la, ou modifiez cet article '
        'depuis sa fiche.')) for reference, row in given if reference.casefold() in known])
    return preview


async def commit_import(actor: Actor, preview: ImportPreview, *, filename: str) -> int:
    """Create every article of a checked preview in one transaction, or none (raises ImportRefused)."""
    async def create(records: list[dict]) -> None:
        for start in range(0, len(records), BATCH):
            batch = [Article(**{**model_defaults(Article), **record}) for record in records[start:start + BATCH]]
            for article in batch:
                article.refresh_derived()
            await Article.bulk_create(batch)
        await record('article.import', actor, target='articles',
                     details={'file': filename[:200], 'count': len(records)})

    return await commit_all_or_nothing(preview, check_against_base, create)


async def export_data(actor: Actor, filters: ArticleFilter | None, order: list[str] | None = None, *, full: bool
                      ) -> tuple[list[dict], dict[int, str], dict[int, str], list[dict]]:
    """(records in list order, unit names, VAT rate labels, composite parts) for `export_workbook`."""
    query = article_query(filters) if filters is not None else Article.all()
    ids = await query.order_by(*(order or DEFAULT_ORDER)).values_list('id', flat=True)
    records = await fetch_in_order(Article, ids, article_fields.EXPORT_FIELDS if full else LIST_FIELDS)
    units = dict(await Unit.all().values_list('id', 'name'))
    rates = dict(await VatRate.all().values_list('id', 'label'))
    parts = []
    if full:
        parts = await ArticleComponent.all().order_by('parent__reference', 'position', 'id').values(
            parent='parent__reference', part='part__reference', quantity='quantity')
    async with transaction():
        await record('article.export', actor, target='articles',
                     details={'scope': 'all' if filters is None else 'selection', 'full': full,
                              'count': len(records)})
    return records, units, rates, parts

