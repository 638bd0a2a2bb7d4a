"""Dunning (PA6): where each reminded installment stands (its last level sent and that day), read by the proposal
instead of the reminders (db/dunning_state.py). Filled from the reminders already sent. Its id is the installment's.
"""
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


async def fill_states(_apps, schema_editor) -> None:
    await schema_editor.client.execute_script(
        'INSERT INTO dunning_state (id, installment_id, level, sent_on) '
        'SELECT installment_id, installment_id, MAX(level), MAX(sent_on) FROM reminder GROUP BY installment_id')


async def nothing(_apps, _schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('banking', '0003_reminders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DunningState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('installment', fields.OneToOneField('documents.Installment', source_field='installment_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('level', fields.SmallIntField()),
                ('sent_on', fields.DateField()),
            ],
            options={'table': 'dunning_state', 'app': 'banking', 'pk_attr': 'id', 'table_description': "Where one installment's dunning stands: the last level sent and the day it was sent."},
            bases=['Model'],
        ),
        ops.RunPython(fill_states, nothing),
    ]
