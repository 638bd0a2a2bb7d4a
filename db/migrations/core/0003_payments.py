from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_foundation'), ('models', '0002_audit_append_only')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Options',
            name='deposit_account',
            field=fields.CharField(default='4191', db_default='4191', max_length=12),
        ),
    ]
