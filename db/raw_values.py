"""Columns read by raw SQL (`execute_query`), as Python values, on SQLite and PostgreSQL alike.

The hot reads of lists and proposals skip the ORM's per-value conversions (iso8601 parsing of every date took half
of some reads' time): what the driver returns is converted here. SQLite returns dates as ISO text and money as
integer cents (db/fields.py); PostgreSQL returns dates and the same cents.
"""
from datetime import date, datetime
from decimal import Decimal

ZERO = Decimal('0.00')


def day(value) -> date:
    """A DATE (or the day of a timestamp) as stored by either database."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def money(cents) -> Decimal:
    """A money column (integer cents, db/fields.py) as euros, two decimals ('12.30', '0.00'); None as zero."""
    return ZERO if cents is None else Decimal(int(cents)).scaleb(-2)


def rows_by_ids(model, columns: tuple[str, ...], ids) -> str:
    """The SELECT of `columns` (field names) of `model`'s rows `ids` (not empty), for `execute_query`. The SQL carries
    integers only (the ids), so inlining them is safe; written by hand, as the query builder took a third of a slice's
    time for 500 ids."""
    names = ', '.join(f'"{model._meta.fields_db_projection[name]}"' for name in columns)
    listed = ', '.join(str(int(id_)) for id_ in ids)
    return f'SELECT {names} FROM "{model._meta.db_table}" WHERE "id" IN ({listed})'
