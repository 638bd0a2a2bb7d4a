"""Payments (issue 6: PA2, PA7, DE5): settling installments, unticking, writing off. The public API the pages call.

Each operation runs in ONE short transaction (locks: the document, then its installments, then the payment chain)
with its audit entry, then publishes `changes.publish('documents', doc_id)` and `changes.publish(PAYMENTS, doc_id)`
after the commit. Refusals raise `logic.errors.DomainError` (`logic.payments.PaymentError`) with a French message
and change nothing.

The journal is the truth: `Payment` rows are append-only (database triggers) and chained (series 'payment',
db/integrity.py); a settlement is never deleted, it is cancelled by a reversal of the opposite amount, both stay in
the history. `Installment.paid_amount` / `status` / `paid_on` and the document's state follow the journal:

- `settle(actor, installment_id, *, paid_on, method, amount, reference='', secret, cheque=None) -> Payment`:
  record money received for an open installment of an invoice (or money refunded on a credit note's refund,
  `amount` still positive). Refused: planned / paid / cancelled / irrecoverable installments, amount <= 0 or not at the cent, more
  than left to pay, a future date, an unknown method, a deposit (use `db.deposits.settle_deposit`), an invoice's
  installment while a deposit of its quote (Document.source_id) is still open (DE5). A partial payment leaves the
  rest due; once every installment of the invoice is paid the invoice becomes 'paid' ("Réglée"). A cheque received
  is also written as a `db.cheque.Cheque` with its details (`cheque`: drawer, bank, number) for its remittance (PA4);
  a reversal voids the cheques not yet remitted (db/cheques.py).
- `settle_in_transaction(actor, installment, *, paid_on, method, amount, reference='', secret,
  methods=USER_METHODS) -> Payment`: the same for a caller already inside a transaction holding the installment
  locked (`select_for_update`); accepts deposits. For a deposit the state that follows is its `deposit_invoice`'s.
- `cancel_settlement(actor, installment_id, *, secret, reason='') -> list[Payment]`: "untick Réglé": one reversal
  per settlement not yet reversed (credit note imputations excepted: they belong to the credit note), the
  installment is open again, the invoice (or a deposit's deposit invoice) goes back from 'paid' to 'validated'.
  May be called inside the caller's transaction (db/deposits.py): it then joins it.
- `write_off(actor, invoice_id, *, on, reason, secret) -> list[Payment]` (PA7): the invoice becomes
  'irrecoverable', each open installment gets a 'write_off' record of what is left to pay and the status
  'irrecoverable'. `cancel_write_off(actor, invoice_id, *, secret, reason='') -> list[Payment]` reverses them, the
  installments are open again and the invoice 'validated'.
- `installment_history(installment_id) -> list[Payment]`: the journal of one installment, oldest first, reversals
  included. `document_installments(doc_id) -> list[Installment]`: a document's installments, in order.
- `impute_credit_note(actor, note, invoice, *, secret) -> Decimal` (used by db/credit_notes.py, inside its
  transaction): settles the invoice's open installments with the credit note (method 'credit_note', reference =
  the credit note's number) and the credit note's refund installment by the same amount; `sync_document(actor,
  doc_id, secret=...)` then puts the invoice in step ('paid' when nothing is left to pay).

Every state change of a document goes through `db.state_chain.change_state` (its chained event and audit entry).

Elsewhere: db/payment_list.py (`list_installments`, `payment_summary`, `export_rows` for the Règlements page),
logic/payments.py (the pure rules and French messages).
"""
from datetime import date
from decimal import Decimal

from db import changes, cheques
from db.actor import Actor
from db.audit import record
from db.closings import check_open
from db.document import Document, Installment, Payment
from db.integrity import append_payment, take_payment_label
from db.state_chain import change_state
from db.unit_of_work import transaction
from logic import doctypes
from logic.cheques import ChequeDetails
from logic.errors import DomainError
from logic.payments import (
    METHODS,
    USER_METHODS,
    PaymentError,
    check_date,
    check_method,
    check_settlement,
    direction,
    status_of,
)
from logic.states import check_transition

PAYMENTS = changes.PAYMENTS
ZERO = Decimal('0.00')
_STATUS_REFUSALS = {
    'planned': 'Cette échéance n’est pas encore due : le document n’est pas validé (ou le devis pas accepté).',
    'paid': 'Cette échéance est déjà réglée.',
    'cancelled': 'Cette échéance a été supprimée (acompte abandonné ou facture annulée par un avoir).',
    'irrecoverable': 'Cette échéance est irrécouvrable : annulez d’abord le passage en irrécouvrable.',
    'debited': 'Cette échéance est en cours de prélèvement : confirmez ou rejetez le prélèvement (Règlements > '
               'Prélèvements).',
}


