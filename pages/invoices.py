"""Factures (IN1-IN6): the list (invoices, deposit and progress invoices, credit notes), a new invoice, and one
invoice: a draft is edited, given a schedule (IN5), deleted or validated ("Valider" lists the missing legal mentions
when refused, and the quote's unpaid deposits of a balance invoice, DE5); a validated invoice is read-only, shows its
installments with "Régler" and "Irrécouvrable" (PA2, PA7, pages/invoice_payments.py), and gets credit notes ("Avoir").
"""
from datetime import date
from decimal import Decimal

from nicegui import run, ui

from components.document_list import DocumentList, ListFilters
from components.frame import frame
from components.money_input import MoneyInput
from db import credit_notes, publishing, validation
from db.document import DOC_TYPES, FAMILY, Document
from logic.deposits import UnpaidDeposits
from logic.errors import DomainError
from logic.money import format_decimal_fr, format_eur
from logic.states import INVOICE_LABELS
from pages import runtime
from pages.document_page import (Screen, common_actions, delete_action, document_title, document_url,
                                 export_list, follow_list, initial_filters, list_page, new_document_screen,
                                 open_screen, output_actions)
from pages.batch_print import open_batch_dialog
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
TYPES = {key: label for key, label in DOC_TYPES.items() if FAMILY[key] == 'invoice'}
INVOICE_TYPES = ('invoice', 'deposit_invoice', 'progress_invoice')
CREDIT_MODES = {'full': 'Avoir total', 'lines': 'Certaines lignes', 'amounts': 'Montant par taux de TVA'}


@secured_page('/factures', title='Factures')
async def invoices_page(ctx: PageContext, state: str = '', doc_type: str = '', start: str = '', end: str = '',
                        search: str = ''):
    """The list; query parameters preset the filters (e.g. /factures?state=validated&doc_type=credit_note)."""
    with frame(ctx, 'Factures'):
        from components.document_editor import document_styles  # noqa: PLC0415

        document_styles()

        async def fetch(filters: ListFilters, request):
            return await list_page('invoice', filters, request)

        async def export(filters: ListFilters) -> None:
            await export_list('invoice', filters, filename='factures.xlsx', columns=[
                'number', 'type', 'date', 'client', 'due', 'total_ht', 'total_vat', 'total_ttc', 'state'])

        invoices = DocumentList(name='invoices', columns=COLUMNS, states=INVOICE_LABELS, types=TYPES,
                                fetch=ctx.handler(fetch), export=ctx.handler(export),
                                batch=ctx.handler(lambda filters: open_batch_dialog(ctx, 'invoice', filters)),
                                new=('Nouvelle facture', '/factures/nouvelle'),
                                initial=initial_filters(INVOICE_LABELS, TYPES, state, doc_type, start, end, search),
                                hint='De la plus ancienne à la plus récente ; cliquez un titre de colonne pour trier.')
    follow_list(ctx, invoices)
    await invoices.reload()


@secured_page('/factures/nouvelle', title='Nouvelle facture')
async def new_invoice_page(ctx: PageContext):
    with frame(ctx, 'Nouvelle facture'):
        await new_document_screen(ctx, 'invoice', intro='Le numéro définitif est attribué à la validation ; '
                                  'jusque-là, la facture reste un brouillon modifiable.')


@secured_page('/factures/{doc_id}', title='Facture')
async def invoice_page(ctx: PageContext, doc_id: int):
    with frame(ctx, 'Factures'):  # the list's name; the number and state head the document below
        body = ui.column().classes('w-full gap-4')
    await open_screen(ctx, doc_id, family='invoice', body=body, build_actions=invoice_actions, extra=invoice_extra)


def invoice_actions(screen: Screen) -> None:
    document = screen.document
    if document.doc_type in ('credit_note', 'deposit_invoice') and not screen.editable:
        # A credit note is issued validated and final; a deposit invoice is born "Réglée" and is undone from its
        # quote (DE3): neither has anything else to do.
        output_actions(screen)
        return
    common_actions(screen, duplicate_to='invoice')
    if screen.editable:
        ui.button('Valider', icon='verified', on_click=lambda: validate_dialog(screen)) \
            .props('unelevated color=positive data-action=validate').mark('validate')
        delete_action(screen, back='/factures', what='Brouillon')
    elif document.state in ('validated', 'paid', 'irrecoverable') and document.credited_amount < document.total_ttc:
        ui.button('Avoir', icon='undo', on_click=screen.ctx.handler(lambda: credit_dialog(screen))) \
            .props('outline color=negative data-action=credit').mark('credit')
    output_actions(screen)


