"""Documents (DOC1-DOC7, QU, IN, later DE/PA/OR/IN8): ONE table and ONE line model for every document type.

A document's kind is `doc_type`; `family` groups the types one list page shows (the "Factures" list shows invoices,
deposit invoices, progress invoices and credit notes) and `series` is the numbering series (deposit and progress
invoices share the invoice series, docs/legal.md 2.3): logic/doctypes.py declares them for every type. Legal
documents are frozen once validated: the model refuses it here (save/delete) and database triggers refuse it for raw
SQL too (db/docguard.py, migration 0002).

Operations live in db/documents.py (read its docstring first), never call save() on these models from pages.
"""
from tortoise import fields
from tortoise.models import Model

from db.fields import FixedDecimalField, MoneyField
from logic import doctypes
from logic.errors import DomainError

# Accounting documents: numbered at validation, chained (AC3), frozen and never deleted once validated (IN3). The
# database triggers of migration documents/0002 list the same types (tests/db/test_documents.py checks it).
LEGAL_TYPES: tuple[str, ...] = doctypes.keys(legal=True)
# Columns a validated legal document may still change: its state (payments, credit notes), what has been credited,
# the print template, the optimistic-lock version and timestamps, and the cost of its lines (management data for the
# dashboard's margin, never printed: documents/0008 estimates it for documents issued before it existed). Everything
# else is frozen (the DB triggers of migration documents/0002 list the same columns).
MUTABLE_AFTER_VALIDATION: tuple[str, ...] = ('state', 'credited_amount', 'template_id', 'version', 'updated_at',
                                             'created_by_id', 'total_cost')
FROZEN_COLUMNS: tuple[str, ...] = (
    'doc_type', 'family', 'series', 'number', 'issue_date', 'due_date', 'validity_date', 'delivery_date', 'client_id',
    'client_name', 'payment_method_id', 'probability', 'global_discount_kind', 'global_discount_value', 'shipping',
    'shipping_vat_rate', 'shipping_vat_category', 'purchase_order', 'header_text', 'footer_text', 'notes', 'total_ht',
    'total_vat', 'total_ttc', 'prepaid', 'amount_due', 'snapshot', 'source_id', 'validated_at', 'created_at',
    'vat_included', 'delivery_address',
)


def type_columns(key: str) -> dict[str, str]:
    """The columns a new document of type `key` takes from the registry: `Document.create(**type_columns(key), ...)`."""
    entry = doctypes.doc_type(key)
    return {'doc_type': key, 'family': entry.family, 'series': entry.series}


class DocumentFrozen(DomainError):
    """A validated invoice or credit note can't be changed nor deleted: corrections are credit notes."""


