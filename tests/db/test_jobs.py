"""The job queue (issue 17): one active job per user, each job claimed once, progress, cancel, dead workers, results."""
import asyncio
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from db import job_kinds, jobs, processes
from db.actor import Actor
from db.cli_output import in_thread
from db.contact import Contact
from db.job import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job, Process
from db.job_worker import Worker
from tests.db.documents_helpers import business_client, company, line, validated_invoice
from tests.helpers import until

ALICE = Actor(user_id=1, email='alice@example.fr', name='Alice', role='admin')
BOB = Actor(user_id=2, email='bob@example.fr', name='Bob', role='user')


@pytest.fixture
def test_kinds():
    """Kinds of these tests only: one that waits for a signal, one that breaks."""
    gate = asyncio.Event()
    started: list[int] = []

    async def slow(ctx):
        started.append(ctx.job.id)
        ctx.advance(0, 10)
        for step in range(1, 11):
            await asyncio.wait_for(gate.wait(), 10)
            ctx.advance(step)
            await asyncio.sleep(0.05)
        path = ctx.result_path('.txt')
        path.write_text('fini')
        return jobs.Result(file=path, name='resultat.txt')

    async def broken(ctx):
        ctx.result_path('.txt').write_text('moitié')
        raise RuntimeError('boom')

    jobs.register('test.slow', slow)
    jobs.register('test.broken', broken)
    yield SimpleNamespace(gate=gate, started=started)
    for kind in ('test.slow', 'test.broken'):
        jobs._kinds.pop(kind, None)


async def test_it_refuses_a_second_job_of_the_same_user_while_the_first_is_active(db, test_kinds):
    first = await jobs.enqueue(ALICE, 'test.slow', {}, title='Export des factures')
    with pytest.raises(jobs.JobRefused, match='« Export des factures »'):
        await jobs.enqueue(ALICE, 'test.slow', {}, title='Un autre')
    await jobs.enqueue(BOB, 'test.slow', {}, title='Celui de Bob')  # another user is not held up
    await jobs.cancel(ALICE.user_id, first.id)
    again = await jobs.enqueue(ALICE, 'test.slow', {}, title='Maintenant oui')
    assert again.state == QUEUED and again.params['actor']['email'] == ALICE.email


async def test_each_job_is_claimed_by_exactly_one_of_many_concurrent_workers(db, test_kinds):
    for user in range(1, 21):
        await jobs.enqueue(Actor(user_id=user, email=f'u{user}@x.fr'), 'test.slow', {}, title=f'job {user}')
    claims = await asyncio.gather(*(jobs.claim(f'worker-{n % 4}') for n in range(40)))
    won = [job.id for job in claims if job is not None]
    assert len(won) == len(set(won)) == 20
    assert await Job.filter(state=RUNNING).count() == 20 and await jobs.claim('late') is None


async def test_a_worker_runs_at_most_its_slots_and_the_rest_waits(db, config, test_kinds):
    for user in (1, 2, 3):
        await jobs.enqueue(Actor(user_id=user, email=f'u{user}@x.fr'), 'test.slow', {}, title=f'job {user}')
    stop = asyncio.Event()
    worker = Worker(config, slots=2, poll=0.05)
    running = asyncio.create_task(worker.run(stop))
    try:
        await _until(lambda: len(test_kinds.started) == 2)
        await asyncio.sleep(0.3)
        assert len(test_kinds.started) == 2 and await Job.filter(state=QUEUED).count() == 1
        assert [row.kind for row in await processes.live()] == ['worker']
        test_kinds.gate.set()
        await _until(lambda: Job.filter(state=DONE).count(), equals=3, timeout=15)
    finally:
        stop.set()
        await running
    done = await Job.first()
    assert jobs.result_file(config, done).read_text() == 'fini' and done.done == done.total == 10
    assert await processes.live() == []  # the worker's row left with it


