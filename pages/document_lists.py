"""The quote and invoice lists (DOC5): filters, sort and page from the address, one page of rows, the Excel export
and the live reload.

pages/quotes.py and pages/invoices.py lay out their list with components.document_list and call these.
"""
import asyncio
import pickle

from components.document_list import DocumentList, ListFilters
from components.paged_table import PageRequest
from db import job_kinds
from db.document_export import from_database
from db.document_list import DocumentQuery, family_of, list_documents
from logic import doctypes, list_state
from logic.dates import format_date
from logic.money import format_eur
from logic.states import state_label
from logic.xlsx_writer import Sheet, xlsx_bytes
from pages.document_page import PATHS, follow_changes
from pages.downloads import start_job
from pages.security import PageContext

# List column -> db.document_list sort key; other columns are not sortable (no index serves them).
SORT_KEYS = {'number': 'number', 'date': 'date', 'client': 'client', 'total_ttc': 'total', 'state': 'state',
             'due': 'due'}
EXPORT_BATCH = 500  # rows read and pickled at a time by the job worker (db/job_kinds.py)
EXPORT_COLUMNS = [('number', 'Numéro', 16), ('type', 'Type', 18), ('date', 'Date', 12), ('client', 'Client', 32),
                  ('total_ht', 'Total HT', 14), ('total_vat', 'TVA', 12), ('total_ttc', 'Total TTC', 14),
                  ('state', 'État', 14), ('due', 'Échéance', 12), ('validity', 'Validité', 12),
                  ('probability', 'Probabilité (%)', 14)]


def list_spec(columns: list[dict], states: dict, types: dict | None, views: dict | None = None) -> list_state.ListSpec:
    """What a list's address may say, e.g. /factures?etat=validated&type=credit_note&tri=-date&page=3&q=martin, or
    a dashboard's view (/factures?vue=ca&du=2026-12-01&au=2026-12-31). The keys are ListFilters' fields; the English
    names of the first links (state=, doc_type=...) are still read."""
    filters = (*((list_state.choice('vue', 'view', views),) if views else ()),
               list_state.choice('etat', 'state', states, aliases=('state',)),
               *((list_state.choice('type', 'doc_type', types, aliases=('doc_type',)),) if types else ()),
               list_state.day('du', 'start', aliases=('start',)), list_state.day('au', 'end', aliases=('end',)),
               list_state.text('q', 'search', aliases=('search',)))
    return list_state.ListSpec(filters=filters, sorts=tuple(c['name'] for c in columns if c.get('sortable')),
                               sort='date', sort_aliases={'issue_date': 'date', 'due_date': 'due'})


def list_query(family: str, filters: ListFilters, request: PageRequest | None = None) -> DocumentQuery:
    query = DocumentQuery(family=family, doc_types=(filters.doc_type,) if filters.doc_type else (),
                          states=(filters.state,) if filters.state else (), date_from=filters.start,
                          date_to=filters.end, search=filters.search, view=filters.view)
    if request is not None:
        query.sort_by = SORT_KEYS.get(request.sort_by or '')
        query.descending = request.descending if query.sort_by else False
        query.offset, query.limit = request.offset, request.per_page
    return query


async def list_page(family: str, filters: ListFilters, request: PageRequest) -> tuple[list[dict], int]:
    """One page of a list, formatted for the table.

    A page or sort change keeps the filters, so the table passes the total it already shows (`request.total`) and
    no COUNT runs: at 100,000 invoices the count is 25-30 ms of a click whose page takes 0.05 ms. A filter change or
    another user's change (follow_list) reloads with `total=None`: count again.
    """
    query = list_query(family, filters, request)
    rows, total = await list_documents(query, total=request.total)
    if request.total is not None and len(rows) < min(query.limit, max(total - query.offset, 0)):
        rows, total = await list_documents(query)  # documents deleted meanwhile: count again
    return [list_row(family, row) for row in rows], total


