"""What the quote and invoice screens share: the editor's lists and callbacks, the document screen with its save,
conflict and live-refresh logic (DOC6, DOC7), and the list screen (DOC5).

pages/quotes.py and pages/invoices.py only add their routes and the actions of their own life cycles.
"""
import asyncio
import pickle
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from nicegui import Client, run, ui
from tortoise import connections

from components.document_editor import (ArticleChoice, DocumentEditor, EditorCallbacks, EditorChoices,
                                        PaymentChoice, UnitChoice, VatChoice, document_styles)
from components.document_list import DocumentList, ListFilters
from components.paged_table import PageRequest
from components.state_badge import state_badge, state_label
from components.send_dialog import SendDialog
from db import articles, changes, contacts, documents, publishing
from db.article import Article
from db.company import PaymentMethod, Unit, VatRate
from db.document import DOC_TYPES, Document
from db.document_list import (COLUMNS as LIST_COLUMNS, MAX_LIMIT, DocumentQuery, filtered, list_documents, order_of,
                              page_ids)
from db.output import PrintTemplate
from logic.draft import Draft, DraftLine
from logic.errors import DomainError
from logic.money import format_eur
from logic.xlsx_writer import Sheet, xlsx_bytes
from pages import runtime
from pages.security import PageContext

PICKER_LIMIT = 12
PATHS = {'quote': '/devis', 'invoice': '/factures'}


def document_url(document: Document) -> str:
    return f'{PATHS.get(document.family, "/factures")}/{document.id}'


def document_title(document: Document) -> str:
    if document.number:
        return f'{document.type_label} {document.number}'
    return f'{document.type_label} (brouillon)'


# --- the editor's lists and callbacks --------------------------------------------------------------------------

async def load_choices(doc_type: str) -> EditorChoices:
    rows = await VatRate.filter(active=True)
    rates = [VatChoice(rate=row.rate, label=row.label, category=row.category, exemption_reason=row.exemption_reason)
             for row in rows]
    default = next((choice for choice, row in zip(rates, rows) if row.is_default), rates[0] if rates else None)
    return EditorChoices(
        vat_rates=rates, default_vat=default,
        units=[UnitChoice(name=unit.name, code=unit.code) for unit in await Unit.filter(active=True)],
        payment_methods=[PaymentChoice(id=m.id, name=m.name, days=m.days, end_of_month=m.end_of_month)
                         for m in await PaymentMethod.filter(active=True)],
        # DOC3: the templates assigned to this type; none chosen = the client's, then the type's default.
        templates={template.id: template.name for template in await PrintTemplate.filter(active=True)
                   if doc_type in template.doc_types})


def editor_callbacks(ctx: PageContext, on_change: Callable[[], None] | None = None) -> EditorCallbacks:
    async def search_clients(text: str) -> list[dict]:
        return await contacts.search_for_picker(text, limit=PICKER_LIMIT)

    async def create_client(values: dict) -> dict:
        contact = await contacts.create_contact(ctx.actor, {key: value for key, value in values.items()
                                                            if value not in ('', None)})
        ui.notify(f'Client {contact.display_name} créé.', type='positive')
        return contacts.picker_entry({name: getattr(contact, name) for name in (
            'id', 'code', 'kind', 'is_company', 'name', 'first_name', 'postcode', 'city', 'siren')})

    async def search_articles(text: str) -> list[ArticleChoice]:
        query = articles.article_query(articles.ArticleFilter(search=text))
        rows = await query.order_by(*articles.DEFAULT_ORDER).limit(PICKER_LIMIT).select_related('unit', 'vat_rate')
        return [article_choice(row) for row in rows]

    async def create_article(values: dict) -> ArticleChoice:
        vat: VatChoice | None = values.get('vat')
        rate = await VatRate.filter(rate=vat.rate, category=vat.category).first() if vat else None
        unit = await Unit.filter(name=values['unit']).first() if values.get('unit') else None
        article = await articles.create_article(ctx.actor, {
            'reference': values['reference'], 'designation': values['designation'], 'kind': values['kind'],
            'sale_price': values['sale_price'], 'unit_id': unit.id if unit else None,
            'vat_rate_id': rate.id if rate else None})
        row = await Article.filter(id=article.id).select_related('unit', 'vat_rate').first()
        ui.notify(f'Article {row.reference} créé.', type='positive')
        return article_choice(row)

    # The client picker wraps its own events with `guard` (it shows the creation form's per-field errors).
    return EditorCallbacks(search_clients=search_clients, create_client=create_client, guard=ctx.handler,
                           search_articles=ctx.handler(search_articles),
                           create_article=ctx.handler(create_article), on_change=on_change)


