"""The integrity chain of validated invoices and credit notes (AC3), one chain per numbering series.

Each validation appends a ChainEntry whose hash is `logic.integrity.chain_hash(secret, previous, payload)`; the
payload (PAYLOAD_VERSION 1) is built from the stored row: the frozen columns that lists and exports read (number,
date, client, totals) and the whole snapshot (seller, buyer, lines, VAT, mentions). Any change of those, a deleted
document, or a deleted, inserted or reordered entry is then reported by `verify_integrity`, which the command
`python main.py verify` and the page "Contrôle d'intégrité" run.

`append_to_chain` must run inside the validation's transaction, after `take_number`: the series lock taken there is
what keeps two validations from chaining onto the same previous entry.
"""
import asyncio
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from db.document import ChainEntry, Document
from logic.integrity import GENESIS, chain_hash
from logic.money import CENT
from logic.numbering import SERIES_LABELS

PAYLOAD_VERSION = 1
CHAINED_SERIES = ('invoice', 'credit_note')
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


async def append_to_chain(document: Document, secret: str | bytes) -> ChainEntry:
    last = await ChainEntry.filter(series=document.series).order_by('-position').first()
    previous = last.hash if last else GENESIS
    return await ChainEntry.create(
        series=document.series, position=(last.position + 1) if last else 1, document_id=document.id,
        label=document.number, payload_version=PAYLOAD_VERSION, previous_hash=previous,
        hash=chain_hash(_key(secret), previous, chain_payload(document)))


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
    state = _Walk(key=_key(secret))
    while batch := await ChainEntry.filter(series=series, position__gt=state.position).order_by('position').limit(
            BATCH):
        documents = {doc.id: doc for doc in await Document.filter(id__in=[entry.document_id for entry in batch])}
        await asyncio.to_thread(state.walk, batch, documents)
        if progress:
            progress(series, state.count)
    numbered = await Document.filter(series=series, number__not_isnull=True).exclude(state='draft').count()
    unchained = max(numbered - state.count, 0)
    reason = state.reason
    if state.broken is None and unchained:
        reason = (f'{unchained} document(s) validé(s) absent(s) de la chaîne : ils ont été ajoutés hors de '
                  'Facturier.')
    return SeriesReport(series=series, label=SERIES_LABELS.get(series, series), count=state.count,
                        first_number=state.first, last_number=state.last, head=state.previous,
                        broken_number=state.broken, reason=reason, unchained=unchained)


@dataclass(kw_only=True, slots=True)
class _Walk:
    """Where the check of a chain stands between two batches."""

    key: bytes
    count: int = 0
    position: int = 0
    previous: str = GENESIS
    first: str | None = None
    last: str | None = None
    broken: str | None = None
    reason: str = ''

    def walk(self, batch: list[ChainEntry], documents: dict[int, Document]) -> None:
        for entry in batch:
            self.count += 1
            self.first = self.first or entry.label
            self.last = entry.label
            if self.broken is None:
                self._check(entry, documents.get(entry.document_id))
            self.position = entry.position
            self.previous = entry.hash

    def _check(self, entry: ChainEntry, document: Document | None) -> None:
        label = entry.label
        if entry.position != self.position + 1:
            self.broken, self.reason = label, (f'Une écriture manque dans la chaîne juste avant {label} : un '
                                               'document validé a été retiré.')
        elif document is None or document.number != label:
            self.broken, self.reason = label, f'{label} est introuvable : le document a été supprimé ou renuméroté.'
        elif not hmac.compare_digest(chain_hash(self.key, self.previous, chain_payload(document)), entry.hash):
            self.broken, self.reason = label, (f'{label} a été modifié après sa validation (ou une écriture qui le '
                                               'précédait a été modifiée, supprimée ou déplacée).')


def _key(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode('utf-8')
