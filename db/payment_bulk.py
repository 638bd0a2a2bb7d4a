"""Settling many installments at once (the demo, a later bank statement import): `db.payments.settle`'s rules, in
batches, with one transaction per batch instead of one per payment.

Per batch, in one transaction, in the lock order of db/payments.py (documents, installments, then the chain):
- the installments are checked as `settle` checks them: open, an invoice's installment (a deposit is settled with
  its deposit invoice, `db.deposits.settle_deposit`), amounts at the cent and never beyond what is left to pay,
  dates not in the future, a known method, no deposit of the invoice's quote still open (DE5);
- the labels are taken at once: one UPDATE bumps the 'payment' counter by the batch's size (the row lock that
  `db.integrity.take_payment_label` takes, so app payments queue behind the batch), labels in settlement order;
- the Payment rows are inserted, their chain entries computed in Python in label order (the payload and hash of
  `db.integrity.append_payment`, like `next_entries` does for documents) while the installments are updated:
  `paid_amount`, `status` (`logic.payments.status_of`), `paid_on`, `version`;
- the invoices whose installments are all paid (cancelled ones aside) move from 'validated' to 'paid', each through
  `db.state_chain.change_states` (its chained state event and audit entry);
- one audit entry for the batch's settlements.
A refusal raises PaymentError naming the installment's document and writes nothing of its batch (earlier batches
stay). Several settlements of one installment are applied in the order given.

    count = await settle_in_bulk(actor, [BulkSettlement(installment_id=12, amount=Decimal('120.00'),
                                                        paid_on=date(2026, 3, 9), method='transfer')], secret=secret)
"""
import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from tortoise import connections

from db import changes, cheques
from db.actor import Actor
from db.audit import record
from db.bulk_rows import insert_rows
from db.closings import check_open
from db.document import ChainEntry, Document, Installment, Payment
from db.integrity import PAYMENT_SERIES, chain_head, payment_payload
from db.numbering import bump_counter
from db.payments import PAYMENTS
from db.state_chain import change_states
from db.unit_of_work import transaction
from logic import payments as rules
from logic.cheques import ChequeDetails
from logic.integrity import chain_hash, secret_key

BATCH = 5000


@dataclass(kw_only=True, slots=True)
class BulkSettlement:
    """Money received for one installment of an invoice (`amount` positive, as typed in the settle dialog)."""

    installment_id: int
    amount: Decimal
    paid_on: date
    method: str
    reference: str = ''
    cheque: ChequeDetails | None = None  # a cheque's drawer, bank and number, for its remittance (PA4)


async def settle_in_bulk(actor: Actor, settlements: list[BulkSettlement], *, secret: str | bytes,
                         batch: int = BATCH, progress=None) -> int:
    """Record `settlements` in batches (see the module's docstring); returns how many were recorded."""
    done = 0
    for start in range(0, len(settlements), batch):
        chunk = settlements[start:start + batch]
        await _settle_batch(actor, chunk, secret)
        done += len(chunk)
        if progress:
            progress(f'{done} règlements enregistrés')
    if done:
        changes.publish(changes.DOCUMENTS, None)
        changes.publish(PAYMENTS, None)
    return done


async def _settle_batch(actor: Actor, chunk: list[BulkSettlement], secret: str | bytes) -> None:
    today = date.today()
    wanted = {item.installment_id for item in chunk}
    async with transaction():
        client = connections.get('default')  # the transaction's own connection
        document_ids = set(await Installment.filter(id__in=wanted).values_list('document_id', flat=True))
        await _lock(client, 'document', document_ids)
        await _lock(client, 'installment', wanted)
        documents = await Document.filter(id__in=document_ids).values_list('id', 'source_id', 'number')
        installments = {row[0]: _Installment(*row) for row in await Installment.filter(id__in=wanted).values_list(
            'id', 'document_id', 'kind', 'status', 'amount', 'paid_amount', 'paid_on', 'number', 'client_name')}
        await _check_deposits_settled(documents)
        records = []
        for item in chunk:
            installment = installments.get(item.installment_id)
            if installment is None:
                raise rules.PaymentError('Échéance introuvable.')
            value = _checked(item, installment, today)
            installment.paid_amount += value
            installment.status = rules.status_of(installment.amount, installment.paid_amount)
            installment.paid_on = max(item.paid_on, installment.paid_on) if installment.paid_on else item.paid_on
            records.append(_Record(installment_id=installment.id, document_id=installment.document_id, amount=value,
                                   paid_on=item.paid_on, method=item.method,
                                   reference=(item.reference or '').strip()[:100],
                                   client_name=installment.client_name, created_by_id=actor.user_id))
        first = await _take_labels(len(records))
        await check_open([item.paid_on for item in chunk], 'enregistrer un règlement')  # after the chain's lock
        for offset, payment in enumerate(records):
            payment.label = rules.label_of(today.year, first + offset)
        last_id = (await Payment.all().order_by('-id').limit(1).values_list('id', flat=True) or [0])[0]
        now = datetime.now(timezone.utc)
        await insert_rows(Payment, [entry.row(now) for entry in records])
        # The ids are the database's: read back by label (ours are the only ones past last_id, the counter's lock
        # queues every other payment behind this transaction).
        ids = dict(await Payment.filter(id__gt=last_id).values_list('label', 'id'))
        for entry in records:
            entry.id = ids[entry.label]
        # The cheques received, for their remittance slips (PA4), as `db.payments.settle` records them.
        await cheques.record_cheques([
            cheques.ReceivedCheque(payment_id=entry.id, installment_id=entry.installment_id,
                                   document_id=entry.document_id, invoice_number=installments[item.installment_id]
                                   .number, client_name=entry.client_name, amount=entry.amount,
                                   received_on=entry.paid_on, details=item.cheque)
            for item, entry in zip(chunk, records) if entry.method == 'cheque' and entry.amount > 0])
        position, previous = await chain_head(PAYMENT_SERIES)
        chained = asyncio.ensure_future(asyncio.to_thread(_entries, position + 1, previous, records, secret, now))
        try:
            await _update_installments(client, list(installments.values()))
        finally:
            entries = await chained
        await insert_rows(ChainEntry, entries)
        # Each invoice paid is one chained state event and one audit entry (db/state_chain.py), as in `settle`.
        await change_states(actor, await _paid_documents(document_ids), 'paid', secret=secret,
                            only_from=('validated',))
        await record('payment.settle_bulk', actor, target='series:payment', details={
            'count': len(records), 'first': records[0].label, 'last': records[-1].label,
            'amount': str(sum((payment.amount for payment in records), Decimal('0.00')))})


