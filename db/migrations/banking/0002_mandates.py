"""SEPA Core direct debits (PA5)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('banking', '0001_cheques')]

    initial = False

    operations = []
