"""Credit notes (IN4): what is left to credit on an invoice, and the credit note lines of each kind.

Signs: an invoice's amounts are positive, a credit note's are negative (it is `negate`d: opposite quantities, same
prices and rates), so that its totals from logic.totals are exact opposites to the cent. Amounts "left to credit"
are positive magnitudes.

Three kinds:
- full: the negated copy of every line, discount and shipping (pretix's `build_cancellation`); only while nothing
  has been credited yet;
- lines: chosen invoice lines with a quantity each (at most what is left of that line); they take back their share
  of the invoice's global discount, as an amount prorated cumulatively so that partial notes add up to the cent;
- amounts: an amount HT per VAT rate, as one line per rate ("Avoir sur facture F2026-00042 - TVA 20 %").
Whatever the kind, a credit note never exceeds what is left: neither the TTC total nor any VAT rate's base.

>>> left = Remaining(total_ttc=Decimal('120.00'), bases={('S', Decimal('20.00')): Decimal('100.00')}, quantities={})
>>> lines = amount_lines({('S', Decimal('20.00')): Decimal('30.00')}, label='Geste commercial')
>>> credit = Draft(doc_type='credit_note', lines=lines).totals()
>>> credit.total_ttc
Decimal('-36.00')
>>> check_within(left, credit)
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from logic.draft import Draft, DraftLine
from logic.errors import DomainError
from logic.money import CENT, format_decimal_fr, format_eur, round_cents
from logic.snapshot import VatLine
from logic.totals import Totals, VatGroup

Key = tuple[str, Decimal]


class CreditError(DomainError, ValueError):
    """A credit note that can't be made; `str(exc)` is the French message to show."""


@dataclass(kw_only=True, slots=True, frozen=True)
class Remaining:
    """What may still be credited: TTC, base HT per (VAT category, rate), quantity per invoice line id."""

    total_ttc: Decimal
    bases: dict[Key, Decimal]
    quantities: dict[int, Decimal]
    # True once a credit note was issued on the invoice: a full credit note is then no longer possible.
    already_credited: bool = False


def remaining(*, invoice_ttc: Decimal, invoice_groups: Iterable[VatGroup | VatLine], invoice_quantities: Mapping[int, Decimal],
              credit_ttc: Iterable[Decimal] = (), credit_groups: Iterable[VatGroup | VatLine] = (),
              credited_quantities: Mapping[int, Decimal] | None = None) -> Remaining:
    """What is left once the (negative) credit notes already issued are taken off the invoice.

    `credited_quantities` are the credit note lines' quantities summed per invoice line (negative, as stored).
    """
    bases: dict[Key, Decimal] = {}
    for group in invoice_groups:
        key = _key(group.category, group.rate)
        bases[key] = bases.get(key, Decimal('0.00')) + group.base
    credited_any = False
    for group in credit_groups:
        key = _key(group.category, group.rate)
        bases[key] = bases.get(key, Decimal('0.00')) + group.base
        credited_any = True
    total = invoice_ttc + sum(credit_ttc, Decimal('0.00'))
    credited_any = credited_any or total != invoice_ttc
    credited_quantities = credited_quantities or {}
    quantities = {line_id: quantity + credited_quantities.get(line_id, Decimal(0))
                  for line_id, quantity in invoice_quantities.items()}
    return Remaining(total_ttc=total, bases=bases, quantities=quantities, already_credited=credited_any)


def full_lines(invoice: Draft) -> Draft:
    """The negated copy of an invoice's editable form: same lines and rates, opposite quantities and shipping."""
    lines = [replace(line, quantity=-line.quantity) if line.kind == 'item' else replace(line)
             for line in invoice.lines]
    return replace(invoice, doc_type='credit_note', lines=lines, shipping=-invoice.shipping)


