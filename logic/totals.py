"""The one totals engine (EN 16931): the editor, the stored totals, the PDF, the exports and Factur-X all use it.

Rules, with their EN 16931 ids:
- line net (BT-131) = round_cents(quantity x unit price - line allowance), the allowance being
  round_cents(gross x percent / 100) or the amount typed;
- lines total BT-106 = sum of line nets (BR-CO-10);
- the global discount (BT-107) and the shipping charge (BT-108) are document-level allowance and charge, carried
  per VAT group (category + rate): the discount is split in proportion to each group's items base, to the cent,
  by largest remainder; shipping (an accessory cost, part of the taxable base of what it accompanies: CGI art.
  267 I 2°) follows the VAT of what it accompanies (docs/legal.md 1): it goes to the lines' one group,
  or is split over the groups in proportion to their items bases, to the cent, when the lines mix rates; only a
  document without items charges it at the shipping rate chosen (`shipping_charges`);
- group base BT-116 = items base - allowance part + charge part, group VAT BT-117 = round_cents(base x rate / 100)
  (BR-CO-17), total VAT BT-110 = sum of BT-117 (BR-CO-14);
- BT-109 = BT-106 - BT-107 + BT-108 (BR-CO-13), BT-112 = BT-109 + BT-110 (BR-CO-15), BT-115 = BT-112 - BT-113
  (BR-CO-16).

Prices including VAT (`vat_included`, deposit invoices only): the invoice must total exactly the amount received,
since VAT is due on what was collected (docs/legal.md 2.3), and with VAT computed on the HT base one TTC cent value in
six is out of reach at 20 %. The line amounts (quantity x unit price) are then TTC; per group
VAT = round_cents(TTC x rate / (100 + rate)) and base = TTC - VAT, so BT-112 is the sum of the line amounts to the
cent; the line nets (HT, BT-131) are the group base split over its lines in proportion. BR-CO-17 may then be off by
one cent, which the EN 16931 schematron tolerates. No line or global discount and no shipping in that mode.

Signs: quantities, unit prices, shipping and prepaid are signed; discount values are magnitudes (a percentage, or
an amount) that always reduce the amount they apply to, whatever its sign. A credit note is `negate(doc)`: the
quantities, shipping and prepaid change sign, and since rounding is symmetric its totals are exactly the negated
totals of the invoice.
"""
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from logic.errors import DomainError
from logic.money import CENT, format_decimal_fr, format_eur, round_cents

LineKind = Literal['item', 'title', 'subtotal', 'text']
DiscountKind = Literal['percent', 'amount'] | None
# EN 16931 VAT category codes (UNTDID 5305) allowed by the French rules (BR-FR-15), in the display order of the
# VAT breakdown: standard rate first, then zero-rated, exempt, reverse charge, intra-EU, export, out of scope.
VAT_CATEGORIES = ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')
ZERO = Decimal('0.00')
HUNDRED = Decimal(100)


class TotalsError(DomainError, ValueError):
    """The document's figures cannot make an invoice; `str(exc)` is the French message to show."""


@dataclass(kw_only=True, slots=True, frozen=True)
class Line:
    kind: LineKind = 'item'
    quantity: Decimal = Decimal(0)
    unit_price: Decimal = Decimal(0)
    discount_kind: DiscountKind = None
    discount_value: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)
    vat_category: str = 'S'
    exemption_reason: str = ''
    exemption_code: str = ''


@dataclass(kw_only=True, slots=True, frozen=True)
class Document:
    lines: tuple[Line, ...]
    global_discount_kind: DiscountKind = None
    global_discount_value: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    shipping_vat_rate: Decimal = Decimal(20)
    shipping_vat_category: str = 'S'
    prepaid: Decimal = Decimal(0)
    vat_included: bool = False


@dataclass(kw_only=True, slots=True, frozen=True)
class VatGroup:
    category: str
    rate: Decimal
    items_base: Decimal
    allowance: Decimal
    charge: Decimal
    base: Decimal
    vat: Decimal
    exemption_reason: str = ''
    exemption_code: str = ''


