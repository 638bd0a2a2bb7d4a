"""Issuing many invoices at once (demo, benchmark, later imports): `db.issuing.issue`, fed in batches.

Every invoice goes through the one issuing path (mentions, numbers, frozen copy, chain, one audit entry per
invoice, the same payment-method fallback and schedule rules as a draft validated from the editor). What this module
adds is the feeding: the totals, frozen copies, mentions, line rows and schedules of a batch are prepared while the
previous batch is written: on SQLite in a child process (pure Python: `_Feed`), so that the preparation uses the
second core and leaves the writing process's GIL to SQLite's thread; on PostgreSQL in a thread.

`stops` interleave documents validated through the app's own paths (a deposit invoice, a balance invoice: the demo's
deposits) with the bulk ones: a stop `(day, coroutine function)` runs once every invoice dated on or before `day` is
validated and before any later one, so that each takes its number in date order (gapless, chronological). Batches
never straddle a stop's day; the next batch is prepared meanwhile.

Each batch commits on its own (a transaction of 2,000 invoices holds the series for about a second): a refusal in
a later batch (a date before the series' last one, a missing mention) leaves the earlier batches validated.

    ids = await validate_in_bulk(actor, [BulkInvoice(draft=..., issue_date=...), ...], issuer=issuer)
    ids = await validate_in_bulk(actor, invoices, issuer=Issuer.for_generated_data(secret), stops=[(day, settle)])
"""
import asyncio
import gc
import multiprocessing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date

from tortoise import connections

from db import sepa
from db.actor import Actor
from db.company import Company, PaymentMethod
from db.contact import Contact
from db.document import Document
from db.drafts import as_stored, pick_payment_method
from db.issuing import Issue, Issuer, NewLine, issue
from db.settings import get_company
from db.validation import build_snapshot, due_on, frozen_values, party_of_contact
from logic import doctypes
from logic.draft import Draft, DraftLine, check_invoice_totals
from logic.errors import DomainError
from logic.schedule import schedule_dates, split_evenly
from logic.snapshot import Party, with_direct_debit

BATCH = 2000


@dataclass(kw_only=True, slots=True)
class BulkInvoice:
    """One invoice to create validated: its content, its date, its schedule (`parts` installments split evenly,
    the first one due on the payment terms' date, the next ones a month apart).

    `make_lines`, when given, makes the draft's lines (its own `lines` then unused) when the invoice's batch is
    prepared, and they are dropped with the batch: a million invoices' lines, all made at once, do not fit in
    memory (db/demo.py draws them compactly)."""

    draft: Draft
    issue_date: date
    parts: int = 1
    source_id: int | None = None
    make_lines: Callable[[], list[DraftLine]] | None = None
    links: tuple[int | None, ...] | None = None  # the line each line bills (a delivery note's), by position

    def full_draft(self) -> Draft:
        if self.make_lines is None and self.links is None:
            return self.draft
        lines = self.draft.lines if self.make_lines is None else self.make_lines()
        if self.links is not None:
            lines = [replace(line, source_line_id=link) for line, link in zip(lines, self.links, strict=True)]
        return replace(self.draft, lines=lines)


Stop = tuple[date, Callable[[], Awaitable[object]]]


