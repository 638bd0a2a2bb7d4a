"""PA6 runs as jobs (issue 17): Alice's letters are printed or sent by a job worker, not by the web process. The PDF
for the post has one page per letter and its reminders are recorded once it is complete; the e-mails are recorded
one by one as they go out, and a client without an address is reported in the job's message; Arrêter stops between
two letters, leaving what went out recorded and nothing half done."""
import asyncio
import io
import threading
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from db import dunning, job_kinds, job_worker, jobs
from db.cli_output import in_thread
from db.job import CANCELLED, DONE, Job
from db.job_worker import Worker
from db.reminder import Reminder
from tests.db.documents_helpers import business_client, individual_client, line, validated_invoice
from tests.helpers import until
from tests.mail import Inbox, configured, running_smtp_server
from tests.personas import set_up_company


@pytest.fixture
def held_smtp():
    """An SMTP server that holds the second message until `release` is set (a run stopped midway)."""
    with running_smtp_server(HeldInbox()) as (controller, inbox):
        inbox.port = controller.port
        try:
            yield inbox
        finally:
            inbox.release.set()


class HeldInbox(Inbox):

    def __init__(self) -> None:
        super().__init__()
        self.second, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if len(self.messages) == 1:
            self.second.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


async def three_late_clients(admin, *, emails=('compta@martin.fr', '', 'camille@petit.fr')) -> list[int]:
    """Three clients 90, 80 and 70 days late (one letter each), in the order of the run (by name); their ids."""
    clients = [await business_client(email=emails[0]),
               await business_client(code='C0003', name='Menuiserie Roux SARL', email=emails[1]),
               await individual_client(email=emails[2])]
    for days, client in zip((90, 80, 70), clients, strict=True):
        await validated_invoice(admin, client, line(), issue_date=date.today() - timedelta(days=days))
    return [line.installment_id for group in await dunning.proposals() for line in group.lines]


async def test_the_postal_job_makes_one_page_per_letter_and_records_each_once(db, config):
    admin = await set_up_company()
    ids = await three_late_clients(admin)
    job = await jobs.enqueue(admin, job_kinds.DUNNING_POST, {'ids': ids}, title='Relances pour envoi postal')
    assert await Worker(config, run=in_thread).drain() == 1
    job = await Job.get(id=job.id)
    assert job.state == DONE, job.message
    name = f'relances-{date.today().isoformat()}.pdf'
    assert (job.result_name, job.message) == (name, f'3 lettre(s) prête(s) : {name}')
    pdf = PdfReader(io.BytesIO(jobs.result_file(config, job).read_bytes()))
    assert len(pdf.pages) == 3
    pages = [page.extract_text() for page in pdf.pages]
    assert 'Boulangerie Martin SAS' in pages[0] and 'Camille Petit' in pages[1] and 'Menuiserie Roux' in pages[2]
    rows = await Reminder.all().order_by('id').values_list('channel', 'level', 'sent_on', 'user_id')
    assert rows == [('post', 1, date.today(), admin.user_id)] * 3
    assert await dunning.proposals() == []
    # The same letters queued again (a second tab): nothing is due any more, nothing recorded twice.
    again = await jobs.enqueue(admin, job_kinds.DUNNING_POST, {'ids': ids}, title='Encore')
    await Worker(config, run=in_thread).drain()
    again = await Job.get(id=again.id)
    assert again.state == 'failed' and 'ne sont plus à relancer' in again.message
    assert await Reminder.all().count() == 3


async def test_the_email_job_records_the_letters_sent_and_reports_the_client_without_address(db, config,
                                                                                           smtp_server):
    controller, inbox = smtp_server
    admin = await set_up_company()
    await configured(admin, controller.port)
    ids = await three_late_clients(admin)
    job = await jobs.enqueue(admin, job_kinds.DUNNING_EMAIL, {'ids': ids}, title='Relances par e-mail')
    assert await Worker(config, run=in_thread).drain() == 1
    job = await Job.get(id=job.id)
    assert job.state == DONE
    assert job.message == '2 lettre(s) envoyée(s) sur 3.\nMenuiserie Roux SARL : pas d’adresse e-mail'
    assert job.result_file == '' and jobs.result_file(config, job) is None  # nothing to download
    assert sorted(recipients[0] for recipients, _ in inbox.messages) == ['camille@petit.fr', 'compta@martin.fr']
    assert await Reminder.filter(channel='email').count() == 2
    [left] = await dunning.proposals()  # the letter not sent is still proposed
    assert left.name == 'Menuiserie Roux SARL'


