"""Factures (IN1-IN6): the list (invoices, deposit and progress invoices, credit notes), a new invoice, and one
invoice: a draft is edited, given a schedule (IN5), deleted or validated ("Valider" lists the missing legal mentions
when refused, and the quote's unpaid deposits of a balance invoice, DE5); a validated invoice is read-only, shows its
installments with "Régler" and "Irrécouvrable" (PA2, PA7, pages/invoice_payments.py), and gets credit notes ("Avoir").
"""
from datetime import date
from decimal import Decimal

from nicegui import run, ui

from components.credit_note_dialog import CreditLine, CreditNoteDialog
from components.date_input import DateInput
from components.dialog import ConfirmDialog
from components.document_list import DocumentList, ListFilters
from components.frame import frame
from db import credit_notes, publishing, validation
from db.document import Document
from db.document_list import VIEWS
from logic import doctypes
from logic.deposits import UnpaidDeposits
from logic.filenames import family_file
from logic.states import INVOICE_LABELS
from pages import runtime
from pages.batch_print import open_batch_dialog
from pages.document_actions import common_actions, delete_action, new_document_screen, output_actions
from pages.document_chain import chain_block
from pages.document_lists import export_list, follow_list, list_page, list_spec
from pages.document_page import Screen, document_title, document_url, open_screen
from pages.invoice_payments import (deductions_card, deposit_invoice_note, installments_card, schedule_card,
                                   unpaid_deposits_dialog)
from pages.security import PageContext, secured_page

COLUMNS = [
    {'name': 'number', 'label': 'Numéro', 'field': 'number', 'sortable': True, 'align': 'left'},
    {'name': 'type', 'label': 'Type', 'field': 'type', 'align': 'left'},
    {'name': 'date', 'label': 'Date', 'field': 'date', 'sortable': True, 'align': 'left'},
    {'name': 'client', 'label': 'Client', 'field': 'client', 'sortable': True, 'align': 'left'},
    {'name': 'due', 'label': 'Échéance', 'field': 'due', 'sortable': True, 'align': 'left'},
    {'name': 'total_ht', 'label': 'Total HT', 'field': 'total_ht', 'align': 'right'},
    {'name': 'total_ttc', 'label': 'Total TTC', 'field': 'total_ttc', 'sortable': True, 'align': 'right'},
    {'name': 'state', 'label': 'État', 'field': 'state', 'sortable': True, 'align': 'left'},
]
TYPES = doctypes.labels(family='invoice')


@secured_page('/factures', title='Factures')
async def invoices_page(ctx: PageContext):
    """The list; its address carries the filters, sort and page (e.g. /factures?etat=validated&type=credit_note)."""
    with frame(ctx, 'Factures'):
        async def fetch(filters: ListFilters, request):
            return await list_page('invoice', filters, request)

        async def export(filters: ListFilters) -> None:
            await export_list(ctx, 'invoice', filters, filename=family_file('invoice', 'xlsx'), columns=[
                'number', 'type', 'date', 'client', 'due', 'total_ht', 'total_vat', 'total_ttc', 'state'])

        invoices = DocumentList(name='invoices', columns=COLUMNS, states=INVOICE_LABELS, types=TYPES,
                                fetch=ctx.handler(fetch), export=ctx.handler(export),
                                batch=ctx.handler(lambda filters: open_batch_dialog(ctx, 'invoice', filters)),
                                new=('Nouvelle facture', '/factures/nouvelle'),
                                spec=list_spec(COLUMNS, INVOICE_LABELS, TYPES, VIEWS['invoice']),
                                views=VIEWS['invoice'],
                                hint='De la plus ancienne à la plus récente ; cliquez un titre de colonne pour trier.')
    follow_list(ctx, invoices, family='invoice')
    await invoices.reload()


@secured_page('/factures/nouvelle', title='Nouvelle facture')
async def new_invoice_page(ctx: PageContext):
    with frame(ctx, 'Nouvelle facture'):
        await new_document_screen(ctx, 'invoice', intro='Le numéro définitif est attribué à la validation ; '
                                  'jusque-là, la facture reste un brouillon modifiable.')


@secured_page('/factures/{doc_id}', title='Facture')
async def invoice_page(ctx: PageContext, doc_id: str):
    with frame(ctx, 'Factures'):  # the list's name; the number and state head the document below
        body = ui.column().classes('w-full gap-4')
    await open_screen(ctx, doc_id, family='invoice', body=body, build_actions=invoice_actions, extra=invoice_extra)


