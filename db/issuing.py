"""Issuing a legal document: the ONE path that numbers an invoice, a deposit invoice, a credit note (and the legal
types to come). Validation (db/validation.py), deposits (db/deposits.py), credit notes (db/credit_notes.py) and the
bulk path (db/bulk.py: demo, imports) all call `issue`; nothing else takes a number of a legal series.

An operation hands `issue` two coroutine functions:
- `prepare()`: inside the transaction, lock and read what it needs, check its own rules and return the `Issue`s:
  each document's row (an existing draft, or a new row), its frozen copy without a number, its lines and
  installments when it is new;
- `complete(documents)` (optional): inside the same transaction, once the documents are numbered, frozen and
  chained, the type's own effects (a credit note imputed on its invoice, a deposit's settlement...).

`issue` then, for every document, in this order, and only here:
1. checks the legal mentions (`MentionsMissing`, nothing taken);
2. takes the numbers (`db.numbering.take_numbers`: gapless, chronological, the series locked until commit);
3. freezes the row with its snapshot, writes its lines and installments, sets its state;
4. appends it to the integrity chain, starts its chain of states (db/state_chain.py) and writes ONE audit entry
   per document (the same entry whatever the path);
5. runs `complete`, and publishes the change once the outermost transaction commits (db/unit_of_work.py).

The stored original (the Factur-X PDF/A-3, docs/legal.md 2.5) is made and checked BEFORE the number is committed, from
exactly the snapshot that will be frozen: `issue` first runs the operation in a transaction that is always rolled
back (the dry run: same locks, same checks, the numbers it would take), renders and checks those snapshots outside
any transaction (`EInvoiceInvalid`: nothing validated), stages the PDFs on disk, then runs the operation for real
and compares: if a snapshot differs (another process took the number meanwhile), it rolls back and starts again.
After the commit the staged PDFs get their final names; a numbered document is never without its original.
Issues of one series queue on an in-process lock across these steps, so a retry only happens between processes.

    documents = await issue(actor, prepare, issuer=Issuer.of(config, run.cpu_bound), complete=complete)

`Issuer.for_generated_data(secret)` skips the originals (made on first request instead): for the demo and the
benchmark's generated data only, where rendering 100,000 PDFs up front would take hours.
"""
import asyncio
import errno
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path

from tortoise.exceptions import IntegrityError

from db import changes, originals
from db.actor import Actor
from db.audit import AuditEntry
from db.bulk_rows import insert_lines, insert_rows, line_row, snapshot_dict
from db.closings import check_open
from db.contact import Contact
from db.document import ChainEntry, Document, Installment
from db.integrity import chain_head, next_entries
from db.numbering import issuing_scope, take_numbers
from db.settings import get_company
from db.state_chain import record_issued
from db.templates_ops import choose_template, client_template_id, style_of
from db.unit_of_work import on_commit, transaction
from logic import doctypes
from logic.draft import DraftLine
from logic.errors import DomainError
from logic.mentions import missing_mentions
from logic.render import service, store
from logic.render.service import Runner
from logic.render.style import TemplateStyle
from logic.snapshot import DocumentSnapshot

ATTEMPTS = 5
logger = logging.getLogger(__name__)


class MentionsMissing(DomainError):
    """Issuing refused: `missing` lists the legal mentions to complete, in French."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__('Validation impossible, il manque : ' + ', '.join(missing) + '.')


class DiskFull(DomainError):
    """The disk of the data (files or database) is full: what was asked was not done, nothing is half written."""

    def __init__(self, undone: str = 'rien n’a été validé') -> None:
        super().__init__(f'Plus de place sur le disque des données : {undone}. Libérez de la place puis réessayez.')


def is_disk_full(exc: BaseException) -> bool:
    """A full disk, whoever met it: a file write (ENOSPC, EDQUOT), SQLite ("database or disk is full") or
    PostgreSQL (SQLSTATE 53100), also when wrapped by Tortoise."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if 'disk is full' in str(exc) or getattr(exc, 'sqlstate', None) == '53100':
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@dataclass(kw_only=True, slots=True, frozen=True)
class Issuer:
    """What issuing needs besides the data: the integrity chain's key and where and how originals are made."""

    secret: str | bytes
    files_dir: Path | None = None
    uploads_dir: Path | None = None
    run: Runner | None = None

    @classmethod
    def of(cls, config, run: Runner) -> 'Issuer':
        """From the instance's configuration (secret, data folders) and a runner (`nicegui.run.cpu_bound`)."""
        return cls(secret=config.secret, files_dir=config.files_dir, uploads_dir=config.uploads_dir, run=run)

    @classmethod
    def for_generated_data(cls, secret: str | bytes) -> 'Issuer':
        """Demo and benchmark data only: no original made up front (see the module's docstring)."""
        return cls(secret=secret)

    @property
    def makes_originals(self) -> bool:
        return self.files_dir is not None and self.run is not None


