"""How long the server's event loop stops answering while it is under load, seen from outside.

The server can't be instrumented from outside, so two probes ask it something trivial and time the answer; the
longest answer is an upper bound of the longest stall (it includes the round trip, a few ms when idle):
- `websocket`, every 20 ms: a socket.io call on NiceGUI's own socket, answered by the event loop with no database
  access (a handshake for a page that does not exist: NiceGUI answers `False` at once). This is the stall figure.
- `healthz`, every 100 ms: `GET /healthz` over HTTP; it also waits for a database connection (`SELECT 1`), so on
  SQLite it includes queueing behind other queries on the one connection. Shown beside it, not held to the stall
  target. Polled less often: each request crosses the HTTP middlewares, and at 50 a second the probe itself took
  about a tenth of the loop's time in a py-spy profile.

The probes run in a process of their own (`python -m bench.stall URL`), so that the benchmark's own work (the
simulated browsers) does not delay them; they stop when their stdin closes and print their samples as JSON.

    async with StallProbe(server.url) as probe:
        ...  # the load
    probe.samples  # {'websocket': [ms, ...], 'healthz': [ms, ...]}
"""
import argparse
import asyncio
import json
import sys
import threading
import time

INTERVAL = 0.02
HEALTHZ_INTERVAL = 0.1
MAX_SECONDS = 1800  # bounded, whatever happens to the parent


class StallProbe:
    def __init__(self, url: str, *, interval: float = INTERVAL) -> None:
        self.url, self.interval = url, interval
        self.samples: dict[str, list[float]] = {}
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> 'StallProbe':
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, '-m', 'bench.stall', self.url, '--interval', str(self.interval),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            cwd=str(_root()))
        line = await asyncio.wait_for(self._process.stdout.readline(), 60)  # 'ready' once both probes answered
        if line.strip() != b'ready':
            raise RuntimeError(f'stall probe did not start: {line!r} {await self._process.stderr.read()!r}')
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._process.stdin.close()
        output, errors = await asyncio.wait_for(self._process.communicate(), 60)
        if self._process.returncode != 0:
            raise RuntimeError(f'stall probe failed: {errors.decode()[-2000:]}')
        self.samples = json.loads(output)


async def probe(url: str, interval: float, stop: asyncio.Event, ready: asyncio.Event) -> dict[str, list[float]]:
    import httpx  # noqa: PLC0415
    import socketio  # noqa: PLC0415

    # 'healthz_failed': the answers that were not 200 (a 503: the database did not answer /healthz within 3 s), timed
    # like the others but counted apart; a probe that stopped on them lost the whole phase's figures.
    samples: dict[str, list[float]] = {'websocket': [], 'healthz': [], 'healthz_failed': []}
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(url, transports=['websocket'], socketio_path='/_nicegui_ws/socket.io', wait_timeout=30)
    nobody = {'client_id': 'bench-stall-probe', 'tab_id': 'probe', 'document_id': 'probe'}

    async def ask_socket() -> None:
        await sio.call('handshake', nobody, timeout=120)

    async def ask_http(http: httpx.AsyncClient) -> None:
        response = await http.get('/healthz')
        if response.status_code != 200:
            samples['healthz_failed'].append(float(response.status_code))

    async def loop(name: str, ask, interval: float) -> None:
        await ask()  # warm: connection open, first answer
        samples[name].clear()
        ready_count[0] += 1
        if ready_count[0] == 2:
            ready.set()
        while not stop.is_set():
            started = time.perf_counter()
            await ask()
            elapsed = time.perf_counter() - started
            samples[name].append(elapsed * 1000)
            await asyncio.sleep(max(interval - elapsed, 0))

    ready_count = [0]
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        try:
            await asyncio.gather(loop('websocket', ask_socket, interval),
                                 loop('healthz', lambda: ask_http(http), max(interval, HEALTHZ_INTERVAL)))
        finally:
            await sio.disconnect()
    return samples


async def _main(url: str, interval: float) -> None:
    stop, ready = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def wait_for_stdin() -> None:  # the parent closes our stdin to stop us
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin, daemon=True).start()
    loop.call_later(MAX_SECONDS, stop.set)
    task = asyncio.create_task(probe(url, interval, stop, ready))
    await asyncio.wait([task, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # raises what went wrong
    print('ready', flush=True)
    print(json.dumps(await task), flush=True)


def _root():
    from pathlib import Path  # noqa: PLC0415

    return Path(__file__).resolve().parents[1]


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='probe a running server every 20 ms until stdin closes')
    parser.add_argument('url')
    parser.add_argument('--interval', type=float, default=INTERVAL)
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.url, arguments.interval))
