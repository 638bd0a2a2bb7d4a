"""The server-level figures: a real server, simulated browsers on the real websocket, memory, stalls.

1. The server starts on the dataset; one browser opens the invoice list (warm-up), then N more open the lists
   that exist (invoices, quotes, and contacts, articles, payments once they have a paged list), round robin.
   Memory per client = (server RSS with N+1 clients - RSS with 1) / N.
2. The first browser clicks "Export Excel" on the invoice list: click to file received.
3. Idle: the stall probes run a few seconds with nobody clicking (the baseline of the probes themselves).
4. Under load, twice: the N browsers click through their lists (next page, sort, state filter, search, one action
   every 1 to 3 s each) while (a) "Édition groupée" of the latest 500 quotes runs as a job in the server's job
   worker (bench/output.py: BatchJob) and the first browser exports the whole invoice list (another job) until the
   batch is done, then (b) the first browser exports the invoice list, up to 3 times. Click to update (median,
   p95, per list), the clicks that never got an answer, the longest stall of the event loop, the slowest /healthz.
   Since issue 17 both the batch and the exports run in the job worker, a process of its own at a lower priority:
   the web process only queues them, follows their progress and serves the file.
"""
import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.clients import ACTIONS, Browser
from bench.figures import Figure, p95, skipped, spread
from bench.output import BATCH_TARGET_S_PER_500, BatchJob
from bench.profile import ServerProfile
from bench.server import Server, rss_mb, session_cookies, start_server, stop_server, tree_rss_mb
from bench.stall import StallProbe

LIST_LABELS = {'/factures': 'invoices', '/devis': 'quotes', '/contacts': 'contacts', '/articles': 'articles',
               '/reglements': 'payments'}
LIST_PATHS = list(LIST_LABELS)
THINK_SECONDS = (1.0, 3.0)
CLICK_TIMEOUT = 30.0
CLICK_TARGET_MS = 150   # issue 17, realistic tier: p95 click to update while a batch and an export run
STALL_TARGET_MS = 50    # issue 17: longest stall of the event loop meanwhile (issue 7 had 100 ms)
EXPORT_TARGET_S = 10
AT_REST_TARGET_MB = 250  # issue 21: a small VPS or home server


@dataclass(kw_only=True, slots=True)
class Load:
    clients: int = 50
    batch: int = 500           # invoices in the batch PDF
    settle_seconds: float = 4  # before reading the memory
    idle_seconds: float = 5
    min_seconds: float = 20    # each load phase lasts at least this long
    max_seconds: float = 600   # and at most this long
    exports: int = 3           # at most this many exports in the export phase
    seed: int = 1
    profile: bool = False      # py-spy the server during each load phase (bench/profile.py)
    profiles: dict = field(default_factory=dict)  # phase -> report
    workers_idle_seconds: int = 20  # FACTURIER_WORKERS_IDLE_SECONDS of the server (300 by default in production)