@dataclass(kw_only=True, slots=True, frozen=True)
class NewLine:
    """A line of a document created by its issuing (credit notes, deposit and bulk invoices)."""

    line: DraftLine
    net: Decimal | None
    source_line_id: int | None = None


@dataclass(kw_only=True, slots=True)
class Issue:
    """One legal document to issue, as its operation prepared it inside the transaction, before its number.

    - `document`: the locked draft (saved) or a new row (not saved) with every column but the number, the snapshot
      and the state; `snapshot`: its frozen copy with `number=''`.
    - `lines`: a new document's lines (an existing draft keeps its own); `installments`: the (due date, amount) of
      the installments to create, of `installment_kind`; an existing draft's own installments are kept.
    - `state`: 'validated', or 'paid' when nothing is left to receive; `audit`: details added to its audit entry.
    - `encoded`, `missing`: what `encode()` and `lacks()` make of the snapshot and lines, kept once made. The bulk
      path (db/bulk.py) makes them before the transaction, in another process, and passes `lines=[]` and
      `snapshot=None` with them: the rows to write and the frozen copy as stored are in `encoded`.
    """

    document: Document
    snapshot: DocumentSnapshot | None
    lines: list[NewLine] | None = None
    installments: list[tuple[date, Decimal]] = field(default_factory=list)
    installment_kind: str = 'installment'
    state: str = 'validated'
    audit: dict = field(default_factory=dict)

    encoded: tuple[dict, list[tuple]] | None = None
    missing: list[str] | None = None

    def __post_init__(self) -> None:
        if self.snapshot is None and (self.encoded is None or self.missing is None):
            raise ValueError('an issue without its snapshot comes with it encoded and its missing mentions')
        kind = doctypes.doc_type(self.document.doc_type)  # where the registry files and numbers it
        self.document.family, self.document.series = kind.family, kind.series

    @property
    def series(self) -> str:
        return doctypes.doc_type(self.document.doc_type).series

    def lacks(self) -> list[str]:
        """The legal mentions its frozen copy lacks (`logic.mentions.missing_mentions`), as French phrases."""
        if self.missing is None:
            self.missing = missing_mentions(self.snapshot)
        return self.missing

    def encode(self) -> tuple[dict, list[tuple]]:
        """The snapshot as stored (without its number) and the new lines' rows (document id 0): pure Python, which
        the bulk path runs before the transaction, with `lacks()`."""
        if self.encoded is None:
            self.encoded = (snapshot_dict(self.snapshot),
                            [line_row(0, position, new.line, new.net, new.source_line_id)
                             for position, new in enumerate(self.lines or ())])
        return self.encoded

    def copy(self) -> 'Issue':
        """The same issue on a fresh, unsaved row (a new document is written once per run)."""
        if self.document.id is not None:
            raise ValueError('only a new document is copied')
        return Issue(document=self.document.clone(), snapshot=self.snapshot, lines=self.lines,
                     installments=self.installments, installment_kind=self.installment_kind, state=self.state,
                     audit=self.audit, encoded=self.encoded, missing=self.missing)

    @property
    def issue_date(self) -> date:
        if self.snapshot is not None:
            return self.snapshot.issue_date
        return date.fromisoformat(self.encoded[0]['issue_date'])

    @property
    def due_date(self) -> date | None:
        if self.snapshot is not None:
            return self.snapshot.due_date
        due = self.encoded[0]['due_date']
        return date.fromisoformat(due) if due else None


