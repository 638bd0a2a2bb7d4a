"""Progress invoices ("factures de situation") with holdback (issue 20)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('documents', '0011_sepa_due_index')]

    initial = False

    operations = []
