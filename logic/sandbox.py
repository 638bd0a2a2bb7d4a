"""Run a function of logic/ on a user's bytes in a short-lived child process, under hard limits.

Why: reading a user's file can cost far more than its size (half a megabyte of XLSX can expand to millions of
cells), and in the web server's process such a file would take memory and a core from every user. The child gets
the bytes on its standard input; before reading them it limits itself with `resource` (address space, CPU seconds,
no core dump, no file written), then calls `function(data, **arguments)` and writes the plain result as JSON. The
parent kills it after `wall_seconds`. A `DomainError` raised in the child comes back as `Refused` with the same
French message; running out of memory or time comes back as `LimitReached`; anything else fails loudly.

The function is a module-level function taking bytes and plain keyword arguments and returning plain data (dicts,
lists, strings, numbers), so that another host (a job process) can run it unchanged:

>>> run('logic.sandbox:sizes', b'abc', arguments={'times': 2})
[3, 3]
>>> run('logic.sandbox:sizes', b'', arguments={'times': 1})
Traceback (most recent call last):
...
logic.sandbox.Refused: Rien à mesurer.

The parent blocks until the child ends: call `run` from a thread (`run.io_bound`, `asyncio.to_thread`), never on
the event loop. At most `CONCURRENT` children run at once per process, so that a burst of uploads queues instead of
taking every core.
"""
import json
import os
import resource
import signal
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from logic.errors import DomainError

ROOT = Path(__file__).resolve().parents[1]
CONCURRENT = 2
_slots = threading.BoundedSemaphore(CONCURRENT)
_MESSAGES = {
    'memory': 'Ce fichier demande trop de mémoire pour être lu : découpez-le en plusieurs fichiers.',
    'time': 'Ce fichier demande trop de temps pour être lu : découpez-le en plusieurs fichiers.',
    'busy': 'Trop de fichiers sont en cours de lecture sur le serveur : réessayez dans un instant.',
}


@dataclass(kw_only=True, slots=True, frozen=True)
class Limits:
    """What one child may use: bytes of address space (the interpreter and its imports count, ~40 MB), seconds
    of CPU, seconds of wall-clock time (and as long again, at most, waiting for a free slot)."""
    memory_bytes: int = 512 * 1024 * 1024
    cpu_seconds: int = 60
    wall_seconds: float = 90


class Refused(DomainError):
    """The function refused the data; `str(exc)` is its French message."""


class LimitReached(DomainError):
    """The child ran out of memory or time, or no slot freed in time; `kind` says which."""

    def __init__(self, kind: str) -> None:
        super().__init__(_MESSAGES[kind])
        self.kind = kind


def run(target: str, data: bytes, *, arguments: dict | None = None, limits: Limits = Limits()) -> object:
    """`module:function` called with `data` and `arguments` in a child process; its result, as plain data."""
    if not _slots.acquire(timeout=limits.wall_seconds):
        raise LimitReached('busy')
    try:
        command = [sys.executable, '-B', '-E', '-s', '-m', 'logic.sandbox', target,
                   json.dumps(arguments or {}), json.dumps(asdict(limits))]
        # A bare environment: nothing of the server's (secrets, database address) reaches code parsing a user's file.
        environment = {'PATH': os.defpath, 'LC_ALL': 'C.UTF-8'}
        with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              cwd=ROOT, env=environment) as child:
            try:
                output, errors = child.communicate(data, timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                child.kill()
                child.communicate()
                raise LimitReached('time') from None
    finally:
        _slots.release()
    return _answer(child.returncode, output, errors, target)


def _answer(returncode: int, output: bytes, errors: bytes, target: str) -> object:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # past the soft CPU limit, then the hard one
        raise LimitReached('time')
    if returncode == 0:
        answer = json.loads(output)
        if 'refused' in answer:
            raise Refused(answer['refused'])
        if 'limit' in answer:
            raise LimitReached(answer['limit'])
        return answer['result']
    if b'MemoryError' in errors or returncode == -signal.SIGSEGV:  # a C library may crash on a failed allocation
        raise LimitReached('memory')
    tail = errors.decode('utf-8', 'replace')[-2000:]
    raise RuntimeError(f'{target} failed in its child process (exit code {returncode}):\n{tail}')


def sizes(data: bytes, *, times: int) -> list[int]:
    """The example function of the module's docstring."""
    if not data:
        raise DomainError('Rien à mesurer.')
    return [len(data)] * times


# --- In the child ---------------------------------------------------------------------------------------------------

def _limit_self(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    # SIGXCPU at the soft limit, SIGKILL one second later if the handler-less default did not end it.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _child(argv: list[str]) -> None:
    target, arguments, limits = argv[0], json.loads(argv[1]), Limits(**json.loads(argv[2]))
    _limit_self(limits)  # before the function's module is imported and the data read: they count too
    import importlib

    data = sys.stdin.buffer.read()
    module, name = target.split(':')
    try:
        answer = {'result': getattr(importlib.import_module(module), name)(data, **arguments)}
    except DomainError as exc:
        answer = {'refused': str(exc)}
    except MemoryError:
        answer = {'limit': 'memory'}
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode())


if __name__ == '__main__':
    _child(sys.argv[1:])
