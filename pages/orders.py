"""Bons de commande and bons de livraison (OR1-OR3): for each, the list, a new one, and one document with its actions.

Both are laid out from their registry entries (logic/doctypes.py: label, series, machine, option, converts_to) with
the lists, editor and screen quotes and invoices use. An order: Brouillon -> Confirmée, then "Livrer" (a delivery note
of the quantities typed, the rest by default) and "Facturer" (what is left to invoice); "Annuler" frees what was not
delivered. A delivery note: Brouillon -> Livré ("Marquer livré"), then "Facturer" with the client's other delivered
notes; its PDF with or without prices. Each type can be switched off (Paramètres > Options).
"""
from nicegui import ui

from components.delivery_quantities import DeliveryDialog, NotesDialog
from components.dialog import ConfirmDialog
from components.document_list import DocumentList, ListFilters
from components.frame import frame
from db import deliveries, orders
from db.document import Document
from db.order_links import order_progress
from logic import doctypes
from logic.dates import format_date
from logic.filenames import family_file
from logic.money import format_decimal_fr, format_eur
from logic.states import LABELS
from pages.document_actions import common_actions, delete_action, new_document_screen, output_actions
from pages.document_chain import chain_block
from pages.document_lists import export_list, follow_list, list_page, list_spec
from pages.document_page import PATHS, Screen, document_url, open_screen
from pages.security import PageContext, secured_page

FAMILIES = ('order', 'delivery_note')
COLUMNS = [
    {'name': 'number', 'label': 'Numéro', 'field': 'number', 'sortable': True, 'align': 'left'},
    {'name': 'date', 'label': 'Date', 'field': 'date', 'sortable': True, 'align': 'left'},
    {'name': 'client', 'label': 'Client', 'field': 'client', 'sortable': True, 'align': 'left'},
    {'name': 'total_ht', 'label': 'Total HT', 'field': 'total_ht', 'align': 'right'},
    {'name': 'total_ttc', 'label': 'Total TTC', 'field': 'total_ttc', 'sortable': True, 'align': 'right'},
    {'name': 'state', 'label': 'État', 'field': 'state', 'sortable': True, 'align': 'left'},
]
EXPORTED = ['number', 'date', 'client', 'total_ht', 'total_vat', 'total_ttc', 'state']
INTRO = {'order': 'Le numéro et la date du jour sont attribués à l’enregistrement ; confirmez ensuite la commande '
                  'pour la livrer.',
         'delivery_note': 'Un bon de livraison fait sans commande ; le numéro et la date du jour sont attribués à '
                          'l’enregistrement.'}
NOTES_OFFERED = 50  # delivered notes of the client offered in one invoice


def option_off(ctx: PageContext, family: str) -> bool:
    """SE2: switched off in the options? Then say so (the menu already hides the entry)."""
    kind = doctypes.doc_type(family)
    if getattr(ctx.options, kind.option):
        return False
    with ui.card().classes('app-card items-center'):
        ui.icon('toggle_off').classes('text-5xl text-grey-6')
        ui.label(f'Les {kind.plural.lower()} sont désactivés.').classes('app-subtitle').mark('option-off')
        ui.label('Un administrateur peut les activer dans Paramètres > Options.').classes('app-muted text-center')
    return True


def _register(family: str) -> None:
    kind = doctypes.doc_type(family)
    path, states = PATHS[family], LABELS[kind.machine]
    new_title = f'Nouveau {kind.label[0].lower()}{kind.label[1:]}'

    @secured_page(path, title=kind.plural)
    async def list_screen(ctx: PageContext):
        with frame(ctx, kind.plural):
            if option_off(ctx, family):
                return

            async def fetch(filters: ListFilters, request):
                return await list_page(family, filters, request)

            async def export(filters: ListFilters) -> None:
                await export_list(ctx, family, filters, columns=EXPORTED, filename=family_file(family, 'xlsx'))

            documents = DocumentList(name=f'{family}s', columns=COLUMNS, states=states, types=None,
                                     fetch=ctx.handler(fetch), export=ctx.handler(export),
                                     new=(new_title, f'{path}/nouveau'), spec=list_spec(COLUMNS, states, None),
                                     hint='Du plus ancien au plus récent ; cliquez un titre de colonne pour trier.')
        follow_list(ctx, documents, family=family)
        await documents.reload()

    @secured_page(f'{path}/nouveau', title=new_title)
    async def new_screen(ctx: PageContext):
        with frame(ctx, new_title):
            if option_off(ctx, family):
                return
            await new_document_screen(ctx, family, intro=INTRO[family])

    @secured_page(f'{path}/{{doc_id}}', title=kind.label)
    async def document_screen(ctx: PageContext, doc_id: str):
        with frame(ctx, kind.plural):
            if option_off(ctx, family):
                return
            body = ui.column().classes('w-full gap-4')
        await open_screen(ctx, doc_id, family=family, body=body, build_actions=ACTIONS[family],
                          extra=order_extra if family == 'order' else chain_block)


