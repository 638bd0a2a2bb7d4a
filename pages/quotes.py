"""Devis (QU1-QU3): the list, a new quote, and one quote with the actions of its life cycle.

Brouillon -> Envoyé -> Accepté / Refusé; a refused quote is restored to draft; an accepted one is invoiced
("Facturer"), which opens the new draft invoice. Quotes can be switched off (Paramètres > Options): these pages then
say so politely instead of showing them.
"""
from nicegui import ui

from components.document_list import DocumentList, ListFilters
from components.frame import frame
from db import documents, orders
from db.document import Document
from db.document_list import VIEWS
from logic import doctypes
from logic.filenames import family_file
from logic.states import QUOTE_LABELS
from pages.batch_print import open_batch_dialog
from pages.document_chain import chain_block
from pages.document_actions import common_actions, delete_action, new_document_screen, output_actions
from pages.document_lists import export_list, follow_list, list_page, list_spec
from pages.document_page import Screen, document_title, document_url, open_screen
from pages.quote_deposits import deposits_block
from pages.security import PageContext, secured_page
from pages.situation_action import contract_link, situation_action

COLUMNS = [
    {'name': 'number', 'label': 'Numéro', 'field': 'number', 'sortable': True, 'align': 'left'},
    {'name': 'date', 'label': 'Date', 'field': 'date', 'sortable': True, 'align': 'left'},
    {'name': 'client', 'label': 'Client', 'field': 'client', 'sortable': True, 'align': 'left'},
    {'name': 'validity', 'label': 'Validité', 'field': 'validity', 'align': 'left'},
    {'name': 'total_ht', 'label': 'Total HT', 'field': 'total_ht', 'align': 'right'},
    {'name': 'total_ttc', 'label': 'Total TTC', 'field': 'total_ttc', 'sortable': True, 'align': 'right'},
    {'name': 'state', 'label': 'État', 'field': 'state', 'sortable': True, 'align': 'left'},
]
PROBABILITY = {'name': 'probability', 'label': 'Probabilité', 'field': 'probability', 'align': 'right'}
# (target state, button label, icon) offered in each state; 'invoiced' goes through "Facturer".
STATE_ACTIONS = {
    'draft': [('sent', 'Marquer envoyé', 'send'), ('accepted', 'Accepté', 'thumb_up'),
              ('refused', 'Refusé', 'thumb_down')],
    'sent': [('accepted', 'Accepté', 'thumb_up'), ('refused', 'Refusé', 'thumb_down'),
             ('draft', 'Repasser en brouillon', 'edit')],
    'refused': [('draft', 'Restaurer en brouillon', 'restore')],
}
DONE = {'sent': 'Devis marqué envoyé.', 'accepted': 'Devis accepté.', 'refused': 'Devis refusé.',
        'draft': 'Le devis est de nouveau un brouillon.'}


def quotes_off(ctx: PageContext) -> bool:
    """QU: switched off in the options? Then say so (the menu already hides the entry)."""
    if ctx.options.quotes:
        return False
    with ui.card().classes('app-card items-center'):
        ui.icon('toggle_off').classes('text-5xl text-grey-6')
        ui.label('Les devis sont désactivés.').classes('app-subtitle').mark('quotes-off')
        ui.label('Un administrateur peut les activer dans Paramètres > Options.').classes('app-muted text-center')
    return True


