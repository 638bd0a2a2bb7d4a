"""What a series' chain can't show by itself: its tail (docs/legal.md 2.6). Run by `db.integrity.verify_series`.

Removing the last documents of a series with their chain entries leaves a shorter chain that is still valid, and
emptying every table leaves an empty one. Three records outside the chain still know better:
- the audit log, append-only, records each validation with its number and each payment with its label: one that the
  chain no longer holds was removed;
- the number counters: a counter must stand at the last number issued in its period (ahead, numbers are skipped: a
  gap; behind, a number would be given twice);
- the state events (db/state_chain.py) of a document that no longer exists.
An attacker who also rewinds the counters, the audit log and the state events is not seen until the closings of
periods (issue 13) sign each chain's head: then a chain shorter than its last signed head is reported.

    problems = await tail_problems('invoice', labels_seen_in_the_chain)   # French sentences, [] when all agree
"""
from datetime import date

from tortoise.expressions import Subquery

from db.audit import AuditEntry
from db.document import ChainEntry, Document, NumberCounter, NumberSeries, StateEvent
from logic import doctypes
from logic.integrity import counter_of
from logic.numbering import period_key

PAYMENT_SERIES = doctypes.PAYMENT_SERIES


async def tail_problems(series: str, chained: set[str]) -> list[str]:
    """The anomalies of the series' tail, in French; `chained` holds every label its chain holds."""
    problems = [*await _audit_problems(series, chained), *await _counter_problems(series)]
    if series != PAYMENT_SERIES:
        problems += await _orphan_events(series)
    return problems


async def _audit_problems(series: str, chained: set[str]) -> list[str]:
    missing = [label for label in await _audited_labels(series) if label not in chained]
    if not missing:
        return []
    more = f' et {len(missing) - 1} autre(s)' if len(missing) > 1 else ''
    what = 'les règlements' if series == PAYMENT_SERIES else 'la validation des documents'
    sentence = (f'Le journal d’audit enregistre {what} {missing[0]}{more}, absent(s) de la chaîne : ils ont été '
                'retirés de la base.')
    return [sentence]


async def _audited_labels(series: str) -> list[str]:
    """The numbers (labels of payments) the audit log says were issued in `series`, oldest first, once each."""
    if series != PAYMENT_SERIES:
        actions = [f'{key}.validate' for key in doctypes.keys(legal=True) if doctypes.doc_type(key).series == series]
        found = [details.get('number') for details in await AuditEntry.filter(action__in=actions).order_by('id')
                 .values_list('details', flat=True) if isinstance(details, dict)]
        return [label for label in dict.fromkeys(found) if label]
    # Every way a payment is recorded: its settlement or reversal, a write-off and its cancellation (a state change),
    # the bulk settlements (one entry per batch: its first and last labels, consecutive).
    actions = ['payment.settle', 'payment.cancel', 'payment.settle_bulk',
               *(f'{key}.state' for key in doctypes.keys(legal=True))]
    found: list[str] = []
    for details in await AuditEntry.filter(action__in=actions).order_by('id').values_list('details', flat=True):
        if not isinstance(details, dict):
            continue
        found += [details['label']] if isinstance(details.get('label'), str) else []
        found += [label for label in details.get('labels') or () if isinstance(label, str)]
        if isinstance(details.get('first'), str) and isinstance(details.get('last'), str):
            found += _label_range(details['first'], details['last'])
    return list(dict.fromkeys(found))


def _label_range(first: str, last: str) -> list[str]:
    """'REG2026-000041'..'REG2026-000043' -> the three labels (a batch's labels share their prefix)."""
    prefix, start = first.rsplit('-', 1)
    end = last.rsplit('-', 1)[1]
    if not (start.isdigit() and end.isdigit()) or int(end) - int(start) > 1_000_000:
        return [first, last]
    return [f'{prefix}-{value:0{len(start)}d}' for value in range(int(start), int(end) + 1)]


async def _counter_problems(series: str) -> list[str]:
    label = doctypes.series_label(series) if series in doctypes.SERIES else 'Règlements'
    if series == PAYMENT_SERIES:  # labels never restart: the counter is the sequence of the last label chained
        value = (await NumberCounter.filter(series=series, period_key='').values_list('value', flat=True) or [0])[0]
        last = await ChainEntry.filter(series=series).order_by('-position').first()
        issued = int(last.label.rsplit('-', 1)[1]) if last else 0
        return [] if value == issued else [_counter_sentence(label, value, last.label if last else None, issued)]
    numbering = await NumberSeries.get_or_none(key=series)
    if numbering is None:
        return []
    counters = await NumberCounter.filter(series=series).order_by('period_key')
    problems = []
    for counter in counters:
        if counter.period_key != period_key(numbering.reset, _day_of(counter.period_key)):
            continue  # a period of the reset rule used before: its counter was carried over to today's (save_series)
        last = await _last_issued(series, counter.period_key)
        if last is None:
            # No number in the period: only a counter carried over from another period may stand above zero.
            if counter.value and counter.value not in {other.value for other in counters if other is not counter}:
                problems.append(_counter_sentence(label, counter.value, None, 0))
            continue
        issued = counter_of(numbering.pattern, last.number, last.issue_date)
        if issued is not None and issued != counter.value:  # None: the pattern changed since, nothing to compare
            problems.append(_counter_sentence(label, counter.value, last.number, issued))
    return problems


def _counter_sentence(label: str, value: int, last: str | None, issued: int) -> str:
    if value > issued:
        after = f'au dernier numéro attribué ({last})' if last else 'à ce qui a été numéroté (rien)'
        return (f'Le compteur de la série « {label} » est à {value}, en avance de {value - issued} sur {after} : la '
                'numérotation aurait un trou, ou des documents ont été retirés.')
    return (f'Le compteur de la série « {label} » est à {value}, en retard sur le dernier numéro attribué ({last}) : '
            'un numéro serait donné deux fois.')


async def _last_issued(series: str, period: str) -> Document | None:
    """The last document chained in the series whose date falls in `period` ('2026', or '' for all)."""
    entries = ChainEntry.filter(series=series)
    if period:
        year = int(period)
        entries = entries.filter(document_id__in=Subquery(Document.filter(
            series=series, issue_date__gte=date(year, 1, 1), issue_date__lte=date(year, 12, 31)).values('id')))
    entry = await entries.order_by('-position').first()
    return await Document.get_or_none(id=entry.document_id) if entry else None


def _day_of(period: str) -> date:
    return date(int(period), 1, 1) if period.isdigit() else date.today()


async def _orphan_events(series: str) -> list[str]:
    numbers = await StateEvent.filter(series=series).exclude(document_id__in=Subquery(
        Document.filter(series=series).values('id'))).order_by('id').values_list('number', flat=True)
    numbers = list(dict.fromkeys(numbers))
    if not numbers:
        return []
    more = f' et {len(numbers) - 1} autre(s)' if len(numbers) > 1 else ''
    sentence = (f'Des changements d’état de {numbers[0]}{more} sont enregistrés, mais ce document n’existe plus : '
                'il a été supprimé de la base.')
    return [sentence]
