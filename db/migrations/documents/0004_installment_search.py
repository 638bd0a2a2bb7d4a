from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class ForgetIndex(ops.RemoveIndex):
    """Removes an index from the migration state only."""

    async def database_forward(self, *_args, **_kwargs) -> None:
        return None

    async def database_backward(self, *_args, **_kwargs) -> None:
        return None


async def fill_client_ids(_apps, schema_editor) -> None:
    """Installments made before: copy the client of their document, as the client's name was copied."""
    await schema_editor.client.execute_script(
        'UPDATE installment SET client_id = (SELECT d.client_id FROM document d WHERE d.id = installment.document_id)')


async def nothing(_apps, _schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('contacts', '0001_contacts_articles'), ('contacts', '0002_indexes_search_counter'), ('documents', '0003_payments'), ('models', '0003_payments')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Installment',
            name=None,
            fields=['due_date', 'id'],
        ),
        ops.RemoveIndex(
            model_name='Installment',
            name=None,
            fields=['kind', 'status', 'due_date', 'id'],
        ),
        # Migration 0003 left each of these two indexes twice in the migration state (once in the base): forget the
        # second copies without touching the base.
        ForgetIndex(model_name='Installment', fields=['due_date', 'id']),
        ForgetIndex(model_name='Installment', fields=['kind', 'status', 'due_date', 'id']),
        ops.AddField(
            model_name='Installment',
            name='client_id',
            field=fields.IntField(null=True),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['due_date', 'id', 'status', 'kind']),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['kind', 'status', 'due_date', 'id', 'amount', 'paid_amount']),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['number', 'id']),
        ),
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['client_id', 'due_date', 'id']),
        ),
        ops.RunPython(fill_client_ids, nothing),
    ]
