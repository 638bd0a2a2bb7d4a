"""Progress invoices ("factures de situation", IN8, docs/legal.md 2.4): the arithmetic of a building contract.

The contract ("marché") is an accepted quote. Situation n states, per line of the contract, the cumulative progress
(a percentage, or a quantity done), the cumulative amount, the amount of the previous situations and the amount
billed now; the invoice bills only that difference. Every figure is stored with the situation, never rebuilt by
walking back, so a situation reprints identically years later; differences telescope: the situations of a line
add up exactly to its contract amount once it reaches 100 %.

- cumulative amount = round_cents(contract amount x percent / 100) (the contract amount itself at 100 %), or
  x quantity done / quantity of the contract when a quantity is typed;
- amount billed now = cumulative amount - previous cumulative amount (never negative: going back is a credit note);
- the invoice's lines bill those amounts (one unit at the amount billed), its VAT comes from logic/totals.py;
- the holdback ("retenue de garantie", loi 71-584 of 16 July 1971: at most 5 %) is a part of the situation's TTC
  kept by the client until one year after the acceptance of the works: it is NOT a reduction of the taxable base
  (VAT is due on the whole amount), only of what is paid now; a bank guarantee ("caution") replaces it;
- deposits already invoiced are deducted in proportion to the progress (the cumulative deduction follows the
  cumulative amount, so the last situation takes the rest), or all at once on the last situation.

The guide's example, 160 + 182,45 + 252,80 = 595,25 HT billed 30 %, then 75 %, then 100 %:

>>> lines = [ContractLine(line_id=i, designation=d, quantity=D(1), amount=D(a)) for i, (d, a) in
...          enumerate([('Béton', '160.00'), ('Ardoise', '182.45'), ('Clôture', '252.80')], start=1)]
>>> first = progress(lines, {}, {1: D(30), 2: D(30), 3: D(30)})
>>> [line.delta_amount for line in first], sum(line.delta_amount for line in first)
([Decimal('48.00'), Decimal('54.74'), Decimal('75.84')], Decimal('178.58'))
>>> second = progress(lines, previous_of(first), {1: D(75), 2: D(75), 3: D(75)})
>>> [line.delta_amount for line in second], [line.previous_amount for line in second]
([Decimal('72.00'), Decimal('82.10'), Decimal('113.76')], [Decimal('48.00'), Decimal('54.74'), Decimal('75.84')])
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from logic.dates import format_date
from logic.draft import DraftLine
from logic.errors import DomainError
from logic.money import CENT, format_decimal_fr, format_eur, round_cents

D = Decimal
ZERO = Decimal('0.00')
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal('0.0001')
MAX_HOLDBACK = Decimal(5)  # loi 71-584, art. 1: "une retenue égale au plus à 5 % du montant des travaux"
GUARANTEES = {'holdback': 'Retenue de garantie', 'bank': 'Caution bancaire', 'none': 'Aucune'}
DEPOSIT_MODES = {'proportional': 'Au prorata de l’avancement', 'end': 'En une fois sur le décompte final'}
HOLDBACK_LABEL = 'Retenue de garantie'


class SituationError(DomainError, ValueError):
    """A situation or a contract the user asked for can't be; `str(exc)` is the French message to show."""


@dataclass(kw_only=True, slots=True, frozen=True)
class ContractLine:
    """One item line of the contract (the accepted quote): its net amount HT is what 100 % bills."""

    line_id: int
    designation: str
    quantity: Decimal
    amount: Decimal
    reference: str = ''
    unit: str = ''
    unit_code: str = 'C62'
    vat_rate: Decimal = Decimal(20)
    vat_category: str = 'S'
    exemption_reason: str = ''
    exemption_code: str = ''
    nature: str = 'service'


@dataclass(kw_only=True, slots=True, frozen=True)
class Done:
    """How far a line was billed by the situations before: cumulative percent and amount."""

    percent: Decimal = Decimal(0)
    amount: Decimal = ZERO


@dataclass(kw_only=True, slots=True, frozen=True)
class LineProgress:
    """One line of a situation, every figure stored as printed."""

    line: ContractLine
    cumulative_percent: Decimal
    previous_percent: Decimal
    cumulative_amount: Decimal
    previous_amount: Decimal
    cumulative_quantity: Decimal | None = None

    @property
    def delta_percent(self) -> Decimal:
        return self.cumulative_percent - self.previous_percent

    @property
    def delta_amount(self) -> Decimal:
        return self.cumulative_amount - self.previous_amount


def progress(lines: Iterable[ContractLine], previous: Mapping[int, Done], percents: Mapping[int, Decimal],
             quantities: Mapping[int, Decimal] | None = None) -> list[LineProgress]:
    """The situation's lines from the cumulative percent (or quantity done) typed per line id; a line not typed
    stays where it was. Refuses more than 100 %, a step back, a percent with more than 4 decimals."""
    quantities = quantities or {}
    out = []
    for line in lines:
        before = previous.get(line.line_id, Done())
        quantity = quantities.get(line.line_id)
        if quantity is not None:
            out.append(_by_quantity(line, before, quantity))
            continue
        percent = percents.get(line.line_id, before.percent)
        _check_percent(line, percent, before)
        amount = line.amount if percent == HUNDRED else round_cents(line.amount * percent / HUNDRED)
        out.append(LineProgress(line=line, cumulative_percent=percent, previous_percent=before.percent,
                                cumulative_amount=amount, previous_amount=before.amount))
    return out