Prepare = Callable[[], Awaitable[list[Issue]]]
Complete = Callable[[list[Document]], Awaitable[object]]


async def issue(actor: Actor, prepare: Prepare, *, issuer: Issuer, complete: Complete | None = None) -> list[Document]:
    """Number, freeze, chain and audit what `prepare` returns (see the module's docstring); the documents, in order."""
    if not issuer.makes_originals:
        async with transaction():
            return await _issue_once(actor, prepare, complete, issuer, expected=None)
    for _ in range(ATTEMPTS):
        async with _series_lock():
            staged = await _dry_run(actor, prepare, complete, issuer)
            try:
                async with transaction():
                    documents = await _issue_once(actor, prepare, complete, issuer,
                                                  expected=[item.snapshot for item in staged])
                    # The fingerprints of the very PDFs staged, chained with the documents (db/originals.py).
                    await originals.record([(document, item.fingerprint) for document, item in zip(documents, staged)],
                                           issuer.secret)
            except _Stale:
                _discard(issuer, staged)
                continue
            except BaseException as exc:
                _discard(issuer, staged)
                if is_disk_full(exc):  # the database could not grow: rolled back, as if never asked
                    raise DiskFull() from exc
                raise
        for document in documents:  # once committed: inside a caller's transaction, when that one commits
            on_commit(partial(_promote, issuer.files_dir, document.series, document.number, document.id))
        return documents
    raise DomainError('D’autres documents sont numérotés en ce moment : réessayez dans un instant.')


async def document_style(document: Document) -> TemplateStyle:
    """The print style of a document: its own template, else its client's preferred one, else the default."""
    contact = await Contact.get_or_none(id=document.client_id) if document.client_id else None
    template = await choose_template(document.template_id, client_template_id(contact, document.doc_type),
                                     document.doc_type)
    return style_of(template, await get_company())


async def make_original(snapshot: DocumentSnapshot, style: TemplateStyle, *, run: Runner,
                        uploads_dir: Path | None) -> bytes:
    """The original PDF of a numbered legal document: its Factur-X PDF/A-3 once the e-invoice checks pass
    (`EInvoiceInvalid` otherwise), a plain PDF for a type without an e-invoice."""
    if service.is_einvoice(snapshot):
        return (await service.produce_einvoice(snapshot, style, run=run, uploads_dir=uploads_dir)).pdf
    return await service.render_preview(snapshot, style, run=run, uploads_dir=uploads_dir, draft=False)


# --- the steps ----------------------------------------------------------------------------------------------------


class _Stale(Exception):
    """The real run would freeze another snapshot than the one whose original was made: start again."""


@dataclass(kw_only=True, slots=True, frozen=True)
class _Staged:
    snapshot: dict
    series: str
    number: str
    fingerprint: originals.Fingerprint


class _DryRunDone(Exception):
    """Rolls the dry run back, carrying what it would have frozen."""

    def __init__(self, planned: list[tuple[dict, str, str, TemplateStyle]]) -> None:
        super().__init__('dry run')
        self.planned = planned


async def _dry_run(actor: Actor, prepare: Prepare, complete: Complete | None, issuer: Issuer) -> list[_Staged]:
    """Run the operation in a transaction that is always rolled back, then make and stage the originals of exactly
    the snapshots it would have frozen (outside the transaction: rendering takes a few tenths of a second)."""
    try:
        async with transaction():
            documents = await _issue_once(actor, prepare, complete, issuer, expected=None)
            planned = [(document.snapshot, document.series, document.number, await document_style(document))
                       for document in documents]
            raise _DryRunDone(planned)
    except _DryRunDone as done:
        planned = done.planned
    staged: list[_Staged] = []
    try:
        for snapshot, series, number, style in planned:
            pdf = await make_original(DocumentSnapshot.from_dict(snapshot), style, run=issuer.run,
                                      uploads_dir=issuer.uploads_dir)
            await asyncio.to_thread(_stage, issuer.files_dir, series, number, pdf)
            staged.append(_Staged(snapshot=snapshot, series=series, number=number,
                                  fingerprint=await asyncio.to_thread(originals.fingerprint_of, pdf)))
    except BaseException as exc:  # one original refused (EInvoiceInvalid) or not written: none stays staged
        _discard(issuer, staged)
        if is_disk_full(exc):
            raise DiskFull() from exc
        raise
    return staged


