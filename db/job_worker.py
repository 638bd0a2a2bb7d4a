"""The job worker (issue 17): a process of its own that claims queued jobs and runs them, away from the web process.

`python main.py worker` runs one (a deployment may run several, on several machines sharing one PostgreSQL); the
web server of a one-command install starts one itself (main.py: WorkerSupervisor). The worker runs at a lower CPU
priority (os.nice), holds its own database connection, runs up to `slots` jobs at once and hands their CPU steps
(WeasyPrint, the XLSX writer) to a small pool of processes of its own, started on first use and stopped when idle.
Every HEARTBEAT_SECONDS it writes its own heartbeat (db/processes.py) and its jobs' (progress included), takes back
the jobs of workers that died (db.jobs.reap) and, hourly, removes old results (db.jobs.purge).

A worker the web server started exits once unused for `workers_idle_seconds` (IDLE_EXIT): a process that printed
500 invoices or exported 100,000 rows kept about 260 MB however much it gave back, and a server at rest must stay
under 250 MB (issue 21). The server starts it again when a job is queued (WorkerSupervisor). A worker started apart
(`python main.py worker`, docs/deploy.md) runs until stopped.

    worker = Worker(config)
    await worker.run(stop_event)     # until stop_event is set; its running jobs go back to the queue
    await worker.drain()             # tests: run what is queued, then return
"""
import asyncio
import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import socket
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from db import jobs, processes
from db.job import CANCELLED, QUEUED, RUNNING, Job
from logic.errors import DomainError

log = logging.getLogger(__name__)

NICENESS = 10
POLL_SECONDS = 0.5
REPORT_SECONDS = 1.0   # progress written to the job's row (a short UPDATE: SQLite has one writer for everybody)
PURGE_SECONDS = 3600
# Set by WorkerSupervisor: the web server that started this worker. A worker whose server died (kill -9) stops.
PARENT_ENV = 'FACTURIER_WORKER_PARENT'
# Set by WorkerSupervisor: the seconds unused after which this worker exits with IDLE_EXIT, to be started again on
# demand.
IDLE_ENV = 'FACTURIER_WORKER_IDLE_EXIT'
IDLE_EXIT = 75
# While its worker is stopped for being unused, the server also looks for queued jobs this often (a job queued by
# another process on SQLite, which publishes no change here).
QUEUE_LOOK_SECONDS = 5.0


