"""Comptabilité > Clôtures and Archives with the User fixture (issue 13): an admin closes last month after its
preview, gets its report; a plain user is refused both pages and the report."""
from datetime import date

from nicegui.testing import User

from db import closings, settings
from db.closing import Closing
from tests.db.documents_helpers import business_client, validated_invoice
from tests.helpers import SECRET, last_day_of_last_month, until
from tests.pages.helpers import log_in
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD


async def test_an_admin_closes_last_month_after_its_preview_and_gets_its_report(user: User, admin):
    last_day = last_day_of_last_month()
    await settings.save_options(admin, {'fiscal_year_start': last_day.month})
    invoice = await validated_invoice(admin, await business_client(), issue_date=last_day)
    await log_in(user, next_path='/comptabilite/clotures')
    await user.should_see(marker='due-periods', retries=100)
    user.find(marker=f'close-month-{last_day:%Y-%m}').click()
    await user.should_see(marker='closing-preview', retries=50)
    await user.should_see('1 document(s) : HT 200,00\xa0€, TVA 40,00\xa0€, TTC 240,00\xa0€')
    user.find(marker='confirm-close').click()
    await until(lambda: Closing.exists())
    closing = await Closing.get()
    assert closing.payload['totals']['series']['invoice']['last'] == invoice.number
    await user.should_see(marker='nothing-due', retries=50)
    response = await user.http_client.get(f'/comptabilite/clotures/{closing.id}/rapport.pdf')
    assert response.status_code == 200 and response.content.startswith(b'%PDF-')


async def test_a_plain_user_is_refused_the_closings_the_archives_and_the_reports(user: User, admin, clerk):
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD)
    await user.should_see('Bonjour', retries=100)
    for path in ('/comptabilite/clotures', '/comptabilite/archives'):
        await user.open(path)
        await user.should_see('Cette page est réservée aux administrateurs.')
    assert (await user.http_client.get('/comptabilite/clotures/1/rapport.pdf')).status_code == 404
    assert (await user.http_client.get('/comptabilite/archives/fichier/exercice-2026-20261201T000000Z.tar')
            ).status_code == 404


async def test_the_archives_page_asks_for_a_closed_year_first(user: User, admin):
    await log_in(user, next_path='/comptabilite/archives')
    await user.should_see(marker='no-closed-year', retries=100)


async def test_a_closed_year_is_archived_by_a_job_listed_downloaded_and_verified(user: User, admin):
    from db.job import Job  # noqa: PLC0415
    from logic.archive import verify_archive  # noqa: PLC0415
    from pages.archives import archives_dir  # noqa: PLC0415

    await settings.save_options(admin, {'fiscal_year_start': date.today().month})  # a fiscal year ended last month
    await validated_invoice(admin, await business_client(), issue_date=last_day_of_last_month())
    await closings.close_due(admin, secret=SECRET)
    await log_in(user, next_path='/comptabilite/archives')
    await user.should_see(marker='build-archive', retries=100)
    user.find(marker='build-archive').click()
    await until(lambda: Job.filter(user_id=admin.user_id, state='done').exists(), timeout=120)
    job = await Job.get(user_id=admin.user_id)
    [kept] = list(archives_dir().glob('exercice-*.tar'))
    assert job.result_name == kept.name and verify_archive(kept).ok
    await user.open('/comptabilite/archives')
    await user.should_see(kept.name, retries=50)
    response = await user.http_client.get(f'/comptabilite/archives/fichier/{kept.name}')
    assert response.status_code == 200 and response.content == kept.read_bytes()
