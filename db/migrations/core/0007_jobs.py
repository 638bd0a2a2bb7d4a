"""The job queue and the registry of running processes (issues 17 and 21)."""
from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0006_instance_key')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=40)),
                ('user_id', fields.IntField(null=True, db_index=True)),
                ('title', fields.CharField(default='', max_length=200)),
                ('params', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('state', fields.CharField(default='queued', db_index=True, max_length=10)),
                ('done', fields.IntField(default=0)),
                ('total', fields.IntField(default=0)),
                ('message', fields.CharField(default='', max_length=500)),
                ('result_name', fields.CharField(default='', max_length=200)),
                ('result_file', fields.CharField(default='', max_length=200)),
                ('result_size', fields.BigIntField(default=0)),
                ('attempts', fields.SmallIntField(default=0)),
                ('cancel_requested', fields.BooleanField(default=False)),
                ('worker', fields.CharField(default='', max_length=120)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('heartbeat_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'job', 'app': 'models', 'pk_attr': 'id', 'table_description':
                     'Heavy work (batch PDFs, exports) queued for the job workers, with its progress and result.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Process',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=120)),
                ('kind', fields.CharField(max_length=10)),
                ('pid', fields.IntField()),
                ('host', fields.CharField(max_length=100)),
                ('data_dir', fields.CharField(default='', max_length=500)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('heartbeat_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'process', 'app': 'models', 'pk_attr': 'id', 'table_description':
                     'The running web and worker processes, one row each, kept alive by a heartbeat.'},
            bases=['Model'],
        ),
    ]
