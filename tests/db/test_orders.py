"""Orders, delivery notes and their invoices (OR1-OR3): partial deliveries, over-delivery, cancelling, no double billing."""
import asyncio
import io
from datetime import date

import pytest
from pypdf import PdfReader

from db import credit_notes, deliveries, documents, orders, publishing, settings, validation
from db.cli_output import in_thread
from db.document import Document, DocumentLine
from db.order_links import order_progress
from logic.errors import DomainError
from tests.db.documents_helpers import D, business_client, draft, individual_client, line
from tests.issuing import issuer
from tests.personas import set_up_company


async def _setup():
    admin = await set_up_company()
    await settings.save_options(admin, {'orders': True, 'delivery_notes': True})
    return admin, await business_client()


async def _confirmed_order(admin, client, *lines, **extra):
    order = await documents.create_document(admin, draft(client, *(lines or [line('Parpaings', '10', '2')]),
                                                         doc_type='order', purchase_order='PO-77', **extra))
    return await orders.set_order_state(admin, order.id, 'confirmed')


async def _order_lines(order_id: int) -> list[DocumentLine]:
    return await DocumentLine.filter(document_id=order_id, kind='item').order_by('position')


async def _delivered(admin, order_id: int, quantities: dict) -> Document:
    note = await orders.deliver_order(admin, order_id, quantities, delivery_date=date.today())
    return await deliveries.set_delivery_state(admin, note.id, 'delivered')


async def test_orders_and_delivery_notes_are_numbered_in_their_own_series_and_can_be_switched_off(db):
    admin = await set_up_company()
    client = await business_client()
    with pytest.raises(DomainError, match='Les bons de commande sont désactivés'):
        await documents.create_document(admin, draft(client, doc_type='order'))
    await settings.save_options(admin, {'orders': True, 'delivery_notes': True})
    order = await _confirmed_order(admin, client)
    note = await orders.deliver_order(admin, order.id)
    assert (order.number, note.number) == (f'BC{date.today().year}-00001', f'BL{date.today().year}-00001')
    assert note.source_id == order.id and note.purchase_order == 'PO-77' and note.state == 'draft'


async def test_three_partial_deliveries_then_one_invoice_of_all(db):
    admin, client = await _setup()
    order = await _confirmed_order(admin, client, line('Parpaings', '10', '2'), line('Ciment', '4', '9.5'))
    blocks, cement = await _order_lines(order.id)
    first = await _delivered(admin, order.id, {blocks.id: D(3)})
    assert (await Document.get(id=order.id)).state == 'part_delivered'
    second = await _delivered(admin, order.id, {blocks.id: D(3), cement.id: D(4)})
    third = await _delivered(admin, order.id, {blocks.id: D(4)})
    assert (await Document.get(id=order.id)).state == 'delivered'
    progress = await order_progress(await Document.get(id=order.id))
    assert [(p.delivered, p.left_to_deliver) for p in progress] == [(D(10), D(0)), (D(4), D(0))]

    invoice = await deliveries.invoice_deliveries(admin, [third.id, first.id, second.id])
    lines = await DocumentLine.filter(document_id=invoice.id).order_by('position')
    items = [line for line in lines if line.kind == 'item']
    assert [(line.designation, line.quantity) for line in items] == [
        ('Parpaings', D(3)), ('Parpaings', D(3)), ('Ciment', D(4)), ('Parpaings', D(4))]
    note_lines = await DocumentLine.filter(document_id__in=[first.id, second.id, third.id]).values_list('id', flat=True)
    assert {line.source_line_id for line in items} == set(note_lines)
    assert [line.designation[:29] for line in lines if line.kind == 'title'] == [
        f'Bon de livraison {note.number}' for note in (first, second, third)]
    assert invoice.total_ht == D('58.00') and invoice.purchase_order == 'PO-77'
    assert invoice.delivery_date == date.today()
    assert (await Document.get(id=order.id)).state == 'invoiced'
    assert {note.state for note in await Document.filter(doc_type='delivery_note')} == {'invoiced'}
    # The links survive the validation of the invoice, and the chain shows every step from any of them.
    await validation.validate_invoice(admin, invoice.id, issuer=issuer())
    chain = await deliveries.document_chain(second.id)
    assert [doc.doc_type for doc in chain] == ['order', 'delivery_note', 'delivery_note', 'delivery_note', 'invoice']


