"""Models of progress invoicing (issue 20): the contract taken from an accepted quote, its situations and holdback.

A `Contract` points at its accepted quote (the "marché"): its lines and amounts are the quote's, never copied into a
new kind of document. Each `Situation` is a progress invoice (a legal document issued through db/issuing.py) with
its `SituationLine`s: the cumulative percent, the delta and the amounts, stored as printed, so that nothing is
rebuilt by walking back through the situations before. Operations live in db/situations.py.
"""
from tortoise import fields
from tortoise.models import Model

from db.fields import FixedDecimalField, MoneyField

CONTRACT_STATES = {'open': 'En cours', 'closed': 'Soldé (DGD)'}


class Contract(Model):
    """A building contract billed by situations: holdback, guarantee, deposit deduction, and where it stands.

    `billed_ht` and `situations` are the running totals the contracts list shows (kept by db/situations.py in the
    transaction that issues a situation).
    """

    id = fields.IntField(primary_key=True)
    quote = fields.OneToOneField('documents.Document', on_delete=fields.RESTRICT, related_name=False)
    quote_number = fields.CharField(max_length=35, default='')
    client_id = fields.IntField(null=True)
    client_name = fields.CharField(max_length=255, default='')
    title = fields.CharField(max_length=255, default='')
    total_ht = MoneyField(default=0)
    holdback_rate = FixedDecimalField(scale=2, default=5)
    guarantee = fields.CharField(max_length=10, default='holdback')
    deposit_mode = fields.CharField(max_length=12, default='proportional')
    state = fields.CharField(max_length=8, default='open')
    billed_ht = MoneyField(default=0)
    holdback_total = MoneyField(default=0)
    situations = fields.IntField(default=0)
    reception_date = fields.DateField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'situation_contract'
        # The contracts list pages newest first, by state, or by client, from these indexes.
        indexes = (('state', 'id'), ('client_name', 'id'))


class Situation(Model):
    """Situation n of a contract: its progress invoice and the amounts it stated (the DGD when `final`)."""

    id = fields.IntField(primary_key=True)
    contract = fields.ForeignKeyField('documents.Contract', related_name='situation_rows', on_delete=fields.RESTRICT)
    document = fields.OneToOneField('documents.Document', on_delete=fields.RESTRICT, related_name=False)
    seq = fields.IntField()
    final = fields.BooleanField(default=False)
    cumulative_ht = MoneyField(default=0)
    delta_ht = MoneyField(default=0)
    total_ttc = MoneyField(default=0)
    deposit = MoneyField(default=0)
    holdback = MoneyField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'situation'
        unique_together = (('contract', 'seq'),)


class SituationLine(Model):
    """One contract line in one situation: cumulative and delta, percent and amounts, as printed."""

    id = fields.BigIntField(primary_key=True)
    situation = fields.ForeignKeyField('documents.Situation', related_name='lines', on_delete=fields.RESTRICT)
    quote_line_id = fields.BigIntField()
    position = fields.IntField()
    contract_amount = MoneyField()
    cumulative_percent = FixedDecimalField(scale=4)
    delta_percent = FixedDecimalField(scale=4)
    cumulative_quantity = FixedDecimalField(scale=4, null=True)
    cumulative_amount = MoneyField()
    previous_amount = MoneyField()
    delta_amount = MoneyField()

    class Meta:
        table = 'situation_line'
        unique_together = (('situation', 'position'),)
