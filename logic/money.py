"""Money and decimal numbers: the one rounding helper, the French parsers and formatters.

Amounts are `Decimal` end to end. Rounding is half-up to the cent, symmetric around zero, so that a credit note
(the negated copy of an invoice) rounds to exactly the negated amounts:

>>> round_cents(Decimal('2.345')), round_cents(Decimal('-2.345'))
(Decimal('2.35'), Decimal('-2.35'))
>>> parse_money('1 234,5 €')
Decimal('1234.50')
"""
import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal

from logic.errors import DomainError

CENT = Decimal('0.01')
LOCALE = 'fr_FR'

# Whitespace people paste from spreadsheets and from our own formatted amounts (babel uses narrow no-break spaces).
_SPACES = re.compile(r'[\s\u00a0\u2007\u202f\u2009]+')
_NUMBER = re.compile(r'(?P<int>\d*)(?:\.(?P<frac>\d*))?')
# A thousand billion is far beyond any invoice, and keeps the product of a quantity (4 places) and a unit price
# (6 places) inside the 28 significant digits of the default decimal context, so that it stays exact.
LIMIT = Decimal(10) ** 12


class MoneyError(DomainError, ValueError):
    """A number typed by the user cannot be read; `str(exc)` is the French message to show."""


def round_cents(value: Decimal | int) -> Decimal:
    """Round half-up (away from zero on a tie) to the cent; never returns a negative zero."""
    value = _exact(value)
    if not value.is_finite():
        raise ValueError(f'cannot round {value} to the cent')
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    # 0 x -3 gives Decimal('-0'): it would print as '-0,00 €' and break equality of canonical JSON.
    return rounded.copy_abs() if rounded.is_zero() else rounded


def parse_money(text: str, *, allow_negative: bool = True) -> Decimal:
    """Read an amount typed the French or the English way; at most two decimals; returns it at the cent.

    Accepts '1 234,50', '1234.5', '1 234,50 €', '1.234,50', '-12,3', '12.'; refuses '12,345' (three decimals:
    a typo more often than a thousands separator, and an amount cannot carry them anyway).
    """
    cleaned = _SPACES.sub('', text or '')
    cleaned = re.sub(r'(€|EUR)$', '', cleaned, flags=re.IGNORECASE)
    if not cleaned:
        raise MoneyError('Montant manquant')
    value = _parse(cleaned)
    if value is None:
        raise MoneyError(f'Montant invalide : « {text.strip()} »')
    if abs(value) >= LIMIT:
        raise MoneyError('Montant trop grand')
    if -value.as_tuple().exponent > 2:
        raise MoneyError('Montant invalide : deux décimales au plus')
    if value < 0 and not allow_negative:
        raise MoneyError('Le montant ne peut pas être négatif.')
    return round_cents(value)


def parse_decimal(text: str, *, places: int, minimum: Decimal | None = None, maximum: Decimal | None = None,
                  label: str = 'Valeur') -> Decimal:
    """Read a quantity (4 places), a percentage (2) or a unit price (up to 6, as EN 16931 allows in France).

    Returns the value quantized to `places`, the way it will be stored. A trailing '%' is ignored.

    >>> parse_decimal('5,5 %', places=2, minimum=Decimal(0), maximum=Decimal(100), label='Taux')
    Decimal('5.50')
    """
    cleaned = _SPACES.sub('', text or '').removesuffix('%')
    if not cleaned:
        raise MoneyError(f'{label} : saisie obligatoire')
    value = _parse(cleaned)
    if value is None:
        raise MoneyError(f'{label} : nombre invalide (« {text.strip()} »)')
    if abs(value) >= LIMIT:
        raise MoneyError(f'{label} : nombre trop grand')
    if -value.as_tuple().exponent > places:
        raise MoneyError(f'{label} : {_places_text(places)}')
    if minimum is not None and value < minimum:
        raise MoneyError(f'{label} : {format_decimal_fr(minimum)} au minimum')
    if maximum is not None and value > maximum:
        raise MoneyError(f'{label} : {format_decimal_fr(maximum)} au maximum')
    value = value.quantize(Decimal(1).scaleb(-places))
    return value.copy_abs() if value.is_zero() else value


def format_eur(value: Decimal) -> str:
    """'1 234,50 €' with babel's narrow no-break spaces; rounds half-up first (babel would round half-even)."""
    if not isinstance(value, Decimal):
        raise TypeError(f'format_eur takes a Decimal, not {type(value).__name__}')
    return format_currency(round_cents(value), 'EUR', locale=LOCALE)


def format_decimal_fr(value: Decimal | int, places: int | None = None) -> str:
    """French decimal: '1,5' or '20' with places=None (trailing zeros dropped), '20,00' with places=2.

    With `places` the value is rounded half-up to that many decimals and always shows them.
    """
    value = _exact(value)
    if value.is_zero():
        value = value.copy_abs()
    if places is None:
        return format_decimal(value, locale=LOCALE, decimal_quantization=False)
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    pattern = '#,##0' + ('.' + '0' * places if places else '')
    return format_decimal(rounded.copy_abs() if rounded.is_zero() else rounded, format=pattern, locale=LOCALE)


def _exact(value: Decimal | int) -> Decimal:
    # Floats carry binary errors (0.1 + 0.2) and strings hide parsing: both must go through the parsers first.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f'expected a Decimal, not {type(value).__name__}')
    return Decimal(value)


def _parse(cleaned: str) -> Decimal | None:
    """Turn a spaceless number into a Decimal, or None; the last of ',' or '.' is the decimal mark, the other groups."""
    sign = ''
    if cleaned[0] in '-+\u2212':
        sign, cleaned = ('' if cleaned[0] == '+' else '-'), cleaned[1:]
    commas, dots = cleaned.count(','), cleaned.count('.')
    if commas and dots:
        grouping, mark = (',', '.') if cleaned.rfind('.') > cleaned.rfind(',') else ('.', ',')
        whole, _, frac = cleaned.rpartition(mark)
        if mark in whole or not _is_grouped(whole, grouping):
            return None
        cleaned = whole.replace(grouping, '') + '.' + frac
    elif commas > 1 or dots > 1:
        # '1.234.567' can only be grouping; the groups must then be regular.
        grouping = ',' if commas else '.'
        if not _is_grouped(cleaned, grouping):
            return None
        cleaned = cleaned.replace(grouping, '')
    else:
        cleaned = cleaned.replace(',', '.')
    match = _NUMBER.fullmatch(cleaned)
    if not match or not (match['int'] or match['frac']):
        return None
    return Decimal(sign + (match['int'] or '0') + '.' + (match['frac'] or ''))


def _is_grouped(whole: str, grouping: str) -> bool:
    head, *groups = whole.split(grouping)
    return 1 <= len(head) <= 3 and head.isdigit() and all(len(g) == 3 and g.isdigit() for g in groups)


def _places_text(places: int) -> str:
    if places == 0:
        return 'nombre entier attendu'
    return '1 décimale au plus' if places == 1 else f'{places} décimales au plus'