def list_row(family: str, row: dict) -> dict:
    return {
        'id': row['id'], 'url': f'{PATHS[family]}/{row["id"]}', 'number': row['number'] or 'Brouillon',
        'type': row['type_label'], 'date': format_date(row['issue_date']), 'client': row['client_name'],
        'total_ht': format_eur(row['total_ht']), 'total_ttc': format_eur(row['total_ttc']),
        'state': row['state_label'], 'state_key': row['state'],
        'due': format_date(row['due_date']), 'validity': format_date(row['validity_date']),
        'probability': f'{row["probability"]} %' if row['probability'] is not None else '',
    }


async def export_list(ctx: PageContext, family: str, filters: ListFilters, *, columns: list[str],
                      filename: str) -> None:
    """The whole filtered list, oldest first, as an XLSX file made by a job worker (issue 17: db/job_kinds.py,
    export_documents), its progress in a dialog; the file downloads by itself and waits in « Téléchargements ».

    At 100,000 invoices the worker reads the ids in slices and the rows by id in batches of 500 as raw database
    values, and its pool converts, formats and streams the sheet (logic.xlsx_writer: 2 s where openpyxl took 23 s):
    none of it in the web process, whose event loop answers everyone's clicks meanwhile.
    """
    await start_job(ctx, job_kinds.EXPORT_DOCUMENTS, {'family': family, 'filters': job_kinds.plain(filters),
                                                      'columns': columns, 'filename': filename},
                    title=f'Export des {doctypes.doc_type(family).plural.lower()}')


def write_list_xlsx(keys: list[str], batches: list[bytes]) -> bytes:
    """The sheet of `export_list`, from its pickled batches of raw rows. Module level, plain data in and out: the
    job worker runs it in its pool of processes."""
    columns = {key: (label, width) for key, label, width in EXPORT_COLUMNS}
    getters = [_EXPORT_VALUES[key] for key in keys]
    type_labels, state_labels = _Labels(doctypes.label), _Labels(state_label)

    def rows():
        for batch in batches:
            for raw in pickle.loads(batch):
                row = from_database(raw)
                yield [get(row, type_labels, state_labels) for get in getters]

    return xlsx_bytes([Sheet(title='Documents', headers=[columns[key][0] for key in keys], rows=rows(),
                             column_widths=[columns[key][1] for key in keys])])


class _Labels(dict):
    """A label function's answers, each asked once per export (a list holds few types and states)."""

    def __init__(self, label) -> None:
        super().__init__()
        self.label = label

    def __missing__(self, key):
        self[key] = value = self.label(*key)
        return value


# Each export column's value from a row of `from_database`, with the export's labels of types and states.
_EXPORT_VALUES = {
    'number': lambda row, types, states: row['number'] or 'Brouillon',
    'type': lambda row, types, states: types[(row['doc_type'],)],
    'date': lambda row, types, states: row['issue_date'],
    'client': lambda row, types, states: row['client_name'],
    'total_ht': lambda row, types, states: row['total_ht'],
    'total_vat': lambda row, types, states: row['total_vat'],
    'total_ttc': lambda row, types, states: row['total_ttc'],
    'state': lambda row, types, states: states[(row['doc_type'], row['state'])],
    'due': lambda row, types, states: row['due_date'],
    'validity': lambda row, types, states: row['validity_date'],
    'probability': lambda row, types, states: row['probability'],
}


def follow_list(ctx: PageContext, document_list: DocumentList, *, family: str | None = None) -> None:
    """Reload the list when a document of `family` (any document when None) changes (DOC7); a burst of changes makes
    one reload. A deleted document, whose family can't be read any more, reloads every list."""
    pending = False

    async def changed(doc_id: int | None) -> None:
        nonlocal pending
        if pending:
            return
        if family is not None and doc_id is not None and await family_of(doc_id) not in (family, None):
            return
        pending = True
        try:
            await asyncio.sleep(0.3)
        finally:
            pending = False
        await document_list.reload()

    follow_changes(document_list, ctx.handler(changed))
