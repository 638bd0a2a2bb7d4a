"""Models of period closings (AC3): monthly and fiscal-year totals, perpetual grand total, chained and frozen.

A Closing is written once, by db/closings.py, in one transaction: its `payload` holds everything it attests (the
totals of the period, the perpetual grand total, the number range of each series, the head of each integrity chain
and of the documents' states at that moment) in the canonical form of logic/closing.py. `fingerprint` is the plain
SHA-256 of that payload (anyone can recompute it from a closing report or an archive, without the instance secret),
`hash` its HMAC chained to the previous closing's (like the documents' chain). The table is append-only (database
triggers, migration accounting/0002): a closing is never changed nor removed.
"""
from tortoise import fields
from tortoise.models import Model

from db.fields import MoneyField


class Closing(Model):
    """A monthly or fiscal-year closing (AC3): append-only (database triggers), chained."""

    id = fields.IntField(primary_key=True)
    position = fields.IntField(unique=True)
    kind = fields.CharField(max_length=5)
    period_start = fields.DateField()
    period_end = fields.DateField()
    label = fields.CharField(max_length=40)
    payload = fields.JSONField()
    perpetual_total = MoneyField()
    fingerprint = fields.CharField(max_length=64)
    previous_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)
    created_by = fields.ForeignKeyField('models.User', null=True, on_delete=fields.RESTRICT, related_name=False)
    created_by_name = fields.CharField(max_length=255, default='')
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'closing'
        unique_together = (('kind', 'period_start'),)


class ClosingSettings(Model):
    """The one row of the closing settings: the e-mail of the accountant.

    The fiscal year starts in the month of the company's options (Options.fiscal_year_start, Paramètres > Options), as
    the dashboard and the exports read it."""

    id = fields.IntField(primary_key=True)
    accountant_email = fields.CharField(max_length=254, default='')
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = 'closing_settings'
