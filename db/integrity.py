"""The integrity chain of validated invoices, credit notes and payments (AC3, docs/legal.md 2.6), one chain per series.

Each validation appends a ChainEntry whose hash is `logic.integrity.chain_hash(secret, previous, payload)`; the
payload (PAYLOAD_VERSION 1) is built from the stored row: the frozen columns that lists and exports read (number,
date, client, totals) and the whole snapshot (seller, buyer, lines, VAT, mentions). Any change of those, a deleted
document, or a deleted, inserted or reordered entry is then reported by `verify_integrity`, which the command
`python main.py verify` and the page "Contrôle d'intégrité" run.

Documents are chained by db/issuing.py (`next_entries`, inside the issuing transaction, after `take_numbers`: the
series lock taken there is what keeps two issuings from chaining onto the same previous entry).

Payments (series 'payment'): each record of the payments journal (db/payments.py) is chained too, its entry's
`document_id` holding the payment's id and `label` its Payment.label. Inside the payment's transaction,
`take_payment_label()` first bumps the 'payment' counter row (the lock that queues payments one at a time, created
on demand) and gives the label to store with the row (the table is append-only), then `append_payment(payment,
secret)` chains it. The payload is logic.payments.chain_payload of the stored row.

What the chain of a series does not cover, `verify_series` checks beside it (docs/legal.md 2.6):
- each document's stored lines against its frozen copy (`first_line_mismatch`): credit notes are built from those
  rows, and read them only through `frozen_lines` (which refuses rows that differ) after `check_sealed`;
- each document's state against its chain of states (db/state_chain.py);
- the tail, which a shorter chain can't show: the audit log's validations and payments, the number counters, the
  state events of documents gone (db/integrity_checks.py). Each closing (db/closings.py) records every head: an
  attacker who also rewinds the counters, the audit log and the state events goes unseen only after the last one.
"""
import asyncio
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from tortoise.fields import BooleanField, DateField, JSONField

from db import integrity_checks
from db.document import ChainEntry, Document, DocumentLine, Payment, StateEvent
from db.fields import FixedDecimalField
from db.numbering import bump_counter
from db.raw_values import day, rows_by_ids
from db.state_chain import state_problem
from logic import doctypes
from logic import payments as payment_rules
from logic.errors import DomainError
from logic.integrity import GENESIS, LINE_AMOUNTS, LINE_TEXTS, chain_hash, first_line_mismatch, secret_key
from logic.money import CENT

PAYLOAD_VERSION = 1
CHAINED_SERIES = ('invoice', 'credit_note', 'payment')
LABELS = {**{key: series.label for key, series in doctypes.SERIES.items()}, doctypes.PAYMENT_SERIES: 'Règlements'}
PAYMENT_SERIES = 'payment'
BATCH = 1000
_LINE_FIELDS = DocumentLine._meta.fields_map
Progress = Callable[[str, int], None]


@dataclass(kw_only=True, slots=True, frozen=True)
class SeriesReport:
    """The state of one series' chain: what the page and the command print."""

    series: str
    label: str
    count: int
    first_number: str | None
    last_number: str | None
    head: str
    broken_number: str | None = None
    # Every anomaly found, one French sentence each: the chain's first break, documents left out of it, lines and
    # states that differ from what was frozen and chained, then the tail (db/integrity_checks.py); `reason` joins them.
    reason: str = ''
    unchained: int = 0
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken_number is None and not self.unchained and not self.problems


def chain_payload(document: Document) -> dict:
    """What the hash covers, from the stored row (the same at validation and at every later check)."""
    return {
        'payload_version': PAYLOAD_VERSION, 'id': document.id, 'series': document.series,
        'doc_type': document.doc_type, 'number': document.number, 'issue_date': document.issue_date,
        'due_date': document.due_date, 'client_id': document.client_id,
        **{name: getattr(document, name).quantize(CENT)
           for name in ('total_ht', 'total_vat', 'total_ttc', 'prepaid', 'amount_due')},
        'snapshot': document.snapshot,
    }