async def test_an_over_delivery_is_refused_with_a_clear_message_and_nothing_written(db):
    admin, client = await _setup()
    order = await _confirmed_order(admin, client)
    (blocks,) = await _order_lines(order.id)
    await orders.deliver_order(admin, order.id, {blocks.id: D(6)})
    with pytest.raises(DomainError, match='Parpaings : 4 à livrer au plus, 5 demandé'):
        await orders.deliver_order(admin, order.id, {blocks.id: D(5)})
    assert await Document.filter(doc_type='delivery_note').count() == 1
    # Raising the quantity of a draft note in the editor is checked the same way.
    note = await Document.get(doc_type='delivery_note')
    _, note_draft = await documents.load_draft(note.id)
    note_draft.lines[0].quantity = D(11)
    with pytest.raises(DomainError, match='10 à livrer au plus, 11 demandé'):
        await documents.save_draft(admin, note.id, note_draft, note.version)
    assert (await DocumentLine.get(document_id=note.id)).quantity == D(6)


async def test_an_order_cancelled_after_one_delivery_frees_the_rest_and_keeps_what_was_delivered(db):
    admin, client = await _setup()
    order = await _confirmed_order(admin, client)
    (blocks,) = await _order_lines(order.id)
    note = await _delivered(admin, order.id, {blocks.id: D(4)})
    cancelled = await orders.set_order_state(admin, order.id, 'cancelled')
    assert cancelled.state == 'cancelled'
    with pytest.raises(DomainError, match='annulé'):
        await orders.deliver_order(admin, order.id, {blocks.id: D(1)})
    with pytest.raises(DomainError, match='annulé'):
        await orders.invoice_order(admin, order.id)
    (progress,) = await order_progress(cancelled)
    assert (progress.delivered, progress.left_to_deliver, progress.left_to_invoice) == (D(4), D(0), D(4))
    invoice = await deliveries.invoice_deliveries(admin, [note.id])  # what was delivered is still billed
    assert invoice.total_ht == D('8.00')
    assert (await Document.get(id=order.id)).state == 'cancelled'


async def test_nothing_is_invoiced_twice(db):
    admin, client = await _setup()
    order = await _confirmed_order(admin, client)
    (blocks,) = await _order_lines(order.id)
    note = await _delivered(admin, order.id, {blocks.id: D(4)})
    invoice = await deliveries.invoice_deliveries(admin, [note.id])
    with pytest.raises(DomainError, match='déjà facturé'):
        await deliveries.invoice_deliveries(admin, [note.id])
    # Billing the order directly takes only what the delivery note did not.
    rest = await orders.invoice_order(admin, order.id)
    assert (await DocumentLine.get(document_id=rest.id, kind='item')).quantity == D(6)
    with pytest.raises(DomainError, match='Tout est déjà facturé'):
        await orders.invoice_order(admin, order.id)
    # Raising an invoice line's quantity in the editor is refused in French, nothing changed.
    _, invoice_draft = await documents.load_draft(invoice.id)
    next(item for item in invoice_draft.lines if item.kind == 'item').quantity = D(5)
    with pytest.raises(DomainError, match='4 à facturer au plus, 5 demandé'):
        await documents.save_draft(admin, invoice.id, invoice_draft, invoice.version)
    # A duplicated invoice bills nothing of what its original billed: its lines are not linked.
    copy = await documents.duplicate_document(admin, invoice.id)
    assert not await DocumentLine.filter(document_id=copy.id, source_line_id__not_isnull=True).exists()
    # Deleting the draft invoice frees its lines: the note can be invoiced again, the order goes back.
    await documents.delete_draft(admin, invoice.id)
    assert (await Document.get(id=note.id)).state == 'delivered'
    again = await deliveries.invoice_deliveries(admin, [note.id])
    assert again.total_ht == D('8.00')


async def test_an_invoice_takes_delivery_notes_of_one_client_only(db):
    admin, client = await _setup()
    other = await individual_client()
    first = await _delivered(admin, (await _confirmed_order(admin, client)).id, None)
    order = await _confirmed_order(admin, other)
    second = await _delivered(admin, order.id, {(await _order_lines(order.id))[0].id: D(1)})
    with pytest.raises(DomainError, match='un seul client'):
        await deliveries.invoice_deliveries(admin, [first.id, second.id])


