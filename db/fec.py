"""The accounting export of a period (AC1): the FEC (`write_fec`) and the CSV for accounting software (`write_csv`).

    summary = await write_fec(date(2026, 1, 1), date(2026, 12, 31), out)   # out: a binary file object
    name = fec_filename(company.siren, date(2026, 12, 31))               # '123456789FEC20261231.txt'

What goes in: every issued legal document dated in the period (its frozen copy: the totals of its PDF and its Factur-X
to the cent, never recomputed from articles), every record of the payments journal dated in the period, every cheque
remittance slip issued (or cancelled) in it. Entries are written in validation order (documents by `validated_at`,
payments and slips by the time they were recorded), numbered 1, 2, 3... (logic/fec.py builds them, docs/accounting.md
says which account takes what).

Streamed: the ids of the period are read first (small tuples), then the rows 500 at a time as raw database values,
and each batch's lines are encoded and written before the next is read; the event loop is given back between
batches. Every export goes through the checker (logic/fec_check.py) as it is written, with controls computed apart
from the entries, from the documents' frozen totals and the payments' amounts: `FecRefused` (a DomainError, with
the report) when it refuses, when the period is empty, or when the company has no SIREN. The caller then discards
what was written.
"""
import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import BinaryIO

import orjson
from tortoise import connections

from db.accounting import load_accounts
from db.cheque import Cheque, ChequeSlip, ChequeSlipLine
from db.contact import Contact
from db.document import ChainEntry, Document, Payment
from db.raw_values import day, money
from db.settings import get_company
from logic import doctypes
from logic import fec as rules
from logic.cheques import CANCEL_SUFFIX
from logic.cheques import SERIES as SLIP_SERIES
from logic.contact import default_account
from logic.errors import DomainError
from logic.fec_check import CheckReport, Control, FecChecker
from logic.money import CENT
from logic.totals import shipping_charges

BATCH = 500
FLUSH = 50  # entries written between two returns to the event loop (a few ms of work)
ZERO = Decimal('0.00')
Progress = Callable[[int, int], None]
LEGAL = doctypes.keys(legal=True)
NO_CLIENT = 'DIVERS'


