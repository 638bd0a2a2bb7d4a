"""Each area's own benchmark module (bench/bench_<area>.py, `measure(...) -> [{'name', 'value', 'unit', 'target'}]`),
run inside the suite and turned into figures prefixed with the area.

Arguments are passed by name, and only those the area's measure() declares, so that an area can change its
signature without breaking the suite: `invoices`, `seed`, `database_url`, `runs`, and the contacts area's sizes.
A module that is not there yet, or that needs a module of the app that is not there yet, gives one figure without a
value that says so; any other failure gives a figure whose note starts with "error".
"""
import asyncio
import importlib
import inspect
import traceback
from dataclasses import dataclass
from pathlib import Path

from bench.figures import Figure, from_area, skipped


@dataclass(kw_only=True, slots=True)
class Sizes:
    invoices: int
    seed: int
    database_url: str
    quick: bool
    files_dir: Path | None = None  # the instance's stored originals (the server of the suite runs on them)


# area -> (module, what to pass; None: skipped in --quick)
AREAS = {
    'documents': ('bench.bench_documents', lambda sizes: {
        'invoices': sizes.invoices, 'seed': sizes.seed, 'database_url': sizes.database_url,
        'runs': 3 if sizes.quick else 15, 'files_dir': sizes.files_dir}),
    'contacts': ('bench.bench_contacts', lambda sizes: {
        'contact_count': 300, 'article_count': 100, 'import_count': 200} if sizes.quick else {}),
    'pdf': ('bench.bench_pdf', lambda sizes: None if sizes.quick else {}),
    'payments': ('bench.bench_payments', lambda sizes: {
        'installments': 2_000 if sizes.quick else 200_000, 'database_url': sizes.database_url,
        'runs': 3 if sizes.quick else 15}),
    'dashboard': ('bench.bench_dashboard', lambda sizes: {
        'database_url': sizes.database_url, 'runs': 3 if sizes.quick else 15}),
    'dunning': ('bench.bench_dunning', lambda sizes: {
        'database_url': sizes.database_url, 'runs': 3 if sizes.quick else 15}),
    'fec': ('bench.bench_fec', lambda sizes: {'database_url': sizes.database_url}),
}


async def run_areas(sizes: Sizes, only: set[str] | None = None) -> list[Figure]:
    figures: list[Figure] = []
    for area, (module_name, arguments) in AREAS.items():
        if only is not None and area not in only:
            continue
        figures += await run_area(area, module_name, arguments(sizes))
    return figures


async def run_area(area: str, module_name: str, arguments: dict | None) -> list[Figure]:
    name = f'{area}: measure()'
    if arguments is None:
        return [skipped(name, '', f'skipped with --quick ({module_name} has no size to make it quick)')]
    try:
        module = importlib.import_module(module_name)
        measure = module.measure
        accepted = inspect.signature(measure).parameters
        kwargs = {key: value for key, value in arguments.items() if key in accepted}
        if inspect.iscoroutinefunction(measure):
            rows = await measure(**kwargs)
        else:  # a synchronous measure() may run its own event loop: give it a thread without one
            rows = await asyncio.to_thread(measure, **kwargs)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split('.')[0] in ('bench', 'pages', 'db', 'logic', 'components'):
            return [skipped(name, '', f'not there yet: no module {exc.name}')]
        return [skipped(name, '', f'error: {exc}')]
    except Exception as exc:  # noqa: BLE001 - one area failing must not hide the others
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return [skipped(name, '', f'error: {type(exc).__name__}: {exc} ({where.filename}:{where.lineno})')]
    return [from_area(area, row) for row in rows]
