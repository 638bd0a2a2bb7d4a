"""Validating many invoices at once (demo, benchmark, later imports): the same rules as db/validation.py, in batches.

For each batch: totals from the engine, the frozen copy and the legal mentions check for every invoice (before the
transaction, in a thread, while the previous batch is written); then in one transaction one `take_numbers` for the
whole batch (gapless, chronological, one counter UPDATE per period), inserts with bulk_create (documents as drafts,
their lines, then one UPDATE to their final state, so that the database guards hold: lines are only ever written
while their document is a draft), chain hashes computed in Python in number order (in a thread, while the lines are
inserted), the installments ('open': what is paid is the payments journal's to say, db/payment_bulk.py) and one
audit entry. SQLite works outside the GIL, so the threads use the second core. About 100,000 invoices of 10 lines in
under 3 minutes on SQLite.

`stops` interleave documents validated through the app's own paths (a deposit invoice, a balance invoice: the demo's
deposits) with the bulk ones: a stop `(day, coroutine function)` runs once every invoice dated on or before `day` is
validated and before any later one, so that each takes its number in date order (gapless, chronological). Batches
never straddle a stop's day; the next batch is prepared meanwhile.

Each batch commits on its own (a transaction of 2,000 invoices holds the series for about a second): a refusal in
a later batch (a date before the series' last one, a missing mention) leaves the earlier batches validated.

    ids = await validate_in_bulk(actor, [BulkInvoice(draft=..., issue_date=...), ...], secret=config.secret)
    ids = await validate_in_bulk(actor, invoices, secret=config.secret, stops=[(day, settle_that_deposit)])
"""
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from tortoise.transactions import in_transaction

from db import changes
from db.actor import Actor
from db.audit import record
from db.company import Company, PaymentMethod
from db.contact import Contact
from db.bulk_rows import insert_lines, line_row, snapshot_dict
from db.document import FAMILY, SERIES, ChainEntry, Document, Installment
from db.integrity import chain_head, next_entries
from db.numbering import take_numbers
from db.settings import get_company
from db.validation import MentionsMissing, build_snapshot, due_on, party_of_contact
from logic.draft import Draft
from logic.errors import DomainError
from logic.mentions import missing_mentions
from logic.schedule import split_evenly
from logic.snapshot import Party

BATCH = 2000


@dataclass(kw_only=True, slots=True)
class BulkInvoice:
    """One invoice to create validated: its content, its date, its schedule (`parts` installments split evenly,
    the first one due on the payment terms' date, the next ones a month apart)."""

    draft: Draft
    issue_date: date
    parts: int = 1
    source_id: int | None = None


Stop = tuple[date, Callable[[], Awaitable[object]]]


async def validate_in_bulk(actor: Actor, invoices: list[BulkInvoice], *, secret: str, batch: int = BATCH,
                           progress=None, stops: list[Stop] = ()) -> list[int]:
    """Create and validate `invoices` (sorted by date here, stably), in batches; returns their ids in number order."""
    company = await get_company()
    if company is None:
        raise DomainError('Renseignez d’abord la fiche société (Paramètres > Société).')
    invoices = sorted(invoices, key=lambda item: item.issue_date)
    if invoices and invoices[-1].issue_date > date.today():
        raise DomainError('La date d’une facture ne peut pas être dans le futur.')
    if {SERIES[item.draft.doc_type] for item in invoices} - {'invoice'}:
        raise ValueError('validate_in_bulk validates invoices and deposit invoices only')
    contacts = {c.id: c for c in await Contact.filter(id__in={i.draft.client_id for i in invoices})}
    context = _Context(company=company, contacts=contacts,
                       parties={contact_id: party_of_contact(contact) for contact_id, contact in contacts.items()},
                       methods={method.id: method for method in await PaymentMethod.all()})
    stops = sorted(stops, key=lambda stop: stop[0])
    if stops and stops[-1][0] > date.today():
        raise DomainError('La date d’une facture ne peut pas être dans le futur.')
    chunks = _chunks(invoices, batch, [day for day, _ in stops])
    ids: list[int] = []
    waiting = list(reversed(stops))
    # The next batch is prepared in a thread while this one is written: SQLite works outside the GIL, so the
    # preparation (totals, frozen copies, line rows: pure Python) runs on the other core meanwhile.
    upcoming = asyncio.ensure_future(asyncio.to_thread(_prepare_batch, chunks[0], context)) if chunks else None
    try:
        for index, chunk in enumerate(chunks):
            prepared = await upcoming
            upcoming = None
            if index + 1 < len(chunks):
                upcoming = asyncio.ensure_future(asyncio.to_thread(_prepare_batch, chunks[index + 1], context))
            while waiting and waiting[-1][0] < chunk[0].issue_date:
                await waiting.pop()[1]()
            ids += await _validate_batch(actor, prepared, secret)
            if progress:
                progress(f'{len(ids)} factures validées')
        while waiting:
            await waiting.pop()[1]()
    finally:
        if upcoming is not None:  # a refusal stops here: the batch being prepared is dropped
            upcoming.add_done_callback(lambda done: done.cancelled() or done.exception())
    return ids


