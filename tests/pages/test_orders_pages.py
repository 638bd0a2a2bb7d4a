"""Bons de commande and bons de livraison pages with the User fixture: option, quote -> order, partial delivery,
invoice of several notes, cancelling, the chain (OR1-OR3)."""
from decimal import Decimal

from nicegui.testing import User

from db import deliveries, documents, orders, settings
from db.document import Document, DocumentLine
from tests.db.documents_helpers import business_client, draft, line
from tests.pages.helpers import elements, log_in, shown


async def _options(admin, on: bool = True):
    await settings.save_options(admin, {'orders': on, 'delivery_notes': on})


async def test_the_pages_are_refused_politely_while_the_options_are_off(user: User, admin):
    await log_in(user, next_path='/commandes')
    await user.should_see(marker='option-off', retries=100)
    await user.should_not_see('Bientôt disponible')
    await _options(admin)
    await user.open('/livraisons')
    await user.should_see(marker='new', retries=100)
    await user.should_not_see(marker='option-off')


async def test_an_accepted_quote_is_ordered_then_delivered_in_part_from_the_order_page(user: User, admin):
    await _options(admin)
    client = await business_client()
    quote = await documents.create_document(admin, draft(client, line('Parpaings', '10', '2'), doc_type='quote'))
    await documents.set_quote_state(admin, quote.id, 'accepted')
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='order', retries=100)
    user.find(marker='order').click()
    await user.should_see(marker='state-confirmed', retries=100)
    order = await Document.get(doc_type='order')
    assert order.source_id == quote.id and shown(user, 'state') == 'Brouillon'
    user.find(marker='state-confirmed').click()
    await user.should_see(marker='deliver', retries=100)
    user.find(marker='deliver').click()
    order_line = await DocumentLine.get(document_id=order.id)
    await user.should_see(marker=f'deliver-{order_line.id}')
    user.find(marker=f'deliver-{order_line.id}').clear().type('12')
    user.find(marker='confirm-deliver').click()
    await user.should_see('10 à livrer au plus, 12 demandé', retries=100)  # refused, the dialog stays open
    assert not await Document.filter(doc_type='delivery_note').exists()
    user.find(marker=f'deliver-{order_line.id}').clear().type('4')
    user.find(marker='confirm-deliver').click()
    await user.should_see(marker='state-delivered', retries=100)  # the delivery note's page
    note = await Document.get(doc_type='delivery_note')
    assert (await DocumentLine.get(document_id=note.id)).quantity == Decimal(4)
    assert [element.text for element in elements(user, 'chain-link')][:2] == [
        f'Devis {quote.number} (accepté)', f'Bon de commande {order.number} (livrée en partie)']


async def test_two_delivered_notes_are_invoiced_together_from_one_of_them(user: User, admin):
    await _options(admin)
    client = await business_client()
    order = await documents.create_document(admin, draft(client, line('Parpaings', '10', '2'), doc_type='order'))
    await orders.set_order_state(admin, order.id, 'confirmed')
    order_line = await DocumentLine.get(document_id=order.id)
    notes = []
    for quantity in (3, 7):
        note = await orders.deliver_order(admin, order.id, {order_line.id: Decimal(quantity)})
        notes.append(await deliveries.set_delivery_state(admin, note.id, 'delivered'))
    await log_in(user, next_path=f'/livraisons/{notes[0].id}')
    await user.should_see(marker='invoice', retries=100)
    user.find(marker='invoice').click()
    await user.should_see(marker=f'note-{notes[1].id}')
    user.find(marker=f'note-{notes[1].id}').click()  # tick the other one too
    user.find(marker='confirm-invoice').click()
    await user.should_see('Facture brouillon créée à partir des bons de livraison.', retries=100)
    invoice = await Document.get(doc_type='invoice')
    assert invoice.total_ht == Decimal('20.00')
    assert (await Document.get(id=order.id)).state == 'invoiced'


async def test_cancelling_an_order_asks_first_and_hides_the_delivery(user: User, admin):
    await _options(admin)
    order = await documents.create_document(admin, draft(await business_client(), doc_type='order'))
    await orders.set_order_state(admin, order.id, 'confirmed')
    await log_in(user, next_path=f'/commandes/{order.id}')
    await user.should_see(marker='cancel-order', retries=100)
    user.find(marker='cancel-order').click()
    user.find(marker='confirm-cancel-order').click()
    await user.should_see('Bon de commande annulé.', retries=100)
    assert shown(user, 'state') == 'Annulée'
    await user.should_not_see(marker='deliver')
    await user.should_not_see(marker='invoice')