async def measure_server(data_dir: Path, database_url: str, secret: str, load: Load) -> list[Figure]:
    server = await start_server(data_dir, database_url, secret,
                                env_extra={'FACTURIER_WORKERS_IDLE_SECONDS': str(load.workers_idle_seconds)})
    browsers: list[Browser] = []
    try:
        await asyncio.sleep(load.settle_seconds)
        at_rest = tree_rss_mb(server.pid)
        cookies = await session_cookies(server, database_url, load.clients + 1)
        lead = Browser(server.url, cookies[0], seed=load.seed)
        browsers.append(lead)
        await lead.open('/factures')
        await lead.click('page')
        paths = await _list_paths(lead)
        await asyncio.sleep(load.settle_seconds)  # pages probed without a websocket go after the reconnect timeout
        alone = rss_mb(server.pid)
        for index in range(load.clients):
            browser = Browser(server.url, cookies[index + 1], seed=load.seed * 1000 + index)
            browsers.append(browser)
            await browser.open(paths[index % len(paths)])
        await asyncio.sleep(load.settle_seconds)
        crowd = rss_mb(server.pid)
        used = sorted(set(paths[:load.clients]), key=paths.index)
        figures = [
            Figure(name='server memory (RSS) with one client', value=alone, unit='MB'),
            Figure(name='server memory per connected client', value=(crowd - alone) / max(load.clients, 1),
                   unit='MB', note=f'{load.clients} browsers on {", ".join(used)}: RSS {alone:.0f} → {crowd:.0f} MB'),
        ]
        cold = await lead.export_ms()  # the first one also starts the job worker's pool of processes
        warm = await lead.export_ms()
        working = tree_rss_mb(server.pid)
        figures += [
            Figure(name='Excel export of the invoice list, first after start', value=cold / 1000, unit='s',
                   note='includes starting the worker processes'),
            Figure(name='Excel export of the invoice list, click to file', value=warm / 1000, unit='s',
                   target=EXPORT_TARGET_S, note=f'every invoice of the dataset ({lead.downloaded_bytes // 1024} KB), '
                                                f'a job: rows read and file written by the job worker')]
        async with StallProbe(server.url) as idle:
            await asyncio.sleep(load.idle_seconds)
        figures += _stall_figures('idle', idle.samples, target=None)
        async with _Profiled(server, load, 'batch PDF'):
            figures += await _under_batch(lead, browsers[1:], server.url, database_url, load)
        async with _Profiled(server, load, 'Excel export'):
            figures += await _under_export(lead, browsers[1:], server.url, load)
        for browser in browsers:  # everybody leaves: the workers stop once unused (pages/idle_workers.py)
            await browser.close()
        browsers.clear()
        await asyncio.sleep(load.workers_idle_seconds * 1.5 + 7)  # + the job worker's 5 s upkeep round
        rested = tree_rss_mb(server.pid)
        figures += [
            Figure(name='server at rest after start, with its worker processes', value=at_rest, unit='MB',
                   target=AT_REST_TARGET_MB, note='no page open; the e-invoice checker and the PDF workers start on '
                                                  'first use'),
            Figure(name='server with its worker processes, after the exports', value=working, unit='MB',
                   note=f'{load.clients + 1} browsers connected'),
            Figure(name='server at rest again, with its worker processes', value=rested, unit='MB',
                   target=AT_REST_TARGET_MB, note=f'{load.workers_idle_seconds * 1.5 + 2:.0f} s after the last '
                                                  f'browser left (workers stop after {load.workers_idle_seconds} s '
                                                  'unused here, 300 s by default)')]
        return figures
    finally:
        for browser in browsers:
            try:
                await browser.close()
            except Exception:  # noqa: BLE001 - closing is best effort, the server stops next
                pass
        stop_server(server)


async def _under_batch(lead: Browser, browsers: list[Browser], url: str, database_url: str, load: Load
                       ) -> list[Figure]:
    label = 'under load (batch PDF + export)'
    exports: list[float] = []
    async with StallProbe(url) as probe, BatchJob(database_url, load.batch) as batch:
        started = time.monotonic()
        clicks = _Clicks(browsers, load.seed)
        waiting = asyncio.ensure_future(batch.wait(load.max_seconds))
        try:
            while not waiting.done():  # the lead exports the invoice list meanwhile, again and again
                exports.append(await lead.export_ms(timeout=load.max_seconds) / 1000)
            result = await waiting
            await asyncio.sleep(max(load.min_seconds - (time.monotonic() - started), 0))
        finally:
            waiting.cancel()
            await clicks.stop()
    scaled = result['seconds'] * 500 / max(result['count'], 1)
    at_size = result['count'] >= 50  # below, the first render's start-up dominates the scaled figure
    state = '' if result.get('state') == 'done' else f'; the job ended {result.get("state")}: {result.get("message")}'
    return [Figure(name='batch PDF, time for 500 documents', value=scaled, unit='s',
                   target=BATCH_TARGET_S_PER_500 if at_size else None,
                   note=f'{result["count"]} quotes in {result["seconds"]:.1f} s ({result["bytes"] // 1024} KB, '
                        f'{result.get("queued_seconds", 0):.1f} s in the queue), while {len(browsers)} browsers '
                        f'clicked and the invoice list was exported {len(exports)} times{state}'),
            Figure(name=f'{label}: Excel export, click to file', value=max(exports) if exports else None, unit='s',
                   target=EXPORT_TARGET_S, note=f'slowest of {len(exports)} exports during the batch')] \
        + clicks.figures(label) + _stall_figures(label, probe.samples, target=STALL_TARGET_MS)


async def _under_export(lead: Browser, browsers: list[Browser], url: str, load: Load) -> list[Figure]:
    label = 'under load (Excel export)'
    async with StallProbe(url) as probe:
        started = time.monotonic()
        clicks = _Clicks(browsers, load.seed + 1)
        exports = []
        try:
            while len(exports) < load.exports and (not exports or time.monotonic() - started < load.min_seconds):
                exports.append(await lead.export_ms(timeout=load.max_seconds) / 1000)
            await asyncio.sleep(max(load.min_seconds - (time.monotonic() - started), 0))
        finally:
            await clicks.stop()
    return [Figure(name=f'{label}: Excel export, click to file', value=max(exports), unit='s',
                   target=EXPORT_TARGET_S, note=f'slowest of {len(exports)} exports of the invoice list')] \
        + clicks.figures(label) + _stall_figures(label, probe.samples, target=STALL_TARGET_MS)