async def test_the_chain_from_an_accepted_quote_to_its_invoice(db):
    admin, client = await _setup()
    quote = await documents.create_document(admin, draft(client, line('Parpaings', '10', '2'), doc_type='quote'))
    with pytest.raises(DomainError, match='accepté'):
        await orders.order_quote(admin, quote.id)
    await documents.set_quote_state(admin, quote.id, 'accepted')
    order = await orders.order_quote(admin, quote.id)
    assert order.source_id == quote.id and order.state == 'draft' and order.total_ht == D('20.00')
    with pytest.raises(DomainError, match='déjà son bon de commande'):
        await orders.order_quote(admin, quote.id)
    with pytest.raises(DomainError, match='bon de commande'):
        await documents.invoice_quote(admin, quote.id)
    with pytest.raises(DomainError, match='Confirmez'):
        await orders.deliver_order(admin, order.id)
    await orders.set_order_state(admin, order.id, 'confirmed')
    note = await _delivered(admin, order.id, None)
    invoice = await deliveries.invoice_deliveries(admin, [note.id])
    for member in (quote, order, note, invoice):
        assert [doc.id for doc in await deliveries.document_chain(member.id)] == [
            quote.id, order.id, note.id, invoice.id]
    with pytest.raises(DomainError, match='ne redevient pas un brouillon'):
        await orders.set_order_state(admin, order.id, 'draft')


async def test_a_delivery_note_and_an_order_also_work_alone(db):
    admin, client = await _setup()
    note = await documents.create_document(admin, draft(client, line('Palette', '2', '15'), doc_type='delivery_note'))
    assert note.number == f'BL{date.today().year}-00001' and await deliveries.document_chain(note.id) == []
    await deliveries.set_delivery_state(admin, note.id, 'delivered')
    invoice = await deliveries.invoice_deliveries(admin, [note.id])
    assert invoice.total_ht == D('30.00') and (await Document.get(id=note.id)).state == 'invoiced'
    order = await _confirmed_order(admin, client)
    billed = await orders.invoice_order(admin, order.id)  # billed without any delivery note
    assert billed.total_ht == D('20.00') and (await Document.get(id=order.id)).state == 'invoiced'


async def test_a_delivery_note_prints_with_or_without_prices_and_a_receipt_block(db, config):
    admin, client = await _setup()
    order = await _confirmed_order(admin, client, line('Parpaings', '10', '2.5'))
    note = await orders.deliver_order(admin, order.id)
    priced, _ = await publishing.document_pdf(note.id, config=config, run=in_thread)
    bare, _ = await publishing.document_pdf(note.id, config=config, run=in_thread, prices=False)
    priced_text, bare_text = _text(priced), _text(bare)
    for text in (priced_text, bare_text):
        assert 'BON DE LIVRAISON' in text.upper() and note.number in text and 'Parpaings' in text
        assert 'Bon pour réception' in text and 'Nom du réceptionnaire' in text and 'BROUILLON' not in text
    assert 'P.U. HT' in priced_text and '25,00' in priced_text
    assert 'P.U. HT' not in bare_text and '25,00' not in bare_text and 'Total' not in bare_text
    # A delivery note is not what is paid: no due date, no payment terms nor late-payment penalties.
    assert 'Échéance' not in priced_text and 'pénalité' not in priced_text
    assert f'Date de la prestation {date.today():%d/%m/%Y}' in priced_text
    assert 'IBAN' not in priced_text


