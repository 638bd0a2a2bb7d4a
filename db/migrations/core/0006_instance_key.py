"""Issue 21: the fingerprint of the instance secret (db/instance.py), recorded by the next start."""
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0005_dashboard')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InstanceKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('secret_fingerprint', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'instance_key', 'app': 'models', 'pk_attr': 'id',
                     'table_description': 'The fingerprint of the instance secret (one row): a start with another '
                                          'secret is refused.'},
            bases=['Model'],
        ),
    ]
