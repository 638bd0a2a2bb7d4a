"""Progress invoices ("factures de situation") with holdback (issue 20): the contract of an accepted quote, its
situations (each one a progress invoice) and their lines, every figure stored as printed (db/situation.py)."""
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from db.fields import FixedDecimalField


class Migration(migrations.Migration):
    dependencies = [('documents', '0011_sepa_due_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Contract',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('quote', fields.OneToOneField('documents.Document', source_field='quote_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('quote_number', fields.CharField(default='', max_length=35)),
                ('client_id', fields.IntField(null=True)),
                ('client_name', fields.CharField(default='', max_length=255)),
                ('title', fields.CharField(default='', max_length=255)),
                ('total_ht', FixedDecimalField(default=0, scale=2)),
                ('holdback_rate', FixedDecimalField(default=5, scale=2)),
                ('guarantee', fields.CharField(default='holdback', max_length=10)),
                ('deposit_mode', fields.CharField(default='proportional', max_length=12)),
                ('state', fields.CharField(default='open', max_length=8)),
                ('billed_ht', FixedDecimalField(default=0, scale=2)),
                ('holdback_total', FixedDecimalField(default=0, scale=2)),
                ('situations', fields.IntField(default=0)),
                ('reception_date', fields.DateField(null=True)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'situation_contract', 'app': 'documents', 'indexes': [Index(fields=['state', 'id']), Index(fields=['client_name', 'id'])], 'pk_attr': 'id', 'table_description': 'A building contract billed by situations: holdback, guarantee, deposit deduction, and where it stands.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Situation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contract', fields.ForeignKeyField('documents.Contract', source_field='contract_id', db_constraint=True, to_field='id', related_name='situation_rows', on_delete=OnDelete.RESTRICT)),
                ('document', fields.OneToOneField('documents.Document', source_field='document_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('seq', fields.IntField()),
                ('final', fields.BooleanField(default=False)),
                ('cumulative_ht', FixedDecimalField(default=0, scale=2)),
                ('delta_ht', FixedDecimalField(default=0, scale=2)),
                ('total_ttc', FixedDecimalField(default=0, scale=2)),
                ('deposit', FixedDecimalField(default=0, scale=2)),
                ('holdback', FixedDecimalField(default=0, scale=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'situation', 'app': 'documents', 'unique_together': (('contract', 'seq'),), 'pk_attr': 'id', 'table_description': 'Situation n of a contract: its progress invoice and the amounts it stated (the DGD when `final`).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SituationLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('situation', fields.ForeignKeyField('documents.Situation', source_field='situation_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('quote_line_id', fields.BigIntField()),
                ('position', fields.IntField()),
                ('contract_amount', FixedDecimalField(scale=2)),
                ('cumulative_percent', FixedDecimalField(scale=4)),
                ('delta_percent', FixedDecimalField(scale=4)),
                ('cumulative_quantity', FixedDecimalField(null=True, scale=4)),
                ('cumulative_amount', FixedDecimalField(scale=2)),
                ('previous_amount', FixedDecimalField(scale=2)),
                ('delta_amount', FixedDecimalField(scale=2)),
            ],
            options={'table': 'situation_line', 'app': 'documents', 'unique_together': (('situation', 'position'),), 'pk_attr': 'id', 'table_description': 'One contract line in one situation: cumulative and delta, percent and amounts, as printed.'},
            bases=['Model'],
        ),
    ]