def previous_of(lines: Iterable[LineProgress]) -> dict[int, Done]:
    """What the next situation starts from."""
    return {line.line.line_id: Done(percent=line.cumulative_percent, amount=line.cumulative_amount) for line in lines}


def _by_quantity(line: ContractLine, before: Done, quantity: Decimal) -> LineProgress:
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise SituationError(f'{_name(line)} : la quantité réalisée n’est pas un nombre.')
    if not line.quantity:
        raise SituationError(f'{_name(line)} : la ligne du marché n’a pas de quantité, indiquez un pourcentage.')
    if quantity.quantize(PERCENT_PLACES) != quantity:
        raise SituationError(f'{_name(line)} : la quantité a 4 décimales au plus.')
    ratio = quantity / line.quantity
    if ratio < 0 or ratio > 1:
        raise SituationError(f'{_name(line)} : la quantité réalisée ({format_decimal_fr(quantity)}) dépasse la '
                             f'quantité du marché ({format_decimal_fr(line.quantity)}).' if ratio > 1 else
                             f'{_name(line)} : la quantité réalisée ne peut pas être négative.')
    percent = (ratio * HUNDRED).quantize(PERCENT_PLACES)
    amount = line.amount if ratio == 1 else round_cents(line.amount * ratio)
    if percent < before.percent or amount < before.amount:
        raise SituationError(_backwards(line, before))
    return LineProgress(line=line, cumulative_percent=percent, previous_percent=before.percent,
                        cumulative_amount=amount, previous_amount=before.amount, cumulative_quantity=quantity)


def _check_percent(line: ContractLine, percent: Decimal, before: Done) -> None:
    if not isinstance(percent, Decimal) or not percent.is_finite():
        raise SituationError(f'{_name(line)} : l’avancement n’est pas un nombre.')
    if percent < 0 or percent > HUNDRED:
        raise SituationError(f'{_name(line)} : l’avancement cumulé est compris entre 0 et 100 %.')
    if percent.quantize(PERCENT_PLACES) != percent:
        raise SituationError(f'{_name(line)} : l’avancement a 4 décimales au plus.')
    if percent < before.percent:
        raise SituationError(_backwards(line, before))


def _backwards(line: ContractLine, before: Done) -> str:
    return (f'{_name(line)} : l’avancement cumulé ne peut pas redescendre sous {format_decimal_fr(before.percent)} % '
            '(déjà facturé) ; pour revenir en arrière, établissez un avoir sur la dernière situation.')


def _name(line: ContractLine) -> str:
    return f'« {line.designation or line.reference or "Ligne"} »'


def invoice_lines(lines: Iterable[LineProgress], seq: int) -> list[DraftLine]:
    """The progress invoice's lines: one per line billed now, one unit at the amount billed now (HT)."""
    out = []
    for item in lines:
        if not item.delta_amount:
            continue
        line = item.line
        out.append(DraftLine(reference=line.reference, designation=line.designation[:255],
                             description=f'Situation n° {seq} : {format_decimal_fr(item.delta_percent)} % du marché',
                             quantity=D(1), unit='', unit_code='C62', unit_price=item.delta_amount,
                             vat_rate=line.vat_rate, vat_category=line.vat_category,
                             exemption_reason=line.exemption_reason, exemption_code=line.exemption_code,
                             nature=line.nature, source_line_id=line.line_id))
    if not out:
        raise SituationError('Rien à facturer : l’avancement cumulé n’a augmenté sur aucune ligne.')
    return out


def line_note(item: LineProgress) -> str:
    """The line note of the e-invoice (BT-127): the cumulative, which the lines (the difference) don't carry."""
    return (f'Marché {money(item.line.amount)} HT ; cumul {format_decimal_fr(item.cumulative_percent)} % = '
            f'{money(item.cumulative_amount)} ; situations précédentes {money(item.previous_amount)} ; '
            f'cette situation {format_decimal_fr(item.delta_percent)} % = {money(item.delta_amount)}')


def money(value: Decimal) -> str:
    return f'{value.quantize(CENT)} EUR'


# --- the contract's settings, deposits and holdback ----------------------------------------------------------------


