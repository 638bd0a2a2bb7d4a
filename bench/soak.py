"""A soak: N simulated browsers for M minutes on the lists and the editors of a real server (issue 18).

    .venv/bin/python -m bench.soak --minutes 10 --browsers 50 --invoices 2000 [--database-url URL] [--json FILE]
    .venv/bin/python -m bench --soak-minutes 10 ...     # the same phase at the end of the whole suite

Each browser (bench/clients.py: the real websocket, as nicegui.js speaks it) goes from page to page as a user
would: it opens a list (invoices, quotes, contacts, articles, payments) or its own draft invoice, does 3 to 8 things
there one after the other with 1 to 3 s to think between them (next page, sort, filter, search; in the editor, a new
quantity in a line, then now and then "Enregistrer"), then leaves the page for another. So the server keeps
creating and dropping clients for ten minutes, which is where a leak would show.

Figures: errors (a browser that broke, a click without an answer within 30 s, a warning or an error the server
showed, a traceback in the server's log; target 0), the server's memory one minute in and at the end (the growth
after the first minute, target ≤ 10 %: the first minute fills caches and worker pools), the time from click to
update of the lists, from a typed quantity to the new totals and from "Enregistrer" to the saved page, and the
longest event-loop stall (bench/stall.py).
"""
import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import figures as report  # noqa: E402
from bench.clients import ACTIONS, Browser  # noqa: E402
from bench.figures import Figure, p95, spread  # noqa: E402
from bench.scenario import CLICK_TARGET_MS, STALL_TARGET_MS, _list_paths  # noqa: E402
from bench.server import rss_mb, session_cookies, start_server, stop_server  # noqa: E402
from bench.stall import MAX_SECONDS, StallProbe  # noqa: E402

GROWTH_TARGET_PERCENT = 10
WARM_UP_SECONDS = 60        # memory growth is counted from here
SAMPLE_SECONDS = 5          # memory sampling
THINK_SECONDS = (1.0, 3.0)
# A user stays on a page for 5 to 20 actions (a list browsed, a draft typed in): about 25 s. With 3 to 8 (a page every
# 11 s each) 50 browsers need more than the one core the server's event loop has (docs/benchmarks.md).
ACTIONS_PER_PAGE = (5, 20)
EDITOR_SHARE = 0.4          # of the pages a browser opens, this share is its draft's editor
SAVE_SHARE = 0.25           # of the editor's actions after an edit, this share saves
CLICK_TIMEOUT = 30.0
LINES_PER_DRAFT = 12


@dataclass(kw_only=True, slots=True)
class Soak:
    minutes: float = 10
    browsers: int = 50
    seed: int = 1
    actions: tuple[int, int] = ACTIONS_PER_PAGE  # on each page before the next one


@dataclass(kw_only=True, slots=True)
class _Tally:
    clicks: list[float] = field(default_factory=list)
    edits: list[float] = field(default_factory=list)
    saves: list[float] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import SECRET, environment, load_dataset, verify  # noqa: PLC0415

    args = _parser().parse_args(argv)
    if args.skip_load and not args.database_url:
        sys.exit('--skip-load reuses a dataset: give its --database-url')

    async def run(url: str, data_dir: Path) -> list[Figure]:
        from db import engine  # noqa: PLC0415

        await engine.open_database(url)
        try:
            figures = [] if args.skip_load else await load_dataset(args.invoices, args.seed)
            figures += await verify()
        finally:
            await engine.close_database()
        return figures + await measure_soak(data_dir, url, SECRET, Soak(
            minutes=args.minutes, browsers=args.browsers, seed=args.seed, actions=args.actions_per_page))

    with tempfile.TemporaryDirectory(prefix='facturier-soak-') as folder:
        data_dir = Path(folder) / 'data'
        data_dir.mkdir()
        url = args.database_url or f'sqlite://{data_dir / "facturier.sqlite3"}'
        figures = asyncio.run(run(url, data_dir))
    args.clients, args.quick = args.browsers, False  # what environment() describes
    print(environment(args, url))
    return report.show(figures, args.json)


