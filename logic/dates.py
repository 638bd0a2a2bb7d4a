"""Dates the French way, one formatter for the screens, the printed documents, the e-mails and the exports.

>>> format_date(date(2026, 3, 9))
'09/03/2026'
>>> format_date(None), format_date(None, empty='—')
('', '—')
"""
import re
from datetime import date

_FRENCH = re.compile(r'(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})')
ISO_DATE = re.compile(r'(\d{4})-(\d{2})-(\d{2})')
_DIGITS = re.compile(r'(\d{2})(\d{2})(\d{4})')
MONTH_NAMES = ('janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre',
               'novembre', 'décembre')


def format_date(value: date | None, *, empty: str = '') -> str:
    """'09/03/2026' (day and month on two digits); `empty` for no date: '' on a printed document, '—' in a table.

    A datetime shows its day. Anything else is a bug (an ISO string must be read with `date.fromisoformat` first).
    """
    if value is None:
        return empty
    if not isinstance(value, date):
        raise TypeError(f'format_date takes a date, not {type(value).__name__}')
    return f'{value.day:02d}/{value.month:02d}/{value.year:04d}'


def read_day(text: str | None) -> date | None:
    """The date a typed text means, French first: None for an empty text, ValueError for one that is no date.

    >>> read_day('31/03/2026'), read_day('1/3/2026'), read_day('01.03.2026'), read_day('01032026')
    (datetime.date(2026, 3, 31), datetime.date(2026, 3, 1), datetime.date(2026, 3, 1), datetime.date(2026, 3, 1))
    >>> read_day('2026-03-31'), read_day('  ')
    (datetime.date(2026, 3, 31), None)
    >>> read_day('31/02/2026')
    Traceback (most recent call last):
    ValueError: day is out of range for month
    """
    text = (text or '').strip()
    if not text:
        return None
    if match := ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _FRENCH.fullmatch(text) or _DIGITS.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise ValueError(f'not a date: {text!r}')
    return date(int(year), int(month), int(day))