def invoice_actions(screen: Screen) -> None:
    document = screen.document
    if doctypes.doc_type(document.doc_type).issued_final and not screen.editable:
        # A credit note is issued validated and final; a deposit invoice is born "Réglée" and is undone from its
        # quote (DE3): neither has anything else to do.
        output_actions(screen)
        return
    common_actions(screen, duplicate_to='invoice')
    if screen.editable:
        ui.button('Valider', icon='verified', on_click=lambda: validate_dialog(screen)) \
            .props('unelevated color=positive data-action=validate').mark('validate')
        delete_action(screen, back='/factures', what='Brouillon')
    elif doctypes.doc_type(document.doc_type).creditable and document.state in ('validated', 'paid', 'irrecoverable') \
            and document.credited_amount < document.total_ttc:
        ui.button('Avoir', icon='undo', on_click=screen.ctx.handler(lambda: credit_dialog(screen))) \
            .props('outline color=negative data-action=credit').mark('credit')
    output_actions(screen)


def validate_dialog(screen: Screen) -> None:
    """IN2: the invoice gets its number, dated as chosen here; what blocks it is listed on the page."""
    with screen.stable:
        dialog = ConfirmDialog('Valider la facture', 'Elle reçoit son numéro définitif et ne pourra plus être modifiée '
                               'ni supprimée : une erreur se corrige ensuite par un avoir.', confirm='Valider',
                               color='positive', action='confirm-validate', width=520,
                               on_confirm=lambda: validate(screen, on.day), guard=screen.ctx.handler)
    with dialog.body:
        on = DateInput('Date de la facture', date.today(), field='validation_date')
        ui.label('Ni dans le futur, ni avant la dernière facture validée.').classes('app-muted text-sm')
    dialog.open()


async def validate(screen: Screen, chosen: date | None) -> None:
    if screen.dirty and not await screen.save():
        return
    try:
        validated = await screen.act(lambda: publishing.validate_and_publish(
            screen.ctx.actor, screen.doc_id, config=runtime.config(), run=run.cpu_bound, issue_date=chosen))
    except validation.MentionsMissing as exc:
        screen.editor.show_problems(exc.missing, title='Validation impossible : il manque ces mentions obligatoires')
        return
    except UnpaidDeposits as exc:
        unpaid_deposits_dialog(screen, exc.installments, retry=lambda: validate_dialog(screen))
        return
    except publishing.EInvoiceInvalid as exc:
        screen.editor.show_problems([f'{issue.rule} : {issue.message}' for issue in exc.result.errors],
                                    title='Validation impossible : la facture électronique ne respecte pas ces règles')
        return
    with screen.stable:
        ui.notify(f'Facture validée : {validated.number}.', type='positive')


async def credit_dialog(screen: Screen) -> None:
    """IN4: the whole invoice, chosen lines and quantities, or an amount HT per VAT rate, never beyond what is left."""
    ctx, invoice = screen.ctx, screen.document
    left = await credit_notes.left_to_credit(screen.doc_id)
    lines = [CreditLine(id=line.id, designation=draft_line.designation, quantity=draft_line.quantity,
                        unit_price=draft_line.unit_price, left=abs(left.quantities.get(line.id, Decimal(0))))
             for line, draft_line in zip(invoice.line_list, screen.draft.lines) if line.kind == 'item']

    async def preview(choice: dict):
        _, totals = await credit_notes.credit_note_preview(screen.doc_id, **choice)
        return totals

    async def create(reason: str, choice: dict) -> None:
        screen.busy += 1
        try:
            credit = await publishing.credit_and_publish(ctx.actor, screen.doc_id, config=runtime.config(),
                                                         run=run.cpu_bound, reason=reason, **choice)
        finally:
            screen.busy -= 1
        with screen.stable:
            ui.notify(f'Avoir {credit.number} établi.', type='positive')
            ui.navigate.to(document_url(credit))

    with screen.stable:
        dialog = CreditNoteDialog(title=f'Avoir sur {document_title(invoice)}', left=left, lines=lines,
                                  preview=preview, on_create=create, guard=ctx.handler)
    dialog.open()
    await dialog.show_preview()


async def invoice_extra(screen: Screen) -> None:
    """Where the document comes from, what was made from it, the deposits it deducts and its installments (IN5)."""
    document = screen.document
    source = await Document.get_or_none(id=document.source_id) if document.source_id else None
    derived = await Document.filter(source_id=document.id).order_by('id')
    if document.doc_type == 'deposit_invoice' and not screen.editable:
        deposit_invoice_note(screen, source)  # names its quote itself
        source = None
    if source or derived:
        with screen.links:
            if source:
                caption = 'Avoir sur :' if document.doc_type == 'credit_note' else 'Issue de :'
                ui.label(caption).classes('app-muted')
                ui.link(document_title(source), document_url(source)).mark('source')
            if derived:
                ui.label('Avoirs :').classes('app-muted')
                for item in derived:
                    ui.link(document_title(item), document_url(item)).mark('derived')
    await chain_block(screen)  # quote -> order -> delivery notes -> this invoice (OR3)
    if document.doc_type == 'deposit_invoice' and not screen.editable:
        return
    if not doctypes.doc_type(document.doc_type).creditable:
        return  # a credit note: no deposits to deduct, no schedule
    await deductions_card(screen)
    if screen.editable:
        await schedule_card(screen)
    else:
        await installments_card(screen)
