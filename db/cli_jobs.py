"""The job worker's command, plugged into main.py through CLI_MODULES (issue 17).

    python main.py worker              # claims and runs queued jobs until stopped (SIGTERM, Ctrl+C)
    python main.py worker --slots 1    # one job at a time

The web server starts one worker itself unless FACTURIER_JOB_WORKERS=0; a deployment that runs its workers apart
(docs/deploy.md) starts this command once per machine instead.
"""
import asyncio
import os
import signal

from db.job_worker import IDLE_ENV, IDLE_EXIT, Worker, lower_priority
from db.jobs import DEFAULT_SLOTS


def add_commands(subparsers) -> None:
    worker = subparsers.add_parser('worker', help='exécuter les travaux en file (éditions groupées, exports)')
    worker.add_argument('--slots', type=int, default=None,
                        help=f'travaux menés en même temps (FACTURIER_JOB_SLOTS, {DEFAULT_SLOTS} par défaut)')
    worker.set_defaults(run=run_worker)


async def run_worker(config, args) -> int:
    lower_priority()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    slots = args.slots or getattr(config, 'job_slots', DEFAULT_SLOTS)
    print(f'Facturier : processus de travaux prêt ({slots} à la fois).', flush=True)
    idle_exit = float(os.environ[IDLE_ENV]) if os.environ.get(IDLE_ENV) else None  # started by the web server
    idled = await Worker(config, slots=slots, idle_exit=idle_exit).run(stop)
    return IDLE_EXIT if idled else 0