def article_choice(article: Article) -> ArticleChoice:
    """The line an article makes on a document: its price HT, unit, VAT rate and nature."""
    line = DraftLine(article_id=article.id, reference=article.reference, designation=article.designation,
                     description=article.description, unit_price=article.sale_price,
                     nature='good' if article.kind == 'good' else 'service')
    if article.unit is not None:
        line.unit, line.unit_code = article.unit.name, article.unit.code
    if article.vat_rate is not None:
        line.vat_rate, line.vat_category = article.vat_rate.rate, article.vat_rate.category
        line.exemption_reason = article.vat_rate.exemption_reason
    label = f'{article.reference} — {article.designation} — {format_eur(article.sale_price)} HT'
    return ArticleChoice(id=article.id, label=label, line=line)


# --- the document screen ---------------------------------------------------------------------------------------

@dataclass(kw_only=True)
class Screen:
    """One open document in one browser tab: what it shows, and the version it will save over."""

    ctx: PageContext
    doc_id: int
    body: ui.element
    # Outlives `body`'s content: dialogs and notifications of handlers whose button a reload deleted.
    stable: ui.element | None = None
    document: Document | None = None
    draft: Draft | None = None
    editor: DocumentEditor | None = None
    version: int = 0
    busy: int = 0
    dirty_label: ui.label | None = None
    banner: ui.element | None = None
    links: ui.element | None = None  # where the document comes from and what was made from it, under the head
    build_actions: Callable[['Screen'], None] | None = None
    extra: Callable[['Screen'], Awaitable[None] | None] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return self.document is not None and self.document.state == 'draft'

    @property
    def dirty(self) -> bool:
        return bool(self.editor and self.editor.dirty)

    async def load(self) -> None:
        """(Re)build the whole screen from the database: after an action, or another user's change."""
        self.document, self.draft = await documents.load_draft(self.doc_id)
        self.version = self.document.version
        client_label = ''
        if self.document.client_id:
            client_label = self.document.client_name
        choices = await load_choices(self.document.doc_type)
        prepaid = self.document.prepaid or Decimal(0)
        self.body.clear()
        with self.body:
            self.banner = ui.element('div').classes('w-full')
            with ui.element('div').classes('app-doc-head').props('data-role=document-head'):
                ui.label(document_title(self.document)).classes('app-subtitle').mark('document-title')
                state_badge(self.document.doc_type, self.document.state)
                ui.space()
                self.dirty_label = ui.label('Modifications non enregistrées').classes('text-warning text-sm') \
                    .props('data-role=dirty').mark('dirty')
                self.dirty_label.set_visibility(False)
                with ui.element('div').classes('app-doc-actions'):
                    if self.build_actions:
                        self.build_actions(self)
            self.links = ui.element('div').classes('app-links w-full').props('data-role=links')
            self.editor = DocumentEditor(
                self.draft, doc_type=self.document.doc_type, choices=choices, client_label=client_label,
                callbacks=editor_callbacks(self.ctx, self._changed), readonly=not self.editable,
                show_probability=self.document.doc_type == 'quote' and self.ctx.options.deal_tracking,
                prepaid=prepaid)
            if self.extra:
                result = self.extra(self)
                if asyncio.iscoroutine(result):
                    await result
            _leave_guard(False)

    def _changed(self) -> None:
        if self.dirty_label is not None and not self.dirty_label.visible:
            self.dirty_label.set_visibility(True)
            _leave_guard(True)

    async def save(self) -> bool:
        """Save the draft over the version it was opened at; a newer version is a conflict, never overwritten."""
        problems = self.editor.problems()
        if problems:
            self.editor.show_problems(problems)
            return False
        try:
            self.busy += 1
            document = await documents.save_draft(self.ctx.actor, self.doc_id, self.draft, self.version)
        except documents.DraftConflict as exc:
            self.show_conflict(str(exc))
            return False
        except DomainError as exc:
            self.editor.show_problems([str(exc)])
            ui.notify(str(exc), type='negative', multi_line=True)
            return False
        finally:
            self.busy -= 1
        self.version = document.version
        self.document = document
        self.editor.mark_saved()
        self.dirty_label.set_visibility(False)
        _leave_guard(False)
        return True

    async def act(self, action: Callable[[], Awaitable[object]], message: str = '') -> object:
        """Run an operation of ours (state change...), then show the document as it now is."""
        self.busy += 1
        try:
            result = await action()
            await self.load()
        finally:
            self.busy -= 1
        if message:
            with self.stable:  # the button that asked is gone with the old content
                ui.notify(message, type='positive')
        return result

    def show_conflict(self, message: str) -> None:
        self.banner.clear()
        with self.banner, ui.card().classes('app-card app-problems').props('data-role=conflict'):
            with ui.row().classes('items-center gap-3 w-full'):
                ui.icon('sync_problem').classes('text-negative text-2xl')
                ui.label(message).classes('grow').mark('conflict')
                ui.button('Recharger le document', icon='refresh', on_click=self.ctx.handler(self.load)) \
                    .props('unelevated data-action=reload').mark('reload')

    async def changed_elsewhere(self, doc_id: int | None) -> None:
        """Another user changed this document (DOC7): show it, unless we hold unsaved changes."""
        if doc_id != self.doc_id or self.busy or self.body.is_deleted:
            return
        current = await Document.filter(id=self.doc_id).values_list('version', flat=True)
        if current and current[0] == self.version:
            return  # our own save
        with self.body:
            if not current:
                self.body.clear()
                with self.body:
                    ui.label('Ce document vient d’être supprimé par un autre utilisateur.') \
                        .classes('app-empty').mark('deleted-elsewhere')
                return
            if self.dirty:
                self.show_conflict('Un autre utilisateur vient d’enregistrer ce document. Vos modifications ne sont '
                                   'pas enregistrées : rechargez pour voir les siennes (les vôtres seront perdues).')
                return
            await self.load()
            ui.notify('Document mis à jour par un autre utilisateur.', type='info')


