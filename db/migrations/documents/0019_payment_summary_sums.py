"""The payments list's summary from indexes alone (issue 17, the payments list at a million installments).

- What credit notes imputed is read from (method, installment_id, amount): the summary scanned the whole journal for
  its few imputations on every filter or search click (75 ms at a million payments for 894 imputations).
- A client search's sums ride along in the client index (client_id, due_date, id, status, kind, amount,
  paid_amount): "cabinet" (72,854 installments) read each row for its amounts, 400 ms. It starts like the index it
  replaces, so every plan that used that one can use this one.
"""
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('documents', '0018_state_number_search')]

    initial = False

    operations = [
        ops.AddIndex(model_name='Payment', index=Index(fields=['method', 'installment_id', 'amount'])),
        ops.AddIndex(model_name='Installment', index=Index(
            fields=['client_id', 'due_date', 'id', 'status', 'kind', 'amount', 'paid_amount'])),
        ops.RemoveIndex(model_name='Installment', name=None, fields=['client_id', 'due_date', 'id', 'status', 'kind']),
    ]