def check_settings(*, holdback_rate: Decimal, guarantee: str, deposit_mode: str) -> None:
    if guarantee not in GUARANTEES:
        raise SituationError('Choisissez la garantie : retenue de garantie, caution bancaire ou aucune.')
    if deposit_mode not in DEPOSIT_MODES:
        raise SituationError('Choisissez comment les acomptes sont déduits.')
    if not isinstance(holdback_rate, Decimal) or not holdback_rate.is_finite() or holdback_rate < 0:
        raise SituationError('Le taux de retenue de garantie est un pourcentage positif.')
    if holdback_rate > MAX_HOLDBACK:
        raise SituationError('La retenue de garantie est de 5 % au plus (loi n° 71-584 du 16 juillet 1971).')
    if holdback_rate.quantize(CENT) != holdback_rate:
        raise SituationError('Le taux de retenue de garantie a 2 décimales au plus.')
    if guarantee == 'holdback' and not holdback_rate:
        raise SituationError('Indiquez le taux de la retenue de garantie (5 % en général), ou choisissez « Aucune ».')


def holdback(total_ttc: Decimal, *, rate: Decimal, guarantee: str) -> Decimal:
    """The part of a situation's TTC the client keeps until the release (none under a bank guarantee).

    >>> holdback(D('214.30'), rate=D(5), guarantee='holdback'), holdback(D('214.30'), rate=D(5), guarantee='bank')
    (Decimal('10.72'), Decimal('0.00'))
    """
    if guarantee != 'holdback' or not rate or total_ttc <= 0:
        return ZERO
    return round_cents(total_ttc * rate / HUNDRED)


def deposit_deduction(*, deposits: Decimal, already: Decimal, contract_ht: Decimal, cumulative_ht: Decimal,
                      mode: str, final: bool) -> Decimal:
    """The deposits (TTC, already invoiced) this situation deducts.

    In proportion: the cumulative deduction is round_cents(deposits x cumulative HT / contract HT), less what the
    situations before deducted; the last one takes whatever is left. At the end: everything on the last situation.

    >>> deposit_deduction(deposits=D('214.29'), already=ZERO, contract_ht=D('595.25'), cumulative_ht=D('178.58'),
    ...                   mode='proportional', final=False)
    Decimal('64.29')
    """
    if final or cumulative_ht >= contract_ht:
        return deposits - already
    if mode == 'end' or not contract_ht:
        return ZERO
    cumulative = round_cents(deposits * cumulative_ht / contract_ht)
    return max(cumulative - already, ZERO)


def allocate(amounts: list[Decimal], *, already: Decimal, now: Decimal) -> list[Decimal]:
    """The part of each deposit invoice (oldest first) this situation deducts: the situations before took
    `already` from the oldest ones, this one takes `now` from what follows.

    >>> allocate([D('100.00'), D('50.00')], already=D('80.00'), now=D('40.00'))
    [Decimal('20.00'), Decimal('20.00')]
    """
    parts = []
    for amount in amounts:
        skipped = min(amount, already)
        already -= skipped
        taken = min(amount - skipped, now)
        now -= taken
        parts.append(taken)
    return parts


def release_date(reception: date) -> date:
    """One year after the acceptance of the works (loi 71-584, art. 2); 28 February for a 29 February.

    >>> release_date(date(2028, 2, 29))
    datetime.date(2029, 2, 28)
    """
    try:
        return reception.replace(year=reception.year + 1)
    except ValueError:
        return reception.replace(year=reception.year + 1, day=28)


def holdback_text(*, rate: Decimal, guarantee: str, amount: Decimal, release: date | None,
                  total: Decimal | None = None) -> str:
    """The sentence each situation prints about the guarantee of the works; the final account (`total`: the
    holdback of every situation that counts) also states what is kept on the whole contract."""
    if guarantee == 'bank':
        return ('Retenue de garantie remplacée par une caution bancaire (loi n° 71-584 du 16 juillet 1971) : '
                'aucune retenue sur cette situation.')
    if guarantee != 'holdback' or not amount:
        return ''
    when = f'le {format_date(release)}' if release else 'un an après la réception des travaux'
    text = (f'Retenue de garantie de {format_decimal_fr(rate)} % : {format_eur(amount)} TTC, retenus sur cette '
            f'situation et payables {when} (loi n° 71-584 du 16 juillet 1971), sauf réserves notifiées.')
    if total is not None:
        text += f' Retenue de garantie totale du marché : {format_eur(total)} TTC, payable {when}.'
    return text


@dataclass(kw_only=True, slots=True, frozen=True)
class Amounts:
    """What a situation asks for: TTC, deposits deducted (BT-113), holdback, and what is to pay now."""

    total_ttc: Decimal
    deposit: Decimal
    holdback: Decimal

    @property
    def amount_due(self) -> Decimal:  # BT-115: the holdback is still owed, later
        return self.total_ttc - self.deposit

    @property
    def pay_now(self) -> Decimal:
        return self.total_ttc - self.deposit - self.holdback


def check_amounts(amounts: Amounts) -> None:
    if amounts.pay_now < 0:
        raise SituationError(f'Les acomptes à déduire ({format_eur(amounts.deposit)}) et la retenue de garantie '
                             f'({format_eur(amounts.holdback)}) dépassent le montant de cette situation '
                             f'({format_eur(amounts.total_ttc)} TTC) : déduisez les acomptes au prorata, ou '
                             'facturez plus d’avancement.')