@dataclass(kw_only=True, slots=True, frozen=True)
class Totals:
    line_nets: tuple[Decimal | None, ...]
    line_allowances: tuple[Decimal | None, ...]
    vat_groups: tuple[VatGroup, ...]
    lines_total: Decimal
    allowance_total: Decimal
    charge_total: Decimal
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    prepaid: Decimal
    amount_due: Decimal


def compute(doc: Document) -> Totals:
    """All the amounts of a document, to the cent. Raises TotalsError on figures a user must fix.

    >>> t = compute(Document(lines=(Line(quantity=Decimal(3), unit_price=Decimal('10.005'), vat_rate=Decimal(20)),)))
    >>> t.total_ht, t.total_vat, t.total_ttc
    (Decimal('30.02'), Decimal('6.00'), Decimal('36.02'))
    >>> t = compute(Document(lines=(Line(quantity=Decimal(1), unit_price=Decimal('300.01'), vat_rate=Decimal(20)),),
    ...                      vat_included=True))
    >>> t.total_ht, t.total_vat, t.total_ttc, t.line_nets
    (Decimal('250.01'), Decimal('50.00'), Decimal('300.01'), (Decimal('250.01'),))
    """
    if doc.vat_included:
        return _compute_vat_included(doc)
    nets: list[Decimal | None] = []
    allowances: list[Decimal | None] = []
    bases: dict[tuple[str, Decimal], Decimal] = {}
    reasons: dict[tuple[str, Decimal], str] = {}
    codes: dict[tuple[str, Decimal], str] = {}
    running = ZERO
    for position, line in enumerate(doc.lines, start=1):
        if line.kind == 'item':
            allowance, net = _line_amounts(line, position)
            key = _group_key(line.vat_category, line.vat_rate)
            bases[key] = bases.get(key, ZERO) + net
            if not reasons.get(key):
                reasons[key] = line.exemption_reason
            if not codes.get(key):
                codes[key] = line.exemption_code
            running += net
            nets.append(net)
            allowances.append(allowance)
        elif line.kind in ('title', 'subtotal'):
            # A subtotal shows the items since the previous subtotal or title; a title starts a new section.
            nets.append(running if line.kind == 'subtotal' else None)
            allowances.append(None)
            running = ZERO
        elif line.kind == 'text':
            nets.append(None)
            allowances.append(None)
        else:
            raise ValueError(f'unknown line kind {line.kind!r}')

    lines_total = sum(bases.values(), ZERO)
    discount = _global_discount(doc, lines_total)
    charge = round_cents(doc.shipping)
    charges = shipping_charges(charge, bases, _group_key(doc.shipping_vat_category, doc.shipping_vat_rate))
    keys = sorted(bases.keys() | charges.keys(), key=lambda k: (VAT_CATEGORIES.index(k[0]), -k[1]))
    parts = split_proportionally(discount, [bases.get(key, ZERO) for key in keys])

    groups = []
    for key, part in zip(keys, parts):
        items_base, group_charge = bases.get(key, ZERO), charges.get(key, ZERO)
        base = items_base - part + group_charge
        groups.append(VatGroup(category=key[0], rate=key[1], items_base=items_base, allowance=part,
                               charge=group_charge, base=base, vat=round_cents(base * key[1] / HUNDRED),
                               exemption_reason=reasons.get(key, ''), exemption_code=codes.get(key, '')))
    total_ht = lines_total - discount + charge
    total_vat = sum((group.vat for group in groups), ZERO)
    total_ttc = total_ht + total_vat
    prepaid = round_cents(doc.prepaid)
    return Totals(line_nets=tuple(nets), line_allowances=tuple(allowances), vat_groups=tuple(groups),
                  lines_total=lines_total, allowance_total=discount, charge_total=charge, total_ht=total_ht,
                  total_vat=total_vat, total_ttc=total_ttc, prepaid=prepaid, amount_due=total_ttc - prepaid)


