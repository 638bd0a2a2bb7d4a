"""Stored originals fingerprinted in the integrity chain (issue 13)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('documents', '0012_situations')]

    initial = False

    operations = []
