"""Dunning (PA6): which reminder level is due, and what a late business client owes on top of the principal.

The rules (docs/dunning.md and docs/legal.md §7, from C. com. L441-10 and D441-5, C. civ. 1344):
- Late penalties run from the day after the due date, without any reminder being needed, and only for business
  debtors: a consumer owes neither penalties nor the recovery indemnity.
- The rate is the contractual one if the terms set one, else the ECB's main refinancing rate + 10 points; the ECB
  rate applying to a half-year is the one in force on 1 January (first half) or 1 July (second half). Either way the
  rate can't be lower than three times the legal interest rate of that half-year.
- Penalties are `amount x rate x days / 365`, computed per half-year when the late span crosses 1 January or 1 July.
- The fixed recovery indemnity is 40 EUR per late invoice (not per installment).

Rates are percentages as Decimal ('12.15' means 12.15 %).
"""
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from logic.money import round_cents

LEVELS = (1, 2, 3)
LEVEL_LABELS = {1: 'Relance amiable', 2: 'Seconde relance', 3: 'Mise en demeure'}
CHANNELS = {'email': 'E-mail', 'post': 'Courrier'}
ECB_POINTS = Decimal(10)  # C. com. L441-10: ECB rate + 10 points by default
LEGAL_FLOOR_FACTOR = Decimal(3)  # never below 3x the legal interest rate
RECOVERY_INDEMNITY = Decimal('40.00')  # C. com. D441-5, per late invoice
DAYS_IN_YEAR = Decimal(365)
RATE_KINDS = {'ecb': 'Taux de refinancement BCE', 'legal': 'Taux de l’intérêt légal (professionnels)'}
PENALTY_BASES = {'ecb': 'Taux BCE + 10 points (défaut légal)', 'legal_x3': 'Trois fois le taux de l’intérêt légal',
                 'fixed': 'Taux contractuel fixe'}
DEFAULT_DAYS = {1: 15, 2: 30, 3: 45}
PLACEHOLDERS = ('client', 'societe', 'total', 'date', 'delai', 'factures')


@dataclass(kw_only=True, slots=True, frozen=True)
class ReferenceRate:
    kind: str  # 'ecb' | 'legal'
    valid_from: date
    rate: Decimal


@dataclass(kw_only=True, slots=True, frozen=True)
class PenaltyTerms:
    """How the company computes penalties: `basis` 'ecb' (legal default), 'legal_x3', or 'fixed' with `fixed_rate`."""
    basis: str = 'ecb'
    fixed_rate: Decimal | None = None


@dataclass(kw_only=True, slots=True, frozen=True)
class PenaltyPeriod:
    start: date  # first late day of the period
    end: date  # last late day of the period
    days: int
    rate: Decimal
    amount: Decimal
    base: Decimal = Decimal('0.00')  # what was owed over the period (sums paid late still bore interest before)


class RateMissing(ValueError):
    """No reference rate is known for a half-year the late span touches."""


def level_due(days_late: int, thresholds: Mapping[int, int], last_level: int = 0,
              days_since_last: int | None = None) -> int | None:
    """The next level to send, or None: one step above what was sent, once `days_late` reached it.

    Levels are sent in order: an installment 60 days late that never had a reminder gets level 1 first. After a
    reminder, the next one waits for the gap between the two levels' delays (`days_since_last`): a late installment
    reminded today is not sent the next level tomorrow.

    >>> level_due(20, {1: 15, 2: 30, 3: 45})
    1
    >>> level_due(60, {1: 15, 2: 30, 3: 45}, last_level=1, days_since_last=15)
    2
    >>> level_due(60, {1: 15, 2: 30, 3: 45}, last_level=1, days_since_last=3) is None
    True
    >>> level_due(90, {1: 15, 2: 30, 3: 45}, last_level=3) is None
    True
    """
    if last_level >= LEVELS[-1]:
        return None
    following = last_level + 1
    if days_late < thresholds[following]:
        return None
    if last_level and days_since_last is not None and \
            days_since_last < thresholds[following] - thresholds[last_level]:
        return None
    return following


def days_late(due_date: date, today: date) -> int:
    """Whole days since the due date (0 on the due date itself).

    >>> days_late(date(2026, 1, 31), date(2026, 2, 2))
    2
    """
    return max((today - due_date).days, 0)


def is_business(is_company: bool, category: str) -> bool:
    """Penalties and the indemnity apply between professionals only (a private person is a consumer).

    >>> is_business(True, 'fr_business'), is_business(False, 'individual'), is_business(True, 'individual')
    (True, False, False)
    """
    return bool(is_company) and category != 'individual'