def validate_dialog(screen: Screen) -> None:
    ctx = screen.ctx
    with screen.stable, ui.dialog() as dialog, ui.card().classes('app-card w-[520px] max-w-full'):
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())
        ui.label('Valider la facture').classes('app-subtitle')
        ui.label('Elle reçoit son numéro définitif et ne pourra plus être modifiée ni supprimée : une erreur se '
                 'corrige ensuite par un avoir.').classes('app-muted')
        on = ui.input('Date de la facture', value=date.today().isoformat()) \
            .props('outlined dense type=date stack-label data-field=validation_date').mark('validation_date')
        ui.label('Ni dans le futur, ni avant la dernière facture validée.').classes('app-muted text-sm')

        async def validate() -> None:
            if screen.dirty and not await screen.save():
                dialog.close()
                return
            try:
                chosen = date.fromisoformat(on.value) if on.value else None
            except ValueError:
                ui.notify('Date invalide.', type='negative')
                return
            try:
                validated = await screen.act(lambda: publishing.validate_and_publish(
                    ctx.actor, screen.doc_id, config=runtime.config(), run=run.cpu_bound, issue_date=chosen))
            except validation.MentionsMissing as exc:
                dialog.close()
                screen.editor.show_problems(exc.missing, title='Validation impossible : il manque ces mentions '
                                                               'obligatoires')
                return
            except UnpaidDeposits as exc:
                dialog.close()
                unpaid_deposits_dialog(screen, exc.installments, retry=lambda: validate_dialog(screen))
                return
            except publishing.EInvoiceInvalid as exc:
                dialog.close()
                screen.editor.show_problems([f'{issue.rule} : {issue.message}' for issue in exc.result.errors],
                                            title='Validation impossible : la facture électronique ne respecte pas '
                                                  'ces règles')
                return
            dialog.close()
            with screen.stable:
                ui.notify(f'Facture validée : {validated.number}.', type='positive')

        with ui.row().classes('app-actions'):
            ui.button('Annuler', on_click=dialog.close).props('flat')
            ui.button('Valider', on_click=ctx.handler(validate)) \
                .props('unelevated color=positive data-action=confirm-validate').mark('confirm-validate')
    dialog.open()