def follow_changes(container: ui.element, callback: Callable[[int | None], Awaitable[None]]) -> None:
    """Call `callback(doc_id)` after each committed document change, for as long as this page stays open."""
    client = container.client

    async def on_change(doc_id: int | None) -> None:
        if container.is_deleted or Client.instances.get(client.id) is not client:
            unsubscribe()  # the tab is gone (normally on_delete said so already)
            return
        with container:
            await callback(doc_id)

    unsubscribe = changes.subscribe(changes.DOCUMENTS, on_change)
    client.on_delete(unsubscribe)


def _leave_guard(on: bool) -> None:
    # The browser asks before leaving a page with unsaved changes.
    ui.run_javascript('window.onbeforeunload = () => true' if on else 'window.onbeforeunload = null')


async def open_screen(ctx: PageContext, doc_id: int, *, family: str, body: ui.element,
                      build_actions: Callable[[Screen], None],
                      extra: Callable[[Screen], Awaitable[None] | None] | None = None) -> Screen | None:
    document_styles()
    screen = Screen(ctx=ctx, doc_id=doc_id, body=body, stable=body.parent_slot.parent, build_actions=build_actions,
                    extra=extra)
    document = await Document.get_or_none(id=doc_id)
    if document is None or document.family != family:
        with body:
            ui.label('Ce document n’existe pas ou a été supprimé.').classes('app-empty').mark('not-found')
            ui.link('Retour à la liste', PATHS[family])
        return None
    await screen.load()
    follow_changes(body, ctx.handler(screen.changed_elsewhere))
    return screen