def _compute_vat_included(doc: Document) -> Totals:
    """`compute` for prices including VAT (see the module docstring): the TTC amounts are exact, HT is derived."""
    if doc.global_discount_kind is not None or doc.global_discount_value or doc.shipping:
        raise ValueError('prices including VAT take no global discount nor shipping (deposit invoices only)')
    amounts: dict[int, Decimal] = {}
    members: dict[tuple[str, Decimal], list[int]] = {}
    reasons: dict[tuple[str, Decimal], str] = {}
    codes: dict[tuple[str, Decimal], str] = {}
    for index, line in enumerate(doc.lines):
        if line.kind != 'item':
            if line.kind not in ('title', 'subtotal', 'text'):
                raise ValueError(f'unknown line kind {line.kind!r}')
            continue
        if line.discount_kind is not None:
            raise ValueError('prices including VAT take no line discount (deposit invoices only)')
        key = _group_key(line.vat_category, line.vat_rate)
        amounts[index] = round_cents(line.quantity * line.unit_price)
        members.setdefault(key, []).append(index)
        if not reasons.get(key):
            reasons[key] = line.exemption_reason
        if not codes.get(key):
            codes[key] = line.exemption_code
    nets_by_index: dict[int, Decimal] = {}
    groups = []
    for key in sorted(members, key=lambda k: (VAT_CATEGORIES.index(k[0]), -k[1])):
        ttc = sum((amounts[index] for index in members[key]), ZERO)
        vat = round_cents(ttc * key[1] / (HUNDRED + key[1]))
        base = ttc - vat
        for index, net in zip(members[key], split_proportionally(base, [amounts[i] for i in members[key]])):
            nets_by_index[index] = net
        groups.append(VatGroup(category=key[0], rate=key[1], items_base=base, allowance=ZERO, charge=ZERO,
                               base=base, vat=vat, exemption_reason=reasons.get(key, ''),
                               exemption_code=codes.get(key, '')))
    nets: list[Decimal | None] = []
    allowances: list[Decimal | None] = []
    running = ZERO
    for index, line in enumerate(doc.lines):
        if line.kind == 'item':
            running += nets_by_index[index]
            nets.append(nets_by_index[index])
            allowances.append(ZERO)
        else:
            nets.append(running if line.kind == 'subtotal' else None)
            allowances.append(None)
            running = ZERO if line.kind in ('title', 'subtotal') else running
    total_ht = sum((group.base for group in groups), ZERO)
    total_vat = sum((group.vat for group in groups), ZERO)
    prepaid = round_cents(doc.prepaid)
    return Totals(line_nets=tuple(nets), line_allowances=tuple(allowances), vat_groups=tuple(groups),
                  lines_total=total_ht, allowance_total=ZERO, charge_total=ZERO, total_ht=total_ht,
                  total_vat=total_vat, total_ttc=total_ht + total_vat, prepaid=prepaid,
                  amount_due=total_ht + total_vat - prepaid)


def shipping_charges(charge: Decimal, bases: dict[tuple[str, Decimal], Decimal],
                     fallback: tuple[str, Decimal]) -> dict[tuple[str, Decimal], Decimal]:
    """The shipping charge per VAT group: in proportion to the groups' items bases (largest remainder, to the cent);
    at the `fallback` group when there is no base to follow.

    >>> bases = {('S', Decimal('20.00')): Decimal('100.00'), ('S', Decimal('5.50')): Decimal('300.00')}
    >>> shipping_charges(Decimal('10.00'), bases, ('S', Decimal('20.00')))
    {('S', Decimal('20.00')): Decimal('2.50'), ('S', Decimal('5.50')): Decimal('7.50')}
    """
    if not charge:
        return {}
    keys = sorted((key for key, base in bases.items() if base), key=lambda k: (VAT_CATEGORIES.index(k[0]), -k[1]))
    if not keys or not sum(bases[key] for key in keys):
        return {fallback: charge}
    return dict(zip(keys, split_proportionally(charge, [bases[key] for key in keys])))


