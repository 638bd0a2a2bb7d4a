"""Orders and delivery notes (OR1-OR3): what delivers or bills a line is found through its `source_line_id`.

A delivery note's line points at the order line it delivers, an invoice line at the delivery-note line (or order
line) it bills; db/order_links.py sums those links inside the transaction that writes, so the link is indexed.
"""
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('documents', '0009_state_events')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='DocumentLine',
            index=Index(fields=['source_line_id']),
        ),
    ]