async def settle(actor: Actor, installment_id: int, *, paid_on: date, method: str, amount: Decimal,
                 reference: str = '', secret: str | bytes, cheque: ChequeDetails | None = None) -> Payment:
    document_id = await _document_id(installment_id)
    async with transaction():
        await _lock_document(document_id)
        installment = await _lock_installment(installment_id)
        if installment.kind == 'deposit':
            raise PaymentError('Un acompte se règle depuis son devis : son règlement établit la facture d’acompte.')
        payment = await settle_in_transaction(actor, installment, paid_on=paid_on, method=method, amount=amount,
                                              reference=reference, secret=secret, cheque=cheque)
    _publish(installment.document_id)
    return payment


async def settle_in_transaction(actor: Actor, installment: Installment, *, paid_on: date, method: str,
                                amount: Decimal, reference: str = '', secret: str | bytes,
                                methods: tuple[str, ...] = USER_METHODS,
                                cheque: ChequeDetails | None = None) -> Payment:
    """Record a settlement of `installment` (locked by the caller, inside its transaction) and sync the states."""
    if installment.status != 'open':
        raise PaymentError(_STATUS_REFUSALS.get(installment.status, 'Cette échéance ne peut pas être réglée.'))
    if installment.kind == 'installment':
        await _check_deposits_settled(installment.document_id)
    await _lock_state_document(installment)
    sign = direction(installment.amount)
    value = check_settlement(amount, left=abs(installment.left_to_pay), paid_on=paid_on, today=date.today())
    check_method(method, allowed=methods)
    payment = await _append(actor, installment, kind='settlement', amount=sign * value, paid_on=paid_on,
                            method=method, reference=(reference or '').strip()[:100], secret=secret)
    if method == 'cheque' and sign > 0:  # a cheque received, for its remittance slip (PA4; the journal is append-only)
        await cheques.record_cheque(payment, installment, cheque)
    installment.paid_amount += sign * value
    installment.status = status_of(installment.amount, installment.paid_amount)
    installment.paid_on = max(paid_on, installment.paid_on) if installment.paid_on else paid_on
    await _save(installment)
    await record('payment.settle', actor, target=f'installment:{installment.id}',
                 details={'number': installment.number, 'label': payment.label, 'amount': str(payment.amount),
                          'paid_on': paid_on.isoformat(), 'method': method, 'reference': payment.reference,
                          'status': installment.status})
    await sync_state(actor, installment, secret=secret)
    return payment


async def cancel_settlement(actor: Actor, installment_id: int, *, secret: str | bytes,
                            reason: str = '') -> list[Payment]:
    document_id = await _document_id(installment_id)
    async with transaction():
        document = await _lock_document(document_id)
        installment = await _lock_installment(installment_id)
        if installment.status not in ('open', 'paid'):
            raise PaymentError(_STATUS_REFUSALS.get(installment.status, 'Ce règlement ne peut pas être annulé.'))
        if installment.kind == 'installment' and document.state == 'irrecoverable':
            raise PaymentError('Cette facture est irrécouvrable : annulez d’abord le passage en irrécouvrable.')
        if installment.kind == 'installment' and document.state == 'cancelled':
            raise PaymentError('Cette facture est annulée par un avoir : ses règlements ne s’annulent plus.')
        open_settlements = [payment for payment in await _unreversed(installment.id, 'settlement')
                            if payment.method != 'credit_note']
        if not open_settlements:
            raise PaymentError('Aucun règlement à annuler sur cette échéance.')
        await _lock_state_document(installment)
        today = date.today()
        reversals = []
        for settlement in open_settlements:
            reversals.append(await _append(
                actor, installment, kind='reversal', amount=-settlement.amount, paid_on=today,
                method=settlement.method, reference=settlement.reference, reason=(reason or '').strip()[:255],
                reverses_id=settlement.id, secret=secret))
            installment.paid_amount -= settlement.amount
        installment.status = status_of(installment.amount, installment.paid_amount)
        installment.paid_on = await _last_paid_on(installment.id)
        await _save(installment)
        await cheques.void_cheques([settlement.id for settlement in open_settlements])
        await record('payment.cancel', actor, target=f'installment:{installment.id}',
                     details={'number': installment.number, 'labels': [payment.label for payment in reversals],
                              'amount': str(sum((payment.amount for payment in reversals), ZERO)),
                              'reason': reason, 'status': installment.status})
        await sync_state(actor, installment, secret=secret)
    _publish(installment.document_id)
    return reversals


