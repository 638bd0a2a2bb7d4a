"""What an e-invoice says beyond the printed document, derived once from a snapshot for the CII and UBL builders.

French rules (docs/legal.md §3): BT-23 "cadre de facturation" (B/S/M + 1, or 4 for a final invoice after deposits), the
routing note BAR, the notes PMD/PMT/AAB once each, SIREN (BT-30/BT-47) and electronic addresses (BT-34/BT-49,
scheme 0225). A credit note is stored negated (logic.totals.negate); EN 16931 wants its amounts positive under
type code 381, so `sign` turns them back.
"""
from dataclasses import dataclass
from decimal import Decimal

from logic.company import DEFAULT_DISCOUNT_TEXT, DEFAULT_INDEMNITY_TEXT, DEFAULT_PENALTY_TEXT
from logic import doctypes
from logic.snapshot import DocumentSnapshot, Party

PROFILE_EN16931 = 'urn:cen.eu:en16931:2017'
ENDPOINT_SCHEME = '0225'  # French directory addressing scheme (SIREN-based)
EMAIL_SCHEME = 'EM'
BAR_BY_CATEGORY = {'fr_business': 'B2B', 'public': 'B2B', 'eu_business': 'B2BINT', 'non_eu_business': 'B2BINT',
                   'individual': 'B2C'}


class NotAnEInvoice(ValueError):
    """Only the types with a Factur-X type code (logic/doctypes.py) are e-invoices: invoices, credit notes..."""


@dataclass(kw_only=True, slots=True, frozen=True)
class Endpoint:
    id: str
    scheme: str


@dataclass(kw_only=True, slots=True, frozen=True)
class GroupParts:
    """One VAT group's share of the document-level discount and shipping, rebuilt from the snapshot's lines."""

    category: str
    rate: Decimal
    allowance: Decimal
    charge: Decimal
    exemption_reason: str


@dataclass(kw_only=True, slots=True, frozen=True)
class Facts:
    type_code: str
    sign: Decimal
    bar: str
    cadre: str
    seller_endpoint: Endpoint | None
    buyer_endpoint: Endpoint | None
    notes: tuple[tuple[str, str], ...]  # (subject code or '', text)
    groups: tuple[GroupParts, ...]

    def amount(self, value: Decimal) -> str:
        return money(value * self.sign)


def facts(snapshot: DocumentSnapshot) -> Facts:
    type_code = doctypes.type_code(snapshot.doc_type)
    if type_code is None:
        raise NotAnEInvoice(f'{snapshot.doc_type} is not an e-invoice type')
    sign = Decimal(-1) if type_code == '381' and snapshot.total_ttc < 0 else Decimal(1)  # a credit note
    bar = bar_treatment(snapshot.buyer)
    final = snapshot.doc_type == 'invoice' and snapshot.prepaid != 0
    letter = snapshot.operation_nature if snapshot.operation_nature in ('B', 'S', 'M') else 'S'
    cadre = letter + ('4' if final else '1')
    return Facts(type_code=type_code, sign=sign, bar=bar, cadre=cadre,
                 seller_endpoint=_business_endpoint(snapshot.seller),
                 buyer_endpoint=_business_endpoint(snapshot.buyer) if bar == 'B2B' else _email_endpoint(snapshot.buyer),
                 notes=_notes(snapshot, bar), groups=group_parts(snapshot))


def bar_treatment(buyer: Party) -> str:
    if buyer.category in BAR_BY_CATEGORY:
        return BAR_BY_CATEGORY[buyer.category]
    return 'B2B' if buyer.siren else 'B2C'


def group_parts(snapshot: DocumentSnapshot) -> tuple[GroupParts, ...]:
    """Per VAT group: items base from the lines, shipping in its group, and the discount part as the remainder."""
    items: dict[tuple[str, Decimal], Decimal] = {}
    for line in snapshot.lines:
        if line.kind == 'item' and line.net is not None:
            key = (line.vat_category, line.vat_rate.quantize(Decimal('0.01')))
            items[key] = items.get(key, Decimal('0.00')) + line.net
    shipping_key = (snapshot.shipping_vat_category, snapshot.shipping_vat_rate.quantize(Decimal('0.01')))
    parts = []
    for vat in snapshot.vat_lines:
        key = (vat.category, vat.rate.quantize(Decimal('0.01')))
        charge = snapshot.charge_total if key == shipping_key else Decimal('0.00')
        allowance = items.get(key, Decimal('0.00')) + charge - vat.base
        parts.append(GroupParts(category=vat.category, rate=key[1], allowance=allowance, charge=charge,
                                exemption_reason=vat.exemption_reason))
    return tuple(parts)


def money(value: Decimal) -> str:
    value = value.quantize(Decimal('0.01'))
    return str(value.copy_abs() if value.is_zero() else value)


def plain(value: Decimal) -> str:
    """A quantity or a unit price without trailing zeros nor exponent: Decimal('12.5000') -> '12.5'."""
    text = format(value.normalize(), 'f')
    return '0' if text in ('-0', '') else text


def rate(value: Decimal) -> str:
    return str(value.quantize(Decimal('0.01')))


def legal_description(party: Party) -> str:
    """BT-33 and the printed footer: 'SARL au capital de 10 000 € · RCS Lyon 732 829 320'."""
    form = party.legal_form + (f' au capital de {party.capital}' if party.capital else '')
    return ' · '.join(part for part in (form.strip(), party.rcs) if part)


def _business_endpoint(party: Party) -> Endpoint | None:
    value = ''.join((party.electronic_address or party.siren).split())
    return Endpoint(id=value, scheme=ENDPOINT_SCHEME) if value else None


def _email_endpoint(party: Party) -> Endpoint | None:
    if party.electronic_address:
        return _business_endpoint(party)
    return Endpoint(id=party.email, scheme=EMAIL_SCHEME) if party.email else None


def _notes(snapshot: DocumentSnapshot, bar: str) -> tuple[tuple[str, str], ...]:
    notes = [('BAR', bar),
             ('PMD', snapshot.penalty_text or DEFAULT_PENALTY_TEXT),
             ('PMT', snapshot.indemnity_text or DEFAULT_INDEMNITY_TEXT),
             ('AAB', snapshot.discount_text or DEFAULT_DISCOUNT_TEXT)]
    legal = legal_description(snapshot.seller)
    if legal:
        notes.append(('ABL', legal))
    if snapshot.vat_on_debits:
        notes.append(('AAI', 'Option pour le paiement de la taxe d’après les débits'))
    for text in (snapshot.header_text, snapshot.notes, snapshot.footer_text):
        if text.strip():
            notes.append(('', text.strip()))
    return tuple(notes)
