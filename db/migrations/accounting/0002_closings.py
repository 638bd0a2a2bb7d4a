"""Period closings with their perpetual totals, chained and frozen (issue 13)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('accounting', '0001_accounts')]

    initial = False

    operations = []