async def validate_in_bulk(actor: Actor, invoices: list[BulkInvoice], *, issuer: Issuer, batch: int = BATCH,
                           progress=None, stops: list[Stop] = ()) -> list[int]:
    """Create and validate `invoices` (sorted by date here, stably), in batches; returns their ids in number order."""
    company = await get_company()
    if company is None:
        raise DomainError('Renseignez d’abord la fiche société (Paramètres > Société).')
    invoices = sorted(invoices, key=lambda item: item.issue_date)
    if invoices and invoices[-1].issue_date > date.today():
        raise DomainError('La date d’une facture ne peut pas être dans le futur.')
    if {doctypes.series_of(item.draft.doc_type) for item in invoices} - {'invoice'}:
        raise ValueError('validate_in_bulk validates invoices and deposit invoices only')
    contacts = {c.id: c for c in await Contact.filter(id__in={i.draft.client_id for i in invoices})}
    context = _Context(company=company, contacts=contacts,
                       parties={contact_id: party_of_contact(contact) for contact_id, contact in contacts.items()},
                       methods=await PaymentMethod.all().order_by('id'),
                       debits=await sepa.debit_terms(contacts, company))
    stops = sorted(stops, key=lambda stop: stop[0])
    if stops and stops[-1][0] > date.today():
        raise DomainError('La date d’une facture ne peut pas être dans le futur.')
    chunks = _chunks(invoices, batch, [day for day, _ in stops])
    ids: list[int] = []
    waiting = list(reversed(stops))
    # The next batch is prepared (on SQLite in a child process: _Feed) and received while this one is written.
    feed = _Feed(chunks, context)
    upcoming = asyncio.ensure_future(asyncio.to_thread(feed.next_batch)) if chunks else None
    try:
        for index, chunk in enumerate(chunks):
            prepared = await upcoming
            upcoming = None
            if index + 1 < len(chunks):
                upcoming = asyncio.ensure_future(asyncio.to_thread(feed.next_batch))
            while waiting and waiting[-1][0] < chunk[0].issue_date:
                await waiting.pop()[1]()
            ids += await _validate_batch(actor, prepared, issuer)
            if progress:
                progress(f'{len(ids)} factures validées')
        while waiting:
            await waiting.pop()[1]()
    finally:
        if upcoming is not None:  # a refusal stops here: the batch being prepared is dropped
            upcoming.add_done_callback(lambda done: done.cancelled() or done.exception())
            await asyncio.wait([upcoming])  # its thread reads the pipe: not closed under it
        feed.close()
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
    methods: list[PaymentMethod]
    debits: dict[int, dict]  # PA5: the mandate each client paying by direct debit has (db/sepa.py: debit_terms)


def _prepare_batch(chunk: list[BulkInvoice], context: _Context) -> list[Issue]:
    """Totals, frozen copies, mentions checked and encoded rows of a batch: pure Python, before (and beside) the
    transaction. The documents are new rows: `issue` checks the mentions found, numbers, freezes and writes them."""
    return [_issue_of(_prepared(item, context)) for item in chunk]


def _prepared(item: BulkInvoice, context: _Context) -> tuple:
    """One invoice prepared, as plain values that cross a pipe cheaply: its row's columns, its schedule, its state,
    its encoded snapshot and line rows, the mentions it lacks. Its DraftLines and its frozen copy as dataclasses stay
    behind (the rows and the stored copy are made): they were most of what unpickling cost the writing process."""
    draft = as_stored(item.full_draft())
    contact = context.contacts.get(draft.client_id)
    if contact is None:
        raise DomainError('Client inconnu.')
    method = pick_payment_method(draft.payment_method_id, contact, context.methods)
    totals = draft.totals()
    check_invoice_totals(totals)
    first = due_on(item.issue_date, method)
    amounts = split_evenly(totals.amount_due, item.parts) if item.parts > 1 else [totals.amount_due]
    schedule = list(zip(schedule_dates(first, item.parts, 1, 'months'), amounts))
    due = schedule[-1][0]
    snapshot = build_snapshot(draft, totals, doc_type=draft.doc_type, number='', on=item.issue_date,
                              due=due, company=context.company, buyer=context.parties[contact.id],
                              method=method, installments=schedule)
    snapshot = with_direct_debit(snapshot, context.debits.get(contact.id))
    columns = dict(
        doc_type=draft.doc_type, source_id=item.source_id,
        global_discount_kind=draft.global_discount_kind, global_discount_value=draft.global_discount_value,
        shipping=draft.shipping, shipping_vat_rate=draft.shipping_vat_rate,
        shipping_vat_category=draft.shipping_vat_category, purchase_order=draft.purchase_order,
        header_text=draft.header_text, footer_text=draft.footer_text, notes=draft.notes,
        total_cost=draft.cost(), **frozen_values(totals, contact, method))
    issue_ = Issue(document=Document(**columns), snapshot=snapshot, installments=schedule,
                   lines=[NewLine(line=line, net=net, source_line_id=line.source_line_id)  # a delivery's line
                          for line, net in zip(draft.lines, totals.line_nets)],
                   state='validated' if any(amount for _, amount in schedule) else 'paid')
    return columns, schedule, issue_.state, issue_.encode(), issue_.lacks()


