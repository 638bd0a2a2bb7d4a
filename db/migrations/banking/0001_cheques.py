"""Cheque remittances (PA4)."""
from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [('documents', '0009_state_events'), ('contacts', '0003_payment_terms_derogation'), ('models', '0005_dashboard')]

    initial = False

    operations = []
