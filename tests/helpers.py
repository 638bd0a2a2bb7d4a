"""Helpers shared by every test tier: the instance secret, CI detection, a free port, last month's last day, and
the one way to wait.

Waiting: `until` polls from inside the event loop (page and db tests, where the app runs in the test process and must
get the loop between tries); `wait_until` blocks the thread (a server subprocess, a real browser). Both poll the same
way and fail the same way, with `TimedOut`.
"""
import asyncio
import inspect
import os
import socket
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

SECRET = 'test-secret-' + 'x' * 40
IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')


def last_day_of_last_month() -> date:
    """Taken when called, not at import: a run crossing midnight must agree with the application's own date."""
    return date.today().replace(day=1) - timedelta(days=1)


class TimedOut(AssertionError):
    """The condition still did not hold when the time was up (an AssertionError: pytest reports it as a failure)."""


async def until(condition: Callable[[], Any], *, timeout: float = 6, interval: float = 0.1) -> Any:
    """Wait until `condition()` (plain or async) is truthy and return its value; handlers run as tasks meanwhile.

    >>> asyncio.run(until(lambda: 42))
    42
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimedOut(f'{described(condition)} still not met after {timeout} s, last value: {value!r}')
        await asyncio.sleep(interval)


def wait_until(condition: Callable[[], Any], *, timeout: float = 15, interval: float = 0.1,
               ignoring: tuple[type[BaseException], ...] = (), label: str = '') -> Any:
    """Block until `condition()` is truthy and return its value; exceptions in `ignoring` count as "not yet".
    `label` names the condition in the failure (default: where the condition is defined).

    >>> wait_until(lambda: 'ready')
    'ready'
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except ignoring as error:
            value = error
        else:
            if value:
                return value
        if time.monotonic() >= deadline:
            raise TimedOut(f'{label or described(condition)} still not met after {timeout} s, last value: {value!r}')
        time.sleep(interval)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def described(condition: Callable[..., Any]) -> str:
    """'condition (file:line)', to find the condition that timed out."""
    code = getattr(condition, '__code__', None)
    return f'condition ({code.co_filename}:{code.co_firstlineno})' if code else f'condition {condition!r}'
