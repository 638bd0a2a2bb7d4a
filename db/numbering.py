"""Numbering series (SE4): settings (admin only) and the gapless allocation of numbers.

Allocation, always inside the caller's transaction:
1. lock the series row (SELECT ... FOR UPDATE on PostgreSQL, SQLite serialises writers anyway): validations of one
   series queue here, so numbers, the date order and the integrity chain are decided one at a time;
2. bump the counter row with UPDATE ... SET value = value + 1 (created on the first number of a period), then read it;
3. render the pattern. A rollback after that undoes the bump: no gap. The unique (series, number) constraint backs
   it up, and a number that already exists (after an unlucky pattern change) is refused with a French message.
   Across series, the settings refuse patterns that could give the same number, and a unique index on the number of
   every legal document (migration documents/0007) backs that up: `db.issuing` turns its refusal into a French one.
Never a database SEQUENCE: sequences are not transactional and leave gaps.

    await take_number('invoice', date(2026, 3, 9))   # 'F2026-00001', then 'F2026-00002'... (inside db.issuing)
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from db.actor import Actor, require_admin
from db.audit import changes, record
from db.document import Document, NumberCounter, NumberSeries
from db.unit_of_work import transaction
from logic import doctypes
from logic.dates import format_date
from logic.errors import DomainError
from logic.numbering import DEFAULT_PATTERNS, SERIES_LABELS, check_distinct, period_key, render, validate_pattern

# The advisory lock key of the chained series' writers and of closings ("Clos"): see `share_writers_lock`.
WRITERS_LOCK = 0x436C6F73

_issuing: ContextVar[bool] = ContextVar('numbering_legal_documents', default=False)


async def list_series() -> list[NumberSeries]:
    """Every series, in the order of SERIES_LABELS (quotes, invoices, credit notes, orders, delivery notes)."""
    rows = {row.key: row for row in await NumberSeries.all()}
    for key, pattern in DEFAULT_PATTERNS.items():  # a series added to the code after the seeding migration
        if key not in rows:
            rows[key] = await NumberSeries.create(key=key, pattern=pattern, reset='yearly')
    order = list(SERIES_LABELS)
    return sorted(rows.values(), key=lambda row: order.index(row.key) if row.key in order else len(order))


async def preview_next(key: str, on: date | None = None) -> str:
    """The number the next document of the series would get on `on` (today), without taking it."""
    on = on or date.today()
    series = await _series(key)
    current = await NumberCounter.get_or_none(series=key, period_key=period_key(series.reset, on))
    return render(series.pattern, on=on, counter=(current.value if current else 0) + 1)


async def save_series(actor: Actor, key: str, *, pattern: str, reset: str, version: int,
                      active: bool | None = None) -> NumberSeries:
    """Change a series' pattern or reset rule (admin only). The counter carries on: no number is ever reused, and
    a pattern that could give a number of another series is refused (`logic.numbering.check_distinct`).

    When the reset rule changes, the counter of today's new period starts from the current one (F2026-00042 is
    followed by F2026-00043 whatever the rule), and the next number is checked against the issued ones.
    """
    require_admin(actor)
    pattern = (pattern or '').strip()
    validate_pattern(pattern, reset)
    async with transaction():
        # Every series locked, in one order: two admins can't give two series colliding patterns at once.
        rows = {row.key: row for row in await NumberSeries.all().order_by('id').select_for_update()}
        series = rows.get(key)
        if series is None:
            raise DomainError('Série de numérotation inconnue.')
        if series.version != version:
            raise DomainError('La numérotation a été modifiée par quelqu’un d’autre : rechargez la page.')
        values = {'pattern': pattern, 'reset': reset, **({'active': active} if active is not None else {})}
        diff = changes({name: getattr(series, name) for name in values}, values)
        if not diff:
            return series
        if pattern != series.pattern:  # a pattern kept as it was is not refused for a collision made before
            check_distinct(key, pattern, {other: row.pattern for other, row in rows.items()})
        today = date.today()
        if reset != series.reset:
            await _carry_counter(key, period_key(series.reset, today), period_key(reset, today))
        current = await NumberCounter.get_or_none(series=key, period_key=period_key(reset, today))
        upcoming = render(pattern, on=today, counter=(current.value if current else 0) + 1)
        if await Document.filter(series=key, number=upcoming).exists():
            raise DomainError(f'Avec ce modèle, le prochain numéro serait {upcoming}, déjà attribué : '
                              'choisissez un autre modèle (un numéro ne sert jamais deux fois).')
        series.update_from_dict(values)
        series.version += 1
        await series.save()
        await record('settings.numbering', actor, target=f'number_series:{key}', details=diff)
    return series


async def take_number(key: str, on: date) -> str:
    """The next number of the series for a document dated `on`. Call it inside the document's transaction."""
    return (await take_numbers(key, [on]))[0]


