"""The job queue (issue 17): heavy work (batch PDFs, list exports...) queued in the database, run by job workers.

A page enqueues, a worker process (db/job_worker.py) claims, runs and reports; any web process shows the progress
and serves the result, because all of it lives in the `job` table and the data dir's `jobs/` folder:

    job = await enqueue(actor, 'export.documents', {'family': 'invoice', ...}, title='Export des factures')
    claimed = await claim('host:1234')           # in a worker: exactly one worker gets each job
    await progress(claimed.id, 10, 500)          # False once the user asked to stop
    await finish(claimed.id, name='factures-2026-12-06.xlsx', file='42-ab12.xlsx', size=1234)

Rules: one active (queued or running) job per user, a second one is refused with a French message; a worker runs
at most `slots` jobs at once, the rest wait "En attente". Claiming is one conditional UPDATE: on PostgreSQL the row
is picked with FOR UPDATE SKIP LOCKED (workers of several machines never wait on each other), on SQLite the one
writer serialises the UPDATE ... WHERE state = 'queued' and the row count says who won.

A worker that dies leaves its jobs running with a heartbeat that stops: `reap` puts such a job back in the queue
once (`MAX_ATTEMPTS`), then marks it failed with a French message, so no job is lost silently. Results are kept
`KEEP_DAYS` days, then `purge` removes the row and the file.

Job kinds are registered by the modules of KIND_MODULES (`register('export.documents', run)`), which the worker
imports: other features add their own (FEC, archives) by appending their module there.
"""
import importlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise import connections
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from db import changes
from db.actor import Actor
from db.job import ACTIVE, CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from logic.errors import DomainError

log = logging.getLogger(__name__)

KIND_MODULES: list[str] = ['db.job_kinds', 'db.accounting_jobs']
RESULTS_DIR = 'jobs'
KEEP_DAYS = 7
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 30.0   # a running job without heartbeat for this long lost its worker
MAX_ATTEMPTS = 2       # a job whose worker died is run once more, then failed
DEFAULT_SLOTS = 2      # jobs one worker process runs at once
ENQUEUE_LOCK = 0x4A6F6273  # "Jobs": the advisory lock space of `enqueue` on PostgreSQL


class JobRefused(DomainError):
    """A job that can't be queued (French message)."""


class JobCancelled(DomainError):
    """The user stopped the job: raised by JobContext.advance in the job's function. A job that leaves something
    done behind says what in `outcome` ('Arrêté : 2 lettre(s) envoyée(s) sur 5.'), the job's line instead of
    « Annulé. »."""

    def __init__(self, message: str = 'Travail annulé.', *, outcome: str = '') -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(kw_only=True, slots=True)
class Result:
    """What a job's function returns: the file it wrote (under `results_dir`) and the name the user downloads; or
    no file, only the message (the e-mails of a dunning run)."""

    file: Path | None = None
    name: str = ''
    message: str = ''


@dataclass(kw_only=True, slots=True)
class JobContext:
    """What a job's function gets: its row, the instance's config, a runner for CPU work (a process pool of the
    worker), and `advance`, which records progress (the worker writes it to the row a few times a second)."""

    job: Job
    config: object
    run: Callable[..., Awaitable]
    done: int = 0
    total: int = 0
    cancelled: bool = False
    # Set by a job whose effects are recorded (letters printed or sent): a stop asked from then on comes too late,
    # the job ends with its result rather than cancelled with its file thrown away.
    committed: bool = False
    files: list[Path] = field(default_factory=list)

    @property
    def params(self) -> dict:
        return self.job.params or {}

    @property
    def actor(self) -> Actor:
        return Actor(**self.params.get('actor', {'user_id': self.job.user_id, 'email': ''}))

    def advance(self, done: int, total: int | None = None) -> None:
        """Record progress; raises JobCancelled once the user asked to stop (a plain function: it may be called
        from a synchronous progress callback)."""
        if self.cancelled:
            raise JobCancelled('Travail annulé.')
        self.done = done
        if total is not None:
            self.total = total

    def result_path(self, suffix: str) -> Path:
        """A new file for the result, in the results folder: `ctx.result_path('.pdf')`; removed if the job fails."""
        folder = results_dir(self.config)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f'{self.job.id}-{secrets.token_hex(6)}{suffix}'
        self.files.append(path)
        return path


