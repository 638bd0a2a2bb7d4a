"""Cheque remittances (PA4): the cheques received, the slips that remit them. The public API the pages call.

- `record_cheque(payment, installment, details)`: inside the settlement's transaction (db/payments.py), the cheque
  of a settlement paid by cheque, with what is written on it (drawer, bank, number: `logic.cheques.ChequeDetails`);
  `record_cheques(received)` the same for many (the bulk settlements of db/payment_bulk.py).
- `void_cheques(payment_ids)`: inside the reversal's transaction, the cheques of reversed settlements can no longer
  be remitted (one already on a slip stays there: it was handed to the bank).
- `create_slip(actor, cheque_ids, *, secret) -> ChequeSlip`: a numbered slip (RC2026-00001) dated today, paid
  into the company's account, for the chosen cheques still to remit; frozen (database triggers) and chained.
  `create_slips(actor, groups, *, secret)` makes many at once (the demo): the same step, one transaction.
  Two users remitting the same cheque at once: the conditional UPDATE of the cheques' status (WHERE status =
  'pending') is taken by one transaction only, the other is refused and changes nothing.
- `cancel_slip(actor, slip_id, *, reason, secret)`: the only way a cheque leaves a slip: the whole slip is cancelled
  (chained), keeps its number and stays listed; its cheques can be remitted again (unless reversed meanwhile).
- `cheques_to_remit(limit, offset)`, `pending_totals()`, `list_slips(...)`, `slip_with_cheques(slip_id)`: reads.
- `slip_pdf(slip_id, *, files_dir, run)`: the slip's PDF, rendered once from the stored rows and kept.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from tortoise.expressions import RawSQL
from tortoise.functions import Count

from db import changes
from db.actor import Actor
from db.audit import record
from db.cheque import Cheque, ChequeSlip, ChequeSlipLine
from db.cheque_chain import append, cancel_payload, slip_payload, take_chain_lock
from db.company import Company
from db.document import Payment
from db.fields import ScaledSum, summed_money
from db.numbering import bump_counter
from db.unit_of_work import transaction
from logic import cheques as rules
from logic.cheques import ChequeDetails, ChequeError
from logic.money import CENT
from logic.render.store import write_once

CHEQUES = 'cheques'  # the live-change topic of the remittance page
FOLDER = 'cheque_slips'
ZERO = Decimal('0.00')
SORTS = {'number': ['number'], 'date': ['issued_on', 'id'], 'total': ['total', 'id'], 'count': ['count', 'id']}


@dataclass(kw_only=True, slots=True, frozen=True)
class SlipGroup:
    """The cheques of one slip to make, dated `on` (the demo's slips are dated in the past)."""

    on: date
    cheque_ids: list[int]


@dataclass(kw_only=True, slots=True, frozen=True)
class ReceivedCheque:
    """A cheque to record with its settlement: the payment's id and what the cheque row copies."""

    payment_id: int
    installment_id: int
    document_id: int
    invoice_number: str
    client_name: str
    amount: Decimal
    received_on: date
    details: ChequeDetails | None = None


async def record_cheque(payment: Payment, installment, details: ChequeDetails | None) -> None:
    """The cheque of `payment` (a settlement by cheque), inside its transaction."""
    await record_cheques([ReceivedCheque(
        payment_id=payment.id, installment_id=installment.id, document_id=installment.document_id,
        invoice_number=installment.number or '', client_name=installment.client_name or '',
        amount=abs(payment.amount), received_on=payment.paid_on, details=details)])


async def record_cheques(received: list[ReceivedCheque]) -> None:
    """The cheques of settlements just recorded (one, or a batch of db/payment_bulk.py), inside their transaction.
    The drawer defaults to the client; a bad detail refuses the whole settlement (ChequeError)."""
    rows = []
    for item in received:
        details = rules.check_details(item.details or ChequeDetails())
        rows.append(Cheque(payment_id=item.payment_id, installment_id=item.installment_id,
                           document_id=item.document_id, invoice_number=item.invoice_number[:35],
                           client_name=item.client_name[:255], amount=item.amount, received_on=item.received_on,
                           drawer=details.drawer or item.client_name[:100], bank=details.bank,
                           cheque_number=details.number))
    if rows:
        await Cheque.bulk_create(rows, batch_size=1000)
        changes.publish(CHEQUES, None)


async def void_cheques(payment_ids: list[int]) -> None:
    if payment_ids and await Cheque.filter(payment_id__in=payment_ids, status='pending').update(status='void'):
        changes.publish(CHEQUES, None)


async def create_slip(actor: Actor, cheque_ids: list[int], *, secret: str | bytes) -> ChequeSlip:
    return (await create_slips(actor, [SlipGroup(on=date.today(), cheque_ids=rules.check_selection(cheque_ids))],
                               secret=secret))[0]


async def create_slips(actor: Actor, groups: list[SlipGroup], *, secret: str | bytes) -> list[ChequeSlip]:
    """Slips for `groups` (in date order), numbered, frozen and chained, in one transaction."""
    company = await Company.first()
    if company is None or not company.iban:
        raise ChequeError('Renseignez d’abord le compte bancaire de la société (Paramètres > Société : IBAN) : la '
                          'remise indique le compte à créditer.')
    slips = []
    async with transaction():
        for group in groups:
            slips.append(await _create(actor, group, company, secret))
    return slips


async def cancel_slip(actor: Actor, slip_id: int, *, reason: str, secret: str | bytes) -> ChequeSlip:
    reason = (reason or '').strip()
    if not reason:
        raise ChequeError('Indiquez le motif de l’annulation de la remise.')
    async with transaction():
        position = await take_chain_lock()
        slip = await ChequeSlip.filter(id=slip_id).select_for_update().first()
        if slip is None:
            raise ChequeError('Remise introuvable.')
        if slip.state == 'cancelled':
            raise ChequeError(f'La remise {slip.number} est déjà annulée.')
        slip.state, slip.cancelled_on, slip.cancel_reason = 'cancelled', date.today(), reason[:255]
        await slip.save(update_fields=['state', 'cancelled_on', 'cancel_reason'])
        ids = await Cheque.filter(slip_id=slip.id, status='remitted').values_list('id', 'payment_id')
        reversed_payments = set(await Payment.filter(reverses_id__in=[payment for _, payment in ids])
                                .values_list('reverses_id', flat=True))
        freed = [cheque for cheque, payment in ids if payment not in reversed_payments]
        void = [cheque for cheque, payment in ids if payment in reversed_payments]
        if freed:
            await Cheque.filter(id__in=freed).update(status='pending', slip_id=None)
        if void:
            await Cheque.filter(id__in=void).update(status='void', slip_id=None)
        await append(position, slip.id, rules.cancel_label(slip.number), cancel_payload(slip), secret)
        await record('cheque_slip.cancel', actor, target=f'cheque_slip:{slip.id}',
                     details={'number': slip.number, 'reason': slip.cancel_reason, 'freed': len(freed),
                              'void': len(void)})
        changes.publish(CHEQUES, slip.id)
    return slip


async def cheques_to_remit(*, limit: int = 200, offset: int = 0) -> list[Cheque]:
    """The cheques still to remit, oldest first (a page of them: the dialog shows the first `limit`)."""
    return await Cheque.filter(status='pending').order_by('received_on', 'id').offset(offset).limit(limit)


async def pending_totals() -> tuple[int, Decimal]:
    """How many cheques are still to remit, and their total."""
    row = (await Cheque.filter(status='pending').annotate(rows=Count(RawSQL('*')), total=ScaledSum('amount'))
           .values('rows', 'total'))[0]
    return row['rows'] or 0, summed_money(row['total'])


async def list_slips(*, offset: int = 0, limit: int = 25, sort_by: str = 'date', descending: bool = True,
                     total: int | None = None) -> tuple[list[ChequeSlip], int]:
    """A page of slips (newest first by default) and how many there are (`total` when still valid)."""
    order = [f'-{name}' if descending else name for name in SORTS.get(sort_by, SORTS['date'])]
    rows = await ChequeSlip.all().order_by(*order).offset(offset).limit(limit)
    return rows, total if total is not None else await ChequeSlip.all().count()


async def slip_with_cheques(slip_id: int) -> tuple[ChequeSlip, list[Cheque]] | None:
    slip = await ChequeSlip.get_or_none(id=slip_id)
    if slip is None:
        return None
    ids = await ChequeSlipLine.filter(slip_id=slip_id).order_by('position').values_list('cheque_id', flat=True)
    by_id = {cheque.id: cheque for cheque in await Cheque.filter(id__in=list(ids))}
    return slip, [by_id[id_] for id_ in ids if id_ in by_id]


async def slip_pdf(slip_id: int, *, files_dir: Path, run) -> bytes | None:
    """The slip's PDF: the stored one, else rendered from the stored rows (in `run`, a worker) and kept."""
    path = Path(files_dir) / FOLDER / f'{int(slip_id)}.pdf'
    if path.is_file():
        return path.read_bytes()
    found = await slip_with_cheques(slip_id)
    if found is None:
        return None
    from logic.render.cheque_slip import render_slip_pdf, slip_job  # noqa: PLC0415 - weasyprint stays out of db/

    slip, cheques = found
    company = await Company.first()
    data = await run(render_slip_pdf, slip_job(slip, cheques, company))
    write_once(path, data)  # a concurrent request may have stored it first: that one is the original
    return path.read_bytes()


async def _create(actor: Actor, group: SlipGroup, company: Company, secret: str | bytes) -> ChequeSlip:
    position = await take_chain_lock()
    ids = list(dict.fromkeys(group.cheque_ids))
    cheques = await Cheque.filter(id__in=ids, status='pending').order_by('received_on', 'id')
    if len(cheques) != len(ids):
        raise ChequeError('Un des chèques choisis n’est plus à remettre (déjà remis par quelqu’un d’autre, ou son '
                          'règlement a été annulé) : rechargez la liste.')
    counter = await bump_counter(rules.SERIES, str(group.on.year))
    total = sum((cheque.amount for cheque in cheques), ZERO).quantize(CENT)
    slip = await ChequeSlip.create(
        number=rules.slip_number(group.on, counter), issued_on=group.on, state='issued', count=len(cheques),
        total=total, holder=company.name, bank_name=company.bank_name, iban=company.iban, bic=company.bic,
        created_by_id=actor.user_id)
    # Taken by one transaction only: a concurrent remittance of the same cheque updates fewer rows and is refused.
    taken = await Cheque.filter(id__in=ids, status='pending').update(status='remitted', slip_id=slip.id)
    if taken != len(ids):
        raise ChequeError('Un des chèques choisis vient d’être remis par quelqu’un d’autre : rechargez la liste.')
    await ChequeSlipLine.bulk_create([ChequeSlipLine(slip_id=slip.id, cheque_id=cheque.id, position=index)
                                      for index, cheque in enumerate(cheques, start=1)])
    await append(position, slip.id, slip.number, slip_payload(slip, cheques), secret)
    await record('cheque_slip.create', actor, target=f'cheque_slip:{slip.id}',
                 details={'number': slip.number, 'count': slip.count, 'total': str(total),
                          'cheques': [cheque.id for cheque in cheques]})
    changes.publish(CHEQUES, slip.id)
    return slip
