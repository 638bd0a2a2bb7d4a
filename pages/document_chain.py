"""The chain quote -> order -> delivery notes -> invoices a document belongs to (OR3), shown on each of them."""
from nicegui import ui

from db.deliveries import document_chain
from logic.states import state_label
from pages.document_page import Screen, document_title, document_url


async def chain_block(screen: Screen) -> None:
    """One line of links under the document's head, the document itself in bold; nothing when it stands alone."""
    chain = await document_chain(screen.doc_id)
    if not chain:
        return
    with screen.links, ui.element('div').classes('app-chain').props('data-role=chain'):
        ui.label('Chaîne :').classes('app-muted')
        for position, document in enumerate(chain):
            if position:
                ui.icon('chevron_right').classes('text-grey-6')
            text = f'{document_title(document)} ({state_label(document.doc_type, document.state).lower()})'
            if document.id == screen.doc_id:
                ui.label(text).classes('font-bold').mark('chain-self')
            else:
                ui.link(text, document_url(document)).mark('chain-link')
