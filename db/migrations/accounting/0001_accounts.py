"""Accounting settings: the chart of accounts and journals the FEC export uses (issue 13).

The settings row is created with the French chart's defaults (PCG), and the four French VAT rates get their own VAT
collected account (445711 at 20 %, 445712 at 10 %, 445713 at 5,5 %, 445714 at 2,1 %). Literal copies, not imports:
this migration must always do the same.
"""
from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from db.fields import FixedDecimalField

# (rate in hundredths of a percent, goods, services, VAT collected)
RATES = [(2000, '707000', '706000', '445711'), (1000, '707000', '706000', '445712'),
         (550, '707000', '706000', '445713'), (210, '707000', '706000', '445714')]


SETTINGS = {'id': 1, 'client_account': '411000', 'deposit_account': '419100', 'goods_account': '707000',
            'services_account': '706000', 'shipping_account': '708500', 'vat_account': '445710',
            'write_off_account': '654000', 'write_off_vat': True, 'bank_account': '512000',
            'transfer_account': '512000', 'direct_debit_account': '512000', 'card_account': '512000',
            'cash_account': '530000', 'cheque_account': '511200', 'sales_journal': 'VE', 'bank_journal': 'BQ',
            'cash_journal': 'CA', 'misc_journal': 'OD', 'version': 1}


def account(default: str) -> fields.CharField:
    return fields.CharField(default=default, max_length=20)


def marks(count: int, sqlite: bool) -> str:
    return ', '.join('?' if sqlite else f'${index}' for index in range(1, count + 1))


async def seed(_apps, schema_editor) -> None:
    client = schema_editor.client
    sqlite = client.capabilities.dialect == 'sqlite'
    await client.execute_many(f'INSERT INTO accounting_settings ({", ".join(SETTINGS)}) '
                              f'VALUES ({marks(len(SETTINGS), sqlite)})', [list(SETTINGS.values())])
    await client.execute_many(f'INSERT INTO accounting_rate (rate, goods_account, services_account, vat_account) '
                              f'VALUES ({marks(4, sqlite)})', [list(row) for row in RATES])
    # The deposit account was an option before (DE4, options.deposit_account, 4191 by default): one changed is kept.
    await client.execute_script(
        'UPDATE accounting_settings SET deposit_account = (SELECT deposit_account FROM options WHERE id = 1) '
        "WHERE id = 1 AND EXISTS (SELECT 1 FROM options WHERE id = 1 AND deposit_account NOT IN ('', '4191'))")


async def nothing(_apps, _schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('documents', '0014_performance'), ('contacts', '0003_payment_terms_derogation'), ('models', '0007_jobs'), ('banking', '0004_dunning_state')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountingSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_account', account('411000')),
                ('deposit_account', account('419100')),
                ('goods_account', account('707000')),
                ('services_account', account('706000')),
                ('shipping_account', account('708500')),
                ('vat_account', account('445710')),
                ('write_off_account', account('654000')),
                ('write_off_vat', fields.BooleanField(default=True)),
                ('bank_account', account('512000')),
                ('transfer_account', account('512000')),
                ('direct_debit_account', account('512000')),
                ('card_account', account('512000')),
                ('cash_account', account('530000')),
                ('cheque_account', account('511200')),
                ('sales_journal', fields.CharField(default='VE', max_length=6)),
                ('bank_journal', fields.CharField(default='BQ', max_length=6)),
                ('cash_journal', fields.CharField(default='CA', max_length=6)),
                ('misc_journal', fields.CharField(default='OD', max_length=6)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'accounting_settings', 'app': 'accounting', 'pk_attr': 'id', 'table_description': 'The chart of accounts and journals of the accounting export (one row, id 1).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RateAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rate', FixedDecimalField(scale=2, unique=True)),
                ('goods_account', fields.CharField(max_length=20)),
                ('services_account', fields.CharField(max_length=20)),
                ('vat_account', fields.CharField(max_length=20)),
            ],
            options={'table': 'accounting_rate', 'app': 'accounting', 'pk_attr': 'id', 'table_description': 'The sales accounts (goods, services) and the VAT collected account of one VAT rate.'},
            bases=['Model'],
        ),
        ops.RunPython(seed, nothing),
    ]
