"""What a benchmark run produces: figures beside their targets, printed as a table and written as JSON.

    >>> Figure(name='invoice list: first page (p95)', value=12.5, unit='ms', target=50).met
    True
    >>> Figure(name='demo load rate', value=400, unit='invoices/s', target=555, better='>').met
    False
    >>> Figure(name='payments list: first page (median)', value=None, unit='ms', target=50,
    ...        note='no payments list yet').met is None
    True

A target reads "≤ 50 ms" (lower is better, `better='<'`) or "≥ 555 invoices/s" (`better='>'`); a value on the
target counts as met; in the JSON, `comparison` is "<=" or ">=". `met` is None when there is no target or no
value (a skipped figure says why in `note`).
"""
import json
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

SYMBOLS = {'<': '≤', '>': '≥'}


@dataclass(kw_only=True, slots=True)
class Figure:
    name: str
    value: float | None
    unit: str
    target: float | None = None
    better: str = '<'
    note: str = ''

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value <= self.target if self.better == '<' else self.value >= self.target

    @property
    def failed(self) -> bool:
        """The measure itself broke (as opposed to: skipped because an area is not there yet)."""
        return self.note.startswith('error')

    def to_json(self) -> dict:
        return {'name': self.name, 'value': None if self.value is None else round(self.value, 3), 'unit': self.unit,
                'target': self.target, 'comparison': (self.better + '=') if self.target is not None else None,
                'met': self.met, 'note': self.note}


def skipped(name: str, unit: str, note: str, target: float | None = None, better: str = '<') -> Figure:
    return Figure(name=name, value=None, unit=unit, target=target, better=better, note=note)


def from_area(area: str, row: dict) -> Figure:
    """An area module's row {'name', 'value', 'unit', 'target'}: a rate ('.../s') is better when higher."""
    unit = row.get('unit', '')
    return Figure(name=f'{area}: {row["name"]}', value=row.get('value'), unit=unit, target=row.get('target'),
                  better='>' if unit.endswith('/s') else '<', note=row.get('note', ''))


def spread(name: str, timings_ms: list[float], target: float | None, *, note: str = '') -> list[Figure]:
    """Median and p95 of the same measure, both held to the target (a user feels the slow ones too)."""
    if not timings_ms:
        return [skipped(f'{name} (median)', 'ms', note or 'no sample', target),
                skipped(f'{name} (p95)', 'ms', note or 'no sample', target)]
    return [Figure(name=f'{name} (median)', value=statistics.median(timings_ms), unit='ms', target=target, note=note),
            Figure(name=f'{name} (p95)', value=p95(timings_ms), unit='ms', target=target, note=note)]


def p95(values: Iterable[float]) -> float:
    """Nearest-rank 95th percentile: with 20 samples, the 19th smallest."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


async def sample_ms(call: Callable[[], Awaitable], runs: int) -> list[float]:
    """Milliseconds of `runs` calls, after one warm-up call (first query plans, caches)."""
    await call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def table(figures: list[Figure]) -> str:
    """An aligned table: name, value, target, ✓ met / ✗ missed / blank, note."""
    width = min(max((len(figure.name) for figure in figures), default=10), 78)
    lines = [f'{"figure":<{width}}  {"value":>12}  {"unit":<10}  {"target":>12}     note', '-' * (width + 60)]
    for figure in figures:
        mark = {True: '✓', False: '✗', None: ' '}[figure.met]
        target = '' if figure.target is None else f'{SYMBOLS[figure.better]} {_number(figure.target)}'
        value = '—' if figure.value is None else _number(figure.value)
        lines.append(f'{_clip(figure.name, width):<{width}}  {value:>12}  {figure.unit:<10}  {target:>12}  {mark}  '
                     f'{figure.note}'.rstrip())
    return '\n'.join(lines)


def summary(figures: list[Figure]) -> str:
    missed = [figure for figure in figures if figure.met is False]
    failed = [figure for figure in figures if figure.failed]
    met = sum(figure.met is True for figure in figures)
    lines = [f'{len(figures)} figures: {met} targets met, {len(missed)} missed, '
             f'{sum(figure.value is None for figure in figures)} without a value.']
    lines += [f'  ✗ {figure.name}: {_number(figure.value)} {figure.unit} (target {SYMBOLS[figure.better]} '
              f'{_number(figure.target)})' for figure in missed]
    lines += [f'  ! {figure.name}: {figure.note}' for figure in failed]
    return '\n'.join(lines)


def show(figures: list[Figure], json_path: Path | None) -> int:
    """Print the table and its summary, write the JSON when asked; the exit code (1 when a measure broke)."""
    print(table(figures))
    print()
    print(summary(figures))
    if json_path:
        write_json(json_path, figures)
        print(f'\nJSON: {json_path}')
    return 1 if any(figure.failed for figure in figures) else 0


def write_json(path: Path, figures: list[Figure]) -> None:
    Path(path).write_text(json.dumps([figure.to_json() for figure in figures], ensure_ascii=False, indent=1) + '\n',
                          encoding='utf-8')


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 10:
        return f'{int(value):,}'.replace(',', ' ')
    return f'{value:,.3g}'.replace(',', ' ') if abs(value) < 10 else f'{value:,.1f}'.replace(',', ' ')


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + '…'


def print_rows(rows: list[dict], *, width: int, unit_width: int = 4) -> None:
    """The rows of an area's standalone run (`python -m bench.bench_payments`...), each beside its target."""
    for row in rows:
        target = '' if row['target'] is None else f'(cible {row["target"]:g} {row["unit"]})'
        print(f'{row["name"]:<{width}} {row["value"]:>10.2f} {row["unit"]:<{unit_width}} {target}')
