"""What an e-invoice says beyond the printed document, derived once from a snapshot for the CII and UBL builders.

French rules (docs/legal.md §3): BT-23 "cadre de facturation" (B/S/M + 1, or 4 for a final invoice after deposits), the
routing note BAR, the notes PMD/PMT/AAB once each, SIREN (BT-30/BT-47) and electronic addresses (BT-34/BT-49,
scheme 0225). A credit note is stored negated (logic.totals.negate); EN 16931 wants its amounts positive under
type code 381, so `sign` turns them back.

VAT (docs/legal.md §3): every exempt VAT breakdown carries its reason text (BT-120) and VATEX code (BT-121); a seller
without an intra-EU VAT number (franchise en base, art. 293 B) is identified for tax by its SIREN as BT-32 (scheme
FC), which EN 16931 BR-E-02 accepts; "option pour le paiement de la taxe d'après les débits" (BT-8 code 5, note AAI)
applies to services only.
"""
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from logic import doctypes
from logic.company import DEFAULT_DISCOUNT_TEXT, DEFAULT_INDEMNITY_TEXT, DEFAULT_PENALTY_TEXT
from logic.snapshot import SHIPPING_FOLLOWS_LINES, DocumentSnapshot, Party, VatLine, shown_notes
from logic.totals import shipping_charges

PROFILE_EN16931 = 'urn:cen.eu:en16931:2017'
ENDPOINT_SCHEME = '0225'  # French directory addressing scheme (SIREN-based)
EMAIL_SCHEME = 'EM'
SELLER_TAX_SCHEME = 'FC'  # BT-32 "seller tax registration identifier" (UNTDID 1153 FC: fiscal number)
VAT_ON_DEBITS_NOTE = 'Option pour le paiement de la taxe d’après les débits'
VAT_ON_DEBITS_CODE = '5'  # BT-8, UNTDID 2475: VAT due on the invoice date (the "débits" option)
# BT-121 (VATEX list, CEF) by VAT category; E takes the code of its VAT rate (its exemption article).
CATEGORY_EXEMPTION_CODES = {'K': 'VATEX-EU-IC', 'AE': 'VATEX-EU-AE', 'G': 'VATEX-EU-G', 'O': 'VATEX-EU-O'}
FRANCHISE_CODE = 'VATEX-FR-FRANCHISE'
# BT-120 when a VAT rate has no text of its own (mentions refuse to issue without one: a last resort only).
DEFAULT_EXEMPTION_REASONS = {'E': 'Exonération de TVA', 'AE': 'Autoliquidation',
                             'K': 'Exonération de TVA, article 262 ter I du CGI',
                             'G': 'Exonération de TVA, article 262 I du CGI', 'O': 'Hors champ d’application de la TVA'}
FRANCHISE_REASON = 'TVA non applicable, art. 293 B du CGI'
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
    seller_tax_id: str  # BT-32 (scheme FC): the SIREN of a seller without a VAT number, else ''
    vat_on_debits: bool  # BT-8 code 5 and note AAI: the option is taken and the document has service lines
    delivery_date: date  # BT-72: the date of the operation (242 nonies A 10°), the issue date when none is stated
    ship_to: Party | None  # BG-13/BG-15: the delivery address, or the buyer for an intra-EU supply (BR-IC-12)
    line_notes: tuple[str, ...] = ()  # BT-127 of the item lines in order (a progress invoice's cumulative)

    def amount(self, value: Decimal) -> str:
        return money(value * self.sign)


def facts(snapshot: DocumentSnapshot) -> Facts:
    type_code = doctypes.type_code(snapshot.doc_type)
    if type_code is None:
        raise NotAnEInvoice(f'{snapshot.doc_type} is not an e-invoice type')
    sign = Decimal(-1) if type_code == '381' and snapshot.total_ttc < 0 else Decimal(1)  # a credit note
    bar = bar_treatment(snapshot.buyer)
    final = snapshot.doc_type == 'invoice' and snapshot.prepaid != 0
    # A deposit invoice is made when the money came in (DE3): issued already paid, cadre 2 (BR-FR-08).
    paid_already = snapshot.doc_type == 'deposit_invoice' and snapshot.prepaid != 0 and not snapshot.amount_due
    letter = snapshot.operation_nature if snapshot.operation_nature in ('B', 'S', 'M') else 'S'
    cadre = letter + ('4' if final else '2' if paid_already else '1')
    return Facts(type_code=type_code, sign=sign, bar=bar, cadre=cadre,
                 seller_endpoint=_business_endpoint(snapshot.seller),
                 buyer_endpoint=_business_endpoint(snapshot.buyer) if bar == 'B2B' else _email_endpoint(snapshot.buyer),
                 notes=_notes(snapshot, bar), groups=group_parts(snapshot),
                 seller_tax_id=seller_tax_id(snapshot.seller), vat_on_debits=vat_on_debits(snapshot),
                 delivery_date=delivery_date(snapshot), ship_to=ship_to(snapshot),
                 line_notes=tuple(snapshot.extra.get('situation', {}).get('notes', ())))


