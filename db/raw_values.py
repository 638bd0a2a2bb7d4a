"""Columns read by raw SQL (`execute_query`), as Python values, on SQLite and PostgreSQL alike.

The hot reads of lists and proposals skip the ORM's per-value conversions (iso8601 parsing of every date took half
of some reads' time): what the driver returns is converted here. SQLite returns dates as ISO text and money as
integer cents (db/fields.py); PostgreSQL returns dates and the same cents.
"""
from datetime import date, datetime
from decimal import Decimal

CENT = Decimal('0.01')
ZERO = Decimal('0.00')


def day(value) -> date:
    """A DATE (or the day of a timestamp) as stored by either database."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def money(cents) -> Decimal:
    """A money column (integer cents, db/fields.py) as euros; None as zero."""
    return ZERO if cents is None else (Decimal(int(cents)) / 100).quantize(CENT)
