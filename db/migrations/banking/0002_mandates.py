"""SEPA Core direct debits (PA5): mandates, the settings, collections and their items."""
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from db.fields import FixedDecimalField


class Migration(migrations.Migration):
    dependencies = [('banking', '0001_cheques')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Collection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('collection_date', fields.DateField()),
                ('version', fields.CharField(max_length=3)),
                ('state', fields.CharField(default='sent', max_length=8)),
                ('total', FixedDecimalField(default=0, scale=2)),
                ('count', fields.IntField(default=0)),
                ('message_id', fields.CharField(default='', max_length=35)),
                ('fingerprint', fields.CharField(default='', max_length=64)),
                ('content', fields.TextField(default='', unique=False)),
                ('created_by_id', fields.IntField(null=True)),
            ],
            options={'table': 'sepa_collection', 'app': 'banking', 'indexes': [Index(fields=['created_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One direct debit file (pain.008) handed to the bank: its items, date and the SHA-256 of the file.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Mandate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.ForeignKeyField('contacts.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(unique=True, max_length=35)),
                ('signed_on', fields.DateField()),
                ('kind', fields.CharField(default='recurrent', max_length=10)),
                ('status', fields.CharField(default='active', max_length=10)),
                ('debtor_name', fields.CharField(max_length=140)),
                ('iban', fields.CharField(max_length=34)),
                ('bic', fields.CharField(default='', max_length=11)),
                ('last_used_on', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mandate', 'app': 'banking', 'indexes': [Index(fields=['contact_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A SEPA direct debit mandate signed by a contact (LEGAL.md 6): its RUM is unique for our ICS.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CollectionItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('collection', fields.ForeignKeyField('banking.Collection', source_field='collection_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.RESTRICT)),
                ('installment', fields.ForeignKeyField('documents.Installment', source_field='installment_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('mandate', fields.ForeignKeyField('banking.Mandate', source_field='mandate_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('live_installment_id', fields.IntField(null=True, unique=True)),
                ('amount', FixedDecimalField(scale=2)),
                ('sequence', fields.CharField(max_length=4)),
                ('end_to_end_id', fields.CharField(unique=True, max_length=35)),
                ('number', fields.CharField(default='', max_length=35)),
                ('client_name', fields.CharField(default='', max_length=255)),
                ('status', fields.CharField(default='debited', max_length=8)),
                ('reason', fields.CharField(default='', max_length=4)),
            ],
            options={'table': 'sepa_collection_item', 'app': 'banking', 'indexes': [Index(fields=['collection_id', 'id']), Index(fields=['mandate_id', 'status'])], 'pk_attr': 'id', 'table_description': 'One debit of one installment in a collection: its sequence type, end-to-end id and what the bank said.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SepaSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('prenotification_days', fields.SmallIntField(default=14)),
                ('version', fields.CharField(default='008', max_length=3)),
            ],
            options={'table': 'sepa_settings', 'app': 'banking', 'pk_attr': 'id', 'table_description': 'The direct debit settings (one row): pre-notification days and the pain.008 version the bank takes.'},
            bases=['Model'],
        ),
    ]

