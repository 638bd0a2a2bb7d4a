from tortoise import migrations
from tortoise.migrations import operations as ops

from db.docguard import document_guards
from db.sqlguard import append_only

# Literal copies (not imports) so that this migration always creates the same triggers and rows.
LEGAL_TYPES = ('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')
FROZEN_COLUMNS = (
    'doc_type', 'family', 'series', 'number', 'issue_date', 'due_date', 'validity_date', 'delivery_date', 'client_id',
    'client_name', 'payment_method_id', 'probability', 'global_discount_kind', 'global_discount_value', 'shipping',
    'shipping_vat_rate', 'shipping_vat_category', 'purchase_order', 'header_text', 'footer_text', 'notes', 'total_ht',
    'total_vat', 'total_ttc', 'prepaid', 'amount_due', 'snapshot', 'source_id', 'validated_at', 'created_at',
)
SERIES = (
    ('quote', 'D{AAAA}-{N:5}'),
    ('invoice', 'F{AAAA}-{N:5}'),
    ('credit_note', 'AV{AAAA}-{N:5}'),
    ('order', 'BC{AAAA}-{N:5}'),
    ('delivery_note', 'BL{AAAA}-{N:5}'),
)


async def seed_series(_apps, schema_editor) -> None:
    values = ', '.join(f"('{key}', '{pattern}', 'yearly', TRUE, 1)" for key, pattern in SERIES)
    await schema_editor.client.execute_script(
        f'INSERT INTO number_series ("key", pattern, reset, active, version) VALUES {values};')


async def unseed_series(_apps, schema_editor) -> None:
    await schema_editor.client.execute_script('DELETE FROM number_series;')


class Migration(migrations.Migration):
    dependencies = [('documents', '0001_documents')]

    operations = [
        document_guards(LEGAL_TYPES, FROZEN_COLUMNS),
        append_only('chain_entry'),
        ops.RunPython(seed_series, unseed_series),
    ]