def semester_start(day: date) -> date:
    """1 January or 1 July of the half-year holding `day`.

    >>> semester_start(date(2025, 6, 30)), semester_start(date(2025, 7, 1))
    (datetime.date(2025, 1, 1), datetime.date(2025, 7, 1))
    """
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def rate_on(rates: Iterable[ReferenceRate], kind: str, day: date) -> Decimal | None:
    """The `kind` rate in force on `day`: the latest row starting on or before it."""
    best = None
    for rate in rates:
        if rate.kind == kind and rate.valid_from <= day and (best is None or rate.valid_from > best.valid_from):
            best = rate
    return best.rate if best else None


def semester_rate(semester: date, rates: Sequence[ReferenceRate], terms: PenaltyTerms) -> Decimal:
    """The penalty rate of a half-year (`semester` is its 1 January or 1 July).

    >>> rates = [ReferenceRate(kind='ecb', valid_from=date(2024, 12, 18), rate=Decimal('3.15')),
    ...          ReferenceRate(kind='ecb', valid_from=date(2025, 4, 23), rate=Decimal('2.40')),
    ...          ReferenceRate(kind='legal', valid_from=date(2025, 1, 1), rate=Decimal('3.71'))]
    >>> semester_rate(date(2025, 1, 1), rates, PenaltyTerms())  # the April cut waits for the next half-year
    Decimal('13.15')
    >>> semester_rate(date(2025, 1, 1), rates, PenaltyTerms(basis='fixed', fixed_rate=Decimal('5')))  # floor 3x3.71
    Decimal('11.13')
    """
    legal = rate_on(rates, 'legal', semester)
    floor = legal * LEGAL_FLOOR_FACTOR if legal is not None else Decimal(0)
    if terms.basis == 'fixed' and terms.fixed_rate is not None:
        rate = terms.fixed_rate
    elif terms.basis == 'legal_x3':
        if legal is None:
            raise RateMissing(f'Taux de l’intérêt légal inconnu au {semester:%d/%m/%Y}.')
        rate = floor
    else:
        ecb = rate_on(rates, 'ecb', semester)
        if ecb is None:
            raise RateMissing(f'Taux de la BCE inconnu au {semester:%d/%m/%Y}.')
        rate = ecb + ECB_POINTS
    return max(rate, floor)


def penalty_periods(amount: Decimal, due_date: date, until: date, rates: Sequence[ReferenceRate],
                    terms: PenaltyTerms, *, memo: dict | None = None,
                    paid_late: Sequence[tuple[date, Decimal]] = ()) -> list[PenaltyPeriod]:
    """Late penalties of `amount` from the day after `due_date` to `until` (included), one period per half-year.

    `paid_late`: the sums received after the due date, each with its day. `amount` is what is still owed at
    `until`; a sum paid on day p was owed, and bore interest, until day p included: the periods split there.

    `memo` (a dict kept by the caller for one set of rates and terms) remembers each half-year's rate: a proposal
    asks the same few half-years for thousands of installments.

    >>> rates = [ReferenceRate(kind='ecb', valid_from=date(2024, 12, 18), rate=Decimal('3.15')),
    ...          ReferenceRate(kind='ecb', valid_from=date(2025, 6, 11), rate=Decimal('2.15'))]
    >>> [(p.days, p.rate, p.amount) for p in penalty_periods(Decimal('1000.00'), date(2025, 5, 20),
    ...                                                       date(2025, 8, 3), rates, PenaltyTerms())]
    [(41, Decimal('13.15'), Decimal('14.77')), (34, Decimal('12.15'), Decimal('11.32'))]
    """
    paid = sorted((day, value) for day, value in paid_late if due_date < day <= until and value)
    periods = []
    start = due_date + timedelta(days=1)
    while start <= until:
        semester = semester_start(start)
        next_semester = date(semester.year + 1, 1, 1) if semester.month == 7 else date(semester.year, 7, 1)
        end = min([until, next_semester - timedelta(days=1)] + [day for day, _ in paid if day >= start])
        base = amount + sum((value for day, value in paid if day >= start), Decimal(0))
        days = (end - start).days + 1
        if memo is None:
            rate = semester_rate(semester, rates, terms)
        else:
            rate = memo.get(semester) or memo.setdefault(semester, semester_rate(semester, rates, terms))
        if base > 0:
            periods.append(PenaltyPeriod(start=start, end=end, days=days, rate=rate, base=base,
                                         amount=round_cents(base * rate / 100 * days / DAYS_IN_YEAR)))
        start = end + timedelta(days=1)
    return periods