class Worker:

    def __init__(self, config, *, slots: int = jobs.DEFAULT_SLOTS, run=None, poll: float = POLL_SECONDS,
                 idle_exit: float | None = None) -> None:
        self.config = config
        self.idle_exit = idle_exit  # seconds unused after which `run` returns (None: until stopped)
        self.slots = max(1, slots)
        self.poll = poll
        self.name = processes.process_id('worker')
        self._run = run  # a runner for CPU steps; default: the worker's own pool (see `run_cpu`)
        self._pool: ProcessPoolExecutor | None = None
        self._pool_used = 0.0
        self._running: dict[int, asyncio.Task] = {}
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> bool:
        """Claim and run jobs until `stop` is set (then the running jobs are stopped and queued again), or until
        unused for `idle_exit` seconds; returns whether it stopped for being unused."""
        from logic.facturx import checker  # noqa: PLC0415

        jobs.load_kinds()
        await processes.register('worker', self.config.data_dir, process=self.name)
        upkeep = asyncio.create_task(self._upkeep(stop), name='job worker upkeep')
        # The e-invoice checker this worker starts (originals made during a batch) stops once unused, as the web
        # process's does (pages/idle_workers.py): about 225 MB kept for nothing otherwise (bench: "at rest again").
        end_watch = checker.stop_when_idle(self.config.workers_idle_seconds)
        busy_at = time.monotonic()
        try:
            while not stop.is_set():
                await self._claim_while_free()
                if self._running:
                    busy_at = time.monotonic()
                elif self.idle_exit is not None and time.monotonic() - busy_at >= self.idle_exit:
                    log.info('job worker unused for %.0f s: exiting until the next job', self.idle_exit)
                    return True
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._first(stop.wait(), self._wake.wait()), self.poll)
        finally:
            end_watch()
            upkeep.cancel()
            for task in list(self._running.values()):
                task.cancel()
            await asyncio.gather(*self._running.values(), return_exceptions=True)
            await jobs.reap(worker=self.name)  # a stopped worker's jobs go back to the queue for another one
            await processes.unregister(self.name)
            self._shutdown_pool()
        return False

    async def drain(self) -> int:
        """Run queued jobs one after the other until none is left; returns how many ran (tests, scripts)."""
        jobs.load_kinds()
        count = 0
        while (job := await jobs.claim(self.name)) is not None:
            await self.run_job(job)
            count += 1
        return count

    async def run_job(self, job: Job) -> None:
        function = jobs.function_of(job.kind)
        ctx = jobs.JobContext(job=job, config=self.config, run=self._run or self.run_cpu, total=job.total)
        reporter = asyncio.create_task(self._report(ctx), name=f'job {job.id} progress')
        try:
            if function is None:
                raise DomainError(f'Travail inconnu de ce processus : {job.kind}.')
            result = await function(ctx)
            await self._flush(ctx)
            if ctx.cancelled and not ctx.committed:  # stopped while its last step ran: the user asked for no file
                raise jobs.JobCancelled('Travail annulé.')
            if result.file is None:  # a job that made no file (e-mails sent): its message is the result
                await jobs.finish(job.id, name='', file='', size=0, message=result.message or 'Terminé.')
            else:
                await jobs.finish(job.id, name=result.name, file=result.file.name, size=result.file.stat().st_size,
                                  message=result.message or f'Prêt : {result.name}')
            return
        except jobs.JobCancelled as exc:
            await jobs.fail(job.id, exc.outcome or 'Annulé.', state=CANCELLED)
        except asyncio.CancelledError:  # the worker stops: `run` queues the job again
            self._discard(ctx)
            raise
        except DomainError as exc:
            await jobs.fail(job.id, f'Échec : {exc}')
        except Exception:
            log.exception('job %s (%s) failed', job.id, job.kind)
            await jobs.fail(job.id, 'Échec inattendu : l’incident est consigné dans le journal du serveur.')
        finally:
            reporter.cancel()
            give_memory_back()
        self._discard(ctx)

    async def run_cpu(self, function, *args):
        """Run `function(*args)` in the worker's pool of low-priority processes."""
        if self._pool is None:
            # Spawned, not forked: a fork would copy the event loop and the database connection.
            self._pool = ProcessPoolExecutor(max_workers=self.slots, mp_context=multiprocessing.get_context('spawn'))
        self._pool_used = time.monotonic()
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)
        except BrokenProcessPool:  # a render process died (out of memory...): this job fails, the next gets a new pool
            self._shutdown_pool()
            raise
        finally:
            self._pool_used = time.monotonic()

    async def _claim_while_free(self) -> None:
        while len(self._running) < self.slots:
            job = await jobs.claim(self.name)
            if job is None:
                return
            task = asyncio.create_task(self.run_job(job), name=f'job {job.id}')
            self._running[job.id] = task
            task.add_done_callback(lambda _, job_id=job.id: self._ended(job_id))

    def _ended(self, job_id: int) -> None:
        self._running.pop(job_id, None)
        self._wake.set()

    async def _report(self, ctx: jobs.JobContext) -> None:
        """Write the job's progress a few times a second; learn there that the user asked to stop."""
        while True:
            await asyncio.sleep(REPORT_SECONDS)
            await self._flush(ctx)

    async def _flush(self, ctx: jobs.JobContext) -> None:
        if not await jobs.progress(ctx.job.id, ctx.done, ctx.total):
            current = await Job.get_or_none(id=ctx.job.id)
            if current is not None and current.cancel_requested:
                ctx.cancelled = True

    async def _upkeep(self, stop: asyncio.Event) -> None:
        purged = 0.0
        parent = os.environ.get(PARENT_ENV)
        while not stop.is_set():
            if parent and str(os.getppid()) != parent:
                log.warning('the web server that started this job worker is gone: stopping')
                stop.set()
                return
            try:
                await processes.beat(self.name)
                await jobs.beat(self.name)
                await jobs.reap()
                if time.monotonic() - purged > PURGE_SECONDS:
                    purged = time.monotonic()
                    await jobs.purge(self.config)
                if self._pool is not None and not self._running and \
                        time.monotonic() - self._pool_used > self.config.workers_idle_seconds:
                    self._shutdown_pool()  # about 120 MB a process: not kept while nobody prints
            except Exception:  # noqa: BLE001 - the worker must outlive a database hiccup
                log.exception('job worker upkeep failed')
            await asyncio.sleep(jobs.HEARTBEAT_SECONDS)

    def _discard(self, ctx: jobs.JobContext) -> None:
        for path in ctx.files:
            path.unlink(missing_ok=True)
            path.with_suffix('.part').unlink(missing_ok=True)

    def _shutdown_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @staticmethod
    async def _first(*awaitables) -> None:
        tasks = [asyncio.ensure_future(item) for item in awaitables]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()


def give_memory_back() -> None:
    """After a job (and in the web process once the last page has left, pages/idle_workers.py), hand the freed
    memory back to the system: an export of 100,000 rows left the worker at about 250 MB of freed but kept heap
    (measured by bench/scenario.py, "server at rest again")."""
    gc.collect()
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the next job instead
        pass


