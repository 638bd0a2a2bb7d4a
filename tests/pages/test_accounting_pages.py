"""Comptabilité > Exports comptables and Paramètres > Comptabilité with the User fixture: an admin exports the FEC of a
period and downloads the checked file; an empty period is refused in French; the accounts are validated and audited;
a plain user sees neither page nor file."""
from datetime import date

from nicegui.testing import User

from db.accounting import AccountingSettings, RateAccount
from db.audit import AuditEntry
from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.helpers import until
from tests.pages.helpers import elements, log_in, shown
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD

TODAY = date.today()


async def download_after(user: User, count: int):
    """The download that follows the first `count` ones (it may be over before the test looks: no `next()`)."""
    responses = user.download.http_responses
    await until(lambda: len(responses) > count, timeout=30)
    return responses[count]


async def test_an_admin_exports_the_fec_of_the_year_and_downloads_the_checked_file(user: User, admin):
    invoice = await validated_invoice(admin, await business_client(), line('Pose', '2', '100', '20'))
    await log_in(user, next_path='/comptabilite')
    await user.should_see(marker='export-fec', retries=100)
    elements(user, 'preset')[0].value = 'this_year'
    assert elements(user, 'date_to')[0].value.endswith(f'/{TODAY.year}')
    user.find(marker='export-fec').click()
    await user.should_see(marker='accepted', retries=300)
    response = await download_after(user, 0)
    assert shown(user, 'accepted').startswith('Fichier conforme : 1 écritures')
    assert response.status_code == 200
    assert f'filename="732829320FEC{TODAY.year}1231.txt"' in response.headers['content-disposition']
    text = response.content.decode('iso-8859-15')
    assert text.startswith('JournalCode\tJournalLib\tEcritureNum') and f'\t{invoice.number}\t' in text
    entry = await AuditEntry.filter(action='accounting.export_fec').first()
    assert entry is not None and entry.details['entries'] == 1

    user.find(marker='export-csv').click()
    response = await download_after(user, 1)
    assert response.content.startswith(b'\xef\xbb\xbfJournal;Libell\xc3\xa9 journal;')


async def test_an_empty_period_is_refused_with_a_french_message_and_no_file(user: User, admin):
    await validated_invoice(admin, await business_client())
    await log_in(user, next_path='/comptabilite')
    await user.should_see(marker='export-fec', retries=100)
    elements(user, 'preset')[0].value = 'last_year'
    user.find(marker='export-fec').click()
    await user.should_see(marker='refused', retries=300)
    assert shown(user, 'refused').startswith('Aucune écriture du')
    assert not user.download.http_responses


async def test_the_accounts_are_checked_saved_and_audited(user: User, admin):
    await log_in(user, next_path='/parametres/comptabilite')
    await user.should_see(marker='save', retries=100)
    elements(user, 'client_account')[0].value = '401000'
    user.find(marker='save').click()
    await user.should_see('un compte commençant par 411 est attendu', retries=50)
    assert (await AccountingSettings.get(id=1)).client_account == '411000'
    elements(user, 'client_account')[0].value = '411100'
    elements(user, 'vat-1')[0].value = '4457120'
    elements(user, 'sales_journal')[0].value = 'vt'
    user.find(marker='save').click()
    await user.should_see('Comptes enregistrés.', retries=50)
    saved = await AccountingSettings.get(id=1)
    assert (saved.client_account, saved.sales_journal) == ('411100', 'VT')
    assert (await RateAccount.get(rate='20.00')).vat_account == '4457120'
    entry = await AuditEntry.filter(action='settings.accounting').first()
    assert entry.details['client_account'] == ['411000', '411100'] and 'rates' in entry.details


async def test_a_plain_user_sees_neither_the_exports_nor_the_accounts(user: User, clerk):
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD, next_path='/comptabilite')
    await user.should_see('Cette page est réservée aux administrateurs.', retries=100)
    await user.should_not_see(marker='export-fec')
    await user.open('/parametres/comptabilite')
    await user.should_see('Cette page est réservée aux administrateurs.', retries=100)
    response = await user.http_client.get('/comptabilite/exports/0123456789ab-732829320FEC20261231.txt')
    assert response.status_code == 404