class _Profiled:
    """py-spy on the server for one phase when asked (Load.profile); its report lands in Load.profiles."""

    def __init__(self, server: Server, load: Load, phase: str) -> None:
        self.load, self.phase = load, phase
        self.profile = ServerProfile(server.pid, server.data_dir / f'profile-{len(load.profiles)}.txt') \
            if load.profile else None

    async def __aenter__(self) -> None:
        if self.profile:
            await self.profile.__aenter__()

    async def __aexit__(self, *exc_info) -> None:
        if self.profile:
            await self.profile.__aexit__(*exc_info)
            self.load.profiles[self.phase] = self.profile.report()


class _Clicks:
    """Every browser clicks through its list until stopped; one action at a time each, after a think time."""

    def __init__(self, browsers: list[Browser], seed: int) -> None:
        self.timings: list[float] = []
        self.by_list: dict[str, list[float]] = {label: [] for label in LIST_LABELS.values()}
        self.by_action: dict[str, list[float]] = {action: [] for action in ACTIONS}
        self.timeouts = 0
        self.errors: list[str] = []
        self._stop = asyncio.Event()
        self._tasks = [asyncio.create_task(self._run(browser, random.Random(seed * 7919 + index)))
                       for index, browser in enumerate(browsers)]

    async def _run(self, browser: Browser, rng: random.Random) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), rng.uniform(*THINK_SECONDS))
                return
            except asyncio.TimeoutError:
                pass
            action = rng.choice(ACTIONS)
            try:
                milliseconds = await browser.click(action, timeout=CLICK_TIMEOUT)
            except asyncio.TimeoutError:
                self.timeouts += 1
            except Exception as exc:  # noqa: BLE001 - a browser that broke stops clicking; the figures say so
                self.errors.append(f'{type(exc).__name__}: {exc}')
                return
            else:
                self.timings.append(milliseconds)
                self.by_list[LIST_LABELS[browser.path]].append(milliseconds)
                self.by_action[action].append(milliseconds)

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def figures(self, label: str) -> list[Figure]:
        note = f'{len(self.timings)} clicks by {len(self._tasks)} browsers; median by action: ' + ', '.join(
            f'{action} {statistics.median(values):.0f} ms' for action, values in self.by_action.items() if values)
        per_list = [Figure(name=f'{label}: click to update, {name} list (p95)', value=p95(values) if values else None,
                           unit='ms', target=CLICK_TARGET_MS, note=f'{len(values)} clicks' if values else
                           'no browser on this list (its page has no paged table yet)')
                    for name, values in self.by_list.items()]
        return spread(f'{label}: click to update', self.timings, CLICK_TARGET_MS, note=note) + per_list + [
            Figure(name=f'{label}: clicks without an answer within {CLICK_TIMEOUT:.0f} s', value=self.timeouts,
                   unit='clicks', target=0,
                   note=f'error: {len(self.errors)} browsers broke, first: {self.errors[0]}' if self.errors else '')]


def _stall_figures(label: str, samples: dict[str, list[float]], *, target: float | None) -> list[Figure]:
    socket, health = samples.get('websocket') or [], samples.get('healthz') or []
    failed = samples.get('healthz_failed') or []
    if not socket:
        return [skipped(f'{label}: longest event-loop stall', 'ms', 'no probe sample', target),
                skipped(f'{label}: slowest /healthz', 'ms', 'no probe sample')]
    return [
        Figure(name=f'{label}: longest event-loop stall', value=max(socket), unit='ms', target=target,
               note=f'slowest of {len(socket)} websocket probes every 20 ms (median {statistics.median(socket):.1f}, '
                    f'p95 {p95(socket):.1f}); an upper bound: includes the round trip'),
        Figure(name=f'{label}: slowest /healthz', value=max(health) if health else None, unit='ms',
               note=(f'{len(health)} probes every 100 ms, p95 {p95(health):.1f} ms; includes waiting for a database '
                     'connection' + (f'; {len(failed)} answered 503 (database slower than 3 s)' if failed else ''))
               if health else 'no sample'),
    ]


async def _list_paths(browser: Browser) -> list[str]:
    """The list pages that have a paged table today (others still say "Bientôt disponible")."""
    from bench.clients import parse_page  # noqa: PLC0415

    found = []
    for path in LIST_PATHS:
        response = await browser.http.get(path)
        if response.status_code == 200 and 'parseElements(String.raw`' in response.text:
            _, elements = parse_page(response.text)
            if any(listener['type'] == 'request' for element in elements.values()
                   for listener in element.get('events', [])):
                found.append(path)
    return found or ['/factures']
