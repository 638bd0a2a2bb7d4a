"""« Téléchargements » (issue 17): the user's jobs and their files, one job at a time per user, files for their owner
only, a job stopped from the list."""
from datetime import UTC, datetime

from nicegui.testing import User

from db import job_kinds
from db.contact import Contact
from db.job import CANCELLED, RUNNING, Job
from tests.helpers import until
from tests.pages.helpers import log_in
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD


async def test_an_export_waits_in_the_downloads_for_its_owner_only(user: User, admin, clerk):
    await Contact.create(code='C001', name='Martin SARL', kind='company')
    await log_in(user, next_path='/contacts')
    await user.should_see('1 contact(s)', retries=50)
    user.find(marker='export-all').click()
    await user.should_see(marker='job-status', content='1 contact : contacts-', retries=300)
    job = await Job.get(user_id=admin.user_id)
    await user.open('/telechargements')
    await user.should_see('Export des contacts')
    await user.should_see(marker='job-line', content='1 contact : contacts-')
    own = await user.http_client.get(f'/telechargements/{job.id}/fichier')
    assert own.status_code == 200 and own.content[:2] == b'PK' and 'attachment' in own.headers['content-disposition']

    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD, next_path='/telechargements')  # another user
    await user.should_see(marker='no-downloads')
    assert (await user.http_client.get(f'/telechargements/{job.id}/fichier')).status_code == 404


async def test_a_second_job_is_refused_in_french_and_the_first_can_be_stopped_from_the_list(user: User, admin):
    # Running on a worker elsewhere, written in one step: queued first, the test's own worker could claim and finish it
    # before it was marked as taken elsewhere (seen on PostgreSQL in CI).
    now = datetime.now(UTC)
    queued = await Job.create(kind=job_kinds.EXPORT_PAYMENTS, user_id=admin.user_id, title='Export des règlements',
                              params={'filters': {}}, state=RUNNING, worker='ailleurs', created_at=now,
                              started_at=now, heartbeat_at=now, attempts=1)
    await log_in(user, next_path='/contacts')
    await user.should_see('0 contact(s)', retries=50)
    user.find(marker='export-all').click()
    await user.should_see('Un travail est déjà en cours pour vous : « Export des règlements »', retries=50)
    assert await Job.filter(user_id=admin.user_id).count() == 1

    await user.open('/telechargements')
    await user.should_see(marker='job-line', content='En cours')
    user.find(marker='cancel-job').click()
    await user.should_see('Arrêt demandé.')
    await until(lambda: Job.filter(id=queued.id, cancel_requested=True).exists())
    await Job.filter(id=queued.id).update(state=CANCELLED, message='Annulé.')  # what its worker does next
    await user.should_see(marker='job-line', content='Annulé.', retries=50)
