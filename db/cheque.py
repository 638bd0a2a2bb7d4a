"""Models of cheque remittances (PA4): the slips ("bordereaux de remise de chèques") and the cheques they carry.

A `Cheque` is written with its settlement (db/payments.py), in the same transaction: the payment journal is
append-only, so the details (drawer, bank, cheque number) live here, frozen once written (database triggers, migration
banking/0001), like the copy of the amount, date, invoice number and client. Only `status` and `slip_id` move:
'pending' (to remit), 'remitted' (on a live slip, `slip_id`), 'void' (its settlement was reversed before it was
remitted). A `ChequeSlip` is numbered, frozen and chained at its creation (db/cheques.py); it is never deleted, only
cancelled as a whole, which frees its cheques. `ChequeSlipLine` keeps which cheques a slip carried, in order, even
once it is cancelled (append-only).
"""
from tortoise import fields
from tortoise.models import Model

from db.fields import MoneyField

CHEQUE_STATUSES: dict[str, str] = {'pending': 'À remettre', 'remitted': 'Remis', 'void': 'Annulé'}
SLIP_STATES: dict[str, str] = {'issued': 'Remise', 'cancelled': 'Annulée'}
# The columns a cheque never changes once written, and those of a slip once created (the triggers list the same).
CHEQUE_FROZEN: tuple[str, ...] = ('payment_id', 'installment_id', 'document_id', 'invoice_number', 'client_name',
                                  'amount', 'received_on', 'drawer', 'bank', 'cheque_number', 'created_at')
SLIP_FROZEN: tuple[str, ...] = ('number', 'issued_on', 'count', 'total', 'holder', 'bank_name', 'iban', 'bic',
                                'created_by_id', 'created_at')


class Cheque(Model):
    """A cheque received for an installment, recorded with its settlement (one per settlement paid by cheque)."""

    id = fields.IntField(primary_key=True)
    payment = fields.OneToOneField('documents.Payment', related_name=False, on_delete=fields.RESTRICT)
    installment_id = fields.IntField()
    document_id = fields.IntField()
    invoice_number = fields.CharField(max_length=35, default='')
    client_name = fields.CharField(max_length=255, default='')
    amount = MoneyField()
    received_on = fields.DateField()
    drawer = fields.CharField(max_length=100, default='')
    bank = fields.CharField(max_length=100, default='')
    cheque_number = fields.CharField(max_length=20, default='')
    status = fields.CharField(max_length=10, default='pending')
    slip = fields.ForeignKeyField('banking.ChequeSlip', null=True, related_name='cheques', on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'cheque'
        # The cheques to remit, oldest first, from the index alone; a slip's cheques through its id.
        indexes = (('status', 'received_on', 'id'), ('slip_id', 'id'))


class ChequeSlip(Model):
    """A numbered remittance slip: the company account it is paid into, how many cheques, their total."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=35, unique=True)
    issued_on = fields.DateField()
    state = fields.CharField(max_length=10, default='issued')
    count = fields.IntField()
    total = MoneyField()
    holder = fields.CharField(max_length=200, default='')
    bank_name = fields.CharField(max_length=100, default='')
    iban = fields.CharField(max_length=34, default='')
    bic = fields.CharField(max_length=11, default='')
    created_by = fields.ForeignKeyField('models.User', null=True, on_delete=fields.RESTRICT, related_name=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    cancelled_on = fields.DateField(null=True)
    cancel_reason = fields.CharField(max_length=255, default='')

    class Meta:
        table = 'cheque_slip'
        indexes = (('issued_on', 'id'),)


class ChequeSlipLine(Model):
    """One cheque of a slip, in the slip's order (append-only: a cancelled slip still lists what it carried)."""

    id = fields.IntField(primary_key=True)
    slip = fields.ForeignKeyField('banking.ChequeSlip', related_name='lines', on_delete=fields.RESTRICT)
    cheque = fields.ForeignKeyField('banking.Cheque', related_name=False, on_delete=fields.RESTRICT)
    position = fields.IntField()

    class Meta:
        table = 'cheque_slip_line'
        unique_together = (('slip_id', 'position'),)
        indexes = (('cheque_id',),)