async def write_off(actor: Actor, invoice_id: int, *, on: date, reason: str, secret: str | bytes) -> list[Payment]:
    check_date(on, today=date.today())
    if not (reason or '').strip():
        raise PaymentError('Indiquez le motif du passage en irrécouvrable.')
    async with transaction():
        invoice = await _lock_document(invoice_id)
        if not doctypes.doc_type(invoice.doc_type).writable_off:
            raise PaymentError('Seule une facture peut passer en irrécouvrable.')
        check_transition('invoice', invoice.state, 'irrecoverable')
        installments = await Installment.filter(document_id=invoice_id, status='open').order_by(
            'position', 'id').select_for_update()
        if not installments:
            raise PaymentError('Cette facture n’a plus rien à régler.')
        records = []
        for installment in installments:
            records.append(await _append(actor, installment, kind='write_off', amount=installment.left_to_pay,
                                         paid_on=on, method='', reason=reason.strip()[:255], secret=secret))
            installment.status = 'irrecoverable'
            await _save(installment)
        await change_state(actor, invoice, 'irrecoverable', secret=secret, details={
            'amount': str(sum((payment.amount for payment in records), ZERO)), 'reason': reason.strip(),
            'on': on.isoformat(), 'labels': [payment.label for payment in records]})
    _publish(invoice_id)
    return records


async def cancel_write_off(actor: Actor, invoice_id: int, *, secret: str | bytes, reason: str = '') -> list[Payment]:
    async with transaction():
        invoice = await _lock_document(invoice_id)
        if invoice.state != 'irrecoverable':
            raise PaymentError('Cette facture n’est pas passée en irrécouvrable.')
        check_transition('invoice', invoice.state, 'validated')
        installments = await Installment.filter(document_id=invoice_id, status='irrecoverable').order_by(
            'position', 'id').select_for_update()
        today, records = date.today(), []
        for installment in installments:
            for write in await _unreversed(installment.id, 'write_off'):
                records.append(await _append(actor, installment, kind='reversal', amount=-write.amount,
                                             paid_on=today, method='', reason=(reason or '').strip()[:255],
                                             reverses_id=write.id, secret=secret))
            installment.status = status_of(installment.amount, installment.paid_amount)
            await _save(installment)
        await change_state(actor, invoice, 'validated', secret=secret, details={
            'cancel_write_off': True, 'labels': [payment.label for payment in records], 'reason': reason})
    _publish(invoice_id)
    return records


async def installment_history(installment_id: int) -> list[Payment]:
    return await Payment.filter(installment_id=installment_id).order_by('id')


async def document_installments(doc_id: int) -> list[Installment]:
    return await Installment.filter(document_id=doc_id).order_by('position', 'id')


async def impute_credit_note(actor: Actor, note: Document, invoice: Document, *, secret: str | bytes) -> Decimal:
    """Impute a new credit note on what its invoice still owes, inside the caller's transaction (db/credit_notes.py).

    The invoice's open installments are settled, earliest due first (method 'credit_note', reference = the credit
    note's number), and the credit note's refund installment by the same amount (negative, like the refund). A
    deposit invoice has no installment of its own (its deposit belongs to the quote): what it owes is its total
    not yet credited nor received, and only the refund is settled. Returns the amount imputed (positive); the
    invoice's state is left to the caller (`sync_document`), which may cancel it instead.
    """
    refund = await Installment.filter(document_id=note.id, kind='refund').select_for_update().first()
    if refund is None or refund.status != 'open':
        return ZERO
    available = abs(refund.left_to_pay)
    if invoice.doc_type == 'deposit_invoice':
        received = sum(await Installment.filter(deposit_invoice_id=invoice.id).values_list('paid_amount', flat=True),
                       ZERO)
        imputed = min(available, max(invoice.total_ttc - invoice.credited_amount - received, ZERO))
    else:
        imputed = ZERO
        for installment in await Installment.filter(document_id=invoice.id, status='open').exclude(
                kind='deposit').order_by('due_date', 'position', 'id').select_for_update():
            share = min(available - imputed, installment.left_to_pay)
            if share <= 0:
                break
            await _settle_with(actor, installment, share, note.issue_date, note.number, secret)
            imputed += share
    if imputed:
        await _settle_with(actor, refund, -imputed, note.issue_date, invoice.number, secret)
    return imputed


async def _settle_with(actor: Actor, installment: Installment, amount: Decimal, on: date, reference: str,
                       secret: str | bytes) -> Payment:
    payment = await _append(actor, installment, kind='settlement', amount=amount, paid_on=on, method='credit_note',
                            reference=reference, secret=secret)
    installment.paid_amount += amount
    installment.status = status_of(installment.amount, installment.paid_amount)
    installment.paid_on = on
    await _save(installment)
    await record('payment.settle', actor, target=f'installment:{installment.id}',
                 details={'number': installment.number, 'label': payment.label, 'amount': str(amount),
                          'paid_on': on.isoformat(), 'method': 'credit_note', 'reference': reference,
                          'status': installment.status})
    return payment


