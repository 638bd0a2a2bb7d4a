"""The rows of a document list's Excel export (DOC5), read in slices so that the event loop never holds still long.

At 100,000 invoices Tortoise's conversion of the rows took 4 s of the event loop: the export reads the ids from the
list's index in slices, then the rows by id as raw database values (`raw_rows`), and the worker process converts them
(`from_database`, plain Python: no database there).

    ids = await export_ids(query)
    raw = await raw_rows(ids[:500])           # in the event loop, a few ms
    rows = [from_database(row) for row in raw]  # in the worker
"""
from tortoise import connections

from db.document import Document
from db.document_list import DocumentQuery, filtered, order_of
from db.raw_values import day, money, rows_by_ids

FIELDS = ('doc_type', 'state', 'number', 'issue_date', 'due_date', 'validity_date', 'client_name', 'total_ht',
          'total_vat', 'total_ttc', 'probability')
ID_SLICE = 5000


async def export_ids(query: DocumentQuery) -> list[int]:
    """The ids of the filtered list in export order, read from the index in slices of ID_SLICE."""
    ordered = filtered(query).order_by(*order_of(query))
    ids: list[int] = []
    seen: set[int] = set()  # a document inserted meanwhile may shift a slice: never export one twice
    offset = 0
    while batch := await ordered.offset(offset).limit(ID_SLICE).values_list('id', flat=True):
        offset += len(batch)
        ids.extend(doc_id for doc_id in batch if doc_id not in seen)
        seen.update(batch)
        if len(batch) < ID_SLICE:
            break
    return ids


async def raw_rows(ids: list[int]) -> list[tuple]:
    """(id, *FIELDS) of these documents, in this order, as the database returns them (see `from_database`)."""
    if not ids:
        return []
    _, rows = await connections.get('default').execute_query(rows_by_ids(Document, _KEYS, ids))
    by_id = {row[0]: tuple(row) for row in rows}
    return [by_id[doc_id] for doc_id in ids if doc_id in by_id]


def from_database(raw: tuple) -> dict:
    """What Tortoise would give for (id, *FIELDS): money is stored in cents, dates are text on SQLite."""
    row = dict(zip(_KEYS, raw))
    for key in _DATES:
        if row[key] is not None:
            row[key] = day(row[key])
    for key in _MONEY:
        if row[key] is not None:
            row[key] = money(row[key])
    return row


_KEYS = ('id',) + FIELDS
_DATES = ('issue_date', 'due_date', 'validity_date')
_MONEY = ('total_ht', 'total_vat', 'total_ttc')
