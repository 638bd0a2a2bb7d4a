"""Prélèvements (PA5) with the User fixture: a mandate added on the contact's page, the due installments and the
client without a mandate, the file built and downloaded, then confirmed, and a debit rejected."""
from datetime import date, timedelta

from nicegui.testing import User

import pages.sepa as sepa_page
from db.company import Company
from db.document import Document, Installment
from db.mandate import CollectionItem, Mandate
from tests.db.documents_helpers import business_client, individual_client
from tests.db.test_sepa import ICS, debit_invoice, transactions
from tests.helpers import until
from tests.pages.helpers import elements, log_in, shown


async def counted(query, expected: int) -> bool:
    return await query.count() == expected


async def test_a_mandate_then_a_collection_downloaded_confirmed_and_a_debit_rejected(user: User, admin, monkeypatch):
    monkeypatch.setattr(sepa_page, 'SHOWN_ROWS', 1)  # the dialog shows the first rows, the file holds them all
    await Company.all().update(ics=ICS)
    client, other = await business_client(iban='FR7630006000011234567890189'), await individual_client()
    invoice = await debit_invoice(admin, client)
    await debit_invoice(admin, other)
    await log_in(user, next_path=f'/contacts/{client.id}')
    await user.should_see(marker='add-mandate', retries=50)
    user.find(marker='add-mandate').click()
    await user.should_see(marker='save-mandate', retries=50)
    user.find(marker='reference').type('RUM-BM-0001')
    user.find(marker='save-mandate').click()
    await until(lambda: Mandate.filter(contact_id=client.id, iban='FR7630006000011234567890189').exists())
    await until(lambda: [row['reference'] for row in elements(user, 'mandate-table')[0].rows] == ['RUM-BM-0001'])

    await user.open('/reglements/prelevements')
    user.find(marker='new-collection').click()
    await user.should_see(marker='due-summary', retries=50)
    today = date.today()
    elements(user, 'due_by')[0].value = (today + timedelta(days=60)).strftime('%d/%m/%Y')
    await until(lambda: shown(user, 'due-summary').startswith('2 '))
    assert shown(user, 'due-summary') == ('2 échéance(s) à prélever : 240,00\xa0€ (les 1 premières affichées, toutes '
                                          'seront prélevées)')
    assert [row['sequence'] for row in elements(user, 'due-table')[0].rows] == ['FRST (Premier)']
    await user.should_see('Camille Petit')  # the other client has no mandate: listed, not debited
    user.find(marker='build-collection').click()
    response = await user.download.next(timeout=30)
    assert [row[0] for row in transactions(response.content.decode(), '008')] == ['FRST', 'FRST']
    await until(lambda: counted(Installment.filter(document_id=invoice.id, status='debited'), 2))
    await until(lambda: len(elements(user, 'collections')[0].rows) == 1)

    collection_id = elements(user, 'collections')[0].rows[0]['id']
    user.find(marker='collections').trigger('rowClick', [{}, {'id': collection_id}])
    await user.should_see(marker='collection-items', retries=50)
    first = (await CollectionItem.filter(collection_id=collection_id).order_by('id').first())
    user.find(marker='collection-items').trigger('reject', {'id': first.id, 'number': first.number})
    await user.should_see(marker='reason', retries=50)
    elements(user, 'reason')[0].value = 'AM04'
    user.find(marker='confirm-reject').click()
    await until(lambda: Installment.filter(id=first.installment_id, status='open').exists())

    user.find(marker='collections').trigger('rowClick', [{}, {'id': collection_id}])
    await user.should_see(marker='confirm-collection', retries=50)
    elements(user, 'paid_on')[0].value = today.strftime('%d/%m/%Y')
    user.find(marker='confirm-collection').click()
    await until(lambda: counted(Installment.filter(document_id=invoice.id, status='paid'), 1))
    assert (await Document.get(id=invoice.id)).state == 'validated'  # the rejected installment is due again
    await user.open('/reglements/prelevements')  # the list, opened afresh, shows the collection
    await until(lambda: [row['state'] for row in elements(user, 'collections')[0].rows] == ['Traité'])