@dataclass(slots=True)
class _Installment:
    """What a settlement reads and changes of an installment (a model object per row costs ~0.1 ms)."""

    id: int
    document_id: int
    kind: str
    status: str
    amount: Decimal
    paid_amount: Decimal
    paid_on: date | None
    number: str
    client_name: str

    @property
    def left_to_pay(self) -> Decimal:
        return self.amount - self.paid_amount


@dataclass(kw_only=True, slots=True)
class _Record:
    """A settlement of the journal as inserted, with the attributes `db.integrity.payment_payload` reads."""

    installment_id: int
    document_id: int
    amount: Decimal
    paid_on: date
    method: str
    reference: str
    client_name: str
    created_by_id: int | None
    kind: str = 'settlement'
    reason: str = ''
    reverses_id: int | None = None
    label: str = ''
    id: int = 0

    def row(self, now: datetime) -> dict:
        return {'installment_id': self.installment_id, 'document_id': self.document_id, 'kind': self.kind,
                'amount': self.amount, 'paid_on': self.paid_on, 'method': self.method, 'reference': self.reference,
                'reason': self.reason, 'reverses_id': self.reverses_id, 'label': self.label,
                'client_name': self.client_name, 'created_by_id': self.created_by_id, 'created_at': now}


def _checked(item: BulkSettlement, installment: _Installment, today: date) -> Decimal:
    """`settle_in_transaction`'s checks for one settlement; the amount at the cent, positive."""
    try:
        if installment.status != 'open':
            raise rules.PaymentError('Cette échéance ne peut pas être réglée (elle n’est pas en attente).')
        if installment.kind != 'installment':
            raise rules.PaymentError('Seule l’échéance d’une facture se règle ainsi.')
        value = rules.check_settlement(item.amount, left=installment.left_to_pay, paid_on=item.paid_on, today=today)
        rules.check_method(item.method)
    except rules.PaymentError as exc:
        raise rules.PaymentError(f'{installment.number} : {exc}') from exc
    return value


async def _update_installments(client, installments: list[_Installment]) -> None:
    """paid_amount, status, paid_on and version of each, in one executemany (Tortoise's bulk_update builds a CASE
    per row and column: 0.5 ms a row)."""
    sql = 'UPDATE installment SET paid_amount = {}, status = {}, paid_on = {}, version = version + 1 WHERE id = {}'
    marks = ['?'] * 4 if client.capabilities.dialect == 'sqlite' else [f'${index}' for index in range(1, 5)]
    money = Installment._meta.fields_map['paid_amount']
    await client.execute_many(sql.format(*marks), [
        [money.to_db_value(item.paid_amount, None), item.status, item.paid_on, item.id] for item in installments])


async def _lock(client, table: str, ids: set[int]) -> None:
    """Row locks by id, in the order of db/payments.py (documents, then installments); SQLite serialises writers
    anyway. Locked by id alone: a model query would load each document's snapshot."""
    if client.capabilities.dialect != 'sqlite' and ids:
        await client.execute_query(f'SELECT id FROM {table} WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE',
                                   [sorted(ids)])


async def _check_deposits_settled(documents) -> None:
    """DE5: a balance invoice is settled after its quote's deposits."""
    quotes = {source_id: number for _, source_id, number in documents if source_id}
    if not quotes:
        return
    open_deposit = await Installment.filter(document_id__in=quotes, kind='deposit', status='open').first()
    if open_deposit is not None:
        raise rules.PaymentError(f'{quotes[open_deposit.document_id]} : les acomptes doivent être réglés avant '
                                 'le solde.')


async def _take_labels(count: int) -> int:
    """The first of `count` consecutive payment sequence numbers (the counter bumped by `count`, under its lock)."""
    value = await bump_counter(PAYMENT_SERIES, '', count)
    return value - count + 1


def _entries(start: int, previous: str, records: list[_Record], secret: str | bytes,
             now: datetime) -> list[dict]:
    """Chain entries of `records`, in order (`db.integrity.append_payment`'s payload and hash)."""
    key = secret_key(secret)
    entries = []
    for offset, payment in enumerate(records):
        digest = chain_hash(key, previous, payment_payload(payment))
        entries.append({'series': PAYMENT_SERIES, 'position': start + offset, 'document_id': payment.id,
                        'label': payment.label, 'payload_version': rules.PAYLOAD_VERSION, 'previous_hash': previous,
                        'hash': digest, 'created_at': now})
        previous = digest
    return entries


async def _paid_documents(document_ids: set[int]) -> list[int]:
    """The documents among `document_ids` whose installments (cancelled ones aside) are now all paid."""
    statuses = defaultdict(set)
    for document_id, status in await Installment.filter(document_id__in=document_ids).exclude(
            status='cancelled').values_list('document_id', 'status'):
        statuses[document_id].add(status)
    return [document_id for document_id, found in statuses.items() if found == {'paid'}]