async def test_a_running_job_stops_when_its_owner_cancels_it_and_leaves_no_file(db, config, test_kinds):
    job = await jobs.enqueue(ALICE, 'test.slow', {}, title='Long')
    stop = asyncio.Event()
    running = asyncio.create_task(Worker(config, poll=0.05).run(stop))
    try:
        await _until(lambda: test_kinds.started)
        with pytest.raises(jobs.JobRefused):
            await jobs.cancel(BOB.user_id, job.id)  # not Bob's
        await jobs.cancel(ALICE.user_id, job.id)
        test_kinds.gate.set()
        await _until(lambda: Job.filter(id=job.id, state=CANCELLED).exists(), timeout=10)
    finally:
        stop.set()
        await running
    assert not list((config.data_dir / 'jobs').glob('*'))


async def test_a_queued_job_cancelled_never_runs(db, config, test_kinds):
    job = await jobs.enqueue(ALICE, 'test.slow', {}, title='Long')
    assert (await jobs.cancel(ALICE.user_id, job.id)).state == CANCELLED
    assert await Worker(config).drain() == 0


async def test_a_job_that_crashes_is_failed_with_a_french_message_and_its_file_removed(db, config, test_kinds):
    job = await jobs.enqueue(ALICE, 'test.broken', {}, title='Cassé')
    assert await Worker(config).drain() == 1
    job = await Job.get(id=job.id)
    assert job.state == FAILED and job.message.startswith('Échec inattendu')
    assert not list((config.data_dir / 'jobs').glob('*'))


async def test_the_job_of_a_dead_worker_is_queued_again_once_then_failed(db, test_kinds):
    job = await jobs.enqueue(ALICE, 'test.slow', {}, title='Orphelin')
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    for attempt in (1, 2):
        claimed = await jobs.claim(f'worker:h:{attempt}:x')
        assert claimed.id == job.id and claimed.attempts == attempt
        assert await jobs.reap() == 0  # its heartbeat is fresh
        await Job.filter(id=job.id).update(heartbeat_at=long_ago)
        assert await jobs.reap() == 1
    job = await Job.get(id=job.id)
    assert job.state == FAILED and 'processus' in job.message


async def test_the_processes_registry_ignores_and_removes_stale_rows(db):
    me = await processes.register('web', '/srv/data')
    dead = await processes.register('worker')
    await Process.filter(id=dead).update(heartbeat_at=datetime.now(UTC) - timedelta(minutes=2))
    assert [row.id for row in await processes.live()] == [me]
    assert not await Process.filter(id=dead).exists()
    await processes.unregister(me)
    assert await processes.live() == []


async def test_a_contacts_export_job_writes_the_workbook_and_old_results_are_purged(db, config):
    await company()
    await Contact.create(code='C001', name='Martin SARL', kind='company')
    job = await jobs.enqueue(ALICE, job_kinds.EXPORT_CONTACTS, {'filters': None, 'order': None, 'full': True},
                             title='Export des contacts')
    assert await Worker(config, run=in_thread).drain() == 1
    job = await Job.get(id=job.id)
    assert job.state == DONE and job.result_name.startswith('contacts-') and job.result_size > 1000
    assert jobs.result_file(config, job).read_bytes()[:2] == b'PK'
    await Job.filter(id=job.id).update(created_at=datetime.now(UTC) - timedelta(days=jobs.KEEP_DAYS + 1))
    assert await jobs.purge(config) == 1
    assert not list((config.data_dir / 'jobs').glob('*'))


async def test_a_batch_print_job_makes_one_pdf_of_the_chosen_documents(db, config):
    admin = await company()
    client = await business_client()
    invoices = [await validated_invoice(admin, client, line(designation=f'Chantier {n}')) for n in range(2)]
    job = await jobs.enqueue(ALICE, job_kinds.BATCH_PRINT, {'family': 'invoice', 'ids': [d.id for d in invoices]},
                             title='Édition groupée', total=2)
    assert await Worker(config, run=in_thread).drain() == 1
    job = await Job.get(id=job.id)
    assert job.state == DONE, job.message
    assert job.result_name.startswith('factures-') and job.message == '2 documents prêts'
    text = ''.join(page.extract_text() for page in PdfReader(io.BytesIO(jobs.result_file(config, job).read_bytes())).pages)
    assert invoices[0].number in text and invoices[1].number in text


async def _until(condition, *, equals=None, timeout: float = 6):

    async def check():
        value = condition()
        if asyncio.iscoroutine(value) or hasattr(value, '__await__'):
            value = await value
        return value == equals if equals is not None else value

    return await until(check, timeout=timeout)


