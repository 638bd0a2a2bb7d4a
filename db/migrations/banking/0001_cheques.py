"""Cheque remittances (PA4)."""
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from db.docguard import truncate_guards
from db.fields import FixedDecimalField
from db.sqlguard import append_only

# Literal copies (not imports): this migration must always create the same triggers (db/cheque.py lists the same).
CHEQUE_FROZEN = ('payment_id', 'installment_id', 'document_id', 'invoice_number', 'client_name', 'amount',
                 'received_on', 'drawer', 'bank', 'cheque_number', 'created_at')
SLIP_FROZEN = ('number', 'issued_on', 'count', 'total', 'holder', 'bank_name', 'iban', 'bic', 'created_by_id',
               'created_at')


def frozen_guard(table: str, frozen: tuple[str, ...], extra: str = '') -> ops.RunPython:
    """Refuse DELETE, and an UPDATE of a frozen column (or `extra`, a condition on OLD/NEW), on SQLite and PostgreSQL."""
    message = f'{table} is frozen'
    changed = ' OR '.join([*(f'NEW.{column} IS NOT OLD.{column}' for column in frozen), *([extra] if extra else [])])

    async def forward(_apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect == 'sqlite':
            await client.execute_script(
                f'CREATE TRIGGER {table}_update_guard BEFORE UPDATE ON {table} WHEN {changed} '
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
                f'CREATE TRIGGER {table}_delete_guard BEFORE DELETE ON {table} '
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;")
        else:
            distinct = changed.replace(' IS NOT ', ' IS DISTINCT FROM ')
            await client.execute_script(
                f'CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger AS $$ BEGIN '
                f"IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{message}'; END IF; "
                f"IF {distinct} THEN RAISE EXCEPTION '{message}'; END IF; "
                'RETURN NEW; END; $$ LANGUAGE plpgsql;'
                f'CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table} '
                f'FOR EACH ROW EXECUTE FUNCTION {table}_guard();')

    async def backward(_apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect == 'sqlite':
            await client.execute_script(f'DROP TRIGGER IF EXISTS {table}_update_guard;'
                                        f'DROP TRIGGER IF EXISTS {table}_delete_guard;')
        else:
            await client.execute_script(f'DROP TRIGGER IF EXISTS {table}_guard ON {table};'
                                        f'DROP FUNCTION IF EXISTS {table}_guard();')

    return ops.RunPython(forward, backward)


class Migration(migrations.Migration):
    dependencies = [('documents', '0009_state_events'), ('contacts', '0003_payment_terms_derogation'), ('models', '0005_dashboard')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ChequeSlip',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=35)),
                ('issued_on', fields.DateField()),
                ('state', fields.CharField(default='issued', max_length=10)),
                ('count', fields.IntField()),
                ('total', FixedDecimalField(scale=2)),
                ('holder', fields.CharField(default='', max_length=200)),
                ('bank_name', fields.CharField(default='', max_length=100)),
                ('iban', fields.CharField(default='', max_length=34)),
                ('bic', fields.CharField(default='', max_length=11)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('cancelled_on', fields.DateField(null=True)),
                ('cancel_reason', fields.CharField(default='', max_length=255)),
            ],
            options={'table': 'cheque_slip', 'app': 'banking', 'indexes': [Index(fields=['issued_on', 'id'])], 'pk_attr': 'id', 'table_description': 'A numbered remittance slip: the company account it is paid into, how many cheques, their total.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Cheque',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment', fields.OneToOneField('documents.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('installment_id', fields.IntField()),
                ('document_id', fields.IntField()),
                ('invoice_number', fields.CharField(default='', max_length=35)),
                ('client_name', fields.CharField(default='', max_length=255)),
                ('amount', FixedDecimalField(scale=2)),
                ('received_on', fields.DateField()),
                ('drawer', fields.CharField(default='', max_length=100)),
                ('bank', fields.CharField(default='', max_length=100)),
                ('cheque_number', fields.CharField(default='', max_length=20)),
                ('status', fields.CharField(default='pending', max_length=10)),
                ('slip', fields.ForeignKeyField('banking.ChequeSlip', source_field='slip_id', null=True, db_constraint=True, to_field='id', related_name='cheques', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'cheque', 'app': 'banking', 'indexes': [Index(fields=['status', 'received_on', 'id']), Index(fields=['slip_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A cheque received for an installment, recorded with its settlement (one per settlement paid by cheque).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChequeSlipLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slip', fields.ForeignKeyField('banking.ChequeSlip', source_field='slip_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('cheque', fields.ForeignKeyField('banking.Cheque', source_field='cheque_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('position', fields.IntField()),
            ],
            options={'table': 'cheque_slip_line', 'app': 'banking', 'unique_together': (('slip_id', 'position'),), 'indexes': [Index(fields=['cheque_id'])], 'pk_attr': 'id', 'table_description': "One cheque of a slip, in the slip's order (append-only: a cancelled slip still lists what it carried)."},
            bases=['Model'],
        ),
        frozen_guard('cheque', CHEQUE_FROZEN),
        # A cancelled slip stays cancelled.
        frozen_guard('cheque_slip', SLIP_FROZEN, extra="(OLD.state = 'cancelled' AND NEW.state <> 'cancelled')"),
        append_only('cheque_slip_line'),
        truncate_guards(('cheque', 'cheque_slip', 'cheque_slip_line')),
    ]
