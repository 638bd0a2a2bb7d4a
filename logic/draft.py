"""The editable form of a document, shared by the editor (components/) and the save operations (db/).

The editor binds its inputs to a `Draft` (plain objects, not ORM models: binding to models polls each element),
and `to_totals_document()` feeds the one totals engine so that the screen shows what will be stored.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from logic.errors import DomainError
from logic.money import MoneyError, check_amount, format_eur, round_cents
from logic.totals import Document, Line, Totals, TotalsError, compute

LINE_KINDS = {'item': 'Article', 'text': 'Texte', 'title': 'Titre', 'subtotal': 'Sous-total'}


@dataclass(kw_only=True, slots=True)
class DraftLine:
    kind: str = 'item'
    article_id: int | None = None
    reference: str = ''
    designation: str = ''
    description: str = ''
    quantity: Decimal = Decimal('1')
    unit: str = ''
    unit_code: str = 'C62'
    unit_price: Decimal = Decimal('0')
    discount_kind: str | None = None  # None, 'percent' or 'amount'
    discount_value: Decimal = Decimal('0')
    vat_rate: Decimal = Decimal('20')
    vat_category: str = 'S'
    exemption_reason: str = ''
    exemption_code: str = ''  # VATEX code of the VAT rate (EN 16931 BT-121), copied with the reason
    nature: str = 'service'  # 'good' or 'service': gives the e-invoice "cadre de facturation" B/S/M
    show_parts: bool = False
    # What one unit costs the business (its article's purchase price): the margin, never printed.
    unit_cost: Decimal = Decimal('0')
    # The line this one delivers or bills (an order's line on a delivery note, a delivery note's or an order's line
    # on an invoice, an invoice's line on a credit note): what is delivered and invoiced is derived from these links.
    source_line_id: int | None = None

    def to_line(self) -> Line:
        return Line(kind=self.kind, quantity=self.quantity, unit_price=self.unit_price,
                    discount_kind=self.discount_kind, discount_value=self.discount_value, vat_rate=self.vat_rate,
                    vat_category=self.vat_category, exemption_reason=self.exemption_reason,
                    exemption_code=self.exemption_code)


# The keys of a delivery address as a draft holds it and the document stores it (a copy, not a link: the contact's
# address may change later, what was printed may not). logic.snapshot.Party takes the same keys.
DELIVERY_KEYS = ('name', 'address', 'address2', 'postcode', 'city', 'country')


def delivery_copy(address: dict | None) -> dict | None:
    """The stored form of a delivery address: its known keys as trimmed text; None when nothing locates it.

    >>> delivery_copy({'label': 'Chantier', 'address': ' 3 rue X ', 'postcode': '69002', 'city': 'Lyon'})
    {'name': '', 'address': '3 rue X', 'address2': '', 'postcode': '69002', 'city': 'Lyon', 'country': 'FR'}
    >>> delivery_copy({'address': ''}) is None
    True
    """
    if not address:
        return None
    copy = {key: ' '.join(str(address.get(key) or '').split()) for key in DELIVERY_KEYS}
    copy['country'] = (copy['country'] or 'FR').upper()
    return copy if copy['address'] or copy['city'] else None


def address_line(address: dict | None) -> str:
    """A stored delivery address on one line: '3 rue X, 69002 Lyon' (the country when it is not France).

    >>> address_line({'address': '3 rue X', 'postcode': '69002', 'city': 'Lyon', 'country': 'FR'})
    '3 rue X, 69002 Lyon'
    """
    if not address:
        return ''
    place = f'{address.get("postcode", "")} {address.get("city", "")}'.strip()
    country = address.get('country') or 'FR'
    parts = [address.get('name', ''), address.get('address', ''), address.get('address2', ''), place,
             country if country != 'FR' else '']
    return ', '.join(part for part in parts if part)


# A free line's nature per the company's activity (Paramètres > Société): a mixed business chooses on each line
# (logic/mentions.py refuses a line without one).
DEFAULT_NATURES = {'services': 'service', 'goods': 'good'}


def default_nature(activity: str) -> str:
    """'service' or 'good' for a company that does only that; '' (the user chooses) otherwise."""
    return DEFAULT_NATURES.get(activity, '')


@dataclass(kw_only=True, slots=True)
class Draft:
    doc_type: str = 'invoice'
    client_id: int | None = None
    issue_date: date | None = None
    due_date: date | None = None
    validity_date: date | None = None
    delivery_date: date | None = None
    # Where the goods go or the service is done when it is not the billing address (delivery_copy()).
    delivery_address: dict | None = None
    payment_method_id: int | None = None
    template_id: int | None = None
    probability: int | None = None
    global_discount_kind: str | None = None
    global_discount_value: Decimal = Decimal('0')
    shipping: Decimal = Decimal('0')
    shipping_vat_rate: Decimal = Decimal('20')
    shipping_vat_category: str = 'S'
    purchase_order: str = ''
    header_text: str = ''
    footer_text: str = ''
    notes: str = ''
    # Prices include VAT (deposit invoices only, see logic.totals): the line amounts are TTC.
    vat_included: bool = False
    lines: list[DraftLine] = field(default_factory=list)

    def to_totals_document(self, prepaid: Decimal = Decimal('0')) -> Document:
        return Document(lines=tuple(line.to_line() for line in self.lines),
                        global_discount_kind=self.global_discount_kind,
                        global_discount_value=self.global_discount_value, shipping=self.shipping,
                        shipping_vat_rate=self.shipping_vat_rate, shipping_vat_category=self.shipping_vat_category,
                        prepaid=prepaid, vat_included=self.vat_included)

    def cost(self) -> Decimal:
        """What the item lines cost, each rounded to the cent like its net amount (the dashboard's margin is the
        total HT less this)."""
        return sum((round_cents(line.quantity * line.unit_cost) for line in self.lines if line.kind == 'item'),
                   Decimal('0.00'))

    def totals(self, prepaid: Decimal = Decimal('0')) -> Totals:
        """The one engine's totals; TotalsError (French) on figures a user must fix, amounts too large included."""
        return within_limits(compute(self.to_totals_document(prepaid)))