@secured_page('/devis', title='Devis')
async def quotes_page(ctx: PageContext):
    """The list; its address carries the filters, sort and page (e.g. /devis?etat=sent from a dashboard widget)."""
    with frame(ctx, 'Devis'):
        if quotes_off(ctx):
            return
        columns = COLUMNS + ([PROBABILITY] if ctx.options.deal_tracking else [])

        async def fetch(filters: ListFilters, request):
            return await list_page('quote', filters, request)

        async def export(filters: ListFilters) -> None:
            keys = ['number', 'date', 'client', 'validity', 'total_ht', 'total_vat', 'total_ttc', 'state'] + (
                ['probability'] if ctx.options.deal_tracking else [])
            await export_list(ctx, 'quote', filters, columns=keys, filename=family_file('quote', 'xlsx'))

        quotes = DocumentList(name='quotes', columns=columns, states=QUOTE_LABELS, types=None,
                              fetch=ctx.handler(fetch), export=ctx.handler(export),
                              batch=ctx.handler(lambda filters: open_batch_dialog(ctx, 'quote', filters)),
                              new=('Nouveau devis', '/devis/nouveau'),
                              spec=list_spec(columns, QUOTE_LABELS, None, VIEWS['quote']), views=VIEWS['quote'],
                              hint='Du plus ancien au plus récent ; cliquez un titre de colonne pour trier.')
    follow_list(ctx, quotes, family='quote')
    await quotes.reload()


@secured_page('/devis/nouveau', title='Nouveau devis')
async def new_quote_page(ctx: PageContext):
    with frame(ctx, 'Nouveau devis'):
        if quotes_off(ctx):
            return
        await new_document_screen(ctx, 'quote', intro='Le numéro et la date du jour sont attribués à '
                                  'l’enregistrement ; le client est obligatoire.')


@secured_page('/devis/{doc_id}', title='Devis')
async def quote_page(ctx: PageContext, doc_id: str):
    with frame(ctx, 'Devis'):  # the list's name; the number and state head the document below
        if quotes_off(ctx):
            return
        body = ui.column().classes('w-full gap-4')
    await open_screen(ctx, doc_id, family='quote', body=body, build_actions=quote_actions, extra=quote_extra)


def quote_actions(screen: Screen) -> None:
    ctx, quote = screen.ctx, screen.document
    common_actions(screen, duplicate_to='quote')
    for target, label, icon in STATE_ACTIONS.get(quote.state, []):
        async def move(target: str = target) -> None:
            if screen.editable and screen.dirty and not await screen.save():
                return
            await screen.act(lambda: documents.set_quote_state(ctx.actor, screen.doc_id, target), DONE[target])

        ui.button(label, icon=icon, on_click=ctx.handler(move)) \
            .props(f'outline data-action=state-{target}').mark(f'state-{target}')
    if quote.state == 'accepted' and 'invoice' in doctypes.doc_type(quote.doc_type).converts_to:
        async def invoice() -> None:
            created = await documents.invoice_quote(ctx.actor, screen.doc_id)
            ui.notify('Facture brouillon créée à partir du devis.', type='positive')
            ui.navigate.to(document_url(created))

        ui.button('Facturer', icon='receipt_long', on_click=ctx.handler(invoice)) \
            .props('unelevated data-action=invoice').mark('invoice')
    if quote.state == 'accepted' and ctx.options.orders and 'order' in doctypes.doc_type(quote.doc_type).converts_to:
        async def order() -> None:
            created = await orders.order_quote(ctx.actor, screen.doc_id)
            ui.notify(f'Bon de commande {created.number} créé à partir du devis.', type='positive')
            ui.navigate.to(document_url(created))

        ui.button('Commander', icon='shopping_cart', on_click=ctx.handler(order)) \
            .props('outline data-action=order').mark('order')
    situation_action(screen)
    output_actions(screen)
    if quote.state in ('draft', 'refused'):
        delete_action(screen, back='/devis', what='Devis')


async def quote_extra(screen: Screen) -> None:
    await quote_links(screen)
    await contract_link(screen)
    await chain_block(screen)
    await deposits_block(screen)


async def quote_links(screen: Screen) -> None:
    """The invoices made from this quote (its deposit invoices are shown with their deposits, below)."""
    derived = await Document.filter(source_id=screen.doc_id).exclude(doc_type__in=('deposit_invoice', 'order')) \
        .order_by('id')  # its order shows in the chain (pages/document_chain.py)
    if derived:
        with screen.links:
            ui.label('Facturé par :').classes('app-muted')
            for document in derived:
                ui.link(document_title(document), document_url(document)).mark('derived')
