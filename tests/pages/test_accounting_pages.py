"""Comptabilité > Exports comptables and Paramètres > Comptabilité with the User fixture: an admin exports the FEC of a
period and downloads the checked file; an empty period is refused in French; the accounts are validated and audited;
a plain user sees neither page nor file."""
from datetime import date

from nicegui.testing import User

from db.accounting import AccountingSettings, RateAccount
from db import accounting_jobs
from db.audit import AuditEntry
from db.job import Job
from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.helpers import until
from tests.pages.helpers import elements, log_in
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD


async def test_an_admin_exports_the_fec_of_the_year_as_a_job_and_downloads_the_checked_file(user: User, admin):
    invoice = await validated_invoice(admin, await business_client(), line('Pose', '2', '100', '20'))
    await log_in(user, next_path='/comptabilite')
    await user.should_see(marker='export-fec', retries=100)
    elements(user, 'preset')[0].value = 'this_year'
    assert elements(user, 'date_to')[0].value.endswith(f'/{date.today().year}')
    user.find(marker='export-fec').click()
    await user.should_see(marker='job-status', content='Fichier conforme : 1 écritures', retries=300)
    job = await Job.get(user_id=admin.user_id, kind=accounting_jobs.EXPORT_FEC)
    assert (job.state, job.result_name) == ('done', f'732829320FEC{date.today().year}1231.txt')
    response = await user.http_client.get(f'/telechargements/{job.id}/fichier')
    assert response.status_code == 200
    assert f'732829320FEC{date.today().year}1231.txt' in response.headers['content-disposition']
    text = response.content.decode('iso-8859-15')
    assert text.startswith('JournalCode\tJournalLib\tEcritureNum') and f'\t{invoice.number}\t' in text
    entry = await AuditEntry.filter(action='accounting.export_fec').first()
    assert entry is not None and entry.details['entries'] == 1

    await Job.filter(id=job.id).delete()  # one job at a time per user: the next one
    user.find(marker='export-csv').click()
    await until(lambda: Job.filter(user_id=admin.user_id, state='done').exists(), timeout=60)
    job = await Job.get(user_id=admin.user_id)
    response = await user.http_client.get(f'/telechargements/{job.id}/fichier')
    assert response.content.startswith(b'\xef\xbb\xbfJournal;Libell\xc3\xa9 journal;')


async def test_an_empty_period_is_refused_with_a_french_message_and_no_file(user: User, admin):
    await validated_invoice(admin, await business_client())
    await log_in(user, next_path='/comptabilite')
    await user.should_see(marker='export-fec', retries=100)
    elements(user, 'preset')[0].value = 'last_year'
    user.find(marker='export-fec').click()
    await until(lambda: Job.filter(user_id=admin.user_id, state='failed').exists(), timeout=60)
    job = await Job.get(user_id=admin.user_id)
    assert job.message.startswith('Échec : Aucune écriture du') and not job.result_name
    await user.should_see(marker='job-status', content='Aucune écriture du', retries=100)


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
