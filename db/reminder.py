"""Models of dunning (PA6): the reminders sent per installment and level, and the dated late-penalty rates."""
from tortoise import fields
from tortoise.models import Model

from db.fields import FixedDecimalField, MoneyField


class DunningLevel(Model):
    """One of the three levels: sent `days` after the due date, with its e-mail subject and letter text."""

    id = fields.IntField(primary_key=True)
    level = fields.SmallIntField(unique=True)
    days = fields.IntField()
    subject = fields.CharField(max_length=255)
    text = fields.TextField()

    class Meta:
        table = 'dunning_level'


class DunningSettings(Model):
    """How penalties are computed (one row): 'ecb' (ECB rate + 10 points), 'legal_x3' or 'fixed' (fixed_rate %)."""

    id = fields.IntField(primary_key=True)
    penalty_basis = fields.CharField(max_length=10, default='ecb')
    fixed_rate = FixedDecimalField(scale=4, null=True)
    notice_days = fields.IntField(default=8)
    version = fields.IntField(default=1)

    class Meta:
        table = 'dunning_settings'


class ReferenceRate(Model):
    """A dated rate: the ECB main refinancing rate from the day it changed, or the legal interest rate of a half-year."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=8)
    valid_from = fields.DateField()
    rate = FixedDecimalField(scale=4)
    source = fields.CharField(max_length=255, default='')

    class Meta:
        table = 'reference_rate'
        unique_together = (('kind', 'valid_from'),)


class Reminder(Model):
    """One reminder sent for one installment: its level, date, channel and the amounts claimed on that day.

    `document_id` and `client_id` are copies (the installment has them) so that an invoice's history and a
    client's reminders read this table alone.
    """

    id = fields.BigIntField(primary_key=True)
    installment = fields.ForeignKeyField('documents.Installment', related_name=False, on_delete=fields.CASCADE)
    document_id = fields.IntField()
    client_id = fields.IntField(null=True)
    level = fields.SmallIntField()
    sent_on = fields.DateField()
    channel = fields.CharField(max_length=8)
    days_late = fields.IntField()
    principal = MoneyField()
    penalties = MoneyField(default=0)
    indemnity = MoneyField(default=0)
    user_id = fields.IntField(null=True)
    actor = fields.CharField(max_length=254, default='')
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'reminder'
        indexes = (('installment_id', 'level'), ('document_id', 'id'), ('client_id', 'id'))


class DunningState(Model):
    """Where one installment's dunning stands: the last level sent and the day it was sent.

    One row per installment reminded, none before its first reminder: a copy of the installment's highest Reminder
    (levels go up in time), written in the transaction that records the reminders (db/dunning_state.py). Its `id`
    is the installment's id (`installment_id` too, for the foreign key): the proposal finds it by primary key, one
    row lookup per overdue installment, instead of probing the reminders.
    """

    id = fields.IntField(primary_key=True)
    installment = fields.OneToOneField('documents.Installment', related_name=False, on_delete=fields.CASCADE)
    level = fields.SmallIntField()
    sent_on = fields.DateField()

    class Meta:
        table = 'dunning_state'


class DunningExclusion(Model):
    """A client that must never be proposed for dunning (a dispute, an arrangement), with why and since when."""

    id = fields.IntField(primary_key=True)
    contact_id = fields.IntField(unique=True)
    reason = fields.CharField(max_length=200, default='')
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'dunning_exclusion'