def _stage(files_dir: Path, series: str, number: str, pdf: bytes) -> None:
    """`store.stage_pdf`, without the half-written temporary it leaves behind when the disk fills up meanwhile."""
    folder = store.staged_path(files_dir, series, number).parent
    before = set(folder.glob('.tmp-*')) if folder.is_dir() else set()
    try:
        store.stage_pdf(files_dir, series, number, pdf)
    except OSError:
        for leftover in set(folder.glob('.tmp-*')) - before:
            leftover.unlink(missing_ok=True)
        raise


def _promote(files_dir: Path, series: str, number: str, document_id: int) -> None:
    """After the commit the document is issued whatever happens here: an original that can't get its final name now
    (a full disk) keeps its staged one, and `publishing.document_pdf` promotes it on its first request."""
    try:
        store.promote(files_dir, series, number, document_id)
    except OSError:
        logger.exception('original of %s %s left staged (promoted on its first request)', series, number)


def _discard(issuer: Issuer, staged: list[_Staged]) -> None:
    for item in staged:
        store.discard_staged(issuer.files_dir, item.series, item.number)


async def _issue_once(actor: Actor, prepare: Prepare, complete: Complete | None, issuer: Issuer,
                      expected: list[dict] | None) -> list[Document]:
    issues = await prepare()
    if not issues:
        return []
    for item in issues:  # every mention of every document first: nothing is taken when one is missing
        if not doctypes.is_legal(item.document.doc_type):
            raise ValueError(f'{item.document.doc_type} is not a legal document type')
        missing = item.lacks()
        if missing:
            raise MentionsMissing(missing)
    documents = await _number_and_freeze(actor, issues, issuer.secret)
    if expected is not None and [document.snapshot for document in documents] != expected:
        raise _Stale()
    if complete is not None:
        await complete(documents)
    for document in documents:
        changes.publish(changes.DOCUMENTS, document.id)
        changes.publish(changes.PAYMENTS, document.id)  # its planned installments are now due
    return documents


async def _number_and_freeze(actor: Actor, issues: list[Issue], secret: str | bytes) -> list[Document]:
    now = datetime.now(timezone.utc)
    series = {item.series for item in issues}
    if len(series) != 1:
        raise ValueError('one issue() call numbers documents of one series')
    (key,) = series
    issues = sorted(issues, key=lambda item: item.issue_date)  # stable: the caller's order within a day
    with issuing_scope():
        numbers = await take_numbers(key, [item.issue_date for item in issues])
    # After the series lock: a closing that committed meanwhile is seen (db/closings.py).
    await check_open([item.issue_date for item in issues], 'valider un document')
    for item, number in zip(issues, numbers):
        document = item.document  # plain attributes: the column checks run when the row is written
        document.number, document.snapshot = number, dict(item.encode()[0], number=number)
        document.issue_date, document.due_date = item.issue_date, item.due_date
        document.validated_at, document.created_by_id = now, document.created_by_id or actor.user_id
    new = [item for item in issues if item.document.id is None]
    try:
        async with transaction():  # a savepoint: once the database refuses a number, we can still ask which one
            await _insert_new(key, new)
            for item in issues:
                if item.lines is None:  # an existing draft: frozen in one save
                    item.document.state = item.state
                    item.document.version += 1
                    await item.document.save()
    except IntegrityError as exc:
        await _refuse_number_used_elsewhere(key, numbers, exc)
        raise
    documents = [item.document for item in issues]
    # The chain hashes (what a row holds once issued, its state aside) are computed in a thread meanwhile.
    position, previous = await chain_head(key)
    chained = asyncio.ensure_future(asyncio.to_thread(next_entries, key, position + 1, previous, documents, secret))
    try:
        await _finish_new(new)
        await _write_installments(issues)
        await insert_rows(AuditEntry, [_audit_entry(actor, item, now) for item in issues])
    finally:
        entries = await chained
    await insert_rows(ChainEntry, entries)
    await record_issued(documents, secret)  # the genesis of each document's chain of states
    return documents