async def test_a_worker_stops_its_e_invoice_checker_once_unused(db, config):
    """Originals made during a batch start the checker in the worker's process (about 225 MB): it stops after
    `workers_idle_seconds` unused, as the web process's does."""
    from logic.facturx import checker

    config.workers_idle_seconds = 1
    stop = asyncio.Event()
    running = asyncio.create_task(Worker(config, slots=1, poll=0.05).run(stop))
    try:
        await asyncio.to_thread(checker.start)
        await until(checker.running, timeout=30)
        await until(lambda: not checker.running(), timeout=15)
    finally:
        stop.set()
        await running


async def test_a_worker_started_by_the_server_exits_once_unused_but_not_while_a_job_runs(db, config, test_kinds):
    """A worker that printed or exported keeps its memory (about 260 MB at 100,000 invoices): the server's exits once
    unused for `idle_exit` seconds and is started again on demand (WorkerSupervisor)."""
    stop = asyncio.Event()
    assert await asyncio.wait_for(Worker(config, poll=0.05, idle_exit=0.2).run(stop), 10) is True
    job = await jobs.enqueue(ALICE, 'test.slow', {}, title='Long')
    running = asyncio.create_task(Worker(config, poll=0.05, idle_exit=0.2).run(stop))
    await _until(lambda: test_kinds.started == [job.id])
    await asyncio.sleep(0.5)  # longer than idle_exit: a running job keeps it
    assert not running.done()
    test_kinds.gate.set()
    assert await asyncio.wait_for(running, 10) is True
    assert (await Job.get(id=job.id)).state == DONE
    assert await asyncio.wait_for(Worker(config, poll=0.05).run(_set(asyncio.Event())), 10) is False  # stopped


def _set(event: asyncio.Event) -> asyncio.Event:
    event.set()
    return event


async def test_the_server_starts_its_worker_when_a_job_is_queued_and_again_after_an_idle_exit(db, monkeypatch):
    """A server at rest holds no worker: it is started on a job queued in this process (the changes.JOBS
    publication), or on a queued job found by looking at the queue; after exiting for being unused (IDLE_EXIT) it is
    started again the same way, never in a loop meanwhile."""
    import sys  # noqa: PLC0415

    from db import changes, job_worker  # noqa: PLC0415

    monkeypatch.setattr(job_worker, 'QUEUE_LOOK_SECONDS', 0.2)
    idle_worker = f'import time; time.sleep(1); raise SystemExit({job_worker.IDLE_EXIT})'
    supervisor = job_worker.WorkerSupervisor([sys.executable, '-c', idle_worker], idle_seconds=1)
    assert supervisor.env[job_worker.IDLE_ENV] == '1'
    await supervisor.start()
    try:
        await asyncio.sleep(1)
        assert supervisor.starts == 0  # nothing to do: no worker
        changes.publish(changes.JOBS, 1)
        await until(lambda: supervisor.starts == 1, timeout=10)
        changes.publish(changes.JOBS, 1)  # while the worker runs: it sees that job, no reason to start another
        await asyncio.sleep(2)
        assert supervisor.starts == 1  # unused: not started again
        changes.publish(changes.JOBS, 1)
        await until(lambda: supervisor.starts == 2, timeout=10)
        await asyncio.sleep(1)
        assert supervisor.starts == 2
        await Job.create(kind='test.slow', user_id=2, title='Queued elsewhere', created_at=datetime.now(UTC),
                         params={})
        await until(lambda: supervisor.starts >= 3, timeout=10)
    finally:
        await supervisor.stop()


async def test_a_server_started_with_a_job_waiting_starts_its_worker_at_once(db):
    """Queued before the start (or left running by a process that stopped): the worker starts without waiting."""
    import sys  # noqa: PLC0415

    from db import job_worker  # noqa: PLC0415

    await Job.create(kind='test.slow', user_id=2, title='Queued before', created_at=datetime.now(UTC), params={},
                     state=job_worker.RUNNING, worker='worker:gone:1:1')
    supervisor = job_worker.WorkerSupervisor([sys.executable, '-c', 'import time; time.sleep(5)'], idle_seconds=60)
    await supervisor.start()
    try:
        await until(lambda: supervisor.starts == 1, timeout=5)
    finally:
        await supervisor.stop()
