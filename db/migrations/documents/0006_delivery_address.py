"""A document's delivery address (docs/legal.md 1.3, intra-EU goods BR-IC-12): a frozen column like the others, so
the guards are recreated with it in the list; and each line's VATEX exemption code (EN 16931 BT-121)."""
from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops

from db.docguard import document_guards, drop_guards

# Literal copies (not imports): this migration must always create the same triggers.
LEGAL_TYPES = ('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')
FROZEN_COLUMNS = (
    'doc_type', 'family', 'series', 'number', 'issue_date', 'due_date', 'validity_date', 'delivery_date', 'client_id',
    'client_name', 'payment_method_id', 'probability', 'global_discount_kind', 'global_discount_value', 'shipping',
    'shipping_vat_rate', 'shipping_vat_category', 'purchase_order', 'header_text', 'footer_text', 'notes', 'total_ht',
    'total_vat', 'total_ttc', 'prepaid', 'amount_due', 'snapshot', 'source_id', 'validated_at', 'created_at',
    'vat_included', 'delivery_address',
)


async def drop_document_guards(_apps, schema_editor) -> None:
    await drop_guards(schema_editor.client)


async def nothing(_apps, _schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('contacts', '0001_contacts_articles'), ('contacts', '0002_indexes_search_counter'),
                    ('documents', '0005_payment_description'), ('models', '0001_foundation'),
                    ('models', '0002_audit_append_only'), ('models', '0003_payments')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Document',
            name='delivery_address',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='DocumentLine',
            name='exemption_code',
            field=fields.CharField(default='', db_default='', max_length=30),
        ),
        ops.RunPython(drop_document_guards, nothing),
        document_guards(LEGAL_TYPES, FROZEN_COLUMNS),
    ]
