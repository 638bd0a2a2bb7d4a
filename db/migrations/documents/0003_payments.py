from tortoise import migrations
from tortoise.migrations import operations as ops
from db.fields import FixedDecimalField
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

from db.docguard import document_guards, drop_guards
from db.sqlguard import append_only

# Literal copies (not imports): this migration must always create the same triggers.
LEGAL_TYPES = ('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')
FROZEN_COLUMNS = (
    'doc_type', 'family', 'series', 'number', 'issue_date', 'due_date', 'validity_date', 'delivery_date', 'client_id',
    'client_name', 'payment_method_id', 'probability', 'global_discount_kind', 'global_discount_value', 'shipping',
    'shipping_vat_rate', 'shipping_vat_category', 'purchase_order', 'header_text', 'footer_text', 'notes', 'total_ht',
    'total_vat', 'total_ttc', 'prepaid', 'amount_due', 'snapshot', 'source_id', 'validated_at', 'created_at',
    'vat_included',
)


async def drop_document_guards(_apps, schema_editor) -> None:
    await drop_guards(schema_editor.client)


async def fill_installments(_apps, schema_editor) -> None:
    """Installments made before payments existed: copy number and client, drafts' schedules are only planned, paid
    invoices' are paid, credit notes' refunds (nothing recorded about them) and cancelled invoices' are closed."""
    await schema_editor.client.execute_script(
        'UPDATE installment SET number = COALESCE((SELECT d.number FROM document d WHERE d.id = document_id), \'\'), '
        'client_name = (SELECT d.client_name FROM document d WHERE d.id = document_id);'
        "UPDATE installment SET status = 'planned' WHERE document_id IN (SELECT id FROM document WHERE state = 'draft');"
        "UPDATE installment SET status = 'cancelled' WHERE document_id IN "
        "(SELECT id FROM document WHERE state = 'cancelled' OR doc_type = 'credit_note');"
        # Marked paid before the journal existed: the installments follow, without journal records.
        "UPDATE installment SET status = 'paid', paid_amount = amount WHERE document_id IN "
        "(SELECT id FROM document WHERE state = 'paid');")


async def nothing(_apps, _schema_editor) -> None:
    return None

class Migration(migrations.Migration):
    dependencies = [('contacts', '0002_indexes_search_counter'), ('documents', '0002_document_guards'), ('models', '0001_foundation'), ('models', '0002_audit_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('installment', fields.ForeignKeyField('documents.Installment', source_field='installment_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('document_id', fields.IntField(db_index=True)),
                ('kind', fields.CharField(max_length=10)),
                ('amount', FixedDecimalField(scale=2)),
                ('paid_on', fields.DateField()),
                ('method', fields.CharField(default='', max_length=16)),
                ('reference', fields.CharField(default='', max_length=100)),
                ('reason', fields.CharField(default='', max_length=255)),
                ('reverses', fields.ForeignKeyField('documents.Payment', source_field='reverses_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('label', fields.CharField(default='', max_length=35)),
                ('client_name', fields.CharField(default='', max_length=255)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment', 'app': 'documents', 'indexes': [Index(fields=['installment_id', 'id']), Index(fields=['paid_on', 'id'])], 'pk_attr': 'id', 'table_description': 'One record of the payments journal (PA2, PA7, LEGAL.md 2.6): append-only (database triggers) and chained.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Document',
            name='vat_included',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.RemoveIndex(
            model_name='Installment',
            name=None,
            fields=['due_date'],
        ),
        ops.AlterModelOptions(
            name='Installment',
            options={'table': 'installment', 'app': 'documents', 'indexes': [Index(fields=['due_date', 'id']), Index(fields=['status', 'due_date', 'id']), Index(fields=['kind', 'status', 'due_date', 'id']), Index(fields=['document_id', 'position'])], 'pk_attr': 'id', 'table_description': 'One due part of a document (IN5, DE1): an installment of an invoice, or a deposit of a quote.'},
        ),
        ops.AddField(
            model_name='Installment',
            name='client_name',
            field=fields.CharField(default='', db_default='', max_length=255),
        ),
        ops.AddField(
            model_name='Installment',
            name='deposit_invoice',
            field=fields.ForeignKeyField('documents.Document', source_field='deposit_invoice_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Installment',
            name='number',
            field=fields.CharField(default='', db_default='', max_length=35),
        ),
        ops.AddField(
            model_name='Installment',
            name='paid_amount',
            field=FixedDecimalField(default=0, db_default=0, scale=2),
        ),
        ops.AddField(
            model_name='Installment',
            name='paid_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Installment',
            name='percent',
            field=FixedDecimalField(null=True, scale=4),
        ),
        ops.AddField(
            model_name='Installment',
            name='status',
            field=fields.CharField(default='open', db_default='open', max_length=14),
        ),
        ops.AddField(
            model_name='Installment',
            name='version',
            field=fields.IntField(default=1, db_default=1),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['due_date', 'id']),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['status', 'due_date', 'id']),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['kind', 'status', 'due_date', 'id']),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['document_id', 'position']),
        ),
        ops.RunPython(fill_installments, nothing),
        ops.RunPython(drop_document_guards, nothing),
        document_guards(LEGAL_TYPES, FROZEN_COLUMNS),
        append_only('payment'),
    ]