def chosen_lines(invoice: Draft, line_ids: list[int | None], chosen: Mapping[int, Decimal],
                 left: Remaining) -> tuple[Draft, list[int | None]]:
    """Credit `chosen[line_id]` (a positive quantity) of each chosen invoice line; returns the draft and, per credit
    line, the invoice line it credits."""
    if not chosen or not any(chosen.values()):
        raise CreditError('Choisissez au moins une ligne et une quantité à créditer.')
    by_id = {line_id: line for line_id, line in zip(line_ids, invoice.lines) if line_id is not None}
    lines, sources = [], []
    for line_id, quantity in chosen.items():
        line = by_id.get(line_id)
        if line is None or line.kind != 'item':
            raise CreditError('Cette ligne n’appartient pas à la facture.')
        if quantity <= 0:
            if quantity == 0:
                continue
            raise CreditError(f'« {line.designation} » : la quantité à créditer doit être positive.')
        sign = -1 if line.quantity < 0 else 1
        still = abs(left.quantities.get(line_id, Decimal(0)))
        if quantity > still:
            raise CreditError(f'« {line.designation} » : {format_decimal_fr(quantity)} à créditer, mais il reste '
                              f'{format_decimal_fr(still)} à créditer sur cette ligne.')
        lines.append(replace(line, quantity=-sign * quantity))
        sources.append(line_id)
    draft = replace(invoice, doc_type='credit_note', lines=lines, shipping=Decimal('0'), global_discount_kind=None,
                    global_discount_value=Decimal('0'))
    if invoice.global_discount_kind and invoice.global_discount_value:
        draft = replace(draft, global_discount_kind='amount',
                        global_discount_value=_discount_share(invoice, line_ids, left, draft))
    return draft, sources


def _discount_share(invoice: Draft, line_ids: list[int | None], left: Remaining, credit: Draft) -> Decimal:
    """The part of the invoice's global discount that the credited lines take back, as an amount.

    Cumulative, so that partial credit notes add up to the invoice's discount to the cent: the share is the discount
    prorated to everything credited so far, this note included, less the same for what was credited before.
    """
    bare = replace(invoice, global_discount_kind=None, global_discount_value=Decimal(0), shipping=Decimal(0))
    whole = bare.totals().lines_total
    if not whole:
        return Decimal('0.00')
    discount = invoice.totals().allowance_total
    before_lines = [replace(line, quantity=line.quantity - left.quantities.get(line_id, line.quantity))
                    for line_id, line in zip(line_ids, bare.lines) if line.kind == 'item' and line_id is not None]
    before = abs(replace(bare, lines=before_lines).totals().lines_total)
    after = before + abs(credit.totals().lines_total)
    return round_cents(discount * after / whole) - round_cents(discount * before / whole)


def amount_lines(amounts: Mapping[Key, Decimal], *, label: str,
                 reasons: Mapping[Key, str] | None = None) -> list[DraftLine]:
    """One line per VAT rate crediting `amounts[(category, rate)]` HT (positive amounts, at the cent)."""
    lines = []
    for (category, rate), amount in amounts.items():
        if not amount:
            continue
        if amount < 0 or round_cents(amount) != amount:
            raise CreditError('Chaque montant à créditer est positif, au centime près.')
        rate_text = f'TVA {format_decimal_fr(rate)} %' if category == 'S' else f'TVA {category}'
        lines.append(DraftLine(designation=f'{label} – {rate_text}', quantity=Decimal(-1), unit_price=amount,
                               vat_rate=rate, vat_category=category,
                               exemption_reason=(reasons or {}).get(_key(category, rate), '')))
    if not lines:
        raise CreditError('Indiquez au moins un montant à créditer.')
    return lines


def check_within(left: Remaining, credit: Totals) -> None:
    """Refuse a credit note that is empty or exceeds what is left, in total or for any VAT rate."""
    if credit.total_ttc >= 0:
        raise CreditError('Un avoir diminue la facture : son montant doit être négatif et non nul.')
    for group in credit.vat_groups:
        key = _key(group.category, group.rate)
        left_base = left.bases.get(key, Decimal('0.00'))
        if -group.base > left_base:
            rate = f'{format_decimal_fr(key[1])} %' if key[0] == 'S' else key[0]
            raise CreditError(f'TVA {rate} : l’avoir crédite {format_eur(-group.base)} HT, il ne reste que '
                              f'{format_eur(max(left_base, Decimal("0.00")))} HT à créditer à ce taux.')
    if -credit.total_ttc > left.total_ttc:
        raise CreditError(f'L’avoir de {format_eur(-credit.total_ttc)} TTC dépasse le reste à créditer de la '
                          f'facture ({format_eur(max(left.total_ttc, Decimal("0.00")))}).')


def _key(category: str, rate: Decimal) -> Key:
    return category, Decimal(rate).quantize(CENT)
