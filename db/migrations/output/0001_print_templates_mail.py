from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='MailLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('document_id', fields.IntField(null=True, db_index=True)),
                ('document_label', fields.CharField(default='', max_length=120)),
                ('recipients', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('subject', fields.CharField(default='', max_length=255)),
                ('attachments', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharField(default='sent', max_length=10)),
                ('error', fields.TextField(default='', unique=False)),
                ('user_id', fields.IntField(null=True)),
                ('actor', fields.CharField(default='', max_length=254)),
            ],
            options={'table': 'mail_log', 'app': 'output', 'pk_attr': 'id', 'table_description': 'One sending attempt of a document (or a test message), successful or not.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MailSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('host', fields.CharField(default='', max_length=200)),
                ('port', fields.IntField(default=587)),
                ('security', fields.CharField(default='starttls', max_length=10)),
                ('username', fields.CharField(default='', max_length=200)),
                ('password_encrypted', fields.TextField(default='', unique=False)),
                ('sender', fields.CharField(default='', max_length=254)),
                ('templates', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'mail_settings', 'app': 'output', 'pk_attr': 'id', 'table_description': 'The SMTP server and the message templates: one row. The password is encrypted with the instance secret.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PrintTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=80)),
                ('doc_types', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('default_for', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('layout', fields.CharField(default='classique', max_length=20)),
                ('primary_color', fields.CharField(default='#1f3a5f', max_length=7)),
                ('accent_color', fields.CharField(default='#b5452b', max_length=7)),
                ('font', fields.CharField(default='dejavu-serif', max_length=30)),
                ('logo_choice', fields.CharField(default='company', max_length=10)),
                ('logo_file', fields.CharField(default='', max_length=100)),
                ('header_text', fields.TextField(default='', unique=False)),
                ('footer_text', fields.TextField(default='', unique=False)),
                ('show_reference', fields.BooleanField(default=True)),
                ('show_unit', fields.BooleanField(default=True)),
                ('show_discount', fields.BooleanField(default=True)),
                ('show_bank', fields.BooleanField(default=True)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'print_template', 'app': 'output', 'pk_attr': 'id', 'table_description': 'A print template ("modèle d\'édition"): look and options of the PDF, assigned to document types.'},
            bases=['Model'],
        ),
    ]