def _chunks(invoices: list[BulkInvoice], batch: int, stop_days: list[date]) -> list[list[BulkInvoice]]:
    """Batches of at most `batch` invoices in date order, cut at each stop's day (none straddles one)."""
    chunks, current, next_stop = [], [], 0
    for item in invoices:
        while next_stop < len(stop_days) and stop_days[next_stop] < item.issue_date:
            if current:
                chunks.append(current)
                current = []
            next_stop += 1
        current.append(item)
        if len(current) == batch:
            chunks.append(current)
            current = []
    return chunks + [current] if current else chunks


@dataclass(kw_only=True, slots=True)
class _Context:
    company: Company
    contacts: dict[int, Contact]
    parties: dict[int, Party]
    methods: dict[int, PaymentMethod]

    @property
    def default_method(self) -> PaymentMethod | None:
        return next((m for m in self.methods.values() if m.is_default), None)


@dataclass(kw_only=True, slots=True)
class _Prepared:
    """One invoice ready to write: everything but its number and its id, known inside the transaction."""
    item: BulkInvoice
    document: Document
    snapshot: dict
    lines: list[tuple]  # line_row() tuples, document_id left at 0
    schedule: list[tuple[date, object]]  # (due date, amount) of each installment


def _prepare_batch(chunk: list[BulkInvoice], context: _Context) -> list[_Prepared]:
    """Totals, frozen copies, mentions and rows of a batch: pure Python, before (and beside) the transaction."""
    default = context.default_method
    prepared = []
    for item in chunk:
        _, totals, snapshot, method, due, schedule = _prepare(item, context.company, context.contacts,
                                                              context.parties, context.methods, default)
        draft = item.draft
        document = Document(
            doc_type=draft.doc_type, family=FAMILY[draft.doc_type], series='invoice', state='draft', number='',
            issue_date=item.issue_date, due_date=due, client_id=draft.client_id,
            client_name=context.contacts[draft.client_id].display_name[:255],
            payment_method_id=method.id if method else None, global_discount_kind=draft.global_discount_kind,
            global_discount_value=draft.global_discount_value, shipping=draft.shipping,
            shipping_vat_rate=draft.shipping_vat_rate, shipping_vat_category=draft.shipping_vat_category,
            purchase_order=draft.purchase_order, header_text=draft.header_text, footer_text=draft.footer_text,
            notes=draft.notes, total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc,
            prepaid=totals.prepaid, amount_due=totals.amount_due, source_id=item.source_id)
        # The frozen copy's number is its only field unknown here: encoded now, numbered in the transaction
        # (the same dict as snapshot_dict(replace(snapshot, number=number))).
        prepared.append(_Prepared(item=item, document=document, snapshot=snapshot_dict(snapshot), schedule=schedule,
                                  lines=[line_row(0, position, line, totals.line_nets[position])
                                         for position, line in enumerate(draft.lines)]))
    return prepared


