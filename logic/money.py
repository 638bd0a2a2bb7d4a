"""Money and decimal numbers: the one rounding helper, the one French number parser, the formatters.

Amounts are `Decimal` end to end. Rounding is half-up to the cent, symmetric around zero, so that a credit note
(the negated copy of an invoice) rounds to exactly the negated amounts:

>>> round_cents(Decimal('2.345')), round_cents(Decimal('-2.345'))
(Decimal('2.35'), Decimal('-2.35'))
>>> parse_money('1 234,5 €')
Decimal('1234.50')

Every number a user types or imports is read by `parse_number` (the editor's fields, the settle dialog, the
contacts and articles import), by one rule:

- ',' or '.' is the decimal mark ('12,5' = '12.5'; a lone '1.234' is 1.234, not a thousand);
- thousands are grouped by spaces (also no-break, narrow no-break, thin, or an apostrophe), or by the mark that is
  not the decimal one ('1.234,56', '1,234.56', '1.234.567'), always in groups of exactly three digits after a
  first group of one to three: '1 234,50' is read, '12 34,5' and '1 2' are refused (a typo, not a number);
- a sign may lead ('-3,5', '+4', the typographic minus '−'), a unit may follow when the caller allows it ('€');
- more decimals than the field holds are refused with a French message, never silently rounded, unless the caller
  asks for `rounding`: '0,00001' is refused as an amount ("2 décimales au plus") and read as it is where any number
  of decimals is fine (`places=None`).
"""
import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal

from logic.errors import DomainError

CENT = Decimal('0.01')
LOCALE = 'fr_FR'

# Thousands separators people type, paste from spreadsheets or copy from our own amounts (babel uses narrow no-break
# spaces); the apostrophe is the Swiss one. Only ASCII digits are digits ('١٢' is not twelve).
_GROUP_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u2009'\u2019]")
_DIGITS = re.compile(r'[0-9]+')
_SIGN = re.compile(r'^(?P<sign>[-+\u2212]?)\s*(?P<body>.*?)$', re.DOTALL)
AMOUNT_UNITS: tuple[str, ...] = ('€', 'eur', 'euro', 'euros')
# A thousand billion is far beyond any invoice: every number typed stays below it, and so does every amount computed
# from them (`check_amount`: a line's total, a document's totals). The database keeps a decimal as a 64-bit integer
# scaled by its places (db/fields.py), 18 digits in all: an amount (2 places) below LIMIT takes 14, leaving room for
# SQL sums of ten thousand such documents. A line's quantity (4 places) times its unit price (6 places), kept below
# LIMIT, has at most 22 significant digits: inside the 28 of the default decimal context, so it stays exact.
LIMIT = Decimal(10) ** 12
LIMIT_TEXT = '1 000 milliards'


class MoneyError(DomainError, ValueError):
    """A number typed by the user cannot be read; `str(exc)` is the French message to show.

    `reason` says why, for callers that word it their own way: 'missing', 'invalid', 'places', 'large', 'negative',
    'minimum' or 'maximum'.
    """

    def __init__(self, message: str, reason: str = 'invalid') -> None:
        super().__init__(message)
        self.reason = reason


def round_cents(value: Decimal | int) -> Decimal:
    """Round half-up (away from zero on a tie) to the cent; never returns a negative zero."""
    value = _exact(value)
    if not value.is_finite():
        raise ValueError(f'cannot round {value} to the cent')
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    # 0 x -3 gives Decimal('-0'): it would print as '-0,00 €' and break equality of canonical JSON.
    return rounded.copy_abs() if rounded.is_zero() else rounded


def parse_number(text: str | None, *, places: int | None = 2, rounding: bool = False, allow_negative: bool = True,
                 minimum: Decimal | None = None, maximum: Decimal | None = None, label: str = 'Valeur',
                 units: tuple[str, ...] = ()) -> Decimal:
    """Read a number typed or imported the French way (the rule is in the module's docstring).

    `places`: the decimals the value may carry, and returns it quantized to them (None: any, returned as typed);
    more are refused, or rounded half-up with `rounding=True`. `units`: the words that may follow ('€', '%'), in any
    case. Messages start with `label` ('Quantité : 4 décimales au plus').

    >>> parse_number('1 234,5 €', units=AMOUNT_UNITS), parse_number('-3,5', places=None)
    (Decimal('1234.50'), Decimal('-3.5'))
    >>> parse_number('12 34,5')
    Traceback (most recent call last):
    ...
    logic.money.MoneyError: Valeur : nombre invalide (« 12 34,5 »)
    >>> parse_number('0,00001', label='Montant')
    Traceback (most recent call last):
    ...
    logic.money.MoneyError: Montant : 2 décimales au plus
    >>> parse_number('0,125', rounding=True)
    Decimal('0.13')
    """
    typed = (text or '').strip()
    body = _without_unit(typed, units)
    if not body:
        raise MoneyError(f'{label} : saisie obligatoire', 'missing')
    value = _read(body)
    if value is None:
        raise MoneyError(f'{label} : nombre invalide (« {typed} »)')
    if abs(value) >= LIMIT:
        raise MoneyError(f'{label} : nombre trop grand (moins de {LIMIT_TEXT})', 'large')
    if places is not None:
        if -value.as_tuple().exponent > places and not rounding:
            raise MoneyError(f'{label} : {_places_text(places)}', 'places')
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if value < 0 and not allow_negative:
        raise MoneyError(f'{label} : un nombre négatif n’est pas accepté', 'negative')
    if minimum is not None and value < minimum:
        raise MoneyError(f'{label} : {format_decimal_fr(minimum)} au minimum', 'minimum')
    if maximum is not None and value > maximum:
        raise MoneyError(f'{label} : {format_decimal_fr(maximum)} au maximum', 'maximum')
    return value.copy_abs() if value.is_zero() else value


