"""Period closings with their perpetual totals, chained and frozen (issue 13).

The closing table is append-only (UPDATE and DELETE refused by triggers, TRUNCATE too on PostgreSQL), like the
integrity chain it signs. The settings row holds the first month of the fiscal year and the accountant's e-mail.
"""
from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops

from db.docguard import truncate_guards
from db.fields import FixedDecimalField
from db.sqlguard import append_only


class Migration(migrations.Migration):
    dependencies = [('accounting', '0001_accounts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Closing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('position', fields.IntField(unique=True)),
                ('kind', fields.CharField(max_length=5)),
                ('period_start', fields.DateField()),
                ('period_end', fields.DateField()),
                ('label', fields.CharField(max_length=40)),
                ('payload', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('perpetual_total', FixedDecimalField(scale=2)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('previous_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(max_length=64)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True,
                                                      db_constraint=True, to_field='id', related_name=False,
                                                      on_delete=OnDelete.RESTRICT)),
                ('created_by_name', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'closing', 'app': 'accounting', 'unique_together': (('kind', 'period_start'),),
                     'pk_attr': 'id', 'table_description': 'A monthly or fiscal-year closing (AC3): append-only '
                     '(database triggers), chained.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ClosingSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('accountant_email', fields.CharField(default='', max_length=254)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'closing_settings', 'app': 'accounting', 'pk_attr': 'id',
                     'table_description': 'The one row of the closing settings: the e-mail of the accountant.'},
            bases=['Model'],
        ),
        append_only('closing'),
        truncate_guards(('closing',)),
    ]
