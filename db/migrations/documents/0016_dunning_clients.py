"""The dunning proposal's clients summed from an index alone (issue 17).

The proposal now pages its clients and sums every installment due for a reminder in SQL (db/dunning.py
due_clients): grouped by client, that read each overdue installment's row for its client (58 ms at 100,000
invoices, 38,000 overdue installments). The client rides along in the (kind, status, due_date, ...) index (17 ms);
the new index starts like the old one, so every plan that used the old one can use it.
"""
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('documents', '0015_number_search')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Installment',
            index=Index(fields=['kind', 'status', 'due_date', 'id', 'amount', 'paid_amount', 'client_id']),
        ),
        ops.RemoveIndex(
            model_name='Installment',
            name=None,
            fields=['kind', 'status', 'due_date', 'id', 'amount', 'paid_amount'],
        ),
    ]
