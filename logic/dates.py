"""Dates the French way, one formatter for the screens, the printed documents, the e-mails and the exports.

>>> format_date(date(2026, 3, 9))
'09/03/2026'
>>> format_date(None), format_date(None, empty='—')
('', '—')
"""
from datetime import date


def format_date(value: date | None, *, empty: str = '') -> str:
    """'09/03/2026' (day and month on two digits); `empty` for no date: '' on a printed document, '—' in a table.

    A datetime shows its day. Anything else is a bug (an ISO string must be read with `date.fromisoformat` first).
    """
    if value is None:
        return empty
    if not isinstance(value, date):
        raise TypeError(f'format_date takes a date, not {type(value).__name__}')
    return f'{value.day:02d}/{value.month:02d}/{value.year:04d}'
