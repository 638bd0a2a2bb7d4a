"""Fast paths for writing many rows (the bulk loader of db/bulk.py, the issuing, state and payment journals): raw
multi-row inserts and a faster snapshot encoder.

Why: building a Tortoise model per row costs ~35 µs (attribute hooks), which is 35 s for a million lines, and
`DocumentSnapshot.to_dict()` looks the dataclass fields up again for every object (~430 µs per invoice). The
helpers give exactly what the slow paths give: the column values go through each field's own `to_db_value`, and
`snapshot_dict(s) == s.to_dict()` (tests/db/test_demo.py checks it on every demo invoice).
"""
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise import connections, timezone
from tortoise.models import Model

from db.document import DocumentLine
from db.drafts import line_values
from db.fields import FixedDecimalField
from logic.draft import DraftLine

LINE_COLUMNS = ('document_id', 'position', 'kind', 'article_id', 'reference', 'designation', 'description',
                'quantity', 'unit', 'unit_code', 'unit_price', 'discount_kind', 'discount_value', 'vat_rate',
                'vat_category', 'exemption_reason', 'exemption_code', 'nature', 'show_parts', 'net', 'source_line_id', 'unit_cost')
_PLAIN = (str, int, bool, type(None))
_names: dict[type, tuple[str, ...] | None] = {kind: None for kind in _PLAIN}


def snapshot_dict(value: Any) -> Any:
    """`DocumentSnapshot.to_dict()`, with what each type is looked up once."""
    kind = type(value)
    try:
        names = _names[kind]
    except KeyError:
        names = _names[kind] = tuple(field.name for field in fields(value)) if is_dataclass(value) else None
    if names is not None:
        return {name: snapshot_dict(getattr(value, name)) for name in names}
    if kind in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [snapshot_dict(item) for item in value]
    if isinstance(value, dict):
        return {key: snapshot_dict(item) for key, item in value.items()}
    if isinstance(value, float):
        raise TypeError('floats are not allowed in a snapshot')
    return value


def line_row(document_id: int, position: int, line: DraftLine, net: Decimal | None,
             source_line_id: int | None = None) -> tuple:
    values = {**line_values(line), 'document_id': document_id, 'position': position, 'net': net,
              'source_line_id': source_line_id}  # the caller's link, not the one of the line it copies
    for column, limit in _LENGTHS.items():
        if len(values[column] or '') > limit:
            raise ValueError(f'{column}: more than {limit} characters')
    for column, field in _SCALED.items():
        values[column] = field.to_db_value(values[column], None)
    return tuple(values[column] for column in LINE_COLUMNS)


async def insert_lines(rows: list[tuple], *, chunk: int = 20000) -> None:
    """Insert line rows made by `line_row`, in the caller's transaction (executemany, no model objects; COPY on
    PostgreSQL, which fires the same triggers and checks the same constraints as INSERT)."""
    await _insert_tuples('document_line', LINE_COLUMNS, rows, chunk)


async def insert_rows(model: type[Model], rows: list[dict], *, chunk: int = 20000) -> None:
    """Insert `rows` ({field name: value}) of `model` in the caller's transaction, without model objects (about 35 µs
    each, most of a bulk insert's Python): each value goes through its field's own `to_db_value`, the conversions
    and checks of `bulk_create` (money to cents, lengths, JSON); a field a row leaves out takes its default, an
    `auto_now_add` datetime now. The table's generated id is left to the database (no ids come back)."""
    if not rows:
        return
    columns = _insert_columns(model)
    names = {name for name, _, _ in columns}
    now = timezone.localtime()
    converted = []
    for row in rows:
        if not row.keys() <= names:
            raise ValueError(f'{model.__name__} has no field {sorted(row.keys() - names)}')
        values = []
        for name, field, default in columns:
            value = row[name] if name in row else (now if default is _NOW else default() if callable(default)
                                                   else default)
            if value is None and not field.null:
                raise ValueError(f'{model.__name__}.{name} is non nullable field, but null was passed')
            values.append(field.to_db_value(value, model))
        converted.append(values)
    await _insert_tuples(model._meta.db_table, tuple(model._meta.fields_db_projection[name] for name, _, _ in columns),
                         converted, chunk)


_NOW = object()
_columns_of: dict[type, list[tuple]] = {}


def _insert_columns(model: type[Model]) -> list[tuple]:
    """(field name, field, default) of the columns an insert gives: every field but a generated id."""
    try:
        return _columns_of[model]
    except KeyError:
        pass
    columns = []
    for name in model._meta.fields_db_projection:
        field = model._meta.fields_map[name]
        if field.generated:
            continue
        auto = getattr(field, 'auto_now_add', False) or getattr(field, 'auto_now', False)
        default = _NOW if auto else field.default  # None: given by the row, or null
        immutable = default is None or default is _NOW or isinstance(default, (int, str, bytes, Decimal))
        if not immutable and not callable(default):
            raise TypeError(f'{model.__name__}.{name}: a mutable default needs a copy per row')  # as Model does
        columns.append((name, field, default))
    _columns_of[model] = columns
    return columns


async def _insert_tuples(table: str, columns: tuple[str, ...], rows: list, chunk: int) -> None:
    """Rows of values already converted for the database, in `columns` order."""
    client = connections.get('default')  # inside a transaction(): the transaction's own connection
    if not rows:
        return
    if client.capabilities.dialect == 'postgres':
        async with client.acquire_connection() as connection:  # asyncpg's: the transaction's when in one
            await connection.copy_records_to_table(table, records=[tuple(row) for row in rows], columns=columns)
        return
    if client.capabilities.dialect == 'sqlite':  # written many rows per statement (db/sqlite_backend.py)
        marks = ', '.join('?' for _ in columns)
    else:
        marks = ', '.join(f'${index}' for index in range(1, len(columns) + 1))
    sql = f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({marks})'
    for start in range(0, len(rows), chunk):
        await client.execute_many(sql, [list(row) for row in rows[start:start + chunk]])


# Text columns are checked against their length only, the scaled decimals go through FixedDecimalField (which refuses
# a value with more decimals than its scale): the same checks as bulk_create, without its per-field overhead.
_LENGTHS = {name: field.max_length for name, field in DocumentLine._meta.fields_map.items()
            if getattr(field, 'max_length', None) and name in LINE_COLUMNS}
_SCALED = {name: field for name, field in DocumentLine._meta.fields_map.items() if isinstance(field, FixedDecimalField)}
