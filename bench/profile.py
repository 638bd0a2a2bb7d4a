"""Where the server's event loop spends its time under load: py-spy samples the server process from outside.

`python -m bench --profile-server` needs py-spy (a sampling profiler, not a dependency of Facturier: install it
apart, e.g. `pip install --target /tmp/pyspy py-spy` and `PY_SPY=/tmp/pyspy/bin/py-spy`). It records the server
during the load phases without pausing it (--nonblocking); idle samples (the loop waiting in epoll) are left out, so
the main thread's samples are the time the event loop was busy, and what it was busy with.

    async with ServerProfile(server.pid, folder / 'server.txt') as profile:
        ...  # the load
    print(profile.report())
"""
import asyncio
import os
import shutil
import re
import signal
from collections import Counter
from pathlib import Path

RATE = 100  # samples per second
LINE = re.compile(r':\d+\)$')  # one entry per function, whatever line it was on


def py_spy() -> str | None:
    return os.environ.get('PY_SPY') or shutil.which('py-spy')


class ServerProfile:
    def __init__(self, pid: int, output: Path) -> None:
        self.pid, self.output = pid, Path(output)
        self.elapsed = 0.0
        self._process: asyncio.subprocess.Process | None = None
        self._started = 0.0

    async def __aenter__(self) -> 'ServerProfile':
        binary = py_spy()
        if binary is None:
            raise RuntimeError('--profile-server needs py-spy: set PY_SPY or put it on the PATH')
        self._process = await asyncio.create_subprocess_exec(
            binary, 'record', '--pid', str(self.pid), '--rate', str(RATE), '--format', 'raw', '--threads',
            '--nonblocking', '--output', str(self.output), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        self._started = asyncio.get_running_loop().time()
        return self

    async def __aexit__(self, *exc_info) -> None:
        self.elapsed = asyncio.get_running_loop().time() - self._started
        self._process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            await asyncio.wait_for(self._process.wait(), 60)
        except asyncio.TimeoutError:
            self._process.kill()

    def report(self, limit: int = 25) -> str:
        """The main thread's busy share, then the functions it was in most often (inclusive), project code first."""
        if not self.output.exists():
            return f'no profile written ({self.output})'
        stacks, threads = Counter(), Counter()
        for line in self.output.read_text().splitlines():
            stack, _, count = line.rpartition(' ')
            thread = stack.split(';', 1)[0]
            threads[thread.split(': ', 1)[-1]] += int(count)
            if 'MainThread' in thread or f'({self.pid})' in thread:
                stacks[stack] += int(count)
        busy = sum(stacks.values())
        inclusive = Counter()
        for stack, count in stacks.items():
            frames = [LINE.sub(')', frame) for frame in stack.split(';')[1:]]
            roots = next((index + 1 for index, frame in enumerate(frames) if frame.startswith('Runner.run (')), 0)
            for frame in dict.fromkeys(frames[roots:]):  # below the event loop's own frames, once per stack
                inclusive[frame] += count
        expected = max(self.elapsed * RATE, 1)
        others = ', '.join(f'{name} {count / expected:.0%}' for name, count in threads.most_common(6)
                           if name != 'MainThread')
        lines = [f'server event loop busy {busy / expected:.0%} of {self.elapsed:.0f} s ({busy} samples at {RATE}/s); '
                 f'other threads busy: {others or "none"}', 'where the loop was (inclusive share of its busy time):']
        ranked = sorted(inclusive.items(), key=lambda item: (-_is_project(item[0]), -item[1]))
        lines += [f'  {count / max(busy, 1):6.1%}  {frame}' for frame, count in ranked[:limit]]
        lines += ['  libraries:'] + [f'  {count / max(busy, 1):6.1%}  {frame}' for frame, count in
                                     inclusive.most_common(limit * 2) if not _is_project(frame)][:limit]
        return '\n'.join(lines)


def _is_project(frame: str) -> bool:
    return '.venv' not in frame and 'site-packages' not in frame and '/lib/python3' not in frame and (
        any(f'{part}/' in frame for part in ('pages', 'components', 'db', 'logic')) or '(main.py' in frame)