async def measure_soak(data_dir: Path, database_url: str, secret: str, soak: Soak) -> list[Figure]:
    """Start a server on the dataset, let `soak.browsers` browse it for `soak.minutes`, stop it; the figures."""
    editors = await _drafts(database_url, soak.browsers, soak.seed)
    server = await start_server(data_dir, database_url, secret)
    log_start = server.log.stat().st_size
    try:
        cookies = await session_cookies(server, database_url, soak.browsers + 1)
        lists = await _list_paths(Browser(server.url, cookies[-1]))
        tally = _Tally()
        seconds = soak.minutes * 60
        memory: list[tuple[float, float, float]] = []
        probe = StallProbe(server.url)
        await probe.__aenter__()
        try:
            started = time.monotonic()
            deadline = started + seconds
            sampler = asyncio.create_task(_sample_memory(server.pid, started, deadline, memory))
            await asyncio.gather(*(
                _browse(server.url, cookies[index], lists, editors[index % len(editors)], tally, deadline,
                        random.Random(soak.seed * 7919 + index), soak.actions) for index in range(soak.browsers)))
            await sampler
        finally:
            try:
                await probe.__aexit__(None, None, None)
            except RuntimeError as exc:  # it stops at its first failed answer (/healthz: 503): an error too
                lines = str(exc).strip().splitlines()
                tally.errors.append('stall probe: ' + next((line for line in reversed(lines) if 'Error' in line),
                                                           lines[-1]))
        traces = _tracebacks(server.log.read_bytes()[log_start:].decode(errors='replace'))
    finally:
        stop_server(server)
    return _figures(soak, tally, memory, traces, probe.samples, lists)


async def _browse(url: str, cookies: dict, lists: list[str], editor: str, tally: _Tally, deadline: float,
                  rng: random.Random, actions: tuple[int, int]) -> None:
    """One user: page after page until the deadline, a few actions on each."""
    while time.monotonic() < deadline:
        on_editor = rng.random() < EDITOR_SHARE
        path = editor if on_editor else rng.choice(lists)
        browser = Browser(url, cookies, seed=rng.randrange(1 << 30))
        try:
            started = time.perf_counter()
            opened = await (browser.open_editor(path) if on_editor else browser.open(path))
            tally.opens.append((time.perf_counter() - started) * 1000)
            if not opened:
                tally.errors.append(f'{path}: nothing to click on the page')
                await asyncio.sleep(rng.uniform(*THINK_SECONDS))
                continue
            dirty = False
            for _ in range(rng.randint(*actions)):
                await asyncio.sleep(rng.uniform(*THINK_SECONDS))
                if time.monotonic() >= deadline:
                    break
                if not on_editor:
                    tally.clicks.append(await browser.click(rng.choice(ACTIONS), timeout=CLICK_TIMEOUT))
                elif dirty and rng.random() < SAVE_SHARE:
                    tally.saves.append(await browser.save_ms(timeout=CLICK_TIMEOUT))
                    dirty = False
                else:
                    tally.edits.append(await browser.edit_ms(timeout=CLICK_TIMEOUT))
                    dirty = True
        except TimeoutError:
            tally.timeouts += 1
        except Exception as exc:  # noqa: BLE001 - counted: the figure says what broke
            tally.errors.append(f'{path}: {type(exc).__name__}: {exc}')
        finally:
            tally.notices += [f'{path}: {text}' for text in browser.notices]
            # A browser keeps what the server set (NiceGUI's browser id in the session): the next page is the same
            # browser, not a new one with storage of its own. Those have a domain; the ones given at start have not.
            cookies = {**cookies, **{cookie.name: cookie.value for cookie in browser.http.cookies.jar if cookie.domain}}
            try:
                await browser.close()
            except Exception:  # noqa: BLE001 - leaving a page is best effort
                pass


