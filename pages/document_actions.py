"""The buttons quotes and invoices share on their document screen: save, duplicate (DOC6), delete a draft, the PDF and
the e-invoice XML, "Envoyer" (DOC4), and the screen of a new document.

pages/quotes.py and pages/invoices.py add the actions of their own life cycles.
"""
from datetime import date, timedelta

from nicegui import run, ui

from components.dialog import ConfirmDialog
from components.document_editor import DocumentEditor
from components.send_dialog import SendDialog
from db import documents, publishing
from logic import doctypes
from logic.draft import Draft
from logic.errors import DomainError
from pages import runtime
from pages.document_page import Screen, document_title, document_url, editor_callbacks, leave_guard, load_choices
from pages.security import PageContext


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
    if document.is_frozen and doctypes.doc_type(document.doc_type).einvoice:
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
            SendDialog(recipients=recipients, subject=subject, body=body, attachment_name=attachment,
                       on_send=ctx.handler(send)).open()

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
        leave_guard(False)
        ui.notify(f'{what} supprimé.', type='positive')
        ui.navigate.to(back)

    def confirm() -> None:
        with screen.stable:
            ConfirmDialog(f'Supprimer ce {what.lower()} ?', 'Cette suppression est définitive.', confirm='Supprimer',
                          on_confirm=delete, guard=ctx.handler, action='confirm-delete', width=440).open()

    ui.button('Supprimer', icon='delete_outline', on_click=confirm) \
        .props('flat color=negative data-action=delete').mark('delete')


async def new_document_screen(ctx: PageContext, doc_type: str, *, intro: str) -> None:
    """The editor on an empty draft; the first save creates the document (a quote gets its number then, QU1)."""
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
    await editor.load_addresses()

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