def operation_nature(lines: list[DraftLine] | tuple) -> str:
    """BT-23 letter: B (goods only), S (services only), M (both)."""
    natures = {line.nature for line in lines if line.kind == 'item'}
    if natures == {'good'}:
        return 'B'
    if natures == {'good', 'service'}:
        return 'M'
    return 'S'


def within_limits(totals: Totals) -> Totals:
    """Refuse a line or a total at 1,000 billion euros or beyond (logic.money.LIMIT): 99,999,999,999 units at
    99,999,999,999 € must be a French message in the editor, not a 23-digit total that no column can store."""
    try:
        for position, net in enumerate(totals.line_nets, start=1):
            if net is not None:
                check_amount(net, f'Ligne {position}')
        for amount in (totals.lines_total, totals.total_ht, totals.total_vat, totals.total_ttc, totals.amount_due):
            check_amount(amount, 'Total du document')
        for group in totals.vat_groups:  # positive and negative lines may offset each other in the totals only
            check_amount(group.base, 'Base de TVA')
            check_amount(group.vat, 'TVA')
    except MoneyError as exc:
        raise TotalsError(str(exc)) from None
    return totals


def check_invoice_totals(totals: Totals) -> None:
    """An invoice is issued only with a total and a balance that are not negative (a negative amount is a credit
    note's, IN4); the same refusal whichever path issues it (the editor's validation, the bulk path)."""
    if totals.total_ttc < 0:
        raise DomainError('Le total d’une facture ne peut pas être négatif : établissez plutôt un avoir.')
    if totals.amount_due < 0:
        raise DomainError(f'Les acomptes déjà facturés ({format_eur(totals.prepaid)}) dépassent le total de la '
                          f'facture ({format_eur(totals.total_ttc)}) : corrigez la facture ou établissez un avoir '
                          'sur une facture d’acompte.')