def next_entries(series: str, start_position: int, previous: str, documents: list[Document],
                 secret: str | bytes) -> list[dict]:
    """Chain entries for documents validated together, in order, as rows of ChainEntry (`db.bulk_rows.insert_rows`;
    the bulk path: hashes computed in Python)."""
    entries, key = [], secret_key(secret)
    for offset, document in enumerate(documents):
        digest = chain_hash(key, previous, chain_payload(document))
        entries.append({'series': series, 'position': start_position + offset, 'document_id': document.id,
                        'label': document.number, 'payload_version': PAYLOAD_VERSION, 'previous_hash': previous,
                        'hash': digest})
        previous = digest
    return entries


async def chain_head(series: str) -> tuple[int, str]:
    """(position, hash) of the last entry of the series, (0, GENESIS) when empty."""
    last = await ChainEntry.filter(series=series).order_by('-position').first()
    return (last.position, last.hash) if last else (0, GENESIS)


async def verify_integrity(secret: str | bytes, progress: Progress | None = None,
                           files_dir: Path | None = None) -> list[SeriesReport]:
    """Check every chain; each report names the first altered or missing document of its series. With `files_dir`,
    the stored originals are read and compared with their fingerprints too."""
    from db.cheque_chain import verify_slips  # noqa: PLC0415 - it builds on this module
    from db.closings import verify_closings  # noqa: PLC0415
    from db.originals import verify_originals  # noqa: PLC0415

    # The cheque remittance slips (PA4) have their own chain and checks (db/cheque_chain.py); the originals' and the
    # closings' (issue 13) come last: a closing compares the heads of every chain it recorded with the chains now.
    return [*[await verify_series(series, secret, progress) for series in CHAINED_SERIES], await verify_slips(secret),
            await verify_originals(secret, files_dir), await verify_closings(secret)]


async def verify_series(series: str, secret: str | bytes, progress: Progress | None = None) -> SeriesReport:
    """Recompute every hash of the series in order, in batches (a 100,000-invoice chain never sits in memory), with
    each document's lines and states; then what the chain can't show (db/integrity_checks.py).

    Same rules as logic.integrity.verify_chain, with clearer reasons for a deleted document or entry. After a break
    the check goes on from the stored hash, so that the count and the head describe the whole chain as stored.
    The hashing runs in a worker thread batch by batch, so that a page stays responsive (about 40 s for 100,000
    invoices): call it from a background task and show `progress(series, checked)`.
    """
    source = _SOURCES.get(series, _DOCUMENTS)
    state = _Walk(key=secret_key(secret), source=source)
    batch, loaded = await _next_batch(series, source, 0)
    while batch:
        # The next batch is read while this one is hashed and compared in a worker thread.
        walking = asyncio.ensure_future(asyncio.to_thread(state.walk, batch, *loaded))
        try:
            following, loaded = await _next_batch(series, source, batch[-1].position)
        finally:
            await walking
        batch = following
        if progress:
            progress(series, state.count)
    unchained = max(await source.count(series) - state.count, 0)
    problems = [state.reason] if state.reason else []
    if state.broken is None and unchained:
        problems.append(f'La chaîne est vide alors que {unchained} {source.plural} existent : elle a été vidée.'
                        if not state.count else
                        f'{unchained} {source.plural} absent(s) de la chaîne : ils ont été ajoutés hors de '
                        'Facturier.')
    problems += [*state.problems(), *await integrity_checks.tail_problems(series, state.labels)]
    return SeriesReport(series=series, label=LABELS.get(series, series), count=state.count,
                        first_number=state.first, last_number=state.last, head=state.previous,
                        broken_number=state.broken, reason=' '.join(problems), unchained=unchained,
                        problems=tuple(problems))


