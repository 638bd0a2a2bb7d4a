"""Installments ("échéances"): splitting a total into parts that always sum to it exactly, to the cent (IN5).

Every part but the last is truncated to the cent (towards zero) and the last takes the remainder. Truncating,
rather than rounding, means no part can ever exceed its exact share, so the last part never changes sign:

>>> split_evenly(Decimal('100.00'), 3)
[Decimal('33.33'), Decimal('33.33'), Decimal('33.34')]
>>> split_by_percentages(Decimal('-1000.05'), [Decimal(30), Decimal(70)])
[Decimal('-300.01'), Decimal('-700.04')]
"""
import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from logic.errors import DomainError
from logic.money import CENT, format_decimal_fr, format_eur, round_cents

HUNDRED = Decimal(100)
# More installments than this is a typing mistake, not a payment plan (36 monthly payments is already long).
MAX_INSTALLMENTS = 120


class ScheduleError(DomainError, ValueError):
    """A payment schedule the user asked for does not add up; `str(exc)` is the French message to show."""


def split_evenly(total: Decimal, count: int) -> list[Decimal]:
    """`count` equal parts of `total`, the last one taking the cents left over."""
    _check_total(total)
    if not 1 <= count <= MAX_INSTALLMENTS:
        raise ScheduleError(f"Le nombre d'échéances doit être compris entre 1 et {MAX_INSTALLMENTS}.")
    share = _truncate(total / count)
    return [share] * (count - 1) + [total - share * (count - 1)]


def split_by_percentages(total: Decimal, percentages: Sequence[Decimal]) -> list[Decimal]:
    """One part per percentage of `total`; the percentages must be positive and sum to exactly 100."""
    _check_total(total)
    if not percentages:
        raise ScheduleError('Indiquez au moins une échéance.')
    if any(percentage <= 0 for percentage in percentages):
        raise ScheduleError('Chaque pourcentage doit être supérieur à 0 %.')
    if sum(percentages) != HUNDRED:
        raise ScheduleError(f'Les pourcentages doivent totaliser 100 % '
                            f'(total actuel : {format_decimal_fr(sum(percentages))} %).')
    parts = [_truncate(total * percentage / HUNDRED) for percentage in percentages[:-1]]
    return parts + [total - sum(parts, Decimal('0.00'))]


def check_amounts(total: Decimal, amounts: Sequence[Decimal]) -> None:
    """Raise ScheduleError unless the amounts typed by the user make a schedule of exactly `total`."""
    _check_total(total)
    if not amounts:
        raise ScheduleError('Indiquez au moins une échéance.')
    if any(round_cents(amount) != amount for amount in amounts):
        raise ScheduleError('Le montant de chaque échéance doit être au centime près.')
    # A negative installment on an invoice (or a positive one on a credit note) would be a refund hidden in a plan.
    if any(amount * total < 0 for amount in amounts):
        raise ScheduleError("Chaque échéance d'une facture doit être positive ou nulle." if total > 0 else
                            "Chaque échéance d'un avoir doit être négative ou nulle.")
    amounts_sum = sum(amounts, Decimal('0.00'))
    if amounts_sum != total:
        raise ScheduleError(f'Les échéances totalisent {format_eur(amounts_sum)} au lieu de {format_eur(total)} '
                            f'(écart : {format_eur(total - amounts_sum)}).')


def _check_total(total: Decimal) -> None:
    # The total comes from the totals engine, always at the cent; anything else is a bug upstream.
    if round_cents(total) != total:
        raise ValueError(f'total {total} is not an amount at the cent')


def _truncate(value: Decimal) -> Decimal:
    rounded = value.quantize(CENT, rounding=ROUND_DOWN)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def schedule_dates(first: date, count: int, every: int, unit: str) -> list[date]:
    """`count` dates from `first`, every `every` days or months (a month later than the 31st is the month's end).

    >>> schedule_dates(date(2026, 1, 31), 3, 1, 'months')
    [datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 31)]
    """
    if unit == 'days':
        return [first + timedelta(days=every * index) for index in range(count)]
    return [add_months(first, every * index) for index in range(count)]


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months (the monthly installments of a schedule, IN5)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    # The end of a month stays the end of a month (31/01 -> 28/02 -> 31/03).
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_end else min(day.day, last))
