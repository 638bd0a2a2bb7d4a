"""Dunning (PA6): the three levels, the penalty settings, the dated reference rates, the reminders sent and the
clients excluded from dunning.

The reference rates of recent half-years are seeded (docs/dunning.md names the sources); later ones are typed in
Paramètres > Relances. Literal copies, not imports: this migration must always do the same.
"""
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from db.fields import FixedDecimalField

ECB_SOURCE = 'BCE, taux des opérations principales de refinancement (ecb.europa.eu, Key ECB interest rates)'
LEGAL_SOURCE = 'Arrêté du 15 décembre 2025 (JORF du 26 décembre 2025), « tous les autres cas »'
# (kind, valid_from, rate in %, source)
RATES = [
    ('ecb', '2016-03-16', '0.00', ECB_SOURCE),
    ('ecb', '2022-07-27', '0.50', ECB_SOURCE),
    ('ecb', '2022-09-14', '1.25', ECB_SOURCE),
    ('ecb', '2022-11-02', '2.00', ECB_SOURCE),
    ('ecb', '2022-12-21', '2.50', ECB_SOURCE),
    ('ecb', '2023-02-08', '3.00', ECB_SOURCE),
    ('ecb', '2023-03-22', '3.50', ECB_SOURCE),
    ('ecb', '2023-05-10', '3.75', ECB_SOURCE),
    ('ecb', '2023-06-21', '4.00', ECB_SOURCE),
    ('ecb', '2023-08-02', '4.25', ECB_SOURCE),
    ('ecb', '2023-09-20', '4.50', ECB_SOURCE),
    ('ecb', '2024-06-12', '4.25', ECB_SOURCE),
    ('ecb', '2024-09-18', '3.65', ECB_SOURCE),
    ('ecb', '2024-10-23', '3.40', ECB_SOURCE),
    ('ecb', '2024-12-18', '3.15', ECB_SOURCE),
    ('ecb', '2025-02-05', '2.90', ECB_SOURCE),
    ('ecb', '2025-03-12', '2.65', ECB_SOURCE),
    ('ecb', '2025-04-23', '2.40', ECB_SOURCE),
    ('ecb', '2025-06-11', '2.15', ECB_SOURCE),
    ('legal', '2026-01-01', '2.62', LEGAL_SOURCE),
]


async def seed_rates(_apps, schema_editor) -> None:
    client = schema_editor.client
    sqlite = client.capabilities.dialect == 'sqlite'
    marks = '?, ?, ?, ?' if sqlite else '$1, $2, $3, $4'
    sql = f'INSERT INTO reference_rate (kind, valid_from, rate, source) VALUES ({marks})'
    rows = []
    for kind, valid_from, rate, source in RATES:
        day = valid_from
        if not sqlite:
            from datetime import date  # noqa: PLC0415
            day = date.fromisoformat(valid_from)
        rows.append([kind, day, int(rate.replace('.', '')) * 100, source])
    await client.execute_many(sql, rows)


async def nothing(_apps, _schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('banking', '0002_mandates')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DunningExclusion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact_id', fields.IntField(unique=True)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'dunning_exclusion', 'app': 'banking', 'pk_attr': 'id', 'table_description': 'A client that must never be proposed for dunning (a dispute, an arrangement), with why and since when.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DunningLevel',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('level', fields.SmallIntField(unique=True)),
                ('days', fields.IntField()),
                ('subject', fields.CharField(max_length=255)),
                ('text', fields.TextField(unique=False)),
            ],
            options={'table': 'dunning_level', 'app': 'banking', 'pk_attr': 'id', 'table_description': 'One of the three levels: sent `days` after the due date, with its e-mail subject and letter text.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DunningSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('penalty_basis', fields.CharField(default='ecb', max_length=10)),
                ('fixed_rate', FixedDecimalField(null=True, scale=4)),
                ('notice_days', fields.IntField(default=8)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'dunning_settings', 'app': 'banking', 'pk_attr': 'id', 'table_description': "How penalties are computed (one row): 'ecb' (ECB rate + 10 points), 'legal_x3' or 'fixed' (fixed_rate %)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferenceRate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=8)),
                ('valid_from', fields.DateField()),
                ('rate', FixedDecimalField(scale=4)),
                ('source', fields.CharField(default='', max_length=255)),
            ],
            options={'table': 'reference_rate', 'app': 'banking', 'unique_together': (('kind', 'valid_from'),), 'pk_attr': 'id', 'table_description': 'A dated rate: the ECB main refinancing rate from the day it changed, or the legal interest rate of a half-year.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reminder',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('installment', fields.ForeignKeyField('documents.Installment', source_field='installment_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('document_id', fields.IntField()),
                ('client_id', fields.IntField(null=True)),
                ('level', fields.SmallIntField()),
                ('sent_on', fields.DateField()),
                ('channel', fields.CharField(max_length=8)),
                ('days_late', fields.IntField()),
                ('principal', FixedDecimalField(scale=2)),
                ('penalties', FixedDecimalField(default=0, scale=2)),
                ('indemnity', FixedDecimalField(default=0, scale=2)),
                ('user_id', fields.IntField(null=True)),
                ('actor', fields.CharField(default='', max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'reminder', 'app': 'banking', 'indexes': [Index(fields=['installment_id', 'level']), Index(fields=['document_id', 'id']), Index(fields=['client_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One reminder sent for one installment: its level, date, channel and the amounts claimed on that day.'},
            bases=['Model'],
        ),
        ops.RunPython(seed_rates, nothing),
    ]