async def _refuse_number_used_elsewhere(key: str, numbers: list[str], exc: IntegrityError) -> None:
    """A number another legal document holds (the unique index of migration documents/0007: a series whose pattern
    gave another series' numbers before the settings refused it) is a French refusal; nothing is kept."""
    taken = await Document.filter(doc_type__in=doctypes.keys(legal=True), number__in=numbers).order_by('id').first()
    if taken is not None:
        raise DomainError(f'Le numéro {taken.number} est déjà utilisé par un autre document '
                          f'({doctypes.label(taken.doc_type).lower()}) : rien n’a été enregistré. Un administrateur '
                          f'doit changer le modèle de numérotation de la série « {doctypes.series_label(key)} ».'
                          ) from exc


async def _insert_new(series: str, issues: list[Issue]) -> None:
    """New documents, inserted as drafts (the database guards let lines in only while their document is a draft)."""
    if not issues:
        return
    for item in issues:
        item.document.state = 'draft'
    await Document.bulk_create([item.document for item in issues])
    # bulk_create does not return ids everywhere: read them back by number, unique in the series.
    ids = dict(await Document.filter(series=series, number__in=[item.document.number for item in issues])
               .values_list('number', 'id'))
    for item in issues:
        item.document.id = ids[item.document.number]
        item.document._saved_in_db = True


async def _finish_new(issues: list[Issue]) -> None:
    """Their lines, then their state: one UPDATE per state."""
    await insert_lines([(item.document.id,) + row[1:] for item in issues for row in item.encode()[1]])
    for state in dict.fromkeys(item.state for item in issues):
        await Document.filter(id__in=[item.document.id for item in issues if item.state == state]).update(state=state)
    for item in issues:
        item.document.state = item.state


async def _write_installments(issues: list[Issue]) -> None:
    """Create the new installments, and enter every installment of the issued documents in Payments (PA1) with the
    number and the client they are listed and searched by: 'paid' when nothing is left to receive."""
    await insert_rows(Installment, [
        {'document_id': item.document.id, 'position': position, 'due_date': due, 'amount': amount,
         'kind': item.installment_kind, 'status': 'open' if amount else 'paid', 'paid_amount': 0,
         'number': item.document.number, 'client_id': item.document.client_id,
         'client_name': item.document.client_name}
        for item in issues for position, (due, amount) in enumerate(item.installments)])
    for item in issues:
        if item.lines is not None:
            continue
        await Installment.filter(document_id=item.document.id).update(
            status='paid' if item.state == 'paid' else 'open', number=item.document.number,
            client_id=item.document.client_id, client_name=item.document.client_name)


def _audit_entry(actor: Actor, item: Issue, now: datetime) -> dict:
    """The audit entry of one document issued, as a row of AuditEntry (`insert_rows`)."""
    document = item.document
    return {'at': now, 'user_id': actor.user_id, 'actor': actor.email, 'action': f'{document.doc_type}.validate',
            'target': f'document:{document.id}', 'ip': actor.ip,
            'details': {'number': document.number, 'issue_date': document.issue_date.isoformat(),
                        'client': document.client_name, 'total_ttc': str(document.total_ttc),
                        'state': ['draft', document.state], **item.audit}}


_locks: 'weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]' = weakref.WeakKeyDictionary()


def _series_lock() -> asyncio.Lock:
    """One issuing at a time in this process (per event loop): a dry run and its real run see the same numbers.

    One lock for every series: an operation may issue in one series and chain payments in another. Not reentrant:
    a `complete` must not call `issue` again."""
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


