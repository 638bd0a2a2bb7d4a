"""The payments list's summary, and a client search sorted by client, from indexes alone (issue 17, a million
invoices and installments).

- What credit notes imputed is read from (method, installment_id, amount): the summary scanned the whole journal for
  its few imputations on every filter or search click (75 ms at a million payments for 894 imputations).
- A client search's sums ride along in the client index (client_id, due_date, id, status, kind, amount,
  paid_amount, client_name): "cabinet" (72,854 installments) read each row for its amounts, 400 ms; and sorted by
  client, each row for its name (260 -> 51 ms a page).
- The same name rides along in the documents' client index (family, client_id, issue_date, id, state, client_name):
  "cabinet" sorted by client, 300-625 -> 24-56 ms a page at a million invoices.
Each starts like the index it replaces, so every plan that used that one can use this one.
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
            fields=['client_id', 'due_date', 'id', 'status', 'kind', 'amount', 'paid_amount', 'client_name'])),
        ops.RemoveIndex(model_name='Installment', name=None, fields=['client_id', 'due_date', 'id', 'status', 'kind']),
        ops.AddIndex(model_name='Document', index=Index(
            fields=['family', 'client_id', 'issue_date', 'id', 'state', 'client_name'])),
        ops.RemoveIndex(model_name='Document', name=None, fields=['family', 'client_id', 'issue_date', 'id', 'state']),
    ]