def order_actions(screen: Screen) -> None:
    ctx, order = screen.ctx, screen.document
    common_actions(screen, duplicate_to='order')
    if order.state == 'draft':
        _state_button(screen, 'confirmed', 'Confirmer', 'task_alt', 'Bon de commande confirmé.')
    if order.state == 'confirmed':
        _state_button(screen, 'draft', 'Repasser en brouillon', 'edit', 'Le bon de commande est de nouveau un brouillon.')
    if order.state in ('confirmed', 'part_delivered') and ctx.options.delivery_notes:
        async def deliver() -> None:
            progress = await order_progress(await Document.get(id=screen.doc_id))

            async def create(quantities) -> None:
                note = await orders.deliver_order(ctx.actor, screen.doc_id, quantities)
                ui.notify(f'Bon de livraison {note.number} créé.', type='positive')
                ui.navigate.to(document_url(note))

            with screen.stable:
                DeliveryDialog(lines=progress, on_deliver=create, guard=ctx.handler).open()

        ui.button('Livrer', icon='local_shipping', on_click=ctx.handler(deliver)) \
            .props('unelevated data-action=deliver').mark('deliver')
    if order.state in ('confirmed', 'part_delivered', 'delivered') and 'invoice' in doctypes.doc_type('order').converts_to:
        async def invoice() -> None:
            created = await orders.invoice_order(ctx.actor, screen.doc_id)
            ui.notify('Facture brouillon créée à partir du bon de commande.', type='positive')
            ui.navigate.to(document_url(created))

        ui.button('Facturer', icon='receipt_long', on_click=ctx.handler(invoice)) \
            .props('outline data-action=invoice').mark('invoice')
    if order.state in ('draft', 'confirmed', 'part_delivered'):
        def confirm_cancel() -> None:
            with screen.stable:
                ConfirmDialog('Annuler ce bon de commande ?', 'Ce qui reste à livrer est libéré ; ce qui a été livré '
                              'reste facturable depuis ses bons de livraison. L’annulation est définitive.',
                              confirm='Annuler la commande', cancel='Retour', action='confirm-cancel-order',
                              on_confirm=lambda: screen.act(lambda: orders.set_order_state(
                                  ctx.actor, screen.doc_id, 'cancelled'), 'Bon de commande annulé.'),
                              guard=ctx.handler).open()

        ui.button('Annuler', icon='block', on_click=confirm_cancel) \
            .props('flat color=negative data-action=cancel-order').mark('cancel-order')
    output_actions(screen)
    if order.state == 'draft':
        delete_action(screen, back=PATHS['order'], what='Bon de commande')


def delivery_actions(screen: Screen) -> None:
    ctx, note = screen.ctx, screen.document
    common_actions(screen, duplicate_to='delivery_note')
    if note.state == 'draft':
        _state_button(screen, 'delivered', 'Marquer livré', 'inventory', 'Bon de livraison marqué livré.')
    if note.state == 'delivered':
        _state_button(screen, 'draft', 'Repasser en brouillon', 'edit', 'Le bon de livraison est de nouveau un '
                      'brouillon.')

        async def invoice() -> None:
            others = await Document.filter(doc_type='delivery_note', state='delivered', client_id=note.client_id) \
                .order_by('issue_date', 'id').limit(NOTES_OFFERED)
            choices = [(other.id, f'{other.number} du {format_date(other.issue_date)} — {format_eur(other.total_ht)} HT',
                        other.id == note.id) for other in others]

            async def create(note_ids: list[int]) -> None:
                created = await deliveries.invoice_deliveries(ctx.actor, note_ids)
                ui.notify('Facture brouillon créée à partir des bons de livraison.', type='positive')
                ui.navigate.to(document_url(created))

            with screen.stable:
                NotesDialog(notes=choices, on_invoice=create, guard=ctx.handler).open()

        ui.button('Facturer', icon='receipt_long', on_click=ctx.handler(invoice)) \
            .props('unelevated data-action=invoice').mark('invoice')
    output_actions(screen)

    async def priceless() -> None:
        if screen.editable and screen.dirty and not await screen.save():
            return
        ui.download.from_url(f'/documents/{screen.doc_id}/pdf?prix=non')

    ui.button('PDF sans prix', icon='picture_as_pdf', on_click=ctx.handler(priceless)) \
        .props('flat data-action=pdf-priceless').mark('pdf-priceless')
    if note.state == 'draft':
        delete_action(screen, back=PATHS['delivery_note'], what='Bon de livraison')


ACTIONS = {'order': order_actions, 'delivery_note': delivery_actions}


def _state_button(screen: Screen, target: str, label: str, icon: str, done: str) -> None:
    ctx = screen.ctx
    move = orders.set_order_state if screen.document.doc_type == 'order' else deliveries.set_delivery_state

    async def clicked() -> None:
        if screen.editable and screen.dirty and not await screen.save():
            return
        await screen.act(lambda: move(ctx.actor, screen.doc_id, target), done)

    ui.button(label, icon=icon, on_click=ctx.handler(clicked)) \
        .props(f'outline data-action=state-{target}').mark(f'state-{target}')


async def order_extra(screen: Screen) -> None:
    """The chain, and per line what was delivered and invoiced and what is left (once confirmed)."""
    await chain_block(screen)
    if screen.document.state == 'draft':
        return
    progress = await order_progress(screen.document)
    with screen.body, ui.card().classes('app-card w-full').props('data-role=order-progress'):
        ui.label('Suivi des livraisons').classes('app-subtitle')
        rows = [{'id': line.line_id, 'designation': line.designation, 'ordered': format_decimal_fr(line.ordered),
                 'delivered': format_decimal_fr(line.delivered), 'left': format_decimal_fr(line.left_to_deliver),
                 'invoiced': format_decimal_fr(line.invoiced)} for line in progress]
        ui.table(rows=rows, row_key='id', columns=[
            {'name': 'designation', 'label': 'Désignation', 'field': 'designation', 'align': 'left'},
            {'name': 'ordered', 'label': 'Commandé', 'field': 'ordered', 'align': 'right'},
            {'name': 'delivered', 'label': 'Livré', 'field': 'delivered', 'align': 'right'},
            {'name': 'left', 'label': 'Reste à livrer', 'field': 'left', 'align': 'right'},
            {'name': 'invoiced', 'label': 'Facturé', 'field': 'invoiced', 'align': 'right'},
        ]).props('flat dense wrap-cells').classes('w-full').mark('order-progress')


for _family in FAMILIES:
    _register(_family)