def negate(doc: Document) -> Document:
    """The credit note copy: same lines and rates, opposite quantities, shipping and prepaid amounts."""
    lines = tuple(replace(line, quantity=-line.quantity) if line.kind == 'item' else line for line in doc.lines)
    return replace(doc, lines=lines, shipping=-doc.shipping, prepaid=-doc.prepaid)


def split_proportionally(amount: Decimal, weights: Iterable[Decimal]) -> list[Decimal]:
    """Split `amount` (at the cent) in proportion to `weights`; the parts always sum exactly to `amount`.

    Largest remainder in cents: each part gets the floor of its exact share, then the cents left over go to the
    largest fractional remainders, ties to the first weight. Negative totals are split as their opposite, so
    that a credit note's parts are exactly the negated parts of its invoice.

    >>> split_proportionally(Decimal('10.00'), [Decimal(1), Decimal(1), Decimal(1)])
    [Decimal('3.34'), Decimal('3.33'), Decimal('3.33')]
    """
    weights = list(weights)
    cents = [int(weight / CENT) for weight in weights]
    amount_cents = int(amount / CENT)
    total = sum(cents)
    if total < 0:
        return [-part for part in split_proportionally(-amount, [-weight for weight in weights])]
    if not amount_cents:
        return [ZERO] * len(cents)
    if not total:
        raise ValueError('cannot split a non-zero amount over weights summing to zero')
    floors, remainders = [], []
    for weight in cents:
        quotient, remainder = divmod(amount_cents * weight, total)
        floors.append(quotient)
        remainders.append(remainder)
    left_over = amount_cents - sum(floors)
    for index in sorted(range(len(cents)), key=lambda i: -remainders[i])[:left_over]:
        floors[index] += 1
    return [Decimal(part) * CENT for part in floors]


def _line_amounts(line: Line, position: int) -> tuple[Decimal, Decimal]:
    gross = line.quantity * line.unit_price
    allowance = _allowance(line.discount_kind, line.discount_value, gross, f'Ligne {position}')
    return allowance, round_cents(gross - allowance)


def _global_discount(doc: Document, lines_total: Decimal) -> Decimal:
    return _allowance(doc.global_discount_kind, doc.global_discount_value, lines_total, 'Remise globale')


def _allowance(kind: DiscountKind, value: Decimal, amount: Decimal, where: str) -> Decimal:
    """The discount on `amount`, at the cent and with its sign: a percentage, or an amount no larger than it."""
    if kind is None:
        return ZERO
    if value < 0:
        raise TotalsError(f'{where} : la remise ne peut pas être négative.')
    if kind == 'percent':
        if value > HUNDRED:
            raise TotalsError(f'{where} : la remise ne peut pas dépasser 100 %.')
        return round_cents(amount * value / HUNDRED)
    if kind == 'amount':
        if round_cents(value) != value:
            raise TotalsError(f'{where} : la remise doit être un montant au centime près.')
        if value > abs(amount):
            raise TotalsError(f'{where} : la remise de {format_eur(value)} dépasse le montant '
                              f'de {format_eur(abs(amount))}.')
        return round_cents(-value if amount < 0 else value)
    raise ValueError(f'unknown discount kind {kind!r}')


def _group_key(category: str, rate: Decimal) -> tuple[str, Decimal]:
    if category not in VAT_CATEGORIES:
        raise ValueError(f'unknown VAT category {category!r}')
    if not 0 <= rate <= HUNDRED or rate.quantize(CENT) != rate:
        raise ValueError(f'VAT rate {rate} is not a percentage with at most two decimals')
    if category != 'S' and rate:
        # EN 16931 (BR-Z-05, BR-E-05, BR-AE-05...) wants rate 0 outside category S; a rate here is a setup mistake.
        raise TotalsError(f'Une ligne exonérée ou hors champ (catégorie {category}) doit avoir un taux de TVA '
                          f'de 0 %, pas de {format_decimal_fr(rate)} %.')
    # Normalise so that Decimal('20') and Decimal('20.00') make the same group and print the same way.
    return category, rate.quantize(CENT)
