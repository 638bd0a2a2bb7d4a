"""A search by client name lists every match (issue 17): however many clients the words designate, each list pages
through all their documents, never the first few hundred clients' only.

The lists read the matching clients first: up to MAX_CLIENTS as a literal list of ids, beyond that through a
subquery. Both paths are checked here, the limit lowered to 3 so that a handful of clients crosses it: a list that
capped the clients (or dropped the subquery) would show fewer documents than there are.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from components.document_list import ListFilters
from components.paged_table import PageRequest
from db import document_list, payment_list
from db.contact import Contact
from db.document import Document, Installment
from db.payment_list import PaymentQuery, list_installments
from pages.document_lists import list_page

FAMILIES = ('invoice', 'quote', 'order', 'delivery_note')
DUPONTS = 8  # clients whose name holds "Dupont"; 2 others don't
PER_PAGE = 3


@pytest.fixture(params=['literal list', 'subquery'])
async def clients(request, db, monkeypatch):
    """Ten clients, eight of them Duponts; with 'subquery', more matching clients than the literal list takes."""
    if request.param == 'subquery':
        monkeypatch.setattr(document_list, 'MAX_CLIENTS', 3)
        monkeypatch.setattr(payment_list, 'MAX_CLIENTS', 3)
    names = [f'Boulangerie Dupont {index}' for index in range(DUPONTS)] + ['Garage Martin', 'Atelier Petit']
    contacts = [Contact(code=f'S{index:03d}', name=name) for index, name in enumerate(names)]
    for contact in contacts:
        contact.refresh_derived()
    await Contact.bulk_create(contacts)
    return await Contact.all().order_by('id')


async def _documents(family: str, contacts: list[Contact]) -> None:
    for contact in contacts:
        await Document.create(doc_type=family, family=family, series=family, client_id=contact.id,
                              client_name=contact.name, issue_date=date(2026, 1, 1) + timedelta(days=contact.id))


@pytest.mark.parametrize('family', FAMILIES)
async def test_a_client_search_pages_through_every_matching_client(clients, family):
    await _documents(family, clients)
    seen, page, total = [], 1, None
    while True:
        rows, total = await list_page(family, ListFilters(search='dupont'), PageRequest(
            page=page, per_page=PER_PAGE, sort_by='client', descending=False))
        if not rows:
            break
        seen += [row['client'] for row in rows]
        page += 1
    assert total == DUPONTS
    assert sorted(seen) == sorted(f'Boulangerie Dupont {index}' for index in range(DUPONTS))


async def test_a_payments_search_pages_through_every_matching_client(clients):
    await _documents('invoice', clients[:1])
    document = await Document.first()
    await Installment.bulk_create([
        Installment(document_id=document.id, position=0, kind='installment', status='open',
                    due_date=date(2026, 2, 1) + timedelta(days=index), amount=Decimal('10.00'),
                    paid_amount=Decimal('0.00'), number=f'F2026-{index:05d}', client_id=contact.id,
                    client_name=contact.name)
        for index, contact in enumerate(clients)])
    seen, offset = [], 0
    while True:
        rows, total = await list_installments(PaymentQuery(search='Dupont', offset=offset, limit=PER_PAGE))
        if not rows:
            break
        seen += [row['client_name'] for row in rows]
        offset += PER_PAGE
    assert total == DUPONTS
    assert sorted(seen) == sorted(f'Boulangerie Dupont {index}' for index in range(DUPONTS))
