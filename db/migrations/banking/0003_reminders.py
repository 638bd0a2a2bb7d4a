"""Dunning (PA6)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('banking', '0002_mandates')]

    initial = False

    operations = []