def late_penalties(amount: Decimal, due_date: date, until: date, rates: Sequence[ReferenceRate],
                   terms: PenaltyTerms, *, business: bool, memo: dict | None = None,
                   paid_late: Sequence[tuple[date, Decimal]] = ()) -> Decimal:
    """The sum of the periods' penalties (each rounded to the cent, as shown); zero for a consumer.

    With a `memo` and nothing paid late, the half-years between a due date and `until` (their days and rates) are
    worked out once per due date: a proposal of 5,000 installments asks the same few hundred due dates, and walking
    the half-years of each was most of its time. Same periods, same rounding as penalty_periods."""
    if not business or amount <= 0:
        return Decimal('0.00')
    if memo is None or any(due_date < day <= until and value for day, value in paid_late):
        periods = penalty_periods(amount, due_date, until, rates, terms, memo=memo, paid_late=paid_late)
        return sum((p.amount for p in periods), Decimal('0.00'))
    key = ('half-years', due_date, until)
    if (spans := memo.get(key)) is None:
        spans = memo[key] = [(p.days, p.rate) for p in penalty_periods(Decimal(1), due_date, until, rates, terms,
                                                                       memo=memo)]
    return sum((round_cents(amount * rate / 100 * days / DAYS_IN_YEAR) for days, rate in spans), Decimal('0.00'))


def indemnities(invoice_ids: Sequence[int], *, business: bool) -> list[Decimal]:
    """The recovery indemnity per line, for lines given by their invoice: 40 EUR on the first line of each invoice.

    >>> indemnities([7, 7, 8], business=True)
    [Decimal('40.00'), Decimal('0.00'), Decimal('40.00')]
    >>> indemnities([7], business=False)
    [Decimal('0.00')]
    """
    seen: set[int] = set()
    result = []
    for invoice_id in invoice_ids:
        first = business and invoice_id not in seen
        seen.add(invoice_id)
        result.append(RECOVERY_INDEMNITY if first else Decimal('0.00'))
    return result


_PLACEHOLDER = re.compile(r'\{([a-z_]+)\}')


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace the known `{name}` placeholders; anything else stays as typed (a letter never fails on a brace).

    >>> fill('Bonjour {client}, {inconnu} {total}', {'client': 'Durand', 'total': '12,00 €'})
    'Bonjour Durand, {inconnu} 12,00 €'
    """
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def check_thresholds(thresholds: Mapping[int, int]) -> None:
    """Each level comes strictly after the previous one, level 1 at 1 day at least.

    >>> check_thresholds({1: 15, 2: 10, 3: 45})
    Traceback (most recent call last):
    ...
    ValueError: Le délai du niveau 2 doit dépasser celui du niveau 1.
    """
    previous = 0
    for level in LEVELS:
        days = thresholds[level]
        if days < 1 or days > 3650:
            raise ValueError(f'Le délai du niveau {level} doit être compris entre 1 et 3650 jours.')
        if level > 1 and days <= previous:
            raise ValueError(f'Le délai du niveau {level} doit dépasser celui du niveau {level - 1}.')
        previous = days


DEFAULT_SUBJECTS = {
    1: 'Rappel : règlement en attente ({factures})',
    2: 'Seconde relance : règlement en retard ({factures})',
    3: 'Mise en demeure de payer ({factures})',
}
DEFAULT_TEXTS = {
    1: ('Bonjour,\n\nSauf erreur de notre part, le règlement des échéances ci-dessous ne nous est pas parvenu à ce '
        'jour. Il s’agit peut-être d’un oubli : nous vous remercions de bien vouloir procéder au paiement de {total}.'
        '\n\nSi votre règlement a été envoyé entre-temps, veuillez ne pas tenir compte de ce message.\n\n'
        'Cordialement,\n{societe}'),
    2: ('Bonjour,\n\nMalgré notre précédent rappel, les échéances ci-dessous restent impayées. Nous vous demandons de '
        'régler sans délai la somme de {total}.\n\nCordialement,\n{societe}'),
    3: ('Madame, Monsieur,\n\nMalgré nos relances, les sommes ci-dessous restent impayées à ce jour. Par la présente, '
        'nous vous mettons en demeure de nous régler la somme de {total} dans un délai de {delai} jours à compter de '
        'la réception de ce courrier.\n\nÀ défaut de paiement dans ce délai, nous engagerons sans autre avis une '
        'procédure de recouvrement judiciaire.\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.\n'
        '{societe}'),
}
NOTICE_DAYS = 8  # the usual deadline of a mise en demeure (docs/dunning.md)
