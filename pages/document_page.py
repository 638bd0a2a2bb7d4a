"""One open document in one browser tab (DOC6, DOC7): the `Screen` that loads, saves over the version it opened
(a newer version is a conflict, never overwritten) and follows other users' changes, and the editor's lists and
callbacks.

pages/document_actions.py has the buttons quotes and invoices share, pages/document_lists.py their lists;
pages/quotes.py and pages/invoices.py add their routes and the actions of their own life cycles.
"""
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from nicegui import Client, background_tasks, ui

from components.document_editor import (
    ArticleChoice,
    DocumentEditor,
    EditorCallbacks,
    EditorChoices,
    PaymentChoice,
    UnitChoice,
    VatChoice,
)
from components.draft_keeper import DraftKeeper
from components.state_badge import state_badge
from db import articles, changes, contacts, documents
from db.article import Article
from db.audit import LastChange
from db.company import Company, PaymentMethod, Unit, VatRate
from db.document import Document
from db.output import PrintTemplate
from db.settings import COMPANY_ID
from logic.draft import Draft, DraftLine, default_nature
from logic.draft_keeping import draft_data
from logic.errors import DomainError
from logic.money import format_eur
from pages import runtime
from pages.not_found import mark_not_found, record_id
from pages.security import PageContext

PICKER_LIMIT = 12
PATHS = {'quote': '/devis', 'invoice': '/factures', 'order': '/commandes', 'delivery_note': '/livraisons'}


def document_url(document: Document) -> str:
    return f'{PATHS.get(document.family, "/factures")}/{document.id}'


def document_title(document: Document) -> str:
    if document.number:
        return f'{document.type_label} {document.number}'
    return f'{document.type_label} (brouillon)'


# --- the editor's lists and callbacks --------------------------------------------------------------------------