def common_actions(screen: Screen, *, duplicate_to: str) -> None:
    """Save (drafts) and duplicate (DOC6), shared by quotes and invoices."""
    ctx = screen.ctx
    if screen.editable:
        async def save() -> None:
            if await screen.save():
                ui.notify('Enregistré.', type='positive')

        ui.button('Enregistrer', icon='save', on_click=ctx.handler(save)) \
            .props('unelevated data-action=save').mark('save')

    async def duplicate() -> None:
        copy = await documents.duplicate_document(ctx.actor, screen.doc_id, duplicate_to)
        ui.notify(f'Copie créée : {document_title(copy)}.', type='positive')
        ui.navigate.to(document_url(copy))

    ui.button('Dupliquer', icon='content_copy', on_click=ctx.handler(duplicate)) \
        .props('outline data-action=duplicate').mark('duplicate')


EINVOICE_TYPES = ('invoice', 'deposit_invoice', 'credit_note')


def output_actions(screen: Screen) -> None:
    """Documents out (DOC4, issue 5): the PDF, the XML of a validated e-invoice, and "Envoyer"."""
    ctx, document = screen.ctx, screen.document
    base = f'/documents/{screen.doc_id}'

    async def download_pdf() -> None:
        if screen.editable and screen.dirty and not await screen.save():
            return
        ui.download.from_url(f'{base}/pdf')

    ui.button('PDF', icon='picture_as_pdf', on_click=ctx.handler(download_pdf)) \
        .props('outline data-action=pdf').mark('pdf')
    if document.is_frozen and document.doc_type in EINVOICE_TYPES:
        ui.button('Factur-X XML', icon='code', on_click=lambda: ui.download.from_url(f'{base}/factur-x.xml')) \
            .props('flat data-action=facturx-xml').mark('facturx-xml')
        ui.button('UBL', icon='code', on_click=lambda: ui.download.from_url(f'{base}/ubl.xml')) \
            .props('flat data-action=ubl-xml').mark('ubl-xml')
    if document.is_legal and document.state == 'draft':
        return  # a draft invoice is not sent: validate it first

    async def send(recipients: str, subject: str, body: str) -> bool:
        screen.busy += 1
        try:
            await publishing.send(ctx.actor, screen.doc_id, recipients, subject, body, config=runtime.config(),
                                  run=run.cpu_bound)
        finally:
            screen.busy -= 1
        if document.doc_type == 'quote' and document.state == 'draft':
            await screen.load()
        return True

    async def open_send() -> None:
        if screen.editable and screen.dirty and not await screen.save():
            return
        recipients, subject, body, attachment = await publishing.mail_defaults(screen.doc_id)
        with screen.stable:
            dialog = SendDialog(recipients=recipients, subject=subject, body=body, attachment_name=attachment,
                                on_send=ctx.handler(send))
            dialog.on_value_change(lambda e: None if e.value else dialog.delete())
            dialog.open()

    ui.button('Envoyer', icon='send', on_click=ctx.handler(open_send)) \
        .props('outline data-action=send-mail').mark('send-mail')


def delete_action(screen: Screen, *, back: str, what: str) -> None:
    ctx = screen.ctx

    async def delete() -> None:
        screen.busy += 1
        try:
            await documents.delete_draft(ctx.actor, screen.doc_id)
        finally:
            screen.busy -= 1
        _leave_guard(False)
        ui.notify(f'{what} supprimé.', type='positive')
        ui.navigate.to(back)

    def confirm() -> None:
        with screen.stable, ui.dialog() as dialog, ui.card().classes('app-card w-[440px] max-w-full'):
            ui.label(f'Supprimer ce {what.lower()} ?').classes('app-subtitle')
            ui.label('Cette suppression est définitive.').classes('app-muted')
            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Supprimer', on_click=ctx.handler(delete)) \
                    .props('unelevated color=negative data-action=confirm-delete').mark('confirm-delete')
        dialog.open()

    ui.button('Supprimer', icon='delete_outline', on_click=confirm) \
        .props('flat color=negative data-action=delete').mark('delete')


# --- a new document --------------------------------------------------------------------------------------------

