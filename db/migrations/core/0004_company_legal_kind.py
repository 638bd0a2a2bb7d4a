"""Who invoices (docs/legal.md 1.1): a company or an entrepreneur individuel, and the register it is listed in."""
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0001_foundation'), ('models', '0002_audit_append_only'), ('models', '0003_payments')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Company',
            name='legal_kind',
            field=fields.CharField(default='company', db_default='company', max_length=16),
        ),
        ops.AddField(
            model_name='Company',
            name='trade_register',
            field=fields.CharField(default='rcs', db_default='rcs', max_length=8),
        ),
    ]