async def check_sealed(document: Document, secret: str | bytes) -> None:
    """Refuse (DomainError) an issued document whose row is no longer the one chained at its validation: what is
    read from it for a legal purpose (a credit note) must be what was issued."""
    entry = await ChainEntry.filter(series=document.series, document_id=document.id).first()
    if entry is None or not hmac.compare_digest(
            chain_hash(secret_key(secret), entry.previous_hash, chain_payload(document)), entry.hash):
        raise DomainError(f'Le document {document.number} a été modifié hors de Facturier depuis sa validation : rien '
                          'ne peut en être tiré. Lancez le contrôle d’intégrité (Paramètres > Contrôle d’intégrité).')


async def frozen_lines(document: Document) -> list[DocumentLine]:
    """The stored lines of an issued document, in order, refused (DomainError) unless they are its frozen copy's:
    credit notes take their quantities, prices and ids from here."""
    lines = await DocumentLine.filter(document_id=document.id).order_by('position')
    rows = [{name: getattr(line, name) for name in (*LINE_TEXTS, *LINE_AMOUNTS)} for line in lines]
    if document.snapshot is not None and \
            first_line_mismatch(document.snapshot, rows, vat_included=document.vat_included) is not None:
        raise DomainError(f'Les lignes du document {document.number} ne correspondent plus à sa copie figée : elles '
                          'ont été modifiées hors de Facturier. Lancez le contrôle d’intégrité (Paramètres > Contrôle '
                          'd’intégrité).')
    return lines


def payment_payload(payment: Payment) -> dict:
    """What the hash of a payment covers, from the stored row."""
    return payment_rules.chain_payload(
        id=payment.id, installment_id=payment.installment_id, document_id=payment.document_id, kind=payment.kind,
        amount=payment.amount, paid_on=payment.paid_on, method=payment.method, reference=payment.reference,
        reason=payment.reason, reverses_id=payment.reverses_id, label=payment.label, client_name=payment.client_name,
        created_by_id=payment.created_by_id)


async def take_payment_label(on: date | None = None) -> str:
    """The label of the next payment, taking the payment chain's lock: call it inside the payment's transaction.

    The 'payment' counter row (period '', it never resets, so labels stay unique across years) is bumped by
    `db.numbering.bump_counter`, whose row lock queues concurrent payments until commit, so each one chains onto
    the previous one.
    """
    value = await bump_counter(PAYMENT_SERIES, '')
    return payment_rules.label_of((on or date.today()).year, value)


async def append_payment(payment: Payment, secret: str | bytes) -> ChainEntry:
    """Chain a payment record; `take_payment_label` must have been called in the same transaction."""
    last = await ChainEntry.filter(series=PAYMENT_SERIES).order_by('-position').first()
    previous = last.hash if last else GENESIS
    return await ChainEntry.create(
        series=PAYMENT_SERIES, position=(last.position + 1) if last else 1, document_id=payment.id,
        label=payment.label, payload_version=payment_rules.PAYLOAD_VERSION, previous_hash=previous,
        hash=chain_hash(secret_key(secret), previous, payment_payload(payment)))


@dataclass(kw_only=True, slots=True, frozen=True)
class _Source:
    """Where the rows of a series' chain live: how to load them, their label and hashed payload, and the wording."""

    load: Callable[[list[int]], Awaitable[dict[int, dict]]]
    typed: Callable[[dict], object]  # a loaded row as the checks read it (run in the hashing thread)
    label: Callable[[object], str | None]
    payload: Callable[[object], dict]
    count: Callable[[str], Awaitable[int]]
    plural: str
    missing: str
    altered: str


# The columns a check reads: the chain's payload (chain_payload, payment_payload), the lines' and states' checks.
_DOCUMENT_COLUMNS = ('id', 'series', 'doc_type', 'number', 'issue_date', 'due_date', 'client_id', 'total_ht',
                     'total_vat', 'total_ttc', 'prepaid', 'amount_due', 'snapshot', 'vat_included', 'state')