async def take_numbers(key: str, dates: list[date]) -> list[str]:
    """Numbers for documents dated `dates` (in that order, which must be chronological), one lock for all.

    A legal series (invoices, credit notes) is numbered only by `db.issuing.issue`, inside `issuing_scope()`: a
    number taken anywhere else would skip the mentions, the original, the chain or the audit entry.
    """
    if not dates:
        return []
    if doctypes.is_chronological(key) and not _issuing.get():
        raise RuntimeError(f'the {key} series is numbered by db.issuing.issue only')
    if any(later < earlier for earlier, later in zip(dates, dates[1:])):
        raise ValueError('dates must be in chronological order')
    series = await NumberSeries.filter(key=key).select_for_update().first()
    if series is None:
        raise DomainError('Série de numérotation inconnue.')
    # docs/legal.md 2.1: a number of a legal series never carries an earlier date than the one before it.
    if doctypes.is_chronological(key) and series.last_date and dates[0] < series.last_date:
        raise DomainError(f'La date du {format_date(dates[0])} précède celle du dernier document numéroté de la série '
                          f'({format_date(series.last_date)}) : la numérotation doit rester chronologique.')
    numbers: list[str] = []
    by_period: dict[str, list[date]] = {}
    for on in dates:
        by_period.setdefault(period_key(series.reset, on), []).append(on)
    for period, period_dates in by_period.items():
        last = await bump_counter(key, period, len(period_dates))
        first = last - len(period_dates) + 1
        numbers += [render(series.pattern, on=on, counter=first + index) for index, on in enumerate(period_dates)]
    taken = await Document.filter(series=key, number__in=numbers).values_list('number', flat=True)
    if taken:
        raise DomainError(f'Le numéro {taken[0]} est déjà attribué : un administrateur doit changer le modèle de '
                          'numérotation de cette série.')
    if series.last_date is None or dates[-1] > series.last_date:
        await NumberSeries.filter(id=series.id).update(last_date=dates[-1])
    return numbers


@contextmanager
def issuing_scope() -> Iterator[None]:
    """Where `db.issuing` numbers legal documents (see `take_numbers`)."""
    token = _issuing.set(True)
    try:
        yield
    finally:
        _issuing.reset(token)


async def bump_counter(series: str, period: str, count: int = 1) -> int:
    """Add `count` to the counter row of (series, period) and return its new value: the ONE way every chained
    series takes its numbers (document series through `take_numbers`, the payments journal through
    `db.integrity.take_payment_label` and `db.payment_bulk`). Call it inside the caller's transaction.

    The UPDATE comes first: on PostgreSQL its row lock queues concurrent writers of the series until commit, so each
    one numbers and chains after the previous one; SQLite serialises writers anyway. A missing row (first number of
    a period) is created in a savepoint, where a concurrent creation fails alone, then bumped.
    """
    await share_writers_lock()
    if not await _increment(series, period, count):
        try:
            async with transaction():
                await NumberCounter.create(series=series, period_key=period, value=0)
        except IntegrityError:
            pass  # created meanwhile by a concurrent writer, which committed: bump it now
        await _increment(series, period, count)
    return (await NumberCounter.filter(series=series, period_key=period).values_list('value', flat=True))[0]


async def share_writers_lock() -> None:
    """PostgreSQL: the writers' share of the lock that a closing takes alone (`db.closings`), until the commit.

    Writers of the chained series hold it together (they don't wait for each other here); a closing waits for those
    in flight to commit (they are counted in it), and those that come after wait for the closing to commit (they see
    it and are refused by `check_open`). Unlike row locks, it also holds for a counter row not created yet (the
    first number of a new period). SQLite serialises writers anyway.
    """
    connection = connections.get('default')
    if connection.capabilities.dialect == 'postgres':
        await connection.execute_query('SELECT pg_advisory_xact_lock_shared($1)', [WRITERS_LOCK])


async def _increment(series: str, period: str, count: int) -> int:
    return await NumberCounter.filter(series=series, period_key=period).update(value=F('value') + count)


async def _carry_counter(key: str, old_period: str, new_period: str) -> None:
    old = await NumberCounter.get_or_none(series=key, period_key=old_period)
    new = await NumberCounter.get_or_none(series=key, period_key=new_period)
    start = max(old.value if old else 0, new.value if new else 0)
    if new is None:
        await NumberCounter.create(series=key, period_key=new_period, value=start)
    elif new.value != start:
        await NumberCounter.filter(id=new.id).update(value=start)


async def _series(key: str) -> NumberSeries:
    series = await NumberSeries.get_or_none(key=key)
    if series is None:
        raise DomainError('Série de numérotation inconnue.')
    return series