async def test_stopping_an_email_run_keeps_the_letters_sent_recorded_and_sends_no_more(db, config, held_smtp,
                                                                                     monkeypatch):
    monkeypatch.setattr(job_worker, 'REPORT_SECONDS', 0.02)  # the worker hears the stop quickly
    admin = await set_up_company()
    await configured(admin, held_smtp.port)
    ids = await three_late_clients(admin, emails=('compta@martin.fr', 'atelier@roux.fr', 'camille@petit.fr'))
    job = await jobs.enqueue(admin, job_kinds.DUNNING_EMAIL, {'ids': ids}, title='Relances par e-mail')
    stop = asyncio.Event()
    running = asyncio.create_task(Worker(config, run=in_thread, poll=0.05).run(stop))
    try:
        await until(held_smtp.second.is_set, timeout=30)  # the first letter is out, the second under way
        await jobs.cancel(admin.user_id, job.id)
        await asyncio.sleep(0.3)  # the worker's progress reports learn of it
        held_smtp.release.set()
        await until(lambda: Job.filter(id=job.id, state=CANCELLED).exists(), timeout=30)
    finally:
        stop.set()
        await running
    job = await Job.get(id=job.id)
    assert job.message == 'Arrêté : 2 lettre(s) envoyée(s) sur 3.'
    assert len(held_smtp.messages) == 2
    # The letter under way when Arrêter was clicked went out and is recorded; the third was never sent.
    assert await Reminder.filter(channel='email').count() == 2
    [left] = await dunning.proposals()
    assert left.name == 'Menuiserie Roux SARL'


async def test_stopping_a_postal_run_before_its_pdf_is_complete_records_nothing(db, config, monkeypatch):
    monkeypatch.setattr(job_worker, 'REPORT_SECONDS', 0.02)
    admin = await set_up_company()
    ids = await three_late_clients(admin)
    rendered, gate = [], asyncio.Event()

    async def held_render(function, *args):
        if rendered:  # the second letter waits until the stop is asked
            await gate.wait()
        rendered.append(1)
        return await in_thread(function, *args)

    job = await jobs.enqueue(admin, job_kinds.DUNNING_POST, {'ids': ids}, title='Relances pour envoi postal')
    stop = asyncio.Event()
    running = asyncio.create_task(Worker(config, run=held_render, poll=0.05).run(stop))
    try:
        await until(lambda: rendered, timeout=30)
        await jobs.cancel(admin.user_id, job.id)
        await asyncio.sleep(0.3)
        gate.set()
        await until(lambda: Job.filter(id=job.id, state=CANCELLED).exists(), timeout=30)
    finally:
        stop.set()
        await running
    assert (await Job.get(id=job.id)).message == 'Annulé.'
    assert await Reminder.all().count() == 0 and len(await dunning.proposals()) == 3
    assert not list((config.data_dir / 'jobs').glob('*'))


def test_a_long_list_of_errors_is_cut_to_fit_the_jobs_message():
    errors = [f'Client numéro {n} : pas d’adresse e-mail' for n in range(40)]
    message = job_kinds.letters_message('0 lettre(s) envoyée(s) sur 40.', errors)
    assert len(message) <= job_kinds.MESSAGE_CHARS
    lines = message.split('\n')
    assert lines[0] == '0 lettre(s) envoyée(s) sur 40.' and lines[1] == errors[0]
    shown = len(lines) - 2
    assert lines[-1] == f'… et {40 - shown} autre(s) non envoyée(s).'
    assert job_kinds.letters_message('1 lettre(s) envoyée(s) sur 1.', []) == '1 lettre(s) envoyée(s) sur 1.'