class Document(Model):
    """A quote, an invoice, a credit note... Totals are cached from logic.totals for lists, sorting and filters."""

    id = fields.IntField(primary_key=True)
    doc_type = fields.CharField(max_length=20)
    family = fields.CharField(max_length=20)
    series = fields.CharField(max_length=20)
    state = fields.CharField(max_length=16, default='draft')
    number = fields.CharField(max_length=35, null=True)
    issue_date = fields.DateField(null=True)
    due_date = fields.DateField(null=True)
    validity_date = fields.DateField(null=True)
    delivery_date = fields.DateField(null=True)
    # Where the goods go when it is not the billing address (docs/legal.md 1.3): a copy of one of the client's
    # addresses (logic.snapshot.Party fields), kept as chosen even if the contact's address changes later.
    delivery_address = fields.JSONField(null=True)
    client = fields.ForeignKeyField('contacts.Contact', null=True, on_delete=fields.RESTRICT,
                                    related_name='documents')
    # Copied from the contact at each save (and frozen with the document): lists sort and search on it without a join.
    client_name = fields.CharField(max_length=255, default='')
    payment_method = fields.ForeignKeyField('models.PaymentMethod', null=True, on_delete=fields.RESTRICT,
                                            related_name=False)
    template_id = fields.IntField(null=True)
    probability = fields.SmallIntField(null=True)
    global_discount_kind = fields.CharField(max_length=8, null=True)
    global_discount_value = FixedDecimalField(scale=4, default=0)
    shipping = MoneyField(default=0)
    shipping_vat_rate = FixedDecimalField(scale=2, default=20)
    shipping_vat_category = fields.CharField(max_length=2, default='S')
    purchase_order = fields.CharField(max_length=100, default='')
    header_text = fields.TextField(default='')
    footer_text = fields.TextField(default='')
    notes = fields.TextField(default='')
    total_ht = MoneyField(default=0)
    total_vat = MoneyField(default=0)
    total_ttc = MoneyField(default=0)
    prepaid = MoneyField(default=0)
    amount_due = MoneyField(default=0)
    # TTC already credited by validated credit notes (a positive amount): what is left to credit is the difference.
    credited_amount = MoneyField(default=0)
    # What the lines cost (their articles' purchase prices when the document was last saved): the dashboard's margin.
    # Management data, not a legal mention: not frozen, not printed.
    total_cost = MoneyField(default=0, db_default=0)
    # Prices include VAT (deposit invoices, DE3: the amount received is the TTC, VAT is extracted per rate).
    vat_included = fields.BooleanField(default=False, db_default=False)
    # The frozen copy (logic.snapshot.DocumentSnapshot.to_dict()), set at validation and printed ever after.
    snapshot = fields.JSONField(null=True)
    # Where it comes from: the quote of an invoice, the invoice of a credit note.
    source = fields.ForeignKeyField('documents.Document', null=True, on_delete=fields.RESTRICT,
                                    related_name='derived')
    version = fields.IntField(default=1)
    created_by = fields.ForeignKeyField('models.User', null=True, on_delete=fields.SET_NULL, related_name=False)
    validated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = 'document'
        unique_together = (('series', 'number'),)
        # Each sort of the lists ends with the id (the tie-breaker): pages are read from the index alone.
        indexes = (('family', 'issue_date', 'id'), ('doc_type', 'issue_date', 'id'),
                   # The state's entries carry the number: a number prefix with a state filter counted from
                   # the index alone (db/document_list.py: _broad_prefix).
                   ('family', 'state', 'issue_date', 'id', 'number'), ('family', 'number', 'id'),
                   ('family', 'client_name', 'id'), ('family', 'total_ttc', 'id'), ('family', 'due_date', 'id'),
                   # With the state: a client search with a state filter counted from the index alone; with the
                   # client's name: a client search sorted by client sorts its matches from the index alone.
                   ('family', 'client_id', 'issue_date', 'id', 'state', 'client_name'), ('client_id', 'issue_date'),
                   ('source_id',),
                   # The dashboard's turnover and margin per day (db/dashboard.py), read from the index alone.
                   ('family', 'issue_date', 'doc_type', 'state', 'total_ht', 'total_cost', 'source_id'),
                   ('family', 'id'),  # the dashboard's last documents created
                   # The invoices paid by direct debit (db/sepa.py: due_for_collection), from the index alone.
                   ('payment_method_id', 'id'))

    @classmethod
    def _init_from_db(cls, **kwargs):
        instance = super()._init_from_db(**kwargs)
        instance._loaded = instance._frozen_values()
        return instance

    @property
    def is_legal(self) -> bool:
        return doctypes.is_legal(self.doc_type)

    @property
    def is_frozen(self) -> bool:
        """True once an invoice or credit note is validated: only its state may still move."""
        return doctypes.is_legal(self.doc_type) and self.state != 'draft'

    @property
    def type_label(self) -> str:
        return doctypes.label(self.doc_type)

    async def save(self, *args, **kwargs) -> None:
        loaded = getattr(self, '_loaded', None)
        if loaded and doctypes.is_legal(loaded['doc_type']) and loaded['state'] != 'draft':
            changed = [name for name in FROZEN_COLUMNS if getattr(self, name) != loaded[name]]
            if changed or self.state == 'draft':
                raise DocumentFrozen(f'{self.type_label} {loaded["number"]} est validée : elle ne peut plus être '
                                     'modifiée (pour la corriger, établissez un avoir).')
        await super().save(*args, **kwargs)
        self._loaded = self._frozen_values()

    async def delete(self, *args, **kwargs) -> None:
        loaded = getattr(self, '_loaded', None) or self._frozen_values()
        if doctypes.is_legal(loaded['doc_type']) and loaded['state'] != 'draft':
            raise DocumentFrozen(f'{self.type_label} {loaded["number"]} est validée : elle ne peut pas être '
                                 'supprimée.')
        await super().delete(*args, **kwargs)

    def _frozen_values(self) -> dict:
        return {name: getattr(self, name) for name in (*FROZEN_COLUMNS, 'state')}


