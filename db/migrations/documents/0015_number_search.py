"""The payments list's number search read from its index alone (issue 17).

A number typed as a prefix ("F20", every invoice of the decade) matched 100,000 installments through the index
(number, id), and the count, the page and the summary then read each one's row for its status, kind, due date and
amounts: 80 ms for the page and 120 ms for the summary at 100,000 invoices, the slowest of the list's clicks. Those
columns ride along in the new index; it starts like the old one, so every plan that used the old one can use it.
"""
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('documents', '0014_performance')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['number', 'id', 'status', 'kind', 'due_date', 'amount', 'paid_amount']),
        ),
        ops.RemoveIndex(
            model_name='Installment',
            name=None,
            fields=['number', 'id'],
        ),
    ]
