from tortoise import migrations
from tortoise.migrations import operations as ops
from db.fields import FixedDecimalField
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    # Only what the foreign keys need (contact, article, payment method, user): independent of later contacts work.
    dependencies = [('contacts', '0001_contacts_articles'), ('models', '0002_audit_append_only')]

    initial = True

    operations = [
        ops.CreateModel(
            name='ChainEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(max_length=20)),
                ('position', fields.IntField()),
                ('document_id', fields.IntField(db_index=True)),
                ('label', fields.CharField(max_length=35)),
                ('payload_version', fields.SmallIntField(default=1)),
                ('previous_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'chain_entry', 'app': 'documents', 'unique_together': (('series', 'position'),), 'pk_attr': 'id', 'table_description': 'One link of the integrity chain of a series (AC3), append-only (database triggers).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Document',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('doc_type', fields.CharField(max_length=20)),
                ('family', fields.CharField(max_length=20)),
                ('series', fields.CharField(max_length=20)),
                ('state', fields.CharField(default='draft', max_length=16)),
                ('number', fields.CharField(null=True, max_length=35)),
                ('issue_date', fields.DateField(null=True)),
                ('due_date', fields.DateField(null=True)),
                ('validity_date', fields.DateField(null=True)),
                ('delivery_date', fields.DateField(null=True)),
                ('client', fields.ForeignKeyField('contacts.Contact', source_field='client_id', null=True, db_constraint=True, to_field='id', related_name='documents', on_delete=OnDelete.RESTRICT)),
                ('client_name', fields.CharField(default='', max_length=255)),
                ('payment_method', fields.ForeignKeyField('models.PaymentMethod', source_field='payment_method_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('template_id', fields.IntField(null=True)),
                ('probability', fields.SmallIntField(null=True)),
                ('global_discount_kind', fields.CharField(null=True, max_length=8)),
                ('global_discount_value', FixedDecimalField(default=0, scale=4)),
                ('shipping', FixedDecimalField(default=0, scale=2)),
                ('shipping_vat_rate', FixedDecimalField(default=20, scale=2)),
                ('shipping_vat_category', fields.CharField(default='S', max_length=2)),
                ('purchase_order', fields.CharField(default='', max_length=100)),
                ('header_text', fields.TextField(default='', unique=False)),
                ('footer_text', fields.TextField(default='', unique=False)),
                ('notes', fields.TextField(default='', unique=False)),
                ('total_ht', FixedDecimalField(default=0, scale=2)),
                ('total_vat', FixedDecimalField(default=0, scale=2)),
                ('total_ttc', FixedDecimalField(default=0, scale=2)),
                ('prepaid', FixedDecimalField(default=0, scale=2)),
                ('amount_due', FixedDecimalField(default=0, scale=2)),
                ('credited_amount', FixedDecimalField(default=0, scale=2)),
                ('snapshot', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('source', fields.ForeignKeyField('documents.Document', source_field='source_id', null=True, db_constraint=True, to_field='id', related_name='derived', on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField(default=1)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('validated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'document', 'app': 'documents', 'unique_together': (('series', 'number'),), 'indexes': [Index(fields=['family', 'issue_date', 'id']), Index(fields=['doc_type', 'issue_date', 'id']), Index(fields=['family', 'state', 'issue_date', 'id']), Index(fields=['family', 'number', 'id']), Index(fields=['family', 'client_name', 'id']), Index(fields=['family', 'total_ttc', 'id']), Index(fields=['family', 'due_date', 'id']), Index(fields=['family', 'client_id', 'issue_date', 'id']), Index(fields=['client_id', 'issue_date']), Index(fields=['source_id'])], 'pk_attr': 'id', 'table_description': 'A quote, an invoice, a credit note... Totals are cached from logic.totals for lists, sorting and filters.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DocumentLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('document', fields.ForeignKeyField('documents.Document', source_field='document_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('kind', fields.CharField(default='item', max_length=10)),
                ('article', fields.ForeignKeyField('contacts.Article', source_field='article_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(default='', max_length=40)),
                ('designation', fields.CharField(default='', max_length=255)),
                ('description', fields.TextField(default='', unique=False)),
                ('quantity', FixedDecimalField(default=0, scale=4)),
                ('unit', fields.CharField(default='', max_length=40)),
                ('unit_code', fields.CharField(default='C62', max_length=3)),
                ('unit_price', FixedDecimalField(default=0, scale=6)),
                ('discount_kind', fields.CharField(null=True, max_length=8)),
                ('discount_value', FixedDecimalField(default=0, scale=4)),
                ('vat_rate', FixedDecimalField(default=0, scale=2)),
                ('vat_category', fields.CharField(default='S', max_length=2)),
                ('exemption_reason', fields.CharField(default='', max_length=255)),
                ('nature', fields.CharField(default='service', max_length=8)),
                ('show_parts', fields.BooleanField(default=False)),
                ('net', FixedDecimalField(null=True, scale=2)),
                ('source_line_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'document_line', 'app': 'documents', 'unique_together': (('document', 'position'),), 'pk_attr': 'id', 'table_description': 'A line (DOC1): an item, a title, a subtotal or a free text. Amounts follow logic.draft.DraftLine.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Installment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('document', fields.ForeignKeyField('documents.Document', source_field='document_id', db_constraint=True, to_field='id', related_name='installments', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('kind', fields.CharField(default='installment', max_length=12)),
                ('due_date', fields.DateField()),
                ('amount', FixedDecimalField(scale=2)),
                ('label', fields.CharField(default='', max_length=100)),
            ],
            options={'table': 'installment', 'app': 'documents', 'indexes': [Index(fields=['due_date'])], 'pk_attr': 'id', 'table_description': 'One due part of a document (IN5): an installment, a deposit or a balance. Amounts sum to amount_due.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NumberCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(max_length=20)),
                ('period_key', fields.CharField(default='', max_length=8)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'number_counter', 'app': 'documents', 'unique_together': (('series', 'period_key'),), 'pk_attr': 'id', 'table_description': "The last number taken in a series for a period ('2026', or '' when the series never resets)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NumberSeries',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=20)),
                ('pattern', fields.CharField(max_length=60)),
                ('reset', fields.CharField(default='yearly', max_length=8)),
                ('active', fields.BooleanField(default=True)),
                ('last_date', fields.DateField(null=True)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'number_series', 'app': 'documents', 'pk_attr': 'id', 'table_description': 'A numbering series (SE4): pattern such as F{AAAA}-{N:5}, reset yearly or never.'},
            bases=['Model'],
        ),
    ]