def seller_tax_id(seller: Party) -> str:
    """BT-32 for a seller without an intra-EU VAT number (franchise en base, exempt activity): its SIREN, the number
    the tax office knows a business by. Without it an invoice with exempt lines fails BR-E-02 (docs/legal.md §11)."""
    return '' if seller.vat_number else ''.join(seller.siren.split())


def vat_on_debits(snapshot: DocumentSnapshot) -> bool:
    """The "débits" option concerns services only (CGI annexe III art. 77-2): goods are taxed on delivery anyway."""
    return snapshot.vat_on_debits and any(line.kind == 'item' and line.nature == 'service'
                                          for line in snapshot.lines)


def delivery_date(snapshot: DocumentSnapshot) -> date:
    """BT-72. The date of the operation is stated when it differs from the issue date (242 nonies A 10°); for a
    deposit invoice it is the date the deposit was received. Stating it always keeps the delivery group non-empty."""
    if snapshot.delivery_date:
        return snapshot.delivery_date
    received = snapshot.extra.get('received_on') if snapshot.doc_type == 'deposit_invoice' else None
    return date.fromisoformat(received) if received else snapshot.issue_date


def ship_to(snapshot: DocumentSnapshot) -> Party | None:
    """The deliver-to party: the document's delivery address, else the buyer when the document has an intra-EU
    supply, whose deliver-to country EN 16931 requires (BR-IC-12)."""
    if snapshot.delivery_address:
        return replace(snapshot.delivery_address, name=snapshot.delivery_address.name or snapshot.buyer.name)
    if any(vat.category == 'K' for vat in snapshot.vat_lines):
        return snapshot.buyer
    return None


def exemption(vat: VatLine, snapshot: DocumentSnapshot) -> tuple[str, str]:
    """(BT-120 text, BT-121 VATEX code) of a VAT breakdown; ('', '') for the taxed categories S and Z."""
    if vat.category in ('S', 'Z'):
        return '', ''
    franchise = snapshot.vat_regime == 'franchise' and vat.category == 'E'
    reason = vat.exemption_reason or (FRANCHISE_REASON if franchise else DEFAULT_EXEMPTION_REASONS.get(
        vat.category, DEFAULT_EXEMPTION_REASONS['E']))
    code = CATEGORY_EXEMPTION_CODES.get(vat.category) or vat.exemption_code or (FRANCHISE_CODE if franchise else '')
    return reason, code


def bar_treatment(buyer: Party) -> str:
    if buyer.category in BAR_BY_CATEGORY:
        return BAR_BY_CATEGORY[buyer.category]
    return 'B2B' if buyer.siren else 'B2C'


def group_parts(snapshot: DocumentSnapshot) -> tuple[GroupParts, ...]:
    """Per VAT group: items base from the lines, the shipping part as logic.totals placed it, and the discount part
    as the remainder. Snapshots of version 1 were frozen when shipping sat in its own chosen group."""
    items: dict[tuple[str, Decimal], Decimal] = {}
    for line in snapshot.lines:
        if line.kind == 'item' and line.net is not None:
            key = (line.vat_category, line.vat_rate.quantize(Decimal('0.01')))
            items[key] = items.get(key, Decimal('0.00')) + line.net
    shipping_key = (snapshot.shipping_vat_category, snapshot.shipping_vat_rate.quantize(Decimal('0.01')))
    if snapshot.version < SHIPPING_FOLLOWS_LINES:
        charges = {shipping_key: snapshot.charge_total} if snapshot.charge_total else {}
    else:
        charges = shipping_charges(snapshot.charge_total, items, shipping_key)
    parts = []
    for vat in snapshot.vat_lines:
        key = (vat.category, vat.rate.quantize(Decimal('0.01')))
        charge = charges.get(key, Decimal('0.00'))
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
    if vat_on_debits(snapshot):
        notes.append(('AAI', VAT_ON_DEBITS_NOTE))
    situation = snapshot.extra.get('situation')
    if situation:  # a progress invoice (logic/situations.py): which situation of which contract, and its holdback
        notes.append(('', situation_note(situation)))
    for text in (snapshot.header_text, shown_notes(snapshot), snapshot.footer_text):
        if text.strip():
            notes.append(('', text.strip()))
    return tuple(notes)


def situation_note(situation: dict) -> str:
    """The header note of a progress invoice: 'Situation n° 2 du marché (devis D2026-00012) : cumul 446.44 EUR HT
    sur 595.25 EUR HT, situations précédentes 178.58 EUR HT.' and its holdback sentence."""
    text = (f'{"Décompte général définitif, situation" if situation["final"] else "Situation"} n° {situation["seq"]} '
            f'du marché (devis {situation["quote_number"]}) : cumul {situation["cumulative_ht"]} EUR HT sur '
            f'{situation["contract_ht"]} EUR HT, situations précédentes {situation["previous_ht"]} EUR HT.')
    return f'{text} {situation["holdback_text"]}'.strip()
