from tortoise import migrations

from db.sqlguard import append_only


class Migration(migrations.Migration):
    dependencies = [('models', '0001_foundation')]

    operations = [append_only('audit_entry')]