async def new_document_screen(ctx: PageContext, doc_type: str, *, intro: str) -> None:
    """The editor on an empty draft; the first save creates the document (a quote gets its number then, QU1)."""
    document_styles()
    choices = await load_choices(doc_type)
    today = date.today()
    draft = Draft(doc_type=doc_type, issue_date=today)
    if doc_type == 'quote':
        draft.validity_date = today + timedelta(days=ctx.options.quote_validity_days)
    # An invoice's payment method and due date are left empty on purpose: on save, db/ takes the client's own
    # method (else the company's default) and computes the due date from its terms (IN5).
    ui.label(intro).classes('app-muted').mark('intro')
    editor = DocumentEditor(draft, doc_type=doc_type, choices=choices, callbacks=editor_callbacks(ctx),
                            show_probability=doc_type == 'quote' and ctx.options.deal_tracking)

    async def create() -> None:
        problems = editor.problems()
        if problems:
            editor.show_problems(problems)
            return
        try:
            document = await documents.create_document(ctx.actor, draft)
        except DomainError as exc:
            editor.show_problems([str(exc)])
            raise
        ui.notify(f'{document_title(document)} enregistré.', type='positive')
        ui.navigate.to(document_url(document))

    with ui.row().classes('app-actions'):
        ui.button('Enregistrer', icon='save', on_click=ctx.handler(create)) \
            .props('unelevated data-action=save').mark('save')


# --- the lists -------------------------------------------------------------------------------------------------

# List column -> db.document_list sort key; other columns are not sortable (no index serves them).
SORT_KEYS = {'number': 'number', 'date': 'date', 'client': 'client', 'total_ttc': 'total', 'state': 'state',
             'due': 'due'}
EXPORT_BATCH = 500  # rows read and pickled at a time: a few ms of the event loop each
EXPORT_ID_SLICE = 5000
EXPORT_FIELDS = ('doc_type', 'state', 'number', 'issue_date', 'due_date', 'validity_date', 'client_name', 'total_ht',
                 'total_vat', 'total_ttc', 'probability')
CENT = Decimal('0.01')


def initial_filters(states: dict, types: dict | None, state: str, doc_type: str, start: str, end: str,
                    search: str) -> ListFilters:
    """Filters from a link's query parameters; unknown values are ignored rather than refused."""
    return ListFilters(state=state if state in states else '', doc_type=doc_type if types and doc_type in types else '',
                       start=_iso(start), end=_iso(end), search=search[:100])


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def list_query(family: str, filters: ListFilters, request: PageRequest | None = None) -> DocumentQuery:
    query = DocumentQuery(family=family, doc_types=(filters.doc_type,) if filters.doc_type else (),
                          states=(filters.state,) if filters.state else (), date_from=filters.start,
                          date_to=filters.end, search=filters.search)
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
        'type': row['type_label'], 'date': _fr(row['issue_date']), 'client': row['client_name'],
        'total_ht': format_eur(row['total_ht']), 'total_ttc': format_eur(row['total_ttc']),
        'state': state_label(row['doc_type'], row['state']), 'state_key': row['state'],
        'due': _fr(row['due_date']), 'validity': _fr(row['validity_date']),
        'probability': f'{row["probability"]} %' if row['probability'] is not None else '',
    }


EXPORT_COLUMNS = [('number', 'Numéro', 16), ('type', 'Type', 18), ('date', 'Date', 12), ('client', 'Client', 32),
                  ('total_ht', 'Total HT', 14), ('total_vat', 'TVA', 12), ('total_ttc', 'Total TTC', 14),
                  ('state', 'État', 14), ('due', 'Échéance', 12), ('validity', 'Validité', 12),
                  ('probability', 'Probabilité (%)', 14)]


