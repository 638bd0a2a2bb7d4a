"""The "Situations" action of an accepted quote (IN8) and the link from a quote to its contract (pages/quotes.py).

"Situations" opens the quote's contract (5 % holdback, deposits deducted in proportion: both changeable until the
first situation) and goes to its progress screen; a quote that has its contract links to it.
"""
from nicegui import ui

from db import situations
from pages.document_page import Screen


def situation_action(screen: Screen) -> None:
    ctx, quote = screen.ctx, screen.document
    if quote.doc_type != 'quote' or quote.state != 'accepted':
        return

    async def open_contract() -> None:
        if screen.editable and screen.dirty and not await screen.save():
            return
        contract = await situations.open_contract(ctx.actor, screen.doc_id)
        ui.navigate.to(f'/situations/{contract.id}')

    ui.button('Situations', icon='construction', on_click=ctx.handler(open_contract)) \
        .props('outline data-action=situations').mark('situations')


async def contract_link(screen: Screen) -> None:
    contract = await situations.contract_of_quote(screen.doc_id)
    if contract is not None and screen.links is not None:
        with screen.links:
            ui.link(f'Marché facturé en situations ({contract.situations} émise'
                    f'{"s" if contract.situations > 1 else ""})', f'/situations/{contract.id}').mark('contract-link')