class DocumentLine(Model):
    """A line (DOC1): an item, a title, a subtotal or a free text. Amounts follow logic.draft.DraftLine."""

    id = fields.BigIntField(primary_key=True)
    document = fields.ForeignKeyField('documents.Document', related_name='lines', on_delete=fields.CASCADE)
    position = fields.IntField()
    kind = fields.CharField(max_length=10, default='item')
    # Indexed: "is this article used?" and the RESTRICT check on deleting an article look lines up by article.
    article = fields.ForeignKeyField('contacts.Article', null=True, on_delete=fields.RESTRICT, related_name=False,
                                     db_index=True)
    reference = fields.CharField(max_length=40, default='')
    designation = fields.CharField(max_length=255, default='')
    description = fields.TextField(default='')
    quantity = FixedDecimalField(scale=4, default=0)
    unit = fields.CharField(max_length=40, default='')
    unit_code = fields.CharField(max_length=3, default='C62')
    unit_price = FixedDecimalField(scale=6, default=0)
    discount_kind = fields.CharField(max_length=8, null=True)
    discount_value = FixedDecimalField(scale=4, default=0)
    vat_rate = FixedDecimalField(scale=2, default=0)
    vat_category = fields.CharField(max_length=2, default='S')
    exemption_reason = fields.CharField(max_length=255, default='')
    # The VATEX code of an exempt line (EN 16931 BT-121), copied from its VAT rate like the reason.
    exemption_code = fields.CharField(max_length=30, default='', db_default='')
    nature = fields.CharField(max_length=8, default='service')
    show_parts = fields.BooleanField(default=False)
    # Line net HT from logic.totals (None on titles and texts): sums per article/period for dashboards.
    net = MoneyField(null=True)
    # The purchase price of one unit (the article's, copied when the draft is saved; a credit note keeps its
    # invoice's): the margin stays what it was when the document was issued.
    unit_cost = FixedDecimalField(scale=6, default=0, db_default=0)
    # On a credit note: the credited invoice line, so that a line is never credited beyond its quantity. On a delivery
    # note: the order line it delivers; on an invoice: the delivery-note (or order) line it bills (db/order_links.py).
    source_line_id = fields.BigIntField(null=True)

    class Meta:
        table = 'document_line'
        unique_together = (('document', 'position'),)
        # What delivers or bills a line (db/order_links.py) is found through its link.
        indexes = (('source_line_id',),)

    async def save(self, *args, **kwargs) -> None:
        await _refuse_if_frozen(self.document_id)
        await super().save(*args, **kwargs)

    async def delete(self, *args, **kwargs) -> None:
        await _refuse_if_frozen(self.document_id)
        await super().delete(*args, **kwargs)