async def sync_state(actor: Actor, installment: Installment, *, secret: str | bytes) -> None:
    """Bring the state of the document an installment settles in step with its installments.

    An invoice is 'paid' when all its installments (cancelled ones aside) are paid, else back to 'validated'. A
    deposit belongs to its quote: the document that follows it is its deposit invoice, 'paid' with it. Documents in
    other states (cancelled, irrecoverable, draft) are left alone.
    """
    if installment.kind == 'deposit':
        if installment.deposit_invoice_id is not None:
            document = await _lock_document(installment.deposit_invoice_id)
            await _move(actor, document, 'paid' if installment.status == 'paid' else 'validated', secret)
    elif installment.kind == 'installment':
        await sync_document(actor, installment.document_id, secret=secret)


async def sync_document(actor: Actor, document_id: int, *, secret: str | bytes) -> None:
    """An invoice is 'paid' once each of its installments is paid (cancelled ones aside), else 'validated'."""
    document = await _lock_document(document_id)
    statuses = await Installment.filter(document_id=document_id).exclude(status='cancelled').values_list(
        'status', flat=True)
    await _move(actor, document, 'paid' if statuses and all(status == 'paid' for status in statuses) else 'validated',
                secret)


async def _move(actor: Actor, document: Document, target: str, secret: str | bytes) -> None:
    if document.state in ('validated', 'paid') and document.state != target:
        await change_state(actor, document, target, secret=secret)


async def _append(actor: Actor, installment: Installment, *, kind: str, amount: Decimal, paid_on: date, method: str,
                  reference: str = '', reason: str = '', reverses_id: int | None = None,
                  secret: str | bytes) -> Payment:
    label = await take_payment_label()  # the chain's lock: payments queue here until commit
    await check_open([paid_on], 'enregistrer un règlement')  # after the lock: a closing just made is seen
    payment = await Payment.create(
        installment_id=installment.id, document_id=installment.document_id, kind=kind, amount=amount,
        paid_on=paid_on, method=method, reference=reference, reason=reason, reverses_id=reverses_id, label=label,
        client_name=installment.client_name, created_by_id=actor.user_id)
    await append_payment(payment, secret)
    return payment


async def _unreversed(installment_id: int, kind: str) -> list[Payment]:
    records = await Payment.filter(installment_id=installment_id).order_by('id')
    reversed_ids = {payment.reverses_id for payment in records if payment.kind == 'reversal'}
    return [payment for payment in records if payment.kind == kind and payment.id not in reversed_ids]


async def _last_paid_on(installment_id: int) -> date | None:
    settlements = await _unreversed(installment_id, 'settlement')
    return max((payment.paid_on for payment in settlements), default=None)


async def _save(installment: Installment) -> None:
    installment.version += 1
    await installment.save(update_fields=['paid_amount', 'status', 'paid_on', 'version'])


async def _check_deposits_settled(document_id: int) -> None:
    """DE5: the balance of a quote is settled after its deposits (their invoices are deducted from it)."""
    source_id = (await Document.filter(id=document_id).values_list('source_id', flat=True))[0]
    if source_id and await Installment.filter(document_id=source_id, kind='deposit', status='open').exists():
        raise PaymentError('Les acomptes doivent être réglés avant le solde : réglez ou supprimez d’abord les '
                           'acomptes en attente du devis.')


async def _document_id(installment_id: int) -> int:
    rows = await Installment.filter(id=installment_id).values_list('document_id', flat=True)
    if not rows:
        raise DomainError('Échéance introuvable.')
    return rows[0]


async def _lock_state_document(installment: Installment) -> None:
    """Lock the document whose state follows the installment before the payment chain's lock, always in this order
    (document, installment, chain), so that a payment and a credit note on the same invoice queue instead of
    deadlocking on PostgreSQL."""
    document_id = installment.deposit_invoice_id if installment.kind == 'deposit' else installment.document_id
    if document_id is not None:
        await _lock_document(document_id)


async def _lock_document(document_id: int) -> Document:
    document = await Document.filter(id=document_id).select_for_update().first()
    if document is None:
        raise DomainError('Document introuvable.')
    return document


async def _lock_installment(installment_id: int) -> Installment:
    installment = await Installment.filter(id=installment_id).select_for_update().first()
    if installment is None:
        raise DomainError('Échéance introuvable.')
    return installment


def _publish(document_id: int) -> None:
    changes.publish(changes.DOCUMENTS, document_id)
    changes.publish(PAYMENTS, document_id)


def method_label(method: str) -> str:
    return METHODS.get(method, method)

