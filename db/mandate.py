"""Models of SEPA Core direct debits (PA5): mandates on contacts, collections and the installments they debit.

A `Mandate` is the debtor's authorisation (RUM, signature date, one-off or recurrent) with the account it names; a
`Collection` is one pain.008 file handed to the bank; a `CollectionItem` is one debit of one installment in it.
While an item is live (debited, or settled) `live_installment_id` holds its installment: the unique constraint on it
keeps an installment in at most one live debit, whatever two users build at the same time. A rejected item sets it
back to NULL, so the reopened installment may be collected again. The rules are in logic/sepa.py.
"""
from tortoise import fields
from tortoise.models import Model

from db.fields import MoneyField

MANDATE_KINDS: dict[str, str] = {'recurrent': 'Récurrent', 'one_off': 'Ponctuel'}
# 'lapsed' is never stored: a mandate unused for 36 months is computed as lapsed (logic/sepa.py: mandate_state).
MANDATE_STATUSES: dict[str, str] = {'active': 'Actif', 'revoked': 'Révoqué', 'closed': 'Terminé',
                                    'lapsed': 'Caduc'}
ITEM_STATUSES: dict[str, str] = {'debited': 'Prélevé', 'settled': 'Réglé', 'rejected': 'Rejeté'}
COLLECTION_STATES: dict[str, str] = {'sent': 'Transmis', 'closed': 'Traité'}


class Mandate(Model):
    """A SEPA direct debit mandate signed by a contact (LEGAL.md 6): its RUM is unique for our ICS."""

    id = fields.IntField(primary_key=True)
    contact = fields.ForeignKeyField('contacts.Contact', related_name=False, on_delete=fields.RESTRICT)
    reference = fields.CharField(max_length=35, unique=True)
    signed_on = fields.DateField()
    kind = fields.CharField(max_length=10, default='recurrent')
    status = fields.CharField(max_length=10, default='active')
    debtor_name = fields.CharField(max_length=140)
    iban = fields.CharField(max_length=34)
    bic = fields.CharField(max_length=11, default='')
    last_used_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'mandate'
        indexes = (('contact_id', 'status'),)


class SepaSettings(Model):
    """The direct debit settings (one row): pre-notification days and the pain.008 version the bank takes."""

    id = fields.IntField(primary_key=True)
    prenotification_days = fields.SmallIntField(default=14)
    version = fields.CharField(max_length=3, default='008')

    class Meta:
        table = 'sepa_settings'


class Collection(Model):
    """One direct debit file (pain.008) handed to the bank: its items, date and the SHA-256 of the file."""

    id = fields.IntField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    collection_date = fields.DateField()
    version = fields.CharField(max_length=3)
    state = fields.CharField(max_length=8, default='sent')
    total = MoneyField(default=0)
    count = fields.IntField(default=0)
    message_id = fields.CharField(max_length=35, default='')
    fingerprint = fields.CharField(max_length=64, default='')
    content = fields.TextField(default='')
    created_by_id = fields.IntField(null=True)

    class Meta:
        table = 'sepa_collection'
        indexes = (('created_at', 'id'),)

    @property
    def number(self) -> str:
        return f'PRL-{self.id:06d}'


class CollectionItem(Model):
    """One debit of one installment in a collection: its sequence type, end-to-end id and what the bank said."""

    id = fields.IntField(primary_key=True)
    collection = fields.ForeignKeyField('banking.Collection', related_name='items', on_delete=fields.RESTRICT)
    installment = fields.ForeignKeyField('documents.Installment', related_name=False, on_delete=fields.RESTRICT)
    mandate = fields.ForeignKeyField('banking.Mandate', related_name=False, on_delete=fields.RESTRICT)
    live_installment_id = fields.IntField(null=True, unique=True)
    amount = MoneyField()
    sequence = fields.CharField(max_length=4)
    end_to_end_id = fields.CharField(max_length=35, unique=True)
    number = fields.CharField(max_length=35, default='')
    client_name = fields.CharField(max_length=255, default='')
    status = fields.CharField(max_length=8, default='debited')
    reason = fields.CharField(max_length=4, default='')

    class Meta:
        table = 'sepa_collection_item'
        indexes = (('collection_id', 'id'), ('mandate_id', 'status'))
