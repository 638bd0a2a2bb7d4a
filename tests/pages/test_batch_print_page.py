"""The files of the invoices list: the Édition groupée and the export run as jobs (issue 17) with their progress
shown, then download by themselves; the file names are French and dated."""
from datetime import date

from nicegui.testing import User

from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.helpers import until
from tests.pages.helpers import log_in


async def test_the_invoices_list_prints_the_filtered_documents_into_one_pdf_and_downloads_it(user: User, admin):
    client = await business_client()
    for n in range(2):
        await validated_invoice(admin, client, line(designation=f'Chantier {n}'))
    await log_in(user, next_path='/factures')
    await user.should_see(marker='batch', retries=100)
    user.find(marker='batch').click()
    await user.should_see(marker='start-batch', retries=50)
    user.find(marker='start-batch').click()
    # Made by a job worker (tests/pages/conftest.py: job_worker), its progress followed in the dialog.
    await user.should_see(marker='job-status', content='2 documents prêts', retries=600)
    # The download starts with that status: it may have arrived already (download.next would wait for another).
    await until(lambda: user.download.http_responses, timeout=10)
    response = user.download.http_responses[-1]
    assert response.content.startswith(b'%PDF')
    assert f'factures-{date.today().isoformat()}.pdf' in response.headers['content-disposition']
    assert user.find(marker='job-download').elements.pop().visible  # kept for a browser that blocked the download


async def test_an_empty_selection_is_refused_in_french(user: User, admin):
    await log_in(user, next_path='/factures')
    await user.should_see(marker='batch', retries=100)
    user.find(marker='batch').click()
    await user.should_see(marker='start-batch', retries=50)
    user.find(marker='start-batch').click()
    await user.should_see('Aucun document ne correspond à ces critères.', retries=50)


async def test_the_invoices_list_exports_a_dated_french_file(user: User, admin):
    await validated_invoice(admin, await business_client())
    await log_in(user, next_path='/factures')
    await user.should_see(marker='export', retries=100)
    user.find(marker='export').click()
    response = await user.download.next(timeout=30)
    assert f'factures-{date.today().isoformat()}.xlsx' in response.headers['content-disposition']
