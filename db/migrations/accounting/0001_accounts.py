"""Accounting settings: the chart of accounts and journals the FEC export uses (issue 13)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('documents', '0014_performance'), ('contacts', '0003_payment_terms_derogation'), ('models', '0007_jobs'), ('banking', '0004_dunning_state')]

    initial = False

    operations = []
