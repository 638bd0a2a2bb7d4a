"""The margin of the dashboard (DA1): what each line's unit costs and what a document's lines cost in all.

Documents saved before this version get their cost from their articles' purchase prices of the day of the upgrade
(the best estimate there is): the lines of drafts and quotes take the price too; the lines of validated invoices and
credit notes are frozen (docs/legal.md 2.2) and keep a cost of 0, only their document's total is estimated.
"""
from decimal import ROUND_HALF_UP, Decimal

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from db.fields import FixedDecimalField

BATCH = 5000
LEGAL_TYPES = ('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')  # a literal copy, like 0006


async def estimate_costs(_apps, schema_editor) -> None:
    client = schema_editor.client
    mark = '?' if client.capabilities.dialect == 'sqlite' else '$1'
    legal = ', '.join(f"'{kind}'" for kind in LEGAL_TYPES)
    await client.execute_script(
        'UPDATE document_line SET unit_cost = (SELECT purchase_price FROM article WHERE article.id = article_id) '
        'WHERE article_id IS NOT NULL AND document_id IN '
        f"(SELECT id FROM document WHERE state = 'draft' OR doc_type NOT IN ({legal}))")
    rows = await client.execute_query_dict(
        'SELECT l.document_id AS doc, l.quantity AS quantity, a.purchase_price AS cost FROM document_line l '
        "JOIN article a ON a.id = l.article_id WHERE l.kind = 'item' AND a.purchase_price <> 0")
    totals: dict[int, Decimal] = {}
    for row in rows:  # scaled integers: quantities in 1/10,000, prices in millionths (db/fields.py)
        line = (Decimal(row['quantity']) / 10_000 * Decimal(row['cost']) / 1_000_000) \
            .quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)
        totals[row['doc']] = totals.get(row['doc'], Decimal(0)) + line
    values = [[int(total * 100), doc] for doc, total in totals.items() if total]
    second = '?' if mark == '?' else '$2'
    for start in range(0, len(values), BATCH):
        await client.execute_many(f'UPDATE document SET total_cost = {mark} WHERE id = {second}',
                                  values[start:start + BATCH])


async def nothing(_apps, _schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('contacts', '0003_payment_terms_derogation'), ('documents', '0007_legal_number_unique'),
                    ('models', '0004_company_legal_kind')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Document',
            name='total_cost',
            field=FixedDecimalField(default=0, db_default=0, scale=2),
        ),
        ops.AddField(
            model_name='DocumentLine',
            name='unit_cost',
            field=FixedDecimalField(default=0, db_default=0, scale=6),
        ),
        ops.RunPython(estimate_costs, nothing),
        ops.AddIndex(
            model_name='Document',
            index=Index(fields=['family', 'issue_date', 'doc_type', 'state', 'total_ht', 'total_cost', 'source_id']),
        ),
        ops.AddIndex(model_name='Document', index=Index(fields=['family', 'id'])),
    ]