_PAYMENT_COLUMNS = ('id', 'installment_id', 'document_id', 'kind', 'amount', 'paid_on', 'method', 'reference',
                    'reason', 'reverses_id', 'label', 'client_name', 'created_by_id')


async def _load_documents(ids: list[int]) -> dict[int, dict]:
    return await _stored(Document, _DOCUMENT_COLUMNS, ids)


async def _load_payments(ids: list[int]) -> dict[int, dict]:
    return await _stored(Payment, _PAYMENT_COLUMNS, ids)


async def _stored(model, columns: tuple[str, ...], ids: list[int]) -> dict[int, dict]:
    """Rows `ids` of `model`, the `columns` a check reads, as the driver returns them (`_typing` converts them, in
    the hashing thread). Raw rows rather than models: building whole Document models (every timestamp parsed) was
    a quarter of a check's time at 100,000 invoices, on the event loop's thread."""
    rows = await model._meta.db.execute_query_dict(rows_by_ids(model, columns, ids))
    return {row['id']: row for row in rows}


def _typing(model, columns: tuple[str, ...]) -> Callable[[dict], SimpleNamespace]:
    """A row of `_stored` with the values the model's fields give (dates, booleans, money, JSON), as attributes.
    The fields are looked at on first use: a foreign key's `_id` field exists once Tortoise is initialised."""
    converters: dict[str, Callable] = {}

    def typed(row: dict) -> SimpleNamespace:
        if not converters:
            for name in columns:
                kind = model._meta.fields_map[name]
                if isinstance(kind, DateField):  # not a DatetimeField (none is read here)
                    converters[name] = lambda value: None if value is None else day(value)
                elif isinstance(kind, BooleanField):
                    converters[name] = lambda value: None if value is None else bool(value)
                elif isinstance(kind, (FixedDecimalField, JSONField)):
                    converters[name] = kind.to_python_value
        return SimpleNamespace(**{**row, **{name: convert(row[name]) for name, convert in converters.items()}})
    return typed


async def _count_documents(series: str) -> int:
    return await Document.filter(series=series, number__not_isnull=True).exclude(state='draft').count()


async def _count_payments(_series: str) -> int:
    return await Payment.all().count()


_DOCUMENTS = _Source(load=_load_documents, typed=_typing(Document, _DOCUMENT_COLUMNS), label=lambda doc: doc.number,
                     payload=chain_payload, count=_count_documents, plural='document(s) validé(s)',
                     missing='le document a été supprimé ou renuméroté',
                     altered='a été modifié après sa validation')
_SOURCES = {PAYMENT_SERIES: _Source(load=_load_payments, typed=_typing(Payment, _PAYMENT_COLUMNS),
                                    label=lambda payment: payment.label, payload=payment_payload,
                                    count=_count_payments, plural='règlement(s)',
                                    missing='le règlement a été supprimé ou modifié',
                                    altered='a été modifié après son enregistrement')}


async def _next_batch(series: str, source: '_Source', after: int) -> tuple[list[SimpleNamespace], tuple]:
    """The chain entries of the series past position `after` (the columns the walk reads), with their rows, lines
    and state events."""
    batch = [SimpleNamespace(**entry) for entry in await ChainEntry.filter(series=series, position__gt=after)
             .order_by('position').limit(BATCH).values('position', 'document_id', 'label', 'hash')]
    if not batch:
        return batch, ()
    ids = [entry.document_id for entry in batch]
    rows = await source.load(ids)
    lines, events = (await _lines_of(ids), await _events_of(ids)) if source is _DOCUMENTS else ({}, {})
    return batch, (rows, lines, events)