async def _sample_memory(pid: int, started: float, deadline: float,
                         samples: list[tuple[float, float, float]]) -> None:
    """(seconds since the start, RSS in MB, CPU seconds used by the server so far) every SAMPLE_SECONDS."""
    minute = 0
    while True:
        now = time.monotonic()
        samples.append((now - started, rss_mb(pid), _cpu_seconds(pid)))
        if now - started >= (minute + 1) * 60:
            minute += 1
            print(f'[{datetime.now():%H:%M:%S}] soak: minute {minute}, server RSS {samples[-1][1]:.0f} MB',
                  file=sys.stderr, flush=True)
        if now >= deadline:
            return
        await asyncio.sleep(min(SAMPLE_SECONDS, max(deadline - now, 0)))


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (/proc/PID/stat, fields 14 and 15, in clock ticks)."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _tracebacks(log: str) -> list[str]:
    """The exception line of each traceback in a server log (what a user got instead of an answer)."""
    found, inside = [], False
    for line in log.splitlines():
        if line.startswith('Traceback'):
            inside = True
        elif inside and line and not line.startswith((' ', '\t')):
            if not line.startswith(('During handling', 'The above exception')):
                found.append(line.strip())
            inside = line.startswith(('During handling', 'The above exception'))
    return found


def _figures(soak: Soak, tally: _Tally, memory: list[tuple[float, float, float]], traces: list[str], stalls: dict,
             lists: list[str]) -> list[Figure]:
    low, high = soak.actions
    label = f'soak ({soak.browsers} browsers, {soak.minutes:g} min, {low}-{high} actions a page)'
    warm_at, warm, warm_cpu = next((sample for sample in memory if sample[0] >= WARM_UP_SECONDS), memory[0])
    end_at, end, end_cpu = memory[-1]
    errors = len(tally.errors) + tally.timeouts + len(tally.notices) + len(traces)
    kinds = Counter(text.split(': ', 1)[-1][:160] for text in tally.errors + tally.notices + traces)
    often = '; '.join(f'{count} × {text}' for text, count in kinds.most_common(4))
    per_minute = ', '.join(f'{rss:.0f}' for at, rss, _ in memory if at % 60 < SAMPLE_SECONDS or at == end_at)
    socket = stalls.get('websocket') or []
    actions = len(tally.clicks) + len(tally.edits) + len(tally.saves)
    return [
        Figure(name=f'{label}: errors', value=errors, unit='errors', target=0,
               note=f'{actions} actions on {len(tally.opens)} pages ({", ".join(lists)} and one draft each); '
                    f'{len(tally.errors)} broken, {tally.timeouts} without an answer within {CLICK_TIMEOUT:.0f} s, '
                    f'{len(tally.notices)} warnings shown, {len(traces)} tracebacks in the server log'
                    + (f'; most frequent: {often}' if often else '')),
        Figure(name=f'{label}: server memory after the first minute', value=warm, unit='MB'),
        Figure(name=f'{label}: server memory at the end', value=end, unit='MB',
               note=f'RSS every minute: {per_minute} MB; highest {max(rss for _, rss, _ in memory):.0f} MB'),
        Figure(name=f'{label}: memory growth after the first minute', value=(end - warm) / warm * 100, unit='%',
               target=GROWTH_TARGET_PERCENT),
        Figure(name=f'{label}: server CPU after the first minute', unit='% of a core',
               value=(end_cpu - warm_cpu) / max(end_at - warm_at, 1) * 100,
               note='its event loop runs on one core: near 100 % the server is saturated, pages queue up, and past '
                    '3 s NiceGUI answers HTTP 500'),
        *spread(f'{label}: click to update, lists', tally.clicks, CLICK_TARGET_MS, note=f'{len(tally.clicks)} clicks'),
        *spread(f'{label}: quantity typed to new totals, editor', tally.edits, CLICK_TARGET_MS,
                note=f'{len(tally.edits)} edits'),
        *spread(f'{label}: "Enregistrer" to saved, editor', tally.saves, None, note=f'{len(tally.saves)} saves'),
        *spread(f'{label}: page open (GET and websocket)', tally.opens, None, note=f'{len(tally.opens)} pages'),
        Figure(name=f'{label}: longest event-loop stall', value=max(socket) if socket else None, unit='ms',
               target=STALL_TARGET_MS, note=f'{len(socket)} probes, median {statistics.median(socket):.1f} ms, p95 '
                                            f'{p95(socket):.1f} ms' + (f'; probes stop after {MAX_SECONDS} s'
                                                                      if soak.minutes * 60 > MAX_SECONDS else '')
               if socket else 'no probe sample'),
    ]


