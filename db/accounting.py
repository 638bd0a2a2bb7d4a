"""Models of the accounting settings (SE5): accounts per VAT rate and kind, per payment method, journals.

One `AccountingSettings` row (id 1, created with the French PCG defaults by migration accounting/0001) and one
`RateAccount` row per VAT rate that has its own sales and VAT accounts. A rate without a row uses the settings'
default accounts. `load_accounts()` gives them as logic.fec.Accounts; `save_settings` is the only writer (admin
only, checked by logic/accounting.py, audited).
"""
from decimal import Decimal

from tortoise import fields
from tortoise.models import Model

from db.actor import Actor, require_admin
from db.audit import changes, record
from db.fields import FixedDecimalField
from db.unit_of_work import transaction
from logic import fec
from logic.accounting import SETTINGS_FIELDS, check_rates, check_settings
from logic.errors import DomainError

SETTINGS_ID = 1


class AccountingSettings(Model):
    """The chart of accounts and journals of the accounting export (one row, id 1)."""

    id = fields.IntField(primary_key=True)
    client_account = fields.CharField(max_length=20, default='411000')
    deposit_account = fields.CharField(max_length=20, default='419100')
    goods_account = fields.CharField(max_length=20, default='707000')
    services_account = fields.CharField(max_length=20, default='706000')
    shipping_account = fields.CharField(max_length=20, default='708500')
    vat_account = fields.CharField(max_length=20, default='445710')
    write_off_account = fields.CharField(max_length=20, default='654000')
    write_off_vat = fields.BooleanField(default=True)
    bank_account = fields.CharField(max_length=20, default='512000')
    transfer_account = fields.CharField(max_length=20, default='512000')
    direct_debit_account = fields.CharField(max_length=20, default='512000')
    card_account = fields.CharField(max_length=20, default='512000')
    cash_account = fields.CharField(max_length=20, default='530000')
    cheque_account = fields.CharField(max_length=20, default='511200')
    sales_journal = fields.CharField(max_length=6, default='VE')
    bank_journal = fields.CharField(max_length=6, default='BQ')
    cash_journal = fields.CharField(max_length=6, default='CA')
    misc_journal = fields.CharField(max_length=6, default='OD')
    version = fields.IntField(default=1)

    class Meta:
        table = 'accounting_settings'


class RateAccount(Model):
    """The sales accounts (goods, services) and the VAT collected account of one VAT rate."""

    id = fields.IntField(primary_key=True)
    rate = FixedDecimalField(scale=2, unique=True)
    goods_account = fields.CharField(max_length=20)
    services_account = fields.CharField(max_length=20)
    vat_account = fields.CharField(max_length=20)

    class Meta:
        table = 'accounting_rate'


async def get_settings() -> AccountingSettings:
    # The migration creates the row (and takes the deposit account over from the former option, DE4).
    return await AccountingSettings.get_or_none(id=SETTINGS_ID) or AccountingSettings(id=SETTINGS_ID)


async def rate_rows() -> list[RateAccount]:
    return await RateAccount.all().order_by('-rate')


async def load_accounts() -> fec.Accounts:
    """The settings as the entries use them (logic.fec.Accounts)."""
    settings = await get_settings()
    rates = {row.rate: fec.RateAccounts(goods=row.goods_account, services=row.services_account, vat=row.vat_account)
             for row in await rate_rows()}
    return fec.Accounts(
        client=settings.client_account, deposit=settings.deposit_account, goods=settings.goods_account,
        services=settings.services_account, shipping=settings.shipping_account, vat=settings.vat_account,
        write_off=settings.write_off_account, write_off_vat=settings.write_off_vat, bank=settings.bank_account,
        transfer=settings.transfer_account, direct_debit=settings.direct_debit_account, card=settings.card_account,
        cash=settings.cash_account, cheques=settings.cheque_account, sales_journal=settings.sales_journal,
        bank_journal=settings.bank_journal, cash_journal=settings.cash_journal, misc_journal=settings.misc_journal,
        rates=rates)


async def save_settings(actor: Actor, form: dict[str, object], rates: list[dict[str, str]], *,
                        version: int) -> AccountingSettings:
    """Save the form (admin only): every field checked first (`logic.accounting`), one French message per field
    (FieldsInvalid), nothing saved on error; `rates`: the per-rate rows as typed, the whole list. Audited."""
    require_admin(actor)
    values = check_settings(form)
    rows = check_rates(rates)
    async with transaction():
        settings = await AccountingSettings.get_or_none(id=SETTINGS_ID).select_for_update() \
            or await AccountingSettings.create(id=SETTINGS_ID)
        if settings.version != version:
            raise DomainError('Les comptes ont été modifiés par quelqu’un d’autre depuis l’ouverture de la page : '
                              'rechargez-la (vos changements n’ont pas été enregistrés).')
        before = {key: getattr(settings, key) for key in SETTINGS_FIELDS}
        diff = changes(before, values)
        old_rates = {str(row.rate): (row.goods_account, row.services_account, row.vat_account)
                     for row in await RateAccount.all()}
        new_rates = {str(rate): (goods, services, vat) for rate, goods, services, vat in rows}
        if old_rates != new_rates:
            diff['rates'] = {'before': old_rates, 'after': new_rates}
            await RateAccount.all().delete()
            await RateAccount.bulk_create([RateAccount(rate=Decimal(rate), goods_account=goods,
                                                       services_account=services, vat_account=vat)
                                           for rate, goods, services, vat in rows])
        if diff:
            settings.update_from_dict(values)
            settings.version += 1
            await settings.save()
            await record('settings.accounting', actor, target='accounting_settings', details=diff)
    return settings
