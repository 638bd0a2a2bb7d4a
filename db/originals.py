"""Stored originals fingerprinted in the integrity chain (issue 13, docs/legal.md 2.5 and 2.6).

The original of a legal document is its PDF made at issuing (the Factur-X PDF/A-3 with its XML inside). Its SHA-256,
and that of the XML inside it, are chained in the series 'original' of ChainEntry (columns `pdf_sha256`,
`xml_sha256`, covered by the entry's HMAC), one entry per document:

- at issuing, in the issuing transaction, from the PDF made and staged before the number was committed
  (db/issuing.py): the fingerprint is of the very bytes that get stored;
- for generated data (the demo, the benchmark: `Issuer.for_generated_data`), whose originals are made on their first
  request, and for documents issued before this version: when the original is first stored or first served
  (`seal_once`, db/publishing.py). Until then nothing is stored, so nothing can be altered; from then on the file is
  checked like any other. The integrity page says so.

`verify_originals(secret, files_dir)` walks that chain: a broken entry, a stored file missing ("original manquant")
or different ("original modifié"). A missing original is never made again in its place: db/publishing.py serves a
copy marked "COPIE" (logic/render/copy_mark.py), and the check keeps reporting the loss.

Inside its transaction, a writer first bumps the 'original_chain' counter row (its row lock queues every writer of
the chain until commit, its value is the number of entries), as the cheque slips' chain does.
"""
import asyncio
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from db.document import ChainEntry, Document, NumberCounter
from db.integrity import chain_head
from db.numbering import bump_counter
from db.unit_of_work import transaction
from logic.integrity import GENESIS, chain_hash, secret_key
from logic.render import store

SERIES = 'original'
CHAIN_COUNTER = 'original_chain'
LABEL = 'Originaux stockés (PDF et XML)'
PAYLOAD_VERSION = 1
BATCH = 500


@dataclass(kw_only=True, slots=True, frozen=True)
class Fingerprint:
    pdf_sha256: str
    xml_sha256: str


def fingerprint_of(pdf: bytes) -> Fingerprint:
    """The SHA-256 of a PDF and of the Factur-X XML inside it ('' when it carries none)."""
    xml = store.xml_from_pdf(pdf) if pdf.startswith(b'%PDF-') else None
    return Fingerprint(pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                       xml_sha256=hashlib.sha256(xml).hexdigest() if xml else '')


def original_payload(*, document_id: int, series: str, number: str, pdf_sha256: str, xml_sha256: str) -> dict:
    return {'payload_version': PAYLOAD_VERSION, 'document_id': document_id, 'series': series, 'number': number,
            'pdf_sha256': pdf_sha256, 'xml_sha256': xml_sha256}


async def record(documents: list[tuple[Document, Fingerprint]], secret: str | bytes) -> None:
    """Chain the fingerprints of originals just issued: call it inside the issuing transaction."""
    if not documents:
        return
    last = await bump_counter(CHAIN_COUNTER, '', len(documents))
    _, previous = await chain_head(SERIES)
    key, entries = secret_key(secret), []
    for position, (document, print_) in enumerate(documents, start=last - len(documents) + 1):
        digest = chain_hash(key, previous, _payload(document.id, document.series, document.number, print_))
        entries.append(ChainEntry(series=SERIES, position=position, document_id=document.id, label=document.number,
                                  payload_version=PAYLOAD_VERSION, previous_hash=previous, hash=digest,
                                  pdf_sha256=print_.pdf_sha256, xml_sha256=print_.xml_sha256))
        previous = digest
    await ChainEntry.bulk_create(entries)


async def sealed(document_id: int) -> ChainEntry | None:
    return await ChainEntry.filter(series=SERIES, document_id=document_id).first()


async def seal_once(document: Document, pdf: bytes, secret: str | bytes) -> ChainEntry:
    """The fingerprint of an original stored after its issuing (generated data, older documents), chained once."""
    print_ = await asyncio.to_thread(fingerprint_of, pdf)
    async with transaction():
        await bump_counter(CHAIN_COUNTER, '', 0)  # the lock first: a concurrent request waits, then finds ours
        existing = await sealed(document.id)
        if existing is not None:
            return existing
        await record([(document, print_)], secret)
    return await sealed(document.id)


