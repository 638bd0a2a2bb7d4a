"""The frozen copy of a document: everything its PDF, its Factur-X XML and the integrity chain need.

A validated invoice or credit note stores this as JSON and is rendered from it ever after, so later changes to the
company, the client or the articles never alter an issued document (docs/legal.md §2.2). Drafts and quotes build a
snapshot on the fly for previews. `to_dict`/`from_dict` round-trip exactly (Decimals as strings).
"""
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, get_args, get_origin, get_type_hints

from logic import doctypes

# 2: shipping follows the lines' VAT (logic.totals.shipping_charges), and the internal notes are kept but never
# printed nor sent; a version 1 copy charged shipping at its own chosen rate and printed its notes (reprinted so).
SNAPSHOT_VERSION = 2
SHIPPING_FOLLOWS_LINES = 2
NOTES_KEPT_INTERNAL = 2


def shown_notes(snapshot: 'DocumentSnapshot') -> str:
    """The internal notes as the document shows them: none since version 2 ("Notes internes (non imprimées)")."""
    return '' if snapshot.version >= NOTES_KEPT_INTERNAL else snapshot.notes.strip()
# UNTDID 4461 payment means codes.
PAYMENT_MEANS = {'transfer': '30', 'cheque': '20', 'direct_debit': '59', 'card': '48', 'cash': '10', 'other': '1'}
DIRECT_DEBIT = '59'


@dataclass(kw_only=True, slots=True, frozen=True)
class DirectDebit:
    """What a document paid by SEPA direct debit states (PA5): the mandate reference (BT-89), the creditor
    identifier (BT-90) and the debited account (BT-91). Kept in the snapshot's `extra['direct_debit']`."""
    mandate: str
    creditor_id: str
    iban: str


def with_direct_debit(snapshot: 'DocumentSnapshot', terms: dict | None) -> 'DocumentSnapshot':
    """The snapshot of a document paid by direct debit, stating `terms` (mandate, creditor_id, iban) if any."""
    if not terms or snapshot.payment_means != DIRECT_DEBIT:
        return snapshot
    return replace(snapshot, extra={**snapshot.extra, 'direct_debit': dict(terms)})


def direct_debit(snapshot: 'DocumentSnapshot') -> DirectDebit | None:
    """The direct debit a document announces: paid by direct debit (means 59) with the client's mandate."""
    data = snapshot.extra.get('direct_debit') if snapshot.payment_means == DIRECT_DEBIT else None
    return DirectDebit(**data) if data else None


@dataclass(kw_only=True, slots=True, frozen=True)
class Party:
    """The seller or the buyer as printed. `category` is the buyer's kind (see db.contact.CLIENT_CATEGORIES)."""

    name: str
    legal_form: str = ''
    capital: str = ''
    address: str = ''
    address2: str = ''
    postcode: str = ''
    city: str = ''
    country: str = 'FR'
    siren: str = ''
    siret: str = ''
    vat_number: str = ''
    rcs: str = ''
    ape_code: str = ''
    email: str = ''
    phone: str = ''
    electronic_address: str = ''
    category: str = ''
    code: str = ''
    bank_name: str = ''
    iban: str = ''
    bic: str = ''
    # A buyer's negotiated derogation to the B2B payment ceiling of C. com. L441-10 (the agreement's reference or
    # reason, from its contact card); empty, as in snapshots frozen before it existed, means none (logic/mentions.py).
    payment_terms_derogation: str = ''
    # The seller's kind of business (db.company.LEGAL_KINDS): a 'sole_trader' prints "EI" after its name and no
    # capital; and its register (TRADE_REGISTERS): 'rcs', 'rm' (craftsmen) or 'none' (docs/legal.md 1).
    legal_kind: str = 'company'
    trade_register: str = 'rcs'

    @property
    def is_business(self) -> bool:
        return self.category in ('fr_business', 'eu_business', 'non_eu_business', 'public')


