"""Two legal documents never share a number (docs/legal.md 2.1), whatever their series: a unique index over the
number of every legal document. (series, number) was unique already, but a credit-note series set to the invoices'
pattern gave a credit note the number of an invoice.

Raw SQL only: the models don't declare a partial index, and the migration state stays as it was.

A base where the old bug already gave a number twice can't be renumbered (issued documents are frozen): the first
document holding each number stays in the index, the later ones are left out of it by id and logged, so the
migration goes through and no new document can take any of those numbers again.
"""
import logging

from tortoise import migrations
from tortoise.migrations import operations as ops

# Literal copy (not an import): this migration must always create the same index.
LEGAL_TYPES = ('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')
INDEX = 'document_legal_number_unique'

log = logging.getLogger(__name__)


async def create_index(_apps, schema_editor) -> None:
    client = schema_editor.client
    types = ', '.join(f"'{doc_type}'" for doc_type in LEGAL_TYPES)
    repeated = await client.execute_query_dict(
        f'SELECT d.id, d.number FROM document d WHERE d.doc_type IN ({types}) AND d.number IS NOT NULL AND EXISTS '
        f'(SELECT 1 FROM document e WHERE e.doc_type IN ({types}) AND e.number = d.number AND e.id < d.id) '
        'ORDER BY d.id')
    left_out = ''
    if repeated:
        log.warning('Legal numbers given twice before the unique index, left out of it: %s',
                    ', '.join(f"{row['number']} (document {row['id']})" for row in repeated))
        left_out = f" AND id NOT IN ({', '.join(str(int(row['id'])) for row in repeated)})"
    await client.execute_script(f'CREATE UNIQUE INDEX {INDEX} ON document (number) '
                                f'WHERE doc_type IN ({types}){left_out}')


async def drop_index(_apps, schema_editor) -> None:
    await schema_editor.client.execute_script(f'DROP INDEX IF EXISTS {INDEX}')


class Migration(migrations.Migration):
    dependencies = [('documents', '0006_delivery_address')]

    initial = False

    operations = [
        ops.RunPython(create_index, drop_index),
    ]