@dataclass(kw_only=True, slots=True)
class OriginalsCheck:
    """What `verify_originals` found, before it becomes a SeriesReport."""

    count: int = 0
    first: str | None = None
    last: str | None = None
    head: str = GENESIS
    broken: str | None = None
    reason: str = ''
    missing: list[str] | None = None
    altered: list[str] | None = None


async def verify_originals(secret: str | bytes, files_dir: Path | None):
    """The SeriesReport (db/integrity.py) of the originals: their chain, then each stored file against it
    (skipped when `files_dir` is None)."""
    from db.integrity import SeriesReport

    key, check = secret_key(secret), OriginalsCheck(missing=[], altered=[])
    position, after = 0, 0
    while True:
        batch = await ChainEntry.filter(series=SERIES, position__gt=after).order_by('position').limit(BATCH)
        if not batch:
            break
        rows = {id_: (series, number) for id_, series, number in await Document.filter(
            id__in=[entry.document_id for entry in batch]).values_list('id', 'series', 'number')}
        for entry in batch:
            check.count += 1
            check.first, check.last = check.first or entry.label, entry.label
            document = rows.get(entry.document_id)
            if check.broken is None:
                check.broken, check.reason = _entry_problem(key, check.head, position, entry, document)
            position, check.head = entry.position, entry.hash
        if files_dir is not None:
            await asyncio.to_thread(_check_files, files_dir, batch, check)
        after = batch[-1].position
    problems = [check.reason] if check.reason else []
    for names, sentence in ((check.missing, ('original manquant : le PDF stocké de {} a disparu (une copie marquée '
                                             '« COPIE » est servie à sa place)')),
                            (check.altered, ('original modifié : le PDF stocké de {} n’est plus celui dont '
                                             'l’empreinte a été enregistrée'))):
        if names:
            more = f' et {len(names) - 1} autre(s)' if len(names) > 1 else ''
            text = sentence.format(f'{names[0]}{more}')
            problems.append(f'{text[0].upper()}{text[1:]}.')
    counter = (await NumberCounter.filter(series=CHAIN_COUNTER, period_key='').values_list('value', flat=True)
               or [0])[0]
    if counter != position:
        problems.append(f'Le compteur des empreintes d’originaux est à {counter} alors que la chaîne en compte '
                        f'{position} : des empreintes ont été retirées.')
    return SeriesReport(series=SERIES, label=LABEL, count=check.count, first_number=check.first,
                        last_number=check.last, head=check.head, broken_number=check.broken,
                        reason=' '.join(problems), problems=tuple(problems))


def _payload(document_id: int, series: str, number: str, print_: Fingerprint) -> dict:
    return original_payload(document_id=document_id, series=series, number=number, pdf_sha256=print_.pdf_sha256,
                            xml_sha256=print_.xml_sha256)


def _entry_problem(key: bytes, previous: str, position: int, entry: ChainEntry,
                   document: tuple[str, str] | None) -> tuple[str | None, str]:
    label = entry.label
    if entry.position != position + 1:
        return label, f'Une empreinte d’original manque dans la chaîne juste avant {label} : elle a été retirée.'
    if document is None or document[1] != label:
        return label, f'{label} est introuvable : le document de cette empreinte a été supprimé ou renuméroté.'
    payload = _payload(entry.document_id, document[0], document[1],
                       Fingerprint(pdf_sha256=entry.pdf_sha256, xml_sha256=entry.xml_sha256))
    if not hmac.compare_digest(chain_hash(key, previous, payload), entry.hash):
        return label, (f'L’empreinte de l’original de {label} a été modifiée (ou une empreinte qui la précédait a '
                       'été modifiée, supprimée ou déplacée).')
    return None, ''


def _check_files(files_dir: Path, batch: list[ChainEntry], check: OriginalsCheck) -> None:
    for entry in batch:
        path = store.pdf_path(files_dir, entry.document_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            check.missing.append(entry.label)
            continue
        if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), entry.pdf_sha256):
            check.altered.append(entry.label)
