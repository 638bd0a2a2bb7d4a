"""Deposits ("acomptes", QU4, DE1-DE5): their amounts on a quote and the lines of a deposit invoice.

A deposit is an amount, or a percentage of the quote's total TTC (truncated to the cent, like logic.schedule, so that
deposits adding up to 100 % never exceed the quote). Together they never exceed the quote's total.

The deposit invoice carries VAT (docs/legal.md 2.3, goods included since 2023) at the quote's rates: one line per VAT
group of the quote, the amount received split in proportion to each group's TTC, the last group taking the
remainder. Its prices include VAT (logic.totals `vat_included`), so that it totals exactly the amount received:

>>> groups = [VatShare(category='S', rate=D('20.00'), ttc=D('1200.00')),
...           VatShare(category='S', rate=D('5.50'), ttc=D('211.00'))]
>>> [line.unit_price for line in deposit_lines(groups, D('300.00'), designation('D2026-00012', percent=D(30)))]
[Decimal('255.13'), Decimal('44.87')]
>>> designation('D2026-00012', amount=D('1000'))
'Acompte de 1\\u202f000,00\\xa0€ sur le devis n° D2026-00012'
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from logic.draft import DraftLine
from logic.errors import DomainError
from logic.money import CENT, format_decimal_fr, format_eur, round_cents

D = Decimal
HUNDRED = Decimal(100)
ZERO = Decimal('0.00')


class DepositError(DomainError, ValueError):
    """A deposit the user asked for can't be; `str(exc)` is the French message to show."""


class UnpaidDeposits(DomainError):
    """The balance invoice of a quote can't be validated (nor settled) while some of its deposits are unpaid (DE5).

    `installments` are those deposits (db.document.Installment rows): the page offers to settle or delete them.
    """

    def __init__(self, installments: Sequence) -> None:
        self.installments = list(installments)
        total = sum((item.amount - item.paid_amount for item in self.installments), ZERO)
        count = len(self.installments)
        super().__init__(f'{count} acompte{"s" if count > 1 else ""} du devis reste{"nt" if count > 1 else ""} à '
                         f'régler ({format_eur(total)}) : réglez-le{"s" if count > 1 else ""} ou '
                         f'supprimez-le{"s" if count > 1 else ""} avant de valider la facture de solde.')


@dataclass(kw_only=True, slots=True, frozen=True)
class DepositSpec:
    """A deposit as typed on the quote: `amount` TTC or `percent` of the quote's TTC (exactly one of them).

    `id` is the installment's id for a deposit that already exists (None for a new one).
    """

    due_date: date
    amount: Decimal | None = None
    percent: Decimal | None = None
    label: str = ''
    id: int | None = None


@dataclass(kw_only=True, slots=True, frozen=True)
class VatShare:
    """One VAT group of the quote, with its TTC (base + VAT) and the nature of most of its lines."""

    category: str
    rate: Decimal
    ttc: Decimal
    exemption_reason: str = ''
    exemption_code: str = ''
    nature: str = 'service'


def deposit_amount(quote_ttc: Decimal, *, amount: Decimal | None = None, percent: Decimal | None = None) -> Decimal:
    """The amount TTC of one deposit: `amount` as typed, or `percent` of the quote's TTC truncated to the cent."""
    if (amount is None) == (percent is None):
        raise DepositError('Indiquez le montant de l’acompte ou son pourcentage (l’un des deux).')
    if percent is not None:
        if not isinstance(percent, Decimal) or not 0 < percent <= HUNDRED:
            raise DepositError('Le pourcentage d’un acompte est compris entre 0 (exclu) et 100 %.')
        if percent != percent.quantize(Decimal('0.0001')):
            raise DepositError('Le pourcentage d’un acompte a 4 décimales au plus.')
        value = _truncate(quote_ttc * percent / HUNDRED)
        if value <= 0:
            raise DepositError(f'Un acompte de {format_decimal_fr(percent)} % du devis '
                               f'({format_eur(quote_ttc)}) ne fait pas un centime.')
        return value
    if not isinstance(amount, Decimal) or not amount.is_finite() or round_cents(amount) != amount:
        raise DepositError('Le montant d’un acompte est au centime près.')
    if amount <= 0:
        raise DepositError('Le montant d’un acompte doit être supérieur à zéro.')
    return amount