def _text(pdf: bytes) -> str:
    return ' '.join(' '.join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_simultaneous_deliveries_and_invoices_never_exceed_what_is_left(db):
    """On PostgreSQL the pool's connections really race; the order's row lock makes them queue."""
    admin, client = await _setup()
    order = await _confirmed_order(admin, client)
    (blocks,) = await _order_lines(order.id)
    results = await asyncio.gather(*(orders.deliver_order(admin, order.id, {blocks.id: D(3)}) for _ in range(5)),
                                   return_exceptions=True)
    delivered = [result for result in results if isinstance(result, Document)]
    assert len(delivered) == 3 and all('à livrer au plus' in str(result) for result in results
                                       if not isinstance(result, Document))
    for note in delivered:
        await deliveries.set_delivery_state(admin, note.id, 'delivered')
    bills = await asyncio.gather(*(deliveries.invoice_deliveries(admin, [note.id for note in delivered])
                                   for _ in range(3)), return_exceptions=True)
    assert sum(isinstance(result, Document) for result in bills) == 1
    billed = await DocumentLine.filter(document__doc_type='invoice', kind='item').values_list('quantity', flat=True)
    assert sum(billed) == D(9)


async def test_a_credit_note_cancelling_the_invoice_frees_its_delivery_notes(db):
    admin, client = await _setup()
    order = await _confirmed_order(admin, client)
    note = await _delivered(admin, order.id, None)
    invoice = await deliveries.invoice_deliveries(admin, [note.id])
    await validation.validate_invoice(admin, invoice.id, issuer=issuer())
    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), reason='Erreur de client')
    assert (await Document.get(id=note.id)).state == 'delivered'
    assert (await Document.get(id=order.id)).state == 'delivered'
    again = await deliveries.invoice_deliveries(admin, [note.id])
    assert again.total_ht == D('20.00')


async def test_a_quote_with_deposits_is_not_ordered_since_its_deliveries_would_not_deduct_them(db):
    """Its balance invoice deducts the deposit invoices (DE5); an order's invoices don't yet: refused, not billed
    twice."""
    from datetime import timedelta  # noqa: PLC0415

    from db import deposits  # noqa: PLC0415
    from db.deposits import DepositSpec  # noqa: PLC0415

    admin, client = await _setup()
    quote = await documents.create_document(admin, draft(client, line('Parpaings', '10', '2'), doc_type='quote'))
    quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(percent=D(30),
                                                                      due_date=date.today() + timedelta(days=10))],
                                        quote.version)
    await documents.set_quote_state(admin, quote.id, 'accepted')
    with pytest.raises(DomainError, match='acomptes'):
        await orders.order_quote(admin, quote.id)
    assert not await Document.filter(doc_type='order').exists()


async def test_the_link_sums_start_from_the_lines_index_with_or_without_statistics(db, monkeypatch):
    """What an order has delivered and invoiced is read from the source_line_id index, then the documents by primary
    key: never from every delivery note (or invoice) by type, then their lines, which SQLite's planner chose without
    statistics (the demo's load: minutes at a million invoices). This fresh base has none."""
    from tortoise import connections  # noqa: PLC0415
    from tortoise.transactions import in_transaction  # noqa: PLC0415

    from db import order_links  # noqa: PLC0415

    admin, client = await _setup()
    order = await _confirmed_order(admin, client, *(line(name, '10', '2') for name in ('Parpaings', 'Sable', 'Ciment',
                                                                                         'Chaux', 'Briques')))
    note = await _delivered(admin, order.id, {item.id: D(4) for item in await _order_lines(order.id)})
    await deliveries.invoice_deliveries(admin, [note.id])
    connection = connections.get('default')
    statements = []
    real = type(connection).execute_query

    async def recorded(self, query, values=None):
        statements.append((query, values))
        return await real(self, query, values)

    monkeypatch.setattr(type(connection), 'execute_query', recorded)
    progress = await order_links.order_progress(await Document.get(id=order.id))
    await order_links.affected(note.id)
    monkeypatch.undo()
    assert [(line.delivered, line.invoiced) for line in progress] == [(D(4), D(4))] * 5
    linked = [(query, values) for query, values in statements if 'source_line_id' in query.split('WHERE')[-1]]
    assert linked
    for query, values in statements:
        if connection.capabilities.dialect == 'sqlite':
            plan = [row['detail'] for row in await connection.execute_query_dict(f'EXPLAIN QUERY PLAN {query}',
                                                                                  values)]
            assert not any(step.startswith('SCAN') or 'doc_type' in step for step in plan), (query, plan)
        else:
            async with in_transaction() as transaction:
                await transaction.execute_script('SET LOCAL enable_seqscan = off')
                rows = await transaction.execute_query_dict(f'EXPLAIN {query}', values)
            plan = '\n'.join(row['QUERY PLAN'] for row in rows)
            assert 'Seq Scan' not in plan, (query, plan)  # the type's index only with the documents' ids known
            assert 'doc_typ' not in plan or 'id = ' in plan, (query, plan)