class NumberSeries(Model):
    """A numbering series (SE4): pattern such as F{AAAA}-{N:5}, reset yearly or never."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=20, unique=True)
    pattern = fields.CharField(max_length=60)
    reset = fields.CharField(max_length=8, default='yearly')
    active = fields.BooleanField(default=True)
    # Date of the last numbered document: the next one can't be dated earlier (chronological numbering, IN2).
    last_date = fields.DateField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = 'number_series'


class NumberCounter(Model):
    """The last number taken in a series for a period ('2026', or '' when the series never resets)."""

    id = fields.IntField(primary_key=True)
    series = fields.CharField(max_length=20)
    period_key = fields.CharField(max_length=8, default='')
    value = fields.BigIntField(default=0)

    class Meta:
        table = 'number_counter'
        unique_together = (('series', 'period_key'),)


INSTALLMENT_KINDS: dict[str, str] = {'installment': 'Échéance', 'deposit': 'Acompte'}
# planned: a deposit of a quote not yet accepted (not in Payments); open: due, nothing or part of it settled;
# paid: settled in full; irrecoverable: written off with its invoice (PA7); cancelled: a deposit given up (DE5);
# debited: in a direct debit file sent to the bank, until it confirms or rejects it (PA5, db/sepa.py).
INSTALLMENT_STATUSES: dict[str, str] = {'planned': 'Prévue', 'open': 'En attente', 'debited': 'Prélevée',
                                        'paid': 'Réglée', 'irrecoverable': 'Irrécouvrable', 'cancelled': 'Supprimée'}


class Installment(Model):
    """One due part of a document (IN5, DE1): an installment of an invoice, or a deposit of a quote.

    `amount` is what is due, `paid_amount` the sum of the settlements not cancelled (db/payments.py keeps it and
    `status` in step with the append-only Payment records, which are the truth). `number`, `client_id` and
    `client_name` are copied from the document so that the payments list pages, sorts and searches on this table
    alone (`client_id` is a plain copy, not a foreign key: the document already holds the contact).
    A deposit may be a percentage of the quote's total TTC (`percent`), its amount then follows the quote.
    """

    id = fields.IntField(primary_key=True)
    document = fields.ForeignKeyField('documents.Document', related_name='installments', on_delete=fields.CASCADE)
    position = fields.IntField(default=0)
    kind = fields.CharField(max_length=12, default='installment')
    status = fields.CharField(max_length=14, default='open', db_default='open')
    due_date = fields.DateField()
    amount = MoneyField()
    percent = FixedDecimalField(scale=4, null=True)
    paid_amount = MoneyField(default=0, db_default=0)
    paid_on = fields.DateField(null=True)
    label = fields.CharField(max_length=100, default='')
    number = fields.CharField(max_length=35, default='', db_default='')
    client_name = fields.CharField(max_length=255, default='', db_default='')
    client_id = fields.IntField(null=True)
    # A deposit's deposit invoice (DE3), once settled.
    deposit_invoice = fields.ForeignKeyField('documents.Document', null=True, on_delete=fields.RESTRICT,
                                             related_name=False)
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = 'installment'
        # The payments list (db/payment_list.py): pages in due-date order whatever the state and type filters, from
        # the index alone (status and kind ride along); the summary's sums from the (kind, status, ...) index alone;
        # a number searched as a prefix range, a client through its id (what the filters, the order and the sums read
        # ride along: a search is counted, paged and summed from its index alone, issue 17); the dunning proposal's
        # clients summed from the (kind, status, ...) index too (db/dunning.py due_clients), the direct debits
        # dialog's from (document_id, ...) (db/sepa.py due_summary). Pages sorted by amount or client read
        # (amount, due_date, id) and (client_name, due_date, id), the list's whole order (475 / 905 ms -> 1 ms at a
        # million installments: no sort of every installment).
        indexes = (('due_date', 'id', 'status', 'kind'), ('status', 'due_date', 'id'),
                   ('amount', 'due_date', 'id'), ('client_name', 'due_date', 'id'),
                   ('kind', 'status', 'due_date', 'id', 'amount', 'paid_amount', 'client_id'),
                   ('document_id', 'position', 'status', 'kind', 'due_date', 'client_id', 'amount', 'paid_amount'),
                   ('number', 'id', 'status', 'kind', 'due_date', 'amount', 'paid_amount'),
                   ('client_id', 'due_date', 'id', 'status', 'kind', 'amount', 'paid_amount', 'client_name'))

    @property
    def left_to_pay(self):
        return self.amount - self.paid_amount


PAYMENT_KINDS: dict[str, str] = {'settlement': 'Règlement', 'reversal': 'Annulation', 'write_off': 'Irrécouvrable'}
SETTLEMENT_METHODS: dict[str, str] = {'cheque': 'Chèque', 'transfer': 'Virement', 'direct_debit': 'Prélèvement',
                                      'card': 'Carte bancaire', 'cash': 'Espèces'}


class Payment(Model):
    """One record of the payments journal (PA2, PA7, docs/legal.md 2.6): append-only (database triggers) and chained.

    A settlement records money received for an installment; a write-off records what is declared irrecoverable; a
    reversal cancels one of those by the opposite amount (`reverses`), never by deleting it, so both stay visible.
    `document_id` is the installment's document (an invoice, or the quote of a deposit), kept for the chain check.
    """

    id = fields.BigIntField(primary_key=True)
    installment = fields.ForeignKeyField('documents.Installment', related_name='payments', on_delete=fields.RESTRICT)
    document_id = fields.IntField(db_index=True)
    kind = fields.CharField(max_length=10)
    amount = MoneyField()
    paid_on = fields.DateField()
    method = fields.CharField(max_length=16, default='')
    reference = fields.CharField(max_length=100, default='')
    reason = fields.CharField(max_length=255, default='')
    reverses = fields.ForeignKeyField('documents.Payment', null=True, on_delete=fields.RESTRICT,
                                      related_name=False)
    label = fields.CharField(max_length=35, default='')
    client_name = fields.CharField(max_length=255, default='')
    created_by = fields.ForeignKeyField('models.User', null=True, on_delete=fields.RESTRICT, related_name=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'payment'
        # (method, ...): the credit notes' imputations, few among all the payments, read by the payments list's
        # summary (db/payment_list.imputed_by_type) as a range.
        indexes = (('installment_id', 'id'), ('paid_on', 'id'), ('method', 'installment_id', 'amount'))


class ChainEntry(Model):
    """One link of the integrity chain of a series (AC3), append-only (database triggers).

    `document_id` is a plain column, not a foreign key: a deleted document must leave its entry behind so that the
    check can name it. `label` is the document's number as chained.
    """

    id = fields.BigIntField(primary_key=True)
    series = fields.CharField(max_length=20)
    position = fields.IntField()
    document_id = fields.IntField(db_index=True)
    label = fields.CharField(max_length=35)
    payload_version = fields.SmallIntField(default=1)
    previous_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)
    # Entries of the series 'original' only (db/originals.py): the SHA-256 of a document's stored PDF and of the
    # Factur-X XML inside it, covered by the entry's hash.
    pdf_sha256 = fields.CharField(max_length=64, default='', db_default='')
    xml_sha256 = fields.CharField(max_length=64, default='', db_default='')
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'chain_entry'
        unique_together = (('series', 'position'),)


class StateEvent(Model):
    """One state of a legal document (docs/legal.md 2.6): append-only (database triggers), chained per document.

    Written only by db/state_chain.py, in the transaction of the change: seq 1 (the genesis) when the document is
    issued (`previous_state` 'draft') or, for a document issued before the events existed, by migration
    documents/0008 (`previous_state` ''). `document_id` is a plain column, as in ChainEntry: a deleted document
    leaves its events behind, and the check names it.
    """

    id = fields.BigIntField(primary_key=True)
    document_id = fields.IntField()
    seq = fields.IntField()
    series = fields.CharField(max_length=20)
    number = fields.CharField(max_length=35)
    previous_state = fields.CharField(max_length=16)
    state = fields.CharField(max_length=16)
    payload_version = fields.SmallIntField(default=1)
    previous_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'state_event'
        # The last event of a document is read through this index (one per state change, never a scan).
        unique_together = (('document_id', 'seq'),)


async def _refuse_if_frozen(document_id: int) -> None:
    row = await Document.filter(id=document_id).values_list('doc_type', 'state', 'number')
    if row and doctypes.is_legal(row[0][0]) and row[0][1] != 'draft':
        raise DocumentFrozen(f'Le document {row[0][2]} est validé : ses lignes ne peuvent plus être modifiées.')
