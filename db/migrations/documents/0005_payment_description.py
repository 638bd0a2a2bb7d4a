"""The payments journal's table description points to the project's own docs/legal.md (no database change but the
description: AlterModelOptions only updates the migration state and the table comment)."""
from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('contacts', '0001_contacts_articles'), ('contacts', '0002_indexes_search_counter'),
                    ('documents', '0004_installment_search'), ('models', '0001_foundation'),
                    ('models', '0002_audit_append_only'), ('models', '0003_payments')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Payment',
            options={'table': 'payment', 'app': 'documents',
                     'indexes': [Index(fields=['installment_id', 'id']), Index(fields=['paid_on', 'id'])],
                     'pk_attr': 'id',
                     'table_description': 'One record of the payments journal (PA2, PA7, docs/legal.md 2.6): '
                                          'append-only (database triggers) and chained.'},
        ),
    ]
