"""A search with a state filter counted from an index alone (issue 17).

"F20" (every invoice) and « Réglée » together: SQLite read the number range and each matching row for its state,
75 ms for the count and as much for the page at 100,000 invoices, the realistic tier's slowest invoices clicks
(db/document_list.py: _broad_prefix). The number now rides along in the state index. A client search ("cabinet",
1,618 clients) with « Réglée » read each of their 7,440 invoices for its state: 17 ms; the state now rides along in
the client index. Both start like the indexes they replace, so every plan that used those can use these.
"""
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('documents', '0017_payment_sorts')]

    initial = False

    operations = [
        ops.AddIndex(model_name='Document', index=Index(fields=['family', 'state', 'issue_date', 'id', 'number'])),
        ops.RemoveIndex(model_name='Document', name=None, fields=['family', 'state', 'issue_date', 'id']),
        ops.AddIndex(model_name='Document', index=Index(fields=['family', 'client_id', 'issue_date', 'id', 'state'])),
        ops.RemoveIndex(model_name='Document', name=None, fields=['family', 'client_id', 'issue_date', 'id']),
    ]