@dataclass(kw_only=True, slots=True, frozen=True)
class SnapshotLine:
    """A printed line; `net` and `allowance` come from logic.totals (None on title/text lines)."""

    kind: str = 'item'
    reference: str = ''
    designation: str = ''
    description: str = ''
    quantity: Decimal = Decimal('0')
    unit: str = ''
    unit_code: str = 'C62'
    unit_price: Decimal = Decimal('0')
    discount_kind: str | None = None
    discount_value: Decimal = Decimal('0')
    vat_rate: Decimal = Decimal('0')
    vat_category: str = 'S'
    exemption_reason: str = ''
    exemption_code: str = ''  # VATEX code (EN 16931 BT-121) of the VAT rate; '' in snapshots made before it
    nature: str = 'service'
    net: Decimal | None = None
    allowance: Decimal | None = None


@dataclass(kw_only=True, slots=True, frozen=True)
class VatLine:
    """One VAT breakdown row, as computed by logic.totals.VatGroup."""

    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal
    exemption_reason: str = ''
    exemption_code: str = ''


@dataclass(kw_only=True, slots=True, frozen=True)
class Reference:
    """A cited document: the invoice a credit note corrects, or a deposit invoice deducted from a balance."""

    number: str
    issue_date: date
    amount: Decimal = Decimal('0')
    # A deducted deposit invoice's own VAT breakdown, (rate, base HT, VAT) per rate as on that invoice, so that the
    # balance invoice shows the VAT already invoiced (docs/legal.md 2.3); empty when unknown (older snapshots).
    vat_breakdown: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()


@dataclass(kw_only=True, slots=True, frozen=True)
class Installment:
    due_date: date
    amount: Decimal


@dataclass(kw_only=True, slots=True, frozen=True)
class DocumentSnapshot:
    doc_type: str
    number: str
    issue_date: date
    seller: Party
    buyer: Party
    lines: tuple[SnapshotLine, ...]
    vat_lines: tuple[VatLine, ...]
    lines_total: Decimal
    allowance_total: Decimal
    charge_total: Decimal
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    prepaid: Decimal = Decimal('0')
    amount_due: Decimal
    global_discount_kind: str | None = None
    global_discount_value: Decimal = Decimal('0')
    shipping: Decimal = Decimal('0')
    shipping_vat_rate: Decimal = Decimal('20')
    shipping_vat_category: str = 'S'
    due_date: date | None = None
    delivery_date: date | None = None
    validity_date: date | None = None
    delivery_address: Party | None = None
    currency: str = 'EUR'
    operation_nature: str = 'S'
    vat_regime: str = 'normal'
    vat_on_debits: bool = False
    payment_method: str = ''
    payment_means: str = '30'
    payment_terms: str = ''
    installments: tuple[Installment, ...] = ()
    references: tuple[Reference, ...] = ()
    buyer_reference: str = ''
    purchase_order: str = ''
    penalty_text: str = ''
    indemnity_text: str = ''
    discount_text: str = ''
    header_text: str = ''
    footer_text: str = ''
    notes: str = ''
    version: int = SNAPSHOT_VERSION
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return doctypes.label(self.doc_type)

    @property
    def is_b2b(self) -> bool:
        return self.buyer.is_business

    def to_dict(self) -> dict:
        return _encode(self)

    @classmethod
    def from_dict(cls, data: dict) -> 'DocumentSnapshot':
        return _decode(cls, data)


def _encode(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, float):
        raise TypeError('floats are not allowed in a snapshot')
    return value


def _decode(kind: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = get_origin(kind)
    if origin is tuple:
        item = get_args(kind)[0]
        return tuple(_decode(item, value) for value in data)
    if origin is not None and type(None) in get_args(kind):  # X | None
        inner = next(arg for arg in get_args(kind) if arg is not type(None))
        return _decode(inner, data)
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        known = {f.name for f in fields(kind)}
        return kind(**{key: _decode(hints[key], value) for key, value in data.items() if key in known})
    if kind is Decimal:
        return Decimal(data)
    if kind is date:
        return date.fromisoformat(data)
    return data