async def _lines_of(ids: list[int]) -> dict[int, list[dict]]:
    """The stored lines of documents, as the columns their frozen copy also holds.

    Raw rows, amounts scaled here: Tortoise's per-field conversion would double the time of a check."""
    names = (*LINE_TEXTS, *LINE_AMOUNTS)
    scales = {name: _LINE_FIELDS[name].scale for name in LINE_AMOUNTS}
    lines: dict[int, list[dict]] = {}
    for row in await DocumentLine._meta.db.execute_query_dict(
            f'SELECT document_id, {", ".join(names)} FROM document_line WHERE document_id IN '
            f'({", ".join(str(int(id_)) for id_ in ids)}) ORDER BY document_id, position'):
        for name, scale in scales.items():
            if row[name] is not None:
                row[name] = Decimal(int(row[name])).scaleb(-scale)
        lines.setdefault(row.pop('document_id'), []).append(row)
    return lines


async def _events_of(ids: list[int]) -> dict[int, list[tuple]]:
    events: dict[int, list[tuple]] = {}
    for document_id, *values in await StateEvent.filter(document_id__in=ids).order_by('document_id', 'seq').values_list(
            'document_id', 'seq', 'number', 'previous_state', 'state', 'hash'):
        events.setdefault(document_id, []).append(tuple(values))
    return events


@dataclass(kw_only=True, slots=True)
class _Walk:
    """Where the check of a chain stands between two batches."""

    key: bytes
    source: _Source = _DOCUMENTS
    count: int = 0
    position: int = 0
    previous: str = GENESIS
    first: str | None = None
    last: str | None = None
    broken: str | None = None
    reason: str = ''
    labels: set[str] = field(default_factory=set)
    # The first document whose lines, or whose state, are not what was frozen or chained, and how many are.
    lines_issue: str = ''
    lines_count: int = 0
    state_issue: str = ''
    state_count: int = 0

    def walk(self, batch: list[SimpleNamespace], rows: dict[int, dict], lines: dict[int, list[dict]],
             events: dict[int, list[tuple]]) -> None:
        for entry in batch:
            self.count += 1
            self.first = self.first or entry.label
            self.last = entry.label
            self.labels.add(entry.label)
            row = rows.get(entry.document_id)
            row = None if row is None else self.source.typed(row)
            if self.broken is None:
                self._check(entry, row)
            if self.source is _DOCUMENTS and row is not None:
                self._check_document(row, lines.get(row.id, []), events.get(row.id, []))
            self.position = entry.position
            self.previous = entry.hash

    def problems(self) -> list[str]:
        return [f'{issue}{f" ({count - 1} autre(s) document(s) dans ce cas.)" if count > 1 else ""}'
                for issue, count in ((self.lines_issue, self.lines_count), (self.state_issue, self.state_count))
                if issue]

    def _check(self, entry: SimpleNamespace, row: object | None) -> None:
        label, source = entry.label, self.source
        if entry.position != self.position + 1:
            self.broken, self.reason = label, (f'Une écriture manque dans la chaîne juste avant {label} : un '
                                               'document validé a été retiré.' if source is _DOCUMENTS else
                                               f'Une écriture manque dans la chaîne juste avant {label} : un '
                                               'règlement a été retiré.')
        elif row is None or source.label(row) != label:
            self.broken, self.reason = label, f'{label} est introuvable : {source.missing}.'
        elif not hmac.compare_digest(chain_hash(self.key, self.previous, source.payload(row)), entry.hash):
            self.broken, self.reason = label, (f'{label} {source.altered} (ou une écriture qui le '
                                               'précédait a été modifiée, supprimée ou déplacée).')

    def _check_document(self, document: Document, lines: list[dict], events: list[tuple]) -> None:
        if document.snapshot is not None:
            position = first_line_mismatch(document.snapshot, lines, vat_included=document.vat_included)
            if position is not None:
                self.lines_count += 1
                self.lines_issue = self.lines_issue or (
                    f'Les lignes de {document.number} ne correspondent plus à sa copie figée (ligne {position + 1}) '
                    ': elles ont été modifiées hors de Facturier. Ses avoirs sont refusés tant qu’elles diffèrent.')
        problem = state_problem(self.key, document, events)
        if problem:
            self.state_count += 1
            self.state_issue = self.state_issue or problem