def _issue_of(prepared: tuple) -> Issue:
    columns, schedule, state, encoded, missing = prepared
    return Issue(document=Document(**columns), snapshot=None, installments=schedule, lines=[], state=state,
                 encoded=encoded, missing=missing)


class _Feed:
    """The prepared batches, in order. With several batches, a child process (forked: it shares the invoices
    and the context as they are, nothing is pickled to it) prepares them one ahead and sends each through a pipe;
    the writing process only unpickles and makes the rows' models. Prepared in a thread, the batches held the
    writing process's GIL (about 0.5 ms of Python an invoice) that SQLite's thread and the chain's hashing wait
    for. A single batch, or any on PostgreSQL (`_writes_in_a_thread`), is prepared in a thread. (Receiving two
    batches ahead instead of one was not faster: 117 s against 108 s for the demo's invoices at 100,000.)"""

    def __init__(self, chunks: list[list[BulkInvoice]], context: _Context) -> None:
        self.chunks, self.context, self.index = chunks, context, 0
        self.process = self.reader = None
        if len(chunks) > 1 and _writes_in_a_thread() and 'fork' in multiprocessing.get_all_start_methods():
            fork = multiprocessing.get_context('fork')
            self.reader, writer = fork.Pipe(duplex=False)
            self.process = fork.Process(target=_feed, args=(chunks, context, writer, self.reader), daemon=True,
                                        name='facturier-bulk-prepare')
            self.process.start()
            writer.close()

    def next_batch(self) -> list[Issue]:
        """The next batch (blocking: call it in a thread)."""
        chunk, self.index = self.chunks[self.index], self.index + 1
        if self.reader is None:
            return _prepare_batch(chunk, self.context)
        try:
            kind, value = self.reader.recv()
        except EOFError:
            raise RuntimeError('the process preparing the invoices stopped') from None
        if kind == 'refused':
            raise DomainError(value)
        if kind == 'failed':
            raise RuntimeError(f'preparing the invoices failed: {value}')
        return [_issue_of(prepared) for prepared in value]

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()  # done (it has exited) or a refusal stopped the writing: it prepares no more
            self.process.join()
            self.reader.close()
            self.process = None


def _writes_in_a_thread() -> bool:
    """SQLite: the writes run in a thread of this process (aiosqlite), which a preparing thread keeps waiting for the
    GIL. PostgreSQL's server works in its own process and needs a core too: there the batches are prepared in a thread
    while the event loop waits for the server (at 100,000 invoices on this 2-core machine, 372 s for the load that
    way, 415 s with a child process beside the server)."""
    return connections.get('default').capabilities.dialect == 'sqlite'


def _feed(chunks: list[list[BulkInvoice]], context: _Context, writer, reader) -> None:
    """The child process: prepare every batch in order and send it; a refusal is sent as its French message."""
    # The pipe's reading end, inherited from the fork, closed here: with the writing process gone (killed), the
    # next send fails and the child ends, where it waited forever on a full pipe that it kept open itself.
    reader.close()
    gc.freeze()  # the parent's objects as forked: the collector does not walk (and so copy) their pages
    try:
        for chunk in chunks:
            try:
                batch = [_prepared(item, context) for item in chunk]
            except DomainError as exc:
                writer.send(('refused', str(exc)))
                return
            except Exception as exc:  # noqa: BLE001 - sent to the writing process, which raises it there
                writer.send(('failed', f'{type(exc).__name__}: {exc}'))
                return
            writer.send(('batch', batch))
    except (BrokenPipeError, OSError):
        return  # the writing process stopped reading (a refusal): nothing more to prepare
    finally:
        writer.close()


async def _validate_batch(actor: Actor, prepared: list[Issue], issuer: Issuer) -> list[int]:
    async def prepare() -> list[Issue]:
        return [item.copy() for item in prepared]  # fresh rows each run: a dry run must not leave ids behind

    return [document.id for document in await issue(actor, prepare, issuer=issuer)]