async def _validate_batch(actor, prepared: list[_Prepared], secret) -> list[int]:
    async with in_transaction():
        numbers = await take_numbers('invoice', [entry.item.issue_date for entry in prepared])
        documents = []
        validated_at = datetime.now(timezone.utc)
        for entry, number in zip(prepared, numbers):
            document = entry.document
            entry.snapshot['number'] = number
            document.number, document.snapshot = number, entry.snapshot
            document.created_by_id, document.validated_at = actor.user_id, validated_at
            documents.append(document)
        await Document.bulk_create(documents)
        # bulk_create does not return ids everywhere: read them back by number, unique in the series.
        by_number = dict(await Document.filter(series='invoice', number__in=numbers).values_list('number', 'id'))
        for document in documents:
            document.id = by_number[document.number]
        # The chain (sequential HMACs over each frozen copy) is computed in a thread while the rows are written.
        position, previous = await chain_head('invoice')
        chained = asyncio.ensure_future(asyncio.to_thread(next_entries, 'invoice', position + 1, previous,
                                                          documents, secret))
        try:
            await insert_lines([(document.id,) + row[1:] for document, entry in zip(documents, prepared)
                                for row in entry.lines])
            await Installment.bulk_create([_installment(document, position, due, amount)
                                           for document, entry in zip(documents, prepared)
                                           for position, (due, amount) in enumerate(entry.schedule)])
            # Nothing to receive (a zero total) is paid at once; the others wait for the payments journal.
            settled = {document.id for document, entry in zip(documents, prepared)
                       if not any(amount for _, amount in entry.schedule)}
            for state, state_ids in (('validated', [doc.id for doc in documents if doc.id not in settled]),
                                     ('paid', list(settled))):
                if state_ids:
                    await Document.filter(id__in=state_ids).update(state=state)
        finally:
            entries = await chained
        await ChainEntry.bulk_create(entries)
        await record('invoice.validate_bulk', actor, target='series:invoice',
                     details={'count': len(documents), 'first': numbers[0], 'last': numbers[-1]})
    changes.publish(changes.DOCUMENTS, None)
    return [document.id for document in documents]


def _installment(document: Document, position: int, due: date, amount) -> Installment:
    """One installment as validation makes it: 'open' (in the payments list), with the number and the client
    copied for that list; settling it is the payments journal's business (db/payments.py, db/payment_bulk.py)."""
    return Installment(document_id=document.id, position=position, due_date=due, amount=amount,
                       status='open' if amount else 'paid', paid_amount=0, number=document.number,
                       client_name=document.client_name, client_id=document.client_id)


def _prepare(item: BulkInvoice, company, contacts, parties, methods, default):
    """Totals, frozen copy and mentions of one invoice: pure Python, before the transaction opens."""
    contact = contacts.get(item.draft.client_id)
    if contact is None:
        raise DomainError('Client inconnu.')
    method = methods.get(item.draft.payment_method_id or contact.default_payment_method_id or 0) or default
    totals = item.draft.totals()
    if totals.total_ttc < 0:
        raise DomainError('Le total d’une facture ne peut pas être négatif : établissez plutôt un avoir.')
    first = due_on(item.issue_date, method)
    schedule = list(zip([first + timedelta(days=30 * index) for index in range(item.parts)],
                        split_evenly(totals.amount_due, item.parts) if item.parts > 1 else [totals.amount_due]))
    due = schedule[-1][0]
    snapshot = build_snapshot(item.draft, totals, doc_type=item.draft.doc_type, number='', on=item.issue_date,
                              due=due, company=company, buyer=parties[contact.id], method=method,
                              installments=schedule)
    missing = missing_mentions(snapshot)
    if missing:
        raise MentionsMissing(missing)
    return item, totals, snapshot, method, due, schedule