async def export_list(family: str, filters: ListFilters, *, columns: list[str], filename: str) -> None:
    """The whole filtered list, oldest first, as an XLSX file built in a worker process.

    At 100,000 invoices the event loop must never hold still for long (target: 50 ms): the ids are read in order from
    the list's index in slices, then the rows by id in batches of 500 as raw database values (ints for money, text or
    dates for dates: Tortoise's conversion of 100,000 rows took 4 s of the loop), each batch pickled on its own;
    the worker converts, formats and streams the sheet (logic.xlsx_writer: 2 s where openpyxl took 23 s).
    """
    wanted = [column for column in EXPORT_COLUMNS if column[0] in columns]
    ids = await _export_ids(list_query(family, filters))
    batches = []
    for start in range(0, len(ids), EXPORT_BATCH):
        batches.append(pickle.dumps(await _raw_rows(ids[start:start + EXPORT_BATCH]), pickle.HIGHEST_PROTOCOL))
    data = await run.cpu_bound(write_list_xlsx, [key for key, _, _ in wanted], batches)
    if data is not None:  # None: the server is stopping
        ui.download.content(data, filename, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')


async def _export_ids(query: DocumentQuery) -> list[int]:
    """The ids of the filtered list in export order, read from the index in slices of EXPORT_ID_SLICE."""
    ordered = filtered(query).order_by(*order_of(query))
    ids: list[int] = []
    seen: set[int] = set()  # a document inserted meanwhile may shift a slice: never export one twice
    offset = 0
    while batch := await ordered.offset(offset).limit(EXPORT_ID_SLICE).values_list('id', flat=True):
        offset += len(batch)
        ids.extend(doc_id for doc_id in batch if doc_id not in seen)
        seen.update(batch)
        if len(batch) < EXPORT_ID_SLICE:
            break
    return ids


async def _raw_rows(ids: list[int]) -> list[tuple]:
    """The EXPORT_FIELDS of these documents, in this order, as the database returns them (converted in the worker).
    The SQL carries integers only (the ids), so inlining them is safe."""
    sql = Document.filter(id__in=ids).values_list('id', *EXPORT_FIELDS).sql(params_inline=True)
    _, rows = await connections.get('default').execute_query(sql)
    by_id = {row[0]: tuple(row) for row in rows}
    return [by_id[doc_id] for doc_id in ids if doc_id in by_id]


def write_list_xlsx(keys: list[str], batches: list[bytes]) -> bytes:
    """The sheet of `export_list`, from its pickled batches of raw rows. Module level, plain data in and out:
    run.cpu_bound runs it in another process."""
    columns = {key: (label, width) for key, label, width in EXPORT_COLUMNS}

    def rows():
        for batch in batches:
            for raw in pickle.loads(batch):
                row = _from_database(raw)
                yield [_export_value(row, key) for key in keys]

    return xlsx_bytes([Sheet(title='Documents', headers=[columns[key][0] for key in keys], rows=rows(),
                             column_widths=[columns[key][1] for key in keys])])


def _from_database(raw: tuple) -> dict:
    """What Tortoise would give for (id, *EXPORT_FIELDS): money is stored in cents, dates are text on SQLite."""
    row = dict(zip(('id',) + EXPORT_FIELDS, raw))
    for key in ('issue_date', 'due_date', 'validity_date'):
        if isinstance(row[key], str):
            row[key] = date.fromisoformat(row[key][:10])
    for key in ('total_ht', 'total_vat', 'total_ttc'):
        if row[key] is not None:
            row[key] = (Decimal(int(row[key])) / 100).quantize(CENT)
    return row


def _export_value(row: dict, key: str):
    return {
        'number': row['number'] or 'Brouillon', 'type': DOC_TYPES.get(row['doc_type'], row['doc_type']),
        'date': row['issue_date'], 'client': row['client_name'], 'total_ht': row['total_ht'],
        'total_vat': row['total_vat'], 'total_ttc': row['total_ttc'], 'state': state_label(row['doc_type'],
                                                                                          row['state']),
        'due': row['due_date'], 'validity': row['validity_date'], 'probability': row['probability'],
    }[key]


def _fr(value) -> str:
    return value.strftime('%d/%m/%Y') if value else ''


def follow_list(ctx: PageContext, document_list: DocumentList) -> None:
    """Reload the list when any document changes (DOC7); a burst of changes makes one reload."""
    pending = False

    async def changed(_doc_id: int | None) -> None:
        nonlocal pending
        if pending:
            return
        pending = True
        try:
            await asyncio.sleep(0.3)
        finally:
            pending = False
        await document_list.reload()

    follow_changes(document_list, ctx.handler(changed))
