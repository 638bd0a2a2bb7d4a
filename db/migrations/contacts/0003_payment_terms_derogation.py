from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# A new column with a database default: existing contacts upgrade with no derogation (docs/legal.md 7).


class Migration(migrations.Migration):
    dependencies = [('contacts', '0002_indexes_search_counter')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Contact',
            name='payment_terms_derogation',
            field=fields.CharField(default='', db_default='', max_length=200),
        ),
    ]