async def _drafts(database_url: str, count: int, seed: int) -> list[str]:
    """One draft invoice per browser (its own editor: two users never save over each other), today's date, a dozen
    lines of the catalogue; their paths."""
    from db import documents, engine  # noqa: PLC0415
    from db.accounts import actor_of  # noqa: PLC0415
    from db.article import Article  # noqa: PLC0415
    from db.contact import Contact  # noqa: PLC0415
    from db.user import ADMIN, User  # noqa: PLC0415
    from logic.draft import Draft, DraftLine  # noqa: PLC0415

    rng = random.Random(seed)
    await engine.open_database(database_url, migrate=False)
    try:
        actor = actor_of(await User.filter(role=ADMIN, is_active=True).order_by('id').first(), '127.0.0.1')
        clients = await Contact.all().order_by('id').limit(count)
        articles = await Article.all().order_by('id').limit(200).values(
            'id', 'reference', 'designation', 'kind', 'sale_price', 'unit__name', 'vat_rate__rate',
            'vat_rate__category', 'vat_rate__exemption_reason', 'vat_rate__exemption_code')
        paths = []
        for index in range(count):
            lines = [DraftLine(article_id=row['id'], reference=row['reference'], designation=row['designation'],
                               quantity=Decimal(rng.randint(1, 20)), unit=row['unit__name'] or '',
                               unit_price=row['sale_price'], vat_rate=row['vat_rate__rate'],
                               vat_category=row['vat_rate__category'],
                               exemption_reason=row['vat_rate__exemption_reason'],
                               exemption_code=row['vat_rate__exemption_code'], nature=row['kind'])
                     for row in rng.sample(articles, min(LINES_PER_DRAFT, len(articles)))]
            document = await documents.create_document(actor, Draft(
                doc_type='invoice', client_id=clients[index % len(clients)].id, lines=lines))
            paths.append(f'/factures/{document.id}')
        return paths
    finally:
        await engine.close_database()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='python -m bench.soak', description=__doc__.splitlines()[0])
    parser.add_argument('--minutes', type=float, default=10, help='how long the browsers browse (default 10)')
    parser.add_argument('--browsers', type=int, default=50, help='simulated browsers (default 50)')
    parser.add_argument('--invoices', type=int, default=2000, help='invoices in the demo dataset (default 2000)')
    parser.add_argument('--database-url', help='postgres://... (an empty database); SQLite in a temporary folder '
                                               'by default')
    parser.add_argument('--skip-load', action='store_true', help='reuse the dataset already in --database-url')
    parser.add_argument('--actions-per-page', type=_span, default=ACTIONS_PER_PAGE, metavar='LOW-HIGH',
                        help='actions on each page before the next one (default %(default)s)')
    parser.add_argument('--seed', type=int, default=1, help='seed of the demo generator and the browsers (default 1)')
    parser.add_argument('--json', type=Path, help='write the figures there as JSON')
    return parser


def _span(text: str) -> tuple[int, int]:
    low, _, high = text.partition('-')
    return int(low), int(high or low)


if __name__ == '__main__':
    sys.exit(main())
