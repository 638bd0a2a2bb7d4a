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
"""
import asyncio
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from db.document import ChainEntry, Document, Payment
from db.numbering import bump_counter
from logic import doctypes, payments as payment_rules
from logic.integrity import GENESIS, chain_hash
from logic.money import CENT

PAYLOAD_VERSION = 1
CHAINED_SERIES = ('invoice', 'credit_note', 'payment')
LABELS = {**{key: series.label for key, series in doctypes.SERIES.items()}, doctypes.PAYMENT_SERIES: 'Règlements'}
PAYMENT_SERIES = 'payment'
BATCH = 1000
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
    reason: str = ''
    unchained: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_number is None and not self.unchained


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
                 secret: str | bytes) -> list[ChainEntry]:
    """Chain entries for documents validated together, in order (the bulk path: hashes computed in Python)."""
    entries, key = [], _key(secret)
    for offset, document in enumerate(documents):
        digest = chain_hash(key, previous, chain_payload(document))
        entries.append(ChainEntry(series=series, position=start_position + offset, document_id=document.id,
                                  label=document.number, payload_version=PAYLOAD_VERSION, previous_hash=previous,
                                  hash=digest))
        previous = digest
    return entries


async def chain_head(series: str) -> tuple[int, str]:
    """(position, hash) of the last entry of the series, (0, GENESIS) when empty."""
    last = await ChainEntry.filter(series=series).order_by('-position').first()
    return (last.position, last.hash) if last else (0, GENESIS)


async def verify_integrity(secret: str | bytes, progress: Progress | None = None) -> list[SeriesReport]:
    """Check every chain; each report names the first altered or missing document of its series."""
    return [await verify_series(series, secret, progress) for series in CHAINED_SERIES]


async def verify_series(series: str, secret: str | bytes, progress: Progress | None = None) -> SeriesReport:
    """Recompute every hash of the series in order, in batches (a 100,000-invoice chain never sits in memory).

    Same rules as logic.integrity.verify_chain, with clearer reasons for a deleted document or entry. After a break
    the check goes on from the stored hash, so that the count and the head describe the whole chain as stored.
    The hashing runs in a worker thread batch by batch, so that a page stays responsive (about 40 s for 100,000
    invoices): call it from a background task and show `progress(series, checked)`.
    """
    source = _SOURCES.get(series, _DOCUMENTS)
    state = _Walk(key=_key(secret), source=source)
    while batch := await ChainEntry.filter(series=series, position__gt=state.position).order_by('position').limit(
            BATCH):
        rows = await source.load([entry.document_id for entry in batch])
        await asyncio.to_thread(state.walk, batch, rows)
        if progress:
            progress(series, state.count)
    unchained = max(await source.count(series) - state.count, 0)
    reason = state.reason
    if state.broken is None and unchained:
        reason = (f'{unchained} {source.plural} absent(s) de la chaîne : ils ont été ajoutés hors de '
                  'Facturier.')
    return SeriesReport(series=series, label=LABELS.get(series, series), count=state.count,
                        first_number=state.first, last_number=state.last, head=state.previous,
                        broken_number=state.broken, reason=reason, unchained=unchained)


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
        hash=chain_hash(_key(secret), previous, payment_payload(payment)))


@dataclass(kw_only=True, slots=True, frozen=True)
class _Source:
    """Where the rows of a series' chain live: how to load them, their label and hashed payload, and the wording."""

    load: Callable[[list[int]], Awaitable[dict[int, object]]]
    label: Callable[[object], str | None]
    payload: Callable[[object], dict]
    count: Callable[[str], Awaitable[int]]
    plural: str
    missing: str
    altered: str


async def _load_documents(ids: list[int]) -> dict[int, Document]:
    return {doc.id: doc for doc in await Document.filter(id__in=ids)}


async def _load_payments(ids: list[int]) -> dict[int, Payment]:
    return {payment.id: payment for payment in await Payment.filter(id__in=ids)}


async def _count_documents(series: str) -> int:
    return await Document.filter(series=series, number__not_isnull=True).exclude(state='draft').count()


async def _count_payments(_series: str) -> int:
    return await Payment.all().count()


_DOCUMENTS = _Source(load=_load_documents, label=lambda doc: doc.number, payload=chain_payload,
                     count=_count_documents, plural='document(s) validé(s)',
                     missing='le document a été supprimé ou renuméroté',
                     altered='a été modifié après sa validation')
_SOURCES = {PAYMENT_SERIES: _Source(load=_load_payments, label=lambda payment: payment.label, payload=payment_payload,
                                    count=_count_payments, plural='règlement(s)',
                                    missing='le règlement a été supprimé ou modifié',
                                    altered='a été modifié après son enregistrement')}


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

    def walk(self, batch: list[ChainEntry], rows: dict[int, object]) -> None:
        for entry in batch:
            self.count += 1
            self.first = self.first or entry.label
            self.last = entry.label
            if self.broken is None:
                self._check(entry, rows.get(entry.document_id))
            self.position = entry.position
            self.previous = entry.hash

    def _check(self, entry: ChainEntry, row: object | None) -> None:
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


def _key(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode('utf-8')