def check_amount(value: Decimal, label: str = 'Montant', subject: str = 'le montant') -> Decimal:
    """An amount computed from typed figures (a line's total, a document's), refused at LIMIT and beyond.

    >>> check_amount(Decimal('999999999999.99'))
    Decimal('999999999999.99')
    >>> check_amount(Decimal('99999999999') * Decimal('99999999999'), 'Ligne 1')
    Traceback (most recent call last):
    ...
    logic.money.MoneyError: Ligne 1 : le montant dépasse 1 000 milliards d’euros
    """
    if not value.is_finite() or abs(value) >= LIMIT:
        raise MoneyError(f'{label} : {subject} dépasse {LIMIT_TEXT} d’euros', 'large')
    return value


def parse_money(text: str | None, *, allow_negative: bool = True) -> Decimal:
    """An amount at the cent: `parse_number` with two decimals at most, '€' or 'EUR' allowed after it.

    Accepts '1 234,50', '1234.5', '1 234,50 €', '1.234,50', '-12,3', '12.'; refuses '12,345' (three decimals:
    a typo more often than a thousands separator, and an amount cannot carry them anyway).
    """
    return parse_number(text, places=2, allow_negative=allow_negative, label='Montant', units=AMOUNT_UNITS)


def parse_decimal(text: str | None, *, places: int, minimum: Decimal | None = None, maximum: Decimal | None = None,
                  label: str = 'Valeur') -> Decimal:
    """A quantity (4 places), a percentage (2) or a unit price (up to 6, as EN 16931 allows in France):
    `parse_number` returning the value quantized to `places`, the way it will be stored; a trailing '%' is allowed.

    >>> parse_decimal('5,5 %', places=2, minimum=Decimal(0), maximum=Decimal(100), label='Taux')
    Decimal('5.50')
    """
    return parse_number(text, places=places, minimum=minimum, maximum=maximum, label=label, units=('%',))


def format_eur(value: Decimal) -> str:
    """'1 234,50 €' as babel writes it for fr_FR (narrow no-break spaces between thousands, a no-break space before
    the sign), 20 times faster: list cells call it thousands of times a second (issue 18's soak found babel at 7 % of
    the server's time). Rounds half-up first (babel would round half-even). tests/logic/test_money.py checks it
    against babel's `format_eur_babel`.

    >>> format_eur(Decimal('-1234567.885'))
    '-1\u202f234\u202f567,89\xa0€'
    """
    if not isinstance(value, Decimal):
        raise TypeError(f'format_eur takes a Decimal, not {type(value).__name__}')
    rounded = round_cents(value)
    text = f'{rounded.copy_abs():,.2f}'.replace(',', '\u202f').replace('.', ',')
    return ('-' if rounded < 0 else '') + text + '\xa0€'


def format_eur_babel(value: Decimal) -> str:
    """What `format_eur` must write: babel's currency format of the rounded value (the tests' reference)."""
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


def _without_unit(typed: str, units: tuple[str, ...]) -> str:
    folded = typed.casefold()
    for unit in sorted(units, key=len, reverse=True):  # 'euros' before 'euro'
        if folded.endswith(unit.casefold()):
            return typed[:len(typed) - len(unit)].rstrip()
    return typed


def _read(typed: str) -> Decimal | None:
    """The Decimal a trimmed, unit-less text spells by the module's rule, or None."""
    match = _SIGN.fullmatch(typed)
    sign, body = ('-' if match['sign'] in ('-', '\u2212') else ''), match['body']
    commas, dots = body.count(','), body.count('.')
    if commas and dots:  # '1.234,56', '1,234.56': the last one is the decimal mark, the other groups thousands
        mark = '.' if body.rfind('.') > body.rfind(',') else ','
        grouping = ',' if mark == '.' else '.'
    elif commas > 1 or dots > 1:  # '1.234.567' can only be grouping
        mark, grouping = '', ',' if commas else '.'
    else:
        mark, grouping = (',' if commas else '.' if dots else ''), ''
    whole, frac = body.rpartition(mark)[::2] if mark else (body, '')
    if frac and not _DIGITS.fullmatch(frac):
        return None
    if not whole and not frac:  # '.', ',', '-'
        return None
    if whole and not _is_grouped(_GROUP_SPACES.split(whole) if not grouping else whole.split(grouping), whole,
                                 grouping):
        return None
    digits = ''.join(char for char in whole if char.isdigit()) or '0'
    return Decimal(f'{sign}{digits}.{frac}' if frac else f'{sign}{digits}')


def _is_grouped(groups: list[str], whole: str, grouping: str) -> bool:
    """One run of digits, or groups of exactly three after a first group of one to three."""
    if grouping and _GROUP_SPACES.search(whole):
        return False  # one kind of grouping at a time: '1 234.567,5' is a typo
    head, *rest = groups
    if not rest:
        return bool(_DIGITS.fullmatch(head))
    return bool(_DIGITS.fullmatch(head)) and len(head) <= 3 and all(len(g) == 3 and _DIGITS.fullmatch(g)
                                                                     for g in rest)


def _places_text(places: int) -> str:
    if places == 0:
        return 'nombre entier attendu'
    return '1 décimale au plus' if places == 1 else f'{places} décimales au plus'
