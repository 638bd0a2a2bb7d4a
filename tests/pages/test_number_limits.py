"""Figures beyond what an invoice can hold, and addresses of records that cannot exist (issue 18): a French
message, a 404 page, never a crash or a traceback."""
import pytest
from nicegui.testing import User

from db import documents
from db.document import Document
from tests.db.documents_helpers import business_client, draft, line
from tests.pages.helpers import edit, lines_of, log_in, shown

HUGE = '99 999 999 999'


async def test_a_line_whose_total_no_column_can_hold_is_refused_in_french_and_saving_says_why(user: User, admin):
    invoice = await documents.create_document(admin, draft(await business_client(), line(quantity='1', price='10')))
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='save', retries=100)
    edit(user, 1, 'quantity', HUGE)
    edit(user, 1, 'unit_price', HUGE)
    row = lines_of(user).row(1)
    assert row.errors == {'unit_price': 'le total de la ligne dépasse 1 000 milliards d’euros'}
    assert (row.line.quantity, row.line.unit_price) == (99_999_999_999, 10)  # the last price that fitted
    user.find(marker='save').click()
    await user.should_see(marker='problem', content='Prix unitaire HT : le total de la ligne dépasse 1 000 '
                                                    'milliards d’euros')
    assert (await Document.get(id=invoice.id)).total_ht == 10
    edit(user, 1, 'quantity', '2')  # the price waiting with its error now fits: it is read again
    assert lines_of(user).row(1).errors == {}
    assert shown(user, 'total-ht') == '199\u202f999\u202f999\u202f998,00\xa0€'


async def test_lines_that_fit_one_by_one_but_not_together_are_refused_in_the_totals(user: User, admin):
    lines = [line(quantity='1', price='600000000000'), line(quantity='1', price='10')]
    invoice = await documents.create_document(admin, draft(await business_client(), *lines))
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='save', retries=100)
    edit(user, 2, 'unit_price', '500 000 000 000')
    await user.should_see('Total du document : le montant dépasse 1 000 milliards d’euros')
    user.find(marker='save').click()
    await user.should_see(marker='problem', content='Total du document : le montant dépasse 1 000 milliards d’euros')


@pytest.mark.parametrize('path', ['/factures/{}', '/devis/{}', '/contacts/{}', '/articles/{}'])
@pytest.mark.parametrize('record_id', ['99999999999999999999', '-1', '0'])
async def test_an_address_of_a_record_that_cannot_exist_is_a_not_found_page(user: User, admin, path, record_id):
    await log_in(user)
    await user.should_see('Accueil', retries=100)
    response = await user.http_client.get(path.format(record_id))
    assert response.status_code == 404
    assert 'existe pas' in response.text  # « Ce document n’existe pas ou a été supprimé. »
    assert 'Traceback' not in response.text


@pytest.mark.parametrize('path', ['/contacts/abc', '/articles/1e3'])
async def test_a_contact_or_article_address_that_is_not_a_number_is_a_not_found_page(user: User, admin, path):
    await log_in(user)
    await user.should_see('Accueil', retries=100)
    response = await user.http_client.get(path)
    assert response.status_code == 404 and 'existe pas' in response.text