def check_total(quote_ttc: Decimal, amounts: Iterable[Decimal]) -> None:
    """The deposits together don't exceed the quote's TTC."""
    total = sum(amounts, ZERO)
    if total > quote_ttc:
        raise DepositError(f'Les acomptes totalisent {format_eur(total)}, plus que le total du devis '
                           f'({format_eur(max(quote_ttc, ZERO))} TTC).')


def designation(quote_number: str, *, percent: Decimal | None = None, amount: Decimal | None = None) -> str:
    """'Acompte de 30 % sur le devis n° D2026-00012', or 'Acompte de 1 000,00 € sur le devis n° ...'."""
    what = f'{format_decimal_fr(percent)} %' if percent is not None else format_eur(amount)
    return f'Acompte de {what} sur le devis n° {quote_number}'


def deposit_lines(groups: Sequence[VatShare], amount: Decimal, label: str) -> list[DraftLine]:
    """The deposit invoice's lines (prices including VAT): `amount` split over the quote's VAT groups.

    Only groups with a positive TTC take a part (a group made of discount lines alone has nothing to pay a deposit
    on); each part is truncated to the cent, the last one takes the remainder, a zero part makes no line.
    """
    if amount <= 0 or round_cents(amount) != amount:
        raise DepositError('Le montant d’un acompte est positif, au centime près.')
    shares = [group for group in groups if group.ttc > 0]
    if not shares:
        raise DepositError('Le devis n’a pas de montant sur lequel calculer un acompte.')
    total = sum((group.ttc for group in shares), ZERO)
    parts = [_truncate(amount * group.ttc / total) for group in shares[:-1]]
    parts.append(amount - sum(parts, ZERO))
    several = len(shares) > 1
    lines = []
    for group, part in zip(shares, parts):
        if not part:
            continue
        rate_text = f'TVA {format_decimal_fr(group.rate)} %' if group.category == 'S' else f'TVA {group.category}'
        lines.append(DraftLine(designation=f'{label} – {rate_text}' if several else label, quantity=Decimal(1),
                               unit_price=part, vat_rate=group.rate, vat_category=group.category,
                               exemption_reason=group.exemption_reason, exemption_code=group.exemption_code,
                               nature=group.nature))
    return lines


def vat_shares(vat_groups: Iterable, lines: Iterable, nets: Iterable[Decimal | None]) -> list[VatShare]:
    """The quote's VAT groups (logic.totals.VatGroup or snapshot VatLine) as shares, with each group's nature
    (goods or services, whichever weighs more in the group's lines)."""
    weights: dict[tuple[str, Decimal], dict[str, Decimal]] = {}
    for line, net in zip(lines, nets):
        if line.kind == 'item' and net is not None:
            key = (line.vat_category, Decimal(line.vat_rate).quantize(CENT))
            natures = weights.setdefault(key, {})
            natures[line.nature] = natures.get(line.nature, ZERO) + net
    shares = []
    for group in vat_groups:
        natures = weights.get((group.category, Decimal(group.rate).quantize(CENT)), {})
        nature = max(natures, key=lambda name: (natures[name], name == 'service')) if natures else 'service'
        shares.append(VatShare(category=group.category, rate=group.rate, ttc=group.base + group.vat,
                               exemption_reason=group.exemption_reason,
                               exemption_code=group.exemption_code, nature=nature))
    return shares


def _truncate(value: Decimal) -> Decimal:
    rounded = value.quantize(CENT, rounding=ROUND_DOWN)
    return rounded.copy_abs() if rounded.is_zero() else rounded
