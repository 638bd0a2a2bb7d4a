"""The demo's orders and delivery notes (OR3): about one invoice in five comes from a delivery note, linked line by
line the way the operations link them, and nothing is billed twice."""
from collections import Counter

import pytest

from db import demo, demo_orders
from db.document import Document, DocumentLine
from db.order_links import order_progress
from tests.helpers import SECRET


async def test_the_demo_invoices_about_one_in_five_from_delivery_notes_linked_line_by_line(db):
    await demo.fill_demo(secret=SECRET, invoices=25, seed=4)
    invoices = await Document.filter(doc_type='invoice').exclude(state='draft').count()
    from_notes = await Document.filter(doc_type='invoice', source__doc_type='delivery_note').count()
    assert 0.12 <= from_notes / invoices <= 0.3
    billed = await DocumentLine.filter(document__doc_type='invoice', source_line_id__not_isnull=True) \
        .values_list('source_line_id', flat=True)
    assert billed and max(Counter(billed).values()) == 1  # no delivery-note line billed twice
    note_lines = set(await DocumentLine.filter(document__doc_type='delivery_note').values_list('id', flat=True))
    assert set(billed) <= note_lines
    for order in await Document.filter(doc_type='order', state='invoiced'):
        assert all(line.invoiced == line.ordered == line.delivered for line in await order_progress(order))
    states = Counter(await Document.filter(doc_type='order').values_list('state', flat=True))
    assert states['confirmed'] == states['part_delivered'] == 1 and states['delivered'] >= 1


@pytest.mark.parametrize('chunk', [demo_orders.CHUNK, 3])
async def test_each_demo_order_and_its_delivery_note_carry_the_content_and_totals_of_their_invoice(db, monkeypatch,
                                                                                                 chunk):
    """Also when written a few at a time (a million invoices' orders are written CHUNK at a time): numbered in date
    order in each series all the same."""
    monkeypatch.setattr(demo_orders, 'CHUNK', chunk)
    await demo.fill_demo(secret=SECRET, invoices=40, seed=7)
    for doc_type in ('order', 'delivery_note'):
        made = await Document.filter(doc_type=doc_type, state='invoiced').order_by('number') \
            .values_list('issue_date', flat=True)
        assert len(made) > 6 and made == sorted(made)
    invoices = await Document.filter(doc_type='invoice', source__doc_type='delivery_note').exclude(state='draft')
    assert invoices
    columns = ('position', 'article_id', 'designation', 'quantity', 'unit_price', 'discount_value', 'vat_rate', 'net')
    for invoice in invoices:
        note = await Document.get(id=invoice.source_id)
        order = await Document.get(id=note.source_id)
        assert order.doc_type == 'order' and order.issue_date <= note.issue_date <= invoice.issue_date
        for document in (note, order):
            assert (document.total_ht, document.total_vat, document.total_ttc, document.total_cost) == \
                   (invoice.total_ht, invoice.total_vat, invoice.total_ttc, invoice.total_cost)
        contents = [await DocumentLine.filter(document_id=document.id).order_by('position').values_list(*columns)
                    for document in (invoice, note, order)]
        assert contents[0] == contents[1] == contents[2]
        note_lines = await DocumentLine.filter(document_id=note.id).order_by('position').values_list('id', flat=True)
        order_lines = await DocumentLine.filter(document_id=order.id).order_by('position').values_list('id', flat=True)
        assert await DocumentLine.filter(document_id=note.id).order_by('position').values_list(
            'source_line_id', flat=True) == order_lines
        assert await DocumentLine.filter(document_id=invoice.id).order_by('position').values_list(
            'source_line_id', flat=True) == note_lines