class FecRefused(DomainError):
    """The export can't be made or the checker refused it; `report` holds the checker's findings (if it ran)."""

    def __init__(self, message: str, report: CheckReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(kw_only=True, slots=True)
class FecSummary:
    """What an export wrote: counts, totals, and the checker's report (always ok when returned)."""

    siren: str
    date_from: date
    date_to: date
    entries: int = 0
    lines: int = 0
    documents: int = 0
    payments: int = 0
    slips: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    report: CheckReport = field(default_factory=CheckReport)


def fec_filename(siren: str, closing: date) -> str:
    """`<SIREN>FEC<AAAAMMJJ>.txt`, dated with the closing date of the period (its last day).

    >>> fec_filename('123456789', date(2026, 12, 31))
    '123456789FEC20261231.txt'
    """
    return f'{siren}FEC{closing:%Y%m%d}.txt'


def csv_filename(siren: str, date_from: date, date_to: date) -> str:
    """The CSV's name, with the period.

    >>> csv_filename('123456789', date(2026, 1, 1), date(2026, 12, 31))
    '123456789-ecritures-20260101-20261231.csv'
    """
    return f'{siren}-ecritures-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv'


async def write_fec(date_from: date, date_to: date, out: BinaryIO,
                    progress: Progress | None = None) -> FecSummary:
    """Write the FEC of [date_from, date_to] into `out` (ISO-8859-15), checked as it goes; FecRefused otherwise."""
    return await _export('fec', date_from, date_to, out, progress)


async def write_csv(date_from: date, date_to: date, out: BinaryIO,
                    progress: Progress | None = None) -> FecSummary:
    """The same entries as a CSV for accounting software (UTF-8 with BOM, semicolons, one line per entry line).
    The FEC checker runs on the same entries, written its way alongside (and thrown away)."""
    return await _export('csv', date_from, date_to, out, progress)


async def _export(kind: str, date_from: date, date_to: date, out: BinaryIO, progress: Progress | None) -> FecSummary:
    if date_from > date_to:
        raise FecRefused('La date de début de la période est après sa date de fin.')
    company = await get_company()
    siren = (company.siren if company else '').strip()
    if not siren:
        raise FecRefused('Renseignez le SIREN de la société (Paramètres > Société) : il nomme le fichier des '
                         'écritures comptables.')
    accounts = await load_accounts()
    reader = _Reader(accounts, date_from, date_to)
    await reader.plan()
    if not reader.total:
        raise FecRefused(f'Aucune écriture du {date_from:%d/%m/%Y} au {date_to:%d/%m/%Y} : ni facture, ni avoir, ni '
                         'règlement dans la période.')
    labels = accounts.account_labels()
    journals = {code: accounts.journal_label(code) for code in
                (accounts.sales_journal, accounts.bank_journal, accounts.cash_journal, accounts.misc_journal)}
    checker = FecChecker(period=(date_from, date_to))
    summary = FecSummary(siren=siren, date_from=date_from, date_to=date_to)
    header = rules.fec_header().encode(rules.ENCODING)
    checker.feed(header)
    if kind == 'fec':
        out.write(header)
    else:
        out.write(b'\xef\xbb\xbf' + rules.csv_header().encode('utf-8'))
    number = 0
    fec_parts: list[str] = []
    csv_parts: list[str] = []
    async for entry in reader.entries():
        if entry is None or not entry.lines:
            continue
        number += 1
        summary.lines += len(entry.lines)
        journal = journals.get(entry.journal, entry.journal)
        fec_parts.append(rules.fec_lines(number, entry, labels, journal))
        if kind == 'csv':
            csv_parts.append(rules.csv_lines(number, entry, labels, journal))
        if len(fec_parts) >= FLUSH:
            _flush(fec_parts, csv_parts, kind, out, checker)
            if progress:
                progress(reader.done, reader.total)
            await asyncio.sleep(0)
    _flush(fec_parts, csv_parts, kind, out, checker)
    checker.controls = reader.controls()
    report = checker.finish()
    summary.entries, summary.report = number, report
    summary.documents, summary.payments, summary.slips = reader.counts
    summary.debit, summary.credit = report.debit, report.credit
    if progress:
        progress(reader.total, reader.total)
    if not report.ok:
        raise FecRefused(report.summary(), report)
    return summary


def _flush(fec_parts: list[str], csv_parts: list[str], kind: str, out: BinaryIO, checker: FecChecker) -> None:
    data = ''.join(fec_parts).encode(rules.ENCODING)
    checker.feed(data)
    if kind == 'fec':
        out.write(data)
    else:
        out.write(''.join(csv_parts).encode('utf-8'))
    fec_parts.clear()
    csv_parts.clear()


class _Reader:
    """Reads the period's documents, payments and slips in batches, and yields their entries in validation order.

    Beside the entries it sums, from the frozen columns and the payments' amounts, what the controls expect."""

    def __init__(self, accounts: rules.Accounts, date_from: date, date_to: date) -> None:
        self.accounts, self.date_from, self.date_to = accounts, date_from, date_to
        self.doc_ids: list[int] = []
        self.payment_ids: list[int] = []
        self.slip_events: list[tuple[datetime, int, rules.Remittance]] = []
        self.done = 0
        self.total = 0
        self.counts = (0, 0, 0)
        self._write_off_groups: dict[int, tuple] = {}
        # control sums
        self.due = ZERO  # TTC - deposits deducted, every document
        self.sales_ht = ZERO  # HT of the documents booked as sales
        self.advance_and_vat = ZERO  # HT of deposit invoices + all VAT - deposits deducted
        self.money = ZERO  # settlements and their reversals (imputations aside)
        self.lost = ZERO  # write-offs and their reversals

    async def plan(self) -> None:
        connection = connections.get('default')
        docs = Document.filter(doc_type__in=LEGAL, number__not_isnull=True, issue_date__gte=self.date_from,
                               issue_date__lte=self.date_to).exclude(state='draft') \
            .values_list('id', 'validated_at', 'issue_date').sql(params_inline=True)
        # Sorted here, not in SQL: the same order on every database (a document without its validation time, if
        # any, at the start of its day), and no sort on a column without an index.
        rows = (await connection.execute_query(docs))[1]
        self.doc_ids = [row[0] for row in sorted(rows, key=lambda row: (_issued_at(row[1], row[2]), row[0]))]
        del rows
        payments = Payment.filter(paid_on__gte=self.date_from, paid_on__lte=self.date_to).order_by('id') \
            .values_list('id', flat=True).sql(params_inline=True)
        self.payment_ids = [row[0] for row in (await connection.execute_query(payments))[1]]
        self.slip_events = await self._slip_events()
        self.total = len(self.doc_ids) + len(self.payment_ids) + len(self.slip_events)
        self.counts = (len(self.doc_ids), len(self.payment_ids), len(self.slip_events))

    async def entries(self) -> AsyncIterator[rules.Entry | None]:
        """The entries of the three sources, merged by the time they were validated."""
        sources = [self._documents(), self._payments(), self._slips()]
        heads = []
        for index, source in enumerate(sources):
            item = await anext(source, None)
            if item is not None:
                heads.append([item, index, source])
        while heads:
            best = 0  # keys are (time, source, id): never equal, and documents first at the same time
            for index in range(1, len(heads)):
                if heads[index][0][0] < heads[best][0][0]:
                    best = index
            item, _, source = heads[best]
            self.done += 1
            yield item[1]
            following = await anext(source, None)
            if following is None:
                heads.pop(best)
            else:
                heads[best][0] = following

    def controls(self) -> list[Control]:
        a = self.accounts
        sales = {a.goods, a.services, *(item.goods for item in a.rates.values()),
                 *(item.services for item in a.rates.values())} | ({a.shipping} if a.shipping else set())
        vat = {a.vat, *(item.vat for item in a.rates.values())}
        treasury = {a.bank, a.transfer, a.direct_debit, a.card, a.cash, a.cheques}
        return [
            Control(label='Comptes clients des ventes', accounts=frozenset({a.client}), expected=self.due,
                    journal=a.sales_journal),
            Control(label='Comptes de ventes', accounts=frozenset(sales), expected=-self.sales_ht,
                    journal=a.sales_journal),
            Control(label='Acomptes et TVA collectée des ventes', accounts=frozenset({a.deposit, *vat}),
                    expected=-self.advance_and_vat, journal=a.sales_journal),
            Control(label='Comptes de trésorerie', accounts=frozenset(treasury), expected=self.money),
            Control(label='Comptes clients', accounts=frozenset({a.client}),
                    expected=self.due - self.money - self.lost),
        ]

    # ---- documents -------------------------------------------------------------------------------------------

    async def _documents(self) -> AsyncIterator[tuple[tuple, rules.Entry]]:
        connection = connections.get('default')
        columns = ('id', 'doc_type', 'number', 'issue_date', 'validated_at', 'client_id', 'client_name', 'total_ht',
                   'total_vat', 'total_ttc', 'prepaid', 'source_id', 'snapshot')
        for start in range(0, len(self.doc_ids), BATCH):
            ids = self.doc_ids[start:start + BATCH]
            sql = Document.filter(id__in=ids).values_list(*columns).sql(params_inline=True)
            rows = {row[0]: row for row in (await connection.execute_query(sql))[1]}
            sources = [row[11] for row in rows.values() if row[1] == 'credit_note' and row[11]]
            source_types = dict(await Document.filter(id__in=sources).values_list('id', 'doc_type')) if sources \
                else {}
            contacts = await _client_accounts({row[5] for row in rows.values() if row[5]})
            for doc_id in ids:
                row = rows.get(doc_id)
                if row is None:
                    continue
                sale = self._sale(row, source_types, contacts)
                yield (_issued_at(row[4], row[3]), 0, doc_id), rules.sale_entry(sale, self.accounts)
            await asyncio.sleep(0)

    def _sale(self, row, source_types: dict[int, str], contacts: dict[int, str]) -> rules.Sale:
        (_, doc_type, number, issue_date, validated_at, client_id, client_name, total_ht, total_vat, total_ttc,
         prepaid, source_id, snapshot) = row
        total_ht, total_vat, total_ttc, prepaid = (money(value) for value in (total_ht, total_vat, total_ttc,
                                                                               prepaid))
        data = orjson.loads(snapshot) if isinstance(snapshot, (str, bytes)) else snapshot
        advance = doc_type == 'deposit_invoice' or (doc_type == 'credit_note'
                                                     and source_types.get(source_id) == 'deposit_invoice')
        self.due += total_ttc - prepaid
        if advance:
            self.advance_and_vat += total_ht
        else:
            self.sales_ht += total_ht
        self.advance_and_vat += total_vat - prepaid
        return rules.Sale(doc_type=doc_type, number=number, issue_date=day(issue_date),
                          valid_date=_when(validated_at).date() if validated_at else day(issue_date),
                          client_account=contacts.get(client_id)
                          or default_account(NO_CLIENT, 'client'), client_name=client_name,
                          amount_due=total_ttc - prepaid, groups=sale_groups(data), advance=advance,
                          deducted=deducted(data, prepaid, doc_type), prepaid=prepaid)

    # ---- payments --------------------------------------------------------------------------------------------

    async def _payments(self) -> AsyncIterator[tuple[tuple, rules.Entry | None]]:
        connection = connections.get('default')
        for start in range(0, len(self.payment_ids), BATCH):
            ids = self.payment_ids[start:start + BATCH]
            sql = ('SELECT p.id, p.kind, p.method, p.amount, p.paid_on, p.created_at, p.label, p.client_name, '
                   'p.document_id, p.reverses_id, i.client_id, i.number, r.kind, r.method, d.number '
                   'FROM payment p JOIN installment i ON i.id = p.installment_id '
                   'LEFT JOIN payment r ON r.id = p.reverses_id '
                   'LEFT JOIN document d ON d.id = i.deposit_invoice_id '
                   f'WHERE p.id IN ({",".join(str(int(value)) for value in ids)}) ORDER BY p.id')
            rows = (await connection.execute_query(sql))[1]
            contacts = await _client_accounts({row[10] for row in rows if row[10]})
            for row in rows:
                movement = await self._movement(row, contacts)
                entry = rules.movement_entry(movement, self.accounts) if movement else None
                yield (_when(row[5]), 1, row[0]), entry
            await asyncio.sleep(0)

    async def _movement(self, row, contacts: dict[int, str]) -> rules.Movement | None:
        (payment_id, kind, method, amount, paid_on, created_at, label, client_name, document_id, reverses_id,
         client_id, number, reversed_kind, reversed_method, deposit_invoice) = row
        number = deposit_invoice or number  # a deposit is paid on its quote: its deposit invoice names it
        amount = money(amount)
        base_kind = reversed_kind if kind == 'reversal' else kind
        method = reversed_method if kind == 'reversal' and not method else method
        if base_kind == 'settlement':
            if method == rules.IMPUTATION:
                return None
            self.money += amount
        elif base_kind == 'write_off':
            self.lost += amount
        groups: tuple = ()
        if base_kind == 'write_off':
            groups = await self._invoice_groups(document_id)
        bounced = bool(kind == 'reversal' and method == 'cheque' and reverses_id
                       and await _cheque_was_remitted(reverses_id, _when(created_at)))
        return rules.Movement(kind=kind, method=method or '', amount=amount, paid_on=day(paid_on),
                              valid_date=_when(created_at).date(), label=label or f'R{payment_id}',
                              number=number or '', client_account=contacts.get(client_id)
                              or default_account(NO_CLIENT, 'client'), client_name=client_name or '',
                              reverses_kind=reversed_kind or '', bounced=bounced, groups=groups)

    async def _invoice_groups(self, document_id: int) -> tuple:
        if document_id not in self._write_off_groups:
            snapshot = await Document.filter(id=document_id).values_list('snapshot', flat=True)
            data = snapshot[0] if snapshot else None
            data = orjson.loads(data) if isinstance(data, (str, bytes)) else data
            self._write_off_groups[document_id] = tuple((group.rate, group.base, group.vat)
                                                        for group in sale_groups(data or {}))
        return self._write_off_groups[document_id]

    # ---- cheque remittance slips -----------------------------------------------------------------------------

    async def _slip_events(self) -> list[tuple[datetime, int, rules.Remittance]]:
        events = []
        issued = await ChequeSlip.filter(issued_on__gte=self.date_from, issued_on__lte=self.date_to)
        for slip in issued:
            events.append((_when(slip.created_at), slip.id, rules.Remittance(
                number=slip.number, on=slip.issued_on, valid_date=_when(slip.created_at).date(), amount=slip.total)))
        cancelled = await ChequeSlip.filter(state='cancelled', cancelled_on__gte=self.date_from,
                                            cancelled_on__lte=self.date_to)
        for slip in cancelled:
            at = await _cancelled_at(slip)
            amount = slip.total - await _bounced_on_slip(slip, _when(slip.created_at), at)
            events.append((at, slip.id, rules.Remittance(number=slip.number, on=slip.cancelled_on,
                                                         valid_date=at.date(), amount=amount, cancelled=True)))
        events.sort(key=lambda event: (event[0], event[1]))
        return events

    async def _slips(self) -> AsyncIterator[tuple[tuple, rules.Entry]]:
        for at, slip_id, remittance in self.slip_events:
            yield (at, 2, slip_id), rules.remittance_entry(remittance, self.accounts)


# ---- frozen copies --------------------------------------------------------------------------------------------

def sale_groups(data: dict) -> tuple[rules.SaleGroup, ...]:
    """The VAT groups of a frozen copy (snapshot dict) with their nets per nature and their part of the shipping.

    Shipping follows the lines' groups (logic.totals.shipping_charges, snapshot version 2) or its own rate
    (version 1), as the document was computed; the base itself is always the frozen one."""
    natures: dict[tuple[str, Decimal], dict[str, Decimal]] = {}
    for line in data.get('lines') or ():
        net = line.get('net')
        if net is not None and line.get('kind', 'item') == 'item':
            key = (line.get('vat_category', 'S'), _rate(line.get('vat_rate', '0')))
            weights = natures.get(key)
            if weights is None:
                weights = natures[key] = {}
            nature = line.get('nature') or 'service'
            weights[nature] = weights.get(nature, ZERO) + Decimal(net)
    shipping = Decimal(data.get('shipping') or '0')
    charges: dict[tuple[str, Decimal], Decimal] = {}
    if shipping:
        fallback = (data.get('shipping_vat_category', 'S'),
                    Decimal(data.get('shipping_vat_rate', '20')).quantize(CENT))
        if int(data.get('version', 1)) >= 2:
            bases = {key: sum(weights.values(), ZERO) for key, weights in natures.items()}
            charges = shipping_charges(shipping.quantize(CENT), bases, fallback)
        else:
            charges = {fallback: shipping.quantize(CENT)}
    groups = []
    for vat_line in data.get('vat_lines') or ():
        key = (vat_line.get('category', 'S'), _rate(vat_line['rate']))
        groups.append(rules.SaleGroup(rate=key[1], base=Decimal(vat_line['base']), vat=Decimal(vat_line['vat']),
                                      natures=natures.get(key, {}), shipping=charges.get(key, ZERO)))
    return tuple(groups)


def deducted(data: dict, prepaid: Decimal, doc_type: str) -> tuple[tuple[Decimal, Decimal, Decimal], ...]:
    """The deposits a balance (or progress) invoice takes back, per rate as it prints them; () when it deducts
    nothing or its copy has no breakdown that adds up to what it deducts (then taken back as a whole)."""
    if not prepaid or doc_type not in ('invoice', 'progress_invoice'):
        return ()
    parts = []
    for reference in data.get('references') or ():
        breakdown = reference.get('vat_breakdown') or ()
        if not breakdown:
            return ()
        parts.extend((Decimal(rate).quantize(CENT), Decimal(base), Decimal(vat)) for rate, base, vat in breakdown)
    if sum((base + vat for _, base, vat in parts), ZERO) != prepaid:
        return ()
    return tuple(parts)


async def _client_accounts(ids: set[int]) -> dict[int, str]:
    """The auxiliary account of each client: its contact's accounting account (the contact's "Comptabilité"
    field), else 411 followed by its code, as new contacts get by default (logic.contact.default_account)."""
    if not ids:
        return {}
    rows = await Contact.filter(id__in=list(ids)).values_list('id', 'account', 'code')
    return {contact_id: account or default_account(code, 'client') for contact_id, account, code in rows}


async def _cheque_was_remitted(payment_id: int, at: datetime) -> bool:
    """Whether the cheque of settlement `payment_id` was on a live remittance slip at `at` (a bounced cheque)."""
    cheque = await Cheque.get_or_none(payment_id=payment_id)
    if cheque is None:
        return False
    slip_ids = await ChequeSlipLine.filter(cheque_id=cheque.id).values_list('slip_id', flat=True)
    for slip in await ChequeSlip.filter(id__in=list(slip_ids)):
        if _when(slip.created_at) <= at and (slip.state != 'cancelled' or await _cancelled_at(slip) > at):
            return True
    return False


async def _cancelled_at(slip: ChequeSlip) -> datetime:
    """When a slip was cancelled: its cancellation's chain entry (the day itself, at its end, if it has none)."""
    entry = await ChainEntry.filter(series=SLIP_SERIES, document_id=slip.id,
                                    label=f'{slip.number}{CANCEL_SUFFIX}').first()
    if entry is not None:
        return _when(entry.created_at)
    return datetime.combine(slip.cancelled_on, datetime.max.time(), tzinfo=UTC)


async def _bounced_on_slip(slip: ChequeSlip, created: datetime, cancelled: datetime) -> Decimal:
    """The cheques of a slip whose settlement was reversed while on it: they left the bank already (512)."""
    cheque_ids = await ChequeSlipLine.filter(slip_id=slip.id).values_list('cheque_id', flat=True)
    total = ZERO
    for cheque in await Cheque.filter(id__in=list(cheque_ids)):
        reversal = await Payment.filter(reverses_id=cheque.payment_id).first()
        if reversal is not None and created <= _when(reversal.created_at) < cancelled:
            total += cheque.amount
    return total


def _issued_at(validated_at, issue_date) -> datetime:
    return _when(validated_at) if validated_at else datetime.combine(day(issue_date), datetime.min.time(), UTC)


@functools.lru_cache(maxsize=256)
def _rate(text: str) -> Decimal:
    return Decimal(text).quantize(CENT)


def _when(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)




async def record_export(actor, kind: str, summary: FecSummary) -> None:
    """The audit entry of an export that left the instance (AC2): who, which period, how much."""
    from db.audit import record

    await record(f'accounting.export_{kind}', actor, target='accounting',
                 details={'from': summary.date_from.isoformat(), 'to': summary.date_to.isoformat(),
                          'entries': summary.entries, 'lines': summary.lines, 'debit': str(summary.debit)})