async def load_choices(doc_type: str) -> EditorChoices:
    rows = await VatRate.filter(active=True)
    rates = [VatChoice(rate=row.rate, label=row.label, category=row.category, exemption_reason=row.exemption_reason,
                       exemption_code=row.exemption_code) for row in rows]
    activity = await Company.filter(id=COMPANY_ID).values_list('activity_type', flat=True)
    default = next((choice for choice, row in zip(rates, rows) if row.is_default), rates[0] if rates else None)
    return EditorChoices(
        vat_rates=rates, default_vat=default, default_nature=default_nature(activity[0] if activity else ''),
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

    async def client_addresses(contact_id: int) -> list[dict]:
        return await contacts.delivery_addresses(contact_id)

    # The client picker wraps its own events with `guard` (it shows the creation form's per-field errors).
    return EditorCallbacks(search_clients=search_clients, create_client=create_client, guard=ctx.handler,
                           client_addresses=ctx.handler(client_addresses),
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
        line.exemption_code = article.vat_rate.exemption_code
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
    keeper: DraftKeeper | None = None  # the browser's copy of unsaved edits (components/draft_keeper.py)

    @property
    def editable(self) -> bool:
        return self.document is not None and self.document.state == 'draft'

    @property
    def dirty(self) -> bool:
        return bool(self.editor and self.editor.dirty)

    async def load(self, draft: Draft | None = None) -> None:
        """(Re)build the whole screen from the database: after an action, or another user's change; with `draft`,
        the edits the browser kept over the version saved (not saved yet)."""
        self.document, self.draft = await documents.load_draft(self.doc_id)
        if draft is not None:
            self.draft = draft
        self.version = self.document.version
        client_label = ''
        if self.document.client_id:
            client_label = self.document.client_name
        choices = await load_choices(self.document.doc_type)
        if self.document.snapshot:  # a validated document shows the payment wording it was issued with
            choices.frozen_payment = (self.document.snapshot.get('payment_method') or '',
                                      self.document.snapshot.get('payment_terms') or '')
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
            await self.editor.load_addresses()
            if self.extra:
                result = self.extra(self)
                if asyncio.iscoroutine(result):
                    await result
            leave_guard(False)

    def _changed(self) -> None:
        if self.keeper is not None:
            self.keeper.keep(self.draft, self.version)
        if self.dirty_label is not None and not self.dirty_label.visible:
            self.dirty_label.set_visibility(True)
            leave_guard(True)

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
            self.show_conflict(conflict_text(await documents.last_saved(self.doc_id)))
            ui.notify(str(exc), type='warning', multi_line=True)
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
        if self.keeper is not None:
            self.keeper.forget()
        self.dirty_label.set_visibility(False)
        leave_guard(False)
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

    async def offer_kept(self) -> None:
        """Opening a draft: edits this browser kept and never saved are offered back, over the version they were
        made on only (another user's save since then would be overwritten: they are dropped, and it is said)."""
        kept = await self.keeper.kept()
        if kept is None or self.body.is_deleted or self.busy or self.dirty:
            return
        if draft_data(kept['draft']) == draft_data(self.draft):
            self.keeper.forget()
            return
        when = f'{kept["at"].astimezone():%d/%m/%Y à %H:%M}'
        self.banner.clear()
        with self.banner, ui.card().classes('app-card app-kept').props('data-role=kept-draft'):
            with ui.row().classes('items-center gap-3 w-full'):  # the buttons go under the text on a phone
                ui.icon('restore').classes('text-primary text-2xl')
                if not self.editable or kept['version'] != self.version:
                    self.keeper.forget()
                    ui.label(f'Des modifications non enregistrées de ce navigateur (le {when}) portaient sur une '
                             'version qui a changé depuis : elles ne peuvent pas être reprises.') \
                        .style('flex: 1 1 16rem').mark('kept-stale')
                    return
                ui.label(f'Des modifications de ce document faites le {when} dans ce navigateur n’ont pas été '
                         'enregistrées.').style('flex: 1 1 16rem').mark('kept-offer')

                async def restore() -> None:
                    await self.load(draft=kept['draft'])
                    with self.body:  # this button went with the old content
                        self.editor.dirty = True
                        self._changed()
                        ui.notify('Modifications reprises : vérifiez-les puis enregistrez.', type='info')

                def discard() -> None:
                    self.keeper.forget()
                    self.banner.clear()

                ui.button('Les reprendre', icon='restore', on_click=self.ctx.handler(restore)) \
                    .props('unelevated no-caps data-action=restore-kept').mark('restore-kept')
                ui.button('Les écarter', on_click=self.ctx.handler(discard)) \
                    .props('flat no-caps data-action=discard-kept') \
                    .mark('discard-kept')

    def show_conflict(self, message: str) -> None:
        self.banner.clear()
        with self.banner, ui.card().classes('app-card app-problems').props('data-role=conflict'):
            with ui.row().classes('items-center gap-3 w-full'):
                ui.icon('sync_problem').classes('text-negative text-2xl')
                ui.label(message).classes('grow').mark('conflict')
                ui.button('Recharger le document', icon='refresh', on_click=self.ctx.handler(self.load)) \
                    .props('unelevated data-action=reload').mark('reload')

    async def changed_elsewhere(self, doc_id: int | None) -> None:
        """Another user changed this document (DOC7): show it, unless we hold unsaved changes; then say who and when
        at once, keeping ours in the form, rather than at our next save. No id: anything may have changed (a
        bulk change, the relay of changes back after a cut): compare the version."""
        if (doc_id is not None and doc_id != self.doc_id) or self.busy or self.body.is_deleted:
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
            change = await documents.last_saved(self.doc_id)
            if self.dirty:
                self.show_conflict(conflict_text(change))
                return
            await self.load()
            ui.notify(f'Document mis à jour par {change.by if change else "un autre utilisateur"}.', type='info')


def conflict_text(change: LastChange | None) -> str:
    """'Modifié par Claude Martin à 10:42 — vos modifications ne sont pas enregistrées : …' (server's local time)."""
    who = f'Modifié par {change.by} à {change.at.astimezone():%H:%M}' if change else 'Modifié par un autre utilisateur'
    return (f'{who} — vos modifications ne sont pas enregistrées : rechargez pour voir les siennes (les vôtres seront '
            'perdues).')


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


def leave_guard(on: bool) -> None:
    """The browser asks before leaving a page with unsaved changes."""
    ui.run_javascript('window.onbeforeunload = () => true' if on else 'window.onbeforeunload = null')


async def open_screen(ctx: PageContext, doc_id: int | str, *, family: str, body: ui.element,
                      build_actions: Callable[[Screen], None],
                      extra: Callable[[Screen], Awaitable[None] | None] | None = None) -> Screen | None:
    """`doc_id` as the address gives it (text): not a number, or beyond the column, is a document that does not exist
    (the database would fail rather than find nothing)."""
    number = record_id(doc_id)
    screen = Screen(ctx=ctx, doc_id=number or 0, body=body, stable=body.parent_slot.parent,
                    build_actions=build_actions, extra=extra)
    document = await Document.get_or_none(id=number) if number else None
    if document is None or document.family != family:
        mark_not_found()
        with body:
            ui.label('Ce document n’existe pas ou a été supprimé.').classes('app-empty').mark('not-found')
            ui.link('Retour à la liste', PATHS[family])
        return None
    await screen.load()
    follow_changes(body, ctx.handler(screen.changed_elsewhere))
    screen.keeper = DraftKeeper(body, document_id=screen.doc_id, user_id=ctx.user.id, secret=runtime.config().secret)
    if screen.editable:
        background_tasks.create(screen.offer_kept(), name='offer the kept draft')
    return screen