def lower_priority() -> None:
    """A worker yields the CPU to the web processes: on a small machine a batch must never slow the clicks.

    Every thread of the process, not only the caller: on Linux a niceness belongs to a thread, and a thread made
    before this call (the event loop's executor, the database's) kept the web's priority, and so did the processes
    it started (the e-invoice checker ran at the web's priority during a batch). Threads and processes made later
    inherit it from their maker."""
    try:
        tasks = [int(name) for name in os.listdir('/proc/self/task')]
    except OSError:  # no /proc: the calling thread only
        tasks = [0]
    for task in tasks:
        try:
            os.setpriority(os.PRIO_PROCESS, task, min(os.getpriority(os.PRIO_PROCESS, task) + NICENESS, 19))
        except OSError:  # not allowed here, or the thread just ended: run at normal priority
            pass


class WorkerSupervisor:
    """The job workers of a one-command install, started by the web server: each one a `python main.py worker`
    subprocess, started again if it dies (its jobs are queued again at once, not after the heartbeat timeout), and
    stopped with the server. With `idle_seconds`, a worker exits once unused that long and is started again when a
    job is queued (a publication of changes.JOBS in this process, or a queued job seen every QUEUE_LOOK_SECONDS);
    it is first started the same way, when wanted (at once if a job is queued or left running by a process that
    stopped: a server at rest holds no worker, about 110 MB saved until someone prints or exports).

        supervisor = WorkerSupervisor([sys.executable, 'main.py', 'worker'], count=1, idle_seconds=300)
        await supervisor.start() ... await supervisor.stop()
    """

    RESTART_SECONDS = (1, 2, 5, 10, 30)

    def __init__(self, command: list[str], count: int = 1, *, env: dict | None = None,
                 idle_seconds: float | None = None) -> None:
        self.command, self.count, self.on_demand = command, count, idle_seconds is not None
        self.env = {key: value for key, value in (env or os.environ).items() if key != 'PYTEST_CURRENT_TEST'}
        if idle_seconds is not None:
            self.env[IDLE_ENV] = str(idle_seconds)
        self.processes: dict[int, asyncio.subprocess.Process] = {}
        self.starts = 0  # how many worker processes were started (tests)
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self._wanted = asyncio.Event()  # set by each job publication (changes.JOBS) in this process
        self._unsubscribe = None

    async def start(self) -> None:
        from db import changes  # noqa: PLC0415

        self.env[PARENT_ENV] = str(os.getpid())
        self._unsubscribe = changes.subscribe(changes.JOBS, lambda _job_id: self._wanted.set())
        self._tasks = [asyncio.create_task(self._keep(index), name=f'job worker {index}')
                       for index in range(self.count)]

    async def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self._wanted.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        for process in self.processes.values():
            if process.returncode is None:
                process.terminate()  # the worker queues its running jobs again, then exits
        for process in self.processes.values():
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        for task in self._tasks:
            task.cancel()

    async def _keep(self, index: int) -> None:
        failures = 0
        if self.on_demand and not await self._work_waiting():
            await self._until_wanted()
        while not self._stopping:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(*self.command, env=self.env,
                                                           stdin=asyncio.subprocess.DEVNULL)
            self.processes[index] = process
            self.starts += 1
            code = await process.wait()
            if self._stopping:
                return
            if code == IDLE_EXIT:
                failures = 0
                await self._until_wanted()
                continue
            log.warning('job worker (pid %s) exited with status %s: starting another one', process.pid, code)
            try:
                await jobs.reap(worker_prefix=f'worker:{socket.gethostname()[:60]}:{process.pid}:')
            except Exception:  # noqa: BLE001 - the heartbeat timeout takes them back anyway
                log.exception('could not take back the jobs of a dead worker')
            failures = 0 if time.monotonic() - started > 60 else failures + 1
            await asyncio.sleep(self.RESTART_SECONDS[min(failures, len(self.RESTART_SECONDS) - 1)])

    @staticmethod
    async def _work_waiting() -> bool:
        """A job queued, or one marked running (by a worker of a process that stopped, to take back, or of another
        app process on PostgreSQL: starting one here then costs only its idle time)."""
        try:
            return await Job.filter(state__in=(QUEUED, RUNNING)).exists()
        except Exception:  # noqa: BLE001 - a database hiccup: start the worker, as without idle exit
            log.exception('could not look at the job queue')
            return True

    async def _until_wanted(self) -> None:
        """Wait, with no worker running, for a job: found in the queue, or queued here from now on (changes.JOBS).
        What was published while the worker ran, it has seen: a job queued just before it exited is in the queue."""
        self._wanted.clear()
        while not self._stopping:
            try:
                if await Job.filter(state=QUEUED).exists():
                    return
            except Exception:  # noqa: BLE001 - a database hiccup: look again next round
                log.exception('could not look at the job queue')
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wanted.wait(), QUEUE_LOOK_SECONDS)
            if self._wanted.is_set():
                return