async def credit_dialog(screen: Screen) -> None:
    """IN4: the whole invoice, chosen lines and quantities, or an amount HT per VAT rate, never beyond what is left."""
    ctx, invoice = screen.ctx, screen.document
    left = await credit_notes.left_to_credit(screen.doc_id)
    items = [(line, draft_line) for line, draft_line in zip(invoice.line_list, screen.draft.lines)
             if line.kind == 'item']
    with screen.stable, ui.dialog() as dialog, ui.card().classes('app-card w-[760px] max-w-full'):
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())
        ui.label(f'Avoir sur {document_title(invoice)}').classes('app-subtitle')
        ui.label(f'Reste à créditer : {format_eur(left.total_ttc)} TTC.').classes('app-muted').mark('left-to-credit')
        modes = dict(CREDIT_MODES)
        if left.already_credited:
            modes.pop('full')  # a full credit note is only possible while nothing was credited
        mode = ui.radio(modes, value=next(iter(modes))).props('inline data-field=mode').mark('credit-mode')
        with ui.column().classes('w-full gap-1') as lines_box:
            quantities: dict[int, MoneyInput] = {}
            for line, draft_line in items:
                still = abs(left.quantities.get(line.id, Decimal(0)))
                with ui.row().classes('w-full items-center no-wrap gap-2').props('data-role=credit-line'):
                    with ui.column().classes('grow gap-0'):
                        ui.label(draft_line.designation)
                        ui.label(f'{format_decimal_fr(draft_line.quantity)} × {format_eur(draft_line.unit_price)} '
                                 f'HT ; reste {format_decimal_fr(still)}').classes('app-muted text-sm')
                    money = MoneyInput('Quantité', value=Decimal(0), places=4, minimum=Decimal(0), maximum=still,
                                       what=draft_line.designation, on_change=lambda _: refresh())
                    money.classes('w-28').props('data-field=credit_quantity').mark('credit-quantity')
                    money.set_enabled(bool(still))
                    quantities[line.id] = money
        with ui.column().classes('w-full gap-1') as amounts_box:
            amounts: dict[tuple[str, Decimal], MoneyInput] = {}
            for (category, rate), base in left.bases.items():
                caption = f'TVA {format_decimal_fr(rate)} %' if category == 'S' else f'TVA {category}'
                with ui.row().classes('w-full items-center no-wrap gap-2').props('data-role=credit-rate'):
                    ui.label(f'{caption} : reste {format_eur(max(base, Decimal(0)))} HT').classes('grow')
                    money = MoneyInput('Montant HT', value=Decimal(0), minimum=Decimal(0), what=caption,
                                       on_change=lambda _: refresh())
                    money.classes('w-36').props('data-field=credit_amount').mark('credit-amount')
                    amounts[(category, rate)] = money
        reason = ui.input('Motif (imprimé sur l’avoir)').props('outlined dense maxlength=200 data-field=reason') \
            .classes('w-full').mark('credit-reason')
        preview = ui.label().classes('font-semibold').props('data-role=credit-preview').mark('credit-preview')

        def chosen() -> dict:
            return {
                'mode': mode.value,
                'lines': {line_id: money.decimal for line_id, money in quantities.items() if money.decimal}
                if mode.value == 'lines' else None,
                'amounts': {key: money.decimal for key, money in amounts.items() if money.decimal}
                if mode.value == 'amounts' else None}

        async def show_preview() -> None:
            wanted = chosen()
            if mode.value != 'full' and not (wanted['lines'] or wanted['amounts']):
                preview.text = ('Indiquez les quantités à créditer.' if mode.value == 'lines'
                                else 'Indiquez les montants HT à créditer.')
                preview.classes(replace='app-muted')
                return
            try:
                _, totals = await credit_notes.credit_note_preview(screen.doc_id, **wanted)
            except DomainError as exc:
                preview.text = str(exc)
                preview.classes(replace='font-semibold text-negative')
                return
            preview.text = f'Montant de l’avoir : {format_eur(totals.total_ttc)} TTC ({format_eur(totals.total_ht)} HT)'
            preview.classes(replace='font-semibold')

        refresh = ctx.handler(show_preview)

        def show_mode() -> None:
            lines_box.set_visibility(mode.value == 'lines')
            amounts_box.set_visibility(mode.value == 'amounts')

        mode.on_value_change(show_mode)
        mode.on_value_change(refresh)
        show_mode()

        async def create() -> None:
            typos = [f'{money.what} : {money.error}' for money in (*quantities.values(), *amounts.values())
                     if money.error]
            if typos:
                ui.notify(' ; '.join(typos), type='negative', multi_line=True)
                return
            screen.busy += 1
            try:
                credit = await publishing.credit_and_publish(ctx.actor, screen.doc_id, config=runtime.config(),
                                                             run=run.cpu_bound, reason=reason.value or '',
                                                             **chosen())
            finally:
                screen.busy -= 1
            dialog.close()
            with screen.stable:
                ui.notify(f'Avoir {credit.number} établi.', type='positive')
                ui.navigate.to(document_url(credit))

        with ui.row().classes('app-actions'):
            ui.button('Annuler', on_click=dialog.close).props('flat')
            ui.button('Établir l’avoir', on_click=ctx.handler(create)) \
                .props('unelevated color=negative data-action=confirm-credit').mark('confirm-credit')
    dialog.open()
    await show_preview()


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
    if document.doc_type == 'deposit_invoice' and not screen.editable:
        return
    if document.doc_type not in INVOICE_TYPES:
        return
    await deductions_card(screen)
    if screen.editable:
        await schedule_card(screen)
    else:
        await installments_card(screen)
