"""The dashboard (DA1-DA5): the month a fiscal year starts on, and each user's choice of widgets."""
from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0004_company_legal_kind')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Options',
            name='fiscal_year_start',
            field=fields.SmallIntField(default=1, db_default=1),
        ),
        ops.AddField(
            model_name='User',
            name='dashboard_widgets',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
