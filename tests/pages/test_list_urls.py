"""Lists carry their filters, sort and page in the address (logic/list_state.py): a bookmark or a dashboard link
reopens the list as it was, and what the user changes is written back without reloading the page."""
from urllib.parse import quote

import pytest
from nicegui.functions.navigate import History
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from components.document_list import DocumentList
from db import articles, contacts, documents
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from tests.helpers import until
from tests.pages.helpers import elements, log_in


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The addresses the pages write into the browser's address bar (history.replaceState: no reload, no new entry
    in the history)."""
    addresses: list[str] = []
    original = History.replace

    def replace(self, url: str) -> None:
        addresses.append(url)
        original(self, url)

    monkeypatch.setattr(History, 'replace', replace)
    return addresses


async def open_list(user: User, address: str) -> None:
    """Log in and land on `address` (its query string kept whole through the login's `next`)."""
    await log_in(user, next_path=quote(address, safe='/'))


def table_of(user: User, marker: str):
    return elements(user, marker)[0]


async def test_an_invoice_address_opens_the_list_filtered_sorted_and_on_its_page(user: User, admin, sent: list[str]):
    client = await business_client()
    await validated_invoice(admin, client)  # not a draft: filtered out
    for price in range(1, 13):
        await documents.create_document(admin, draft(client, line(quantity='1', price=str(price))))
    await open_list(user, '/factures?etat=draft&tri=-total_ttc&lignes=10&page=2&inconnu=1')
    await user.should_see(marker='state-filter', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    await until(lambda: [row['total_ttc'] for row in listed.table.rows] == ['2,40\xa0€', '1,20\xa0€'])
    assert listed.table.pagination == {'page': 2, 'rowsPerPage': 10, 'sortBy': 'total_ttc', 'descending': True,
                                       'rowsNumber': 12}
    assert elements(user, 'state-filter')[0].value == 'draft'
    assert elements(user, 'sort')[0].value == 'total_ttc:desc'
    assert sent == ['/factures?etat=draft&tri=-total_ttc&page=2&lignes=10']  # the unknown parameter tidied away


async def test_a_page_past_the_end_shows_the_last_one_and_says_so_in_the_address(user: User, admin, sent: list[str]):
    client = await business_client()
    for price in range(1, 4):
        await documents.create_document(admin, draft(client, line(quantity='1', price=str(price))))
    await open_list(user, '/factures?lignes=10&page=7')
    await user.should_see(marker='state-filter', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    await until(lambda: len(listed.table.rows) == 3)
    assert listed.table.pagination['page'] == 1
    await until(lambda: sent == ['/factures?lignes=10'])


async def test_values_the_list_does_not_know_open_the_plain_list(user: User, admin, sent: list[str]):
    client = await business_client()
    await documents.create_document(admin, draft(client))
    await open_list(user, '/factures?etat=supprime&type=devis&du=hier&tri=motdepasse&page=-3&lignes=9999')
    await user.should_see(marker='state-filter', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    await until(lambda: len(listed.table.rows) == 1)
    assert elements(user, 'state-filter')[0].value == ''
    assert listed.table.pagination['sortBy'] == 'date' and listed.table.pagination['page'] == 1


async def test_changing_a_filter_or_the_sort_writes_the_address_without_reloading(user: User, admin, sent: list[str]):
    quote = await documents.create_document(admin, draft(await business_client(), line(), doc_type='quote'))
    await open_list(user, '/devis')
    await user.should_see(marker='state-filter', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    await until(lambda: [row['number'] for row in listed.table.rows] == [quote.number])
    assert sent == []  # the plain list keeps its plain address
    page = user.client
    elements(user, 'state-filter')[0].value = 'sent'
    await until(lambda: sent == ['/devis?etat=sent'])
    elements(user, 'sort')[0].value = 'client:desc'
    await until(lambda: sent[-1] == '/devis?etat=sent&tri=-client')
    elements(user, 'search')[0].value = 'Boulangerie Martin'
    await until(lambda: sent[-1] == '/devis?etat=sent&q=Boulangerie%20Martin&tri=-client')
    assert user.client is page  # the same page: nothing was reloaded


async def test_the_first_links_with_english_names_still_open_the_filtered_list(user: User, admin, sent: list[str]):
    client = await business_client()
    await documents.create_document(admin, draft(client))
    await open_list(user, '/factures?state=validated')
    await user.should_see(marker='state-filter', retries=100)
    assert elements(user, 'state-filter')[0].value == 'validated'
    await until(lambda: sent == ['/factures?etat=validated'])  # written back in French


async def test_the_contact_list_reads_and_writes_its_address(user: User, admin, sent: list[str]):
    await contacts.create_contact(admin, {'name': 'Menuiserie Besson', 'city': 'Lyon'})
    await contacts.create_contact(admin, {'name': 'Holzwerk GmbH', 'kind': 'supplier', 'city': 'Berlin',
                                          'country': 'DE'})
    await contacts.create_contact(admin, {'name': 'Bois du Nord', 'kind': 'supplier', 'city': 'Lille'})
    await open_list(user, '/contacts?type=supplier&tri=-name')
    await user.should_see('2 contact(s)', retries=50)
    table = table_of(user, 'contacts')
    assert [row['name'] for row in table.rows] == ['Holzwerk GmbH', 'Bois du Nord']
    elements(user, 'status')[0].value = 'all'
    await until(lambda: sent == ['/contacts?type=supplier&statut=all&tri=-name'])
    pagination = {'page': 1, 'rowsPerPage': 25, 'sortBy': 'city', 'descending': True}  # a column title clicked
    UserInteraction(user, {table}, None).trigger('request', {'pagination': pagination})
    await until(lambda: sent[-1] == '/contacts?type=supplier&statut=all&tri=-city')
    assert [row['name'] for row in table.rows] == ['Bois du Nord', 'Holzwerk GmbH']  # Lille, then Berlin


async def test_the_article_list_opens_on_its_address(user: User, admin, sent: list[str]):
    for reference, designation in (('PAR-01', 'Parquet chêne'), ('CAR-01', 'Carrelage grès'),
                                   ('PAR-02', 'Parquet hêtre')):
        await articles.create_article(admin, {'reference': reference, 'designation': designation, 'kind': 'good',
                                              'sale_price': '10'})
    await open_list(user, '/articles?q=parquet&tri=-reference')
    await user.should_see('2 article(s)', retries=50)
    assert [row['reference'] for row in table_of(user, 'articles').rows] == ['PAR-02', 'PAR-01']
    elements(user, 'search')[0].value = ''
    await until(lambda: sent == ['/articles?tri=-reference'])


async def test_the_payment_list_opens_on_its_address(user: User, admin, sent: list[str]):
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    await open_list(user, '/reglements?etat=paid')
    await user.should_see('0 échéance(s)', retries=50)
    assert elements(user, 'state-filter')[0].value == 'paid'
    elements(user, 'state-filter')[0].value = 'open'
    await user.should_see('1 échéance(s)', retries=50)
    assert [row['number'] for row in table_of(user, 'payments').rows] == [invoice.number]
    await until(lambda: sent == ['/reglements?etat=open'])