JobFunction = Callable[[JobContext], Awaitable[Result]]
_kinds: dict[str, JobFunction] = {}


def register(kind: str, function: JobFunction) -> JobFunction:
    """Make `kind` runnable by the workers: `async def function(ctx) -> Result`."""
    _kinds[kind] = function
    return function


def function_of(kind: str) -> JobFunction | None:
    if not _kinds:
        load_kinds()
    return _kinds.get(kind)


def load_kinds() -> None:
    for module in KIND_MODULES:
        importlib.import_module(module)


def results_dir(config) -> Path:
    return Path(config.data_dir) / RESULTS_DIR


def actor_params(actor: Actor) -> dict:
    return {'user_id': actor.user_id, 'email': actor.email, 'name': actor.name, 'role': actor.role, 'ip': actor.ip}


async def enqueue(actor: Actor, kind: str, params: dict, *, title: str, total: int = 0) -> Job:
    """Queue a job for `actor`; refuses while the user has another job queued or running."""
    if not _kinds:
        load_kinds()
    if kind not in _kinds:
        raise ValueError(f'unknown job kind {kind!r}')
    async with in_transaction() as connection:
        if _is_postgres(connection) and actor.user_id is not None:
            # Two clicks of one user on two processes at once: a lock of this user's, until the commit, serialises
            # them (SQLite's one writer does it there).
            await connection.execute_query('SELECT pg_advisory_xact_lock($1, $2)', [ENQUEUE_LOCK, actor.user_id])
        busy = await Job.filter(user_id=actor.user_id, state__in=ACTIVE).using_db(connection).first()
        if busy is not None:
            raise JobRefused(f'Un travail est déjà en cours pour vous : « {busy.title} ». Attendez qu’il se termine '
                             'ou annulez-le (menu du compte, Téléchargements).')
        job = await Job.create(kind=kind, user_id=actor.user_id, title=title[:200], total=total, created_at=_now(),
                               params={**params, 'actor': actor_params(actor)}, using_db=connection)
    changes.publish(changes.JOBS, job.id)
    return job


async def claim(worker: str) -> Job | None:
    """The oldest queued job, now running for `worker`; None when the queue is empty (or another worker won)."""
    connection = connections.get('default')
    now = _now()
    if _is_postgres(connection):
        rows = await connection.execute_query_dict(
            'UPDATE job SET state = $1, worker = $2, started_at = $3, heartbeat_at = $3, attempts = attempts + 1 '
            'WHERE id = (SELECT id FROM job WHERE state = $4 ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) '
            'RETURNING id', [RUNNING, worker, now, QUEUED])
        if not rows:
            return None
        job_id = rows[0]['id']
    else:
        while True:  # SQLite: the conditional UPDATE is the claim; another process may win the row first
            job_id = await Job.filter(state=QUEUED).order_by('id').first().values_list('id', flat=True)
            if job_id is None:
                return None
            won = await Job.filter(id=job_id, state=QUEUED).update(
                state=RUNNING, worker=worker, started_at=now, heartbeat_at=now, attempts=_attempts_plus_one())
            if won:
                break
    changes.publish(changes.JOBS, job_id)
    return await Job.get(id=job_id)


async def progress(job_id: int, done: int, total: int) -> bool:
    """Record progress (and the heartbeat) in one short UPDATE; False when the user asked to stop."""
    updated = await Job.filter(id=job_id, state=RUNNING, cancel_requested=False).update(
        done=done, total=total, heartbeat_at=_now())
    changes.publish(changes.JOBS, job_id)
    return bool(updated)


async def beat(worker: str) -> None:
    """The heartbeat of every job `worker` runs."""
    await Job.filter(worker=worker, state=RUNNING).update(heartbeat_at=_now())


async def finish(job_id: int, *, name: str, file: str, size: int, message: str = '') -> None:
    await Job.filter(id=job_id, state=RUNNING).update(state=DONE, result_name=name[:200], result_file=file,
                                                      result_size=size, message=message[:500], finished_at=_now())
    changes.publish(changes.JOBS, job_id)


async def fail(job_id: int, message: str, *, state: str = FAILED) -> None:
    await Job.filter(id=job_id, state=RUNNING).update(state=state, message=message[:500], finished_at=_now())
    changes.publish(changes.JOBS, job_id)


async def cancel(user_id: int | None, job_id: int) -> Job:
    """Stop a job of this user: a queued one at once, a running one at its next progress report."""
    job = await Job.get_or_none(id=job_id, user_id=user_id)
    if job is None:
        raise JobRefused('Ce travail n’existe pas.')
    if await Job.filter(id=job_id, state=QUEUED).update(state=CANCELLED, message='Annulé avant de commencer.',
                                                        finished_at=_now()):
        pass
    else:
        await Job.filter(id=job_id, state=RUNNING).update(cancel_requested=True)
    changes.publish(changes.JOBS, job_id)
    return await Job.get(id=job_id)


async def of_user(user_id: int | None, *, limit: int = 50) -> list[Job]:
    return await Job.filter(user_id=user_id).order_by('-created_at', '-id').limit(limit)


async def get_own(user_id: int | None, job_id: int) -> Job | None:
    """The job if it is this user's (a result is downloadable by its owner only)."""
    return await Job.get_or_none(id=job_id, user_id=user_id)


async def position(job: Job) -> int:
    """How many jobs wait before this queued one."""
    return await Job.filter(state=QUEUED, id__lt=job.id).count()


async def reap(*, stale_seconds: float = STALE_SECONDS, worker: str | None = None,
               worker_prefix: str | None = None) -> int:
    """Running jobs whose worker died (heartbeat older than `stale_seconds`, or all those of `worker`, or of the
    workers named `worker_prefix`...): queued again once, then failed. Returns how many were taken back."""
    stale = Job.filter(state=RUNNING)
    if worker:
        stale = stale.filter(worker=worker)
    elif worker_prefix:
        stale = stale.filter(worker__startswith=worker_prefix)
    else:
        stale = stale.filter(heartbeat_at__lt=_now() - timedelta(seconds=stale_seconds))
    taken = 0
    for job in await stale:
        if job.attempts < MAX_ATTEMPTS and not job.cancel_requested:
            taken += await Job.filter(id=job.id, state=RUNNING, worker=job.worker).update(
                state=QUEUED, worker='', done=0, message='Relancé : le processus qui le traitait s’est arrêté.')
        else:
            taken += await Job.filter(id=job.id, state=RUNNING, worker=job.worker).update(
                state=FAILED, finished_at=_now(),
                message='Échec : le processus qui le traitait s’est arrêté. Relancez-le.')
        changes.publish(changes.JOBS, job.id)
    return taken


async def purge(config, *, days: int = KEEP_DAYS) -> int:
    """Remove the finished jobs older than `days` and their files, and stray files of the results folder."""
    limit = _now() - timedelta(days=days)
    old = await Job.filter(state__in=(DONE, FAILED, CANCELLED), created_at__lt=limit)
    folder = results_dir(config)
    for job in old:
        if job.result_file:
            (folder / Path(job.result_file).name).unlink(missing_ok=True)
    if old:
        await Job.filter(id__in=[job.id for job in old]).delete()
    if folder.is_dir():  # files of deleted rows, or of a process killed while writing
        known = set(await Job.filter(result_file__not='').values_list('result_file', flat=True))
        for item in folder.iterdir():
            if item.name not in known and item.stat().st_mtime < limit.timestamp():
                item.unlink(missing_ok=True)
    return len(old)


def result_file(config, job: Job) -> Path | None:
    """The job's result on disk, if it is done and the file is still there."""
    if job.state != DONE or not job.result_file:
        return None
    path = results_dir(config) / Path(job.result_file).name
    return path if path.is_file() else None


def describe(job: Job) -> str:
    """The one line the progress and the downloads page show."""
    if job.state == QUEUED:
        return 'En attente d’un processus libre…'
    if job.state == RUNNING:
        if job.cancel_requested:
            return 'Arrêt demandé…'
        return f'{job.done} / {job.total}…' if job.total else 'En cours…'
    return job.message or job.state_label


def _attempts_plus_one():
    return F('attempts') + 1


def _is_postgres(connection) -> bool:
    return connection.capabilities.dialect == 'postgres'


def _now() -> datetime:
    return datetime.now(UTC)
