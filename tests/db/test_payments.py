"""PA2, PA7, DE5: Alice records what clients pay, unticks mistakes and writes off what will never come.

Every refusal leaves the installment, the invoice and the journal as they were; the journal only grows.
"""
import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from db import credit_notes, documents, integrity, payment_list, payments
from db.audit import AuditEntry
from db.document import ChainEntry, Document, Installment, Payment
from logic.errors import DomainError
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from tests.db.payments_helpers import invoice_in_two, invoice_of_a_quote_with_a_deposit, snapshot_of_payments
from tests.helpers import SECRET
from tests.personas import set_up_company
from tests.issuing import issuer

D = Decimal


async def installments_of(doc_id):
    return await payments.document_installments(doc_id)


async def settle(admin, installment, amount, **extra):
    values = {'paid_on': date.today(), 'method': 'transfer', 'reference': '', 'secret': SECRET, **extra}
    return await payments.settle(admin, installment.id, amount=D(amount), **values)


async def test_a_partial_payment_leaves_the_rest_due(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    payment = await settle(admin, installment, '100.00', method='cheque', reference='1234567')
    installment = await Installment.get(id=installment.id)
    assert (installment.status, installment.paid_amount, installment.left_to_pay) == ('open', D('100.00'),
                                                                                       D('140.00'))
    today = date.today()
    assert installment.paid_on == today
    assert (payment.kind, payment.amount, payment.method, payment.reference) == ('settlement', D('100.00'), 'cheque',
                                                                                 '1234567')
    assert payment.label == f'REG{today.year}-000001' and payment.client_name == 'Boulangerie Martin SAS'
    assert (await Document.get(id=invoice.id)).state == 'validated'
    assert await AuditEntry.filter(action='payment.settle').count() == 1


async def test_the_invoice_becomes_paid_when_its_last_installment_is_settled(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    first, second = await installments_of(invoice.id)
    await settle(admin, first, '100.00')
    assert (await Document.get(id=invoice.id)).state == 'validated'
    await settle(admin, second, '40.00')
    await settle(admin, second, '100.00')
    assert [item.status for item in await installments_of(invoice.id)] == ['paid', 'paid']
    assert (await Document.get(id=invoice.id)).state == 'paid'
    assert await AuditEntry.filter(action='invoice.state').count() == 1


@pytest.mark.parametrize('amount, message', [
    ('240.01', 'dépasse le reste à payer'),
    ('0', 'supérieur à 0'),
    ('-5', 'supérieur à 0'),
    ('10.001', 'au centime'),
])
async def test_it_refuses_a_wrong_amount_and_changes_nothing(db, amount, message):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    before = await snapshot_of_payments(invoice.id)
    with pytest.raises(DomainError, match=message):
        await settle(admin, installment, amount)
    assert await snapshot_of_payments(invoice.id) == before


async def test_it_refuses_more_than_what_is_left_after_a_partial_payment(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    await settle(admin, installment, '200.00')
    before = await snapshot_of_payments(invoice.id)
    with pytest.raises(DomainError, match=r'reste à payer \(40,00'):
        await settle(admin, installment, '40.01')
    assert await snapshot_of_payments(invoice.id) == before


async def test_it_refuses_a_payment_dated_in_the_future_or_without_a_method(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    before = await snapshot_of_payments(invoice.id)
    with pytest.raises(DomainError, match='futur'):
        await settle(admin, installment, '10.00', paid_on=date.today() + timedelta(days=1))
    with pytest.raises(DomainError, match='mode de règlement'):
        await settle(admin, installment, '10.00', method='bitcoin')
    with pytest.raises(DomainError, match='mode de règlement'):
        await settle(admin, installment, '10.00', method='credit_note')  # only a credit note imputes itself
    assert await snapshot_of_payments(invoice.id) == before


async def test_it_refuses_a_paid_a_planned_or_a_cancelled_installment(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    [installment] = await installments_of(invoice.id)
    await settle(admin, installment, '240.00')
    with pytest.raises(DomainError, match='déjà réglée'):
        await settle(admin, installment, '1.00')
    pending = await documents.create_document(admin, draft(client))
    today = date.today()
    await documents.set_installments(admin, pending.id, [(today, D('240.00'))], pending.version)
    [planned] = await installments_of(pending.id)
    with pytest.raises(DomainError, match='pas encore due'):
        await settle(admin, planned, '1.00')
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    given_up = await Installment.create(document=quote, kind='deposit', status='cancelled', due_date=today,
                                        amount=D('50.00'))
    with pytest.raises(DomainError):
        await settle(admin, given_up, '1.00')


async def test_it_refuses_to_settle_a_deposit_here(db):
    admin = await set_up_company()
    quote = await documents.create_document(admin, draft(await business_client(), doc_type='quote'))
    deposit = await Installment.create(document=quote, kind='deposit', status='open', due_date=date.today(),
                                       amount=D('72.00'))
    with pytest.raises(DomainError, match='acompte se règle depuis son devis'):
        await settle(admin, deposit, '72.00')
    assert not await Payment.exists()
    assert (await Installment.get(id=deposit.id)).status == 'open'


async def test_it_refuses_the_balance_while_a_deposit_of_the_quote_is_open(db):
    admin = await set_up_company()
    _, _, invoice = await invoice_of_a_quote_with_a_deposit(admin)
    [installment] = await installments_of(invoice.id)
    before = await snapshot_of_payments(invoice.id)
    with pytest.raises(DomainError, match='Les acomptes doivent être réglés avant le solde'):
        await settle(admin, installment, '10.00')
    assert await snapshot_of_payments(invoice.id) == before


@pytest.mark.parametrize('deposit_status', ['paid', 'cancelled'])
async def test_the_balance_is_settled_once_the_deposits_are_paid_or_given_up(db, deposit_status):
    admin = await set_up_company()
    _, _, invoice = await invoice_of_a_quote_with_a_deposit(admin, deposit_status=deposit_status)
    [installment] = await installments_of(invoice.id)
    await settle(admin, installment, '240.00')
    assert (await Document.get(id=invoice.id)).state == 'paid'


async def test_unticking_makes_one_reversal_per_settlement_and_reopens_the_invoice(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    first = await settle(admin, installment, '100.00', paid_on=date.today() - timedelta(days=3))
    second = await settle(admin, installment, '140.00')
    assert (await Document.get(id=invoice.id)).state == 'paid'
    reversals = await payments.cancel_settlement(admin, installment.id, secret=SECRET, reason='Chèque sans provision')
    assert [(item.kind, item.amount, item.reverses_id) for item in reversals] == [
        ('reversal', D('-100.00'), first.id), ('reversal', D('-140.00'), second.id)]
    assert all(item.reason == 'Chèque sans provision' for item in reversals)
    installment = await Installment.get(id=installment.id)
    assert (installment.status, installment.paid_amount, installment.paid_on) == ('open', D('0.00'), None)
    assert (await Document.get(id=invoice.id)).state == 'validated'
    history = await payments.installment_history(installment.id)
    assert [item.kind for item in history] == ['settlement', 'settlement', 'reversal', 'reversal']
    assert sum(item.amount for item in history) == 0
    await settle(admin, installment, '240.00')  # settled again, for real this time
    assert (await Document.get(id=invoice.id)).state == 'paid'
    assert (await integrity.verify_series('payment', SECRET)).count == 5


async def test_unticking_an_installment_without_settlement_is_refused(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    with pytest.raises(DomainError, match='Aucun règlement'):
        await payments.cancel_settlement(admin, installment.id, secret=SECRET)
    assert not await Payment.exists()


async def test_unticking_one_installment_of_a_paid_invoice_reopens_only_that_one(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    first, second = await installments_of(invoice.id)
    await settle(admin, first, '100.00')
    await settle(admin, second, '140.00')
    await payments.cancel_settlement(admin, second.id, secret=SECRET)
    assert [item.status for item in await installments_of(invoice.id)] == ['paid', 'open']
    assert (await Document.get(id=invoice.id)).state == 'validated'


async def test_a_deposit_settled_and_unticked_moves_its_deposit_invoice(db):
    admin = await set_up_company()
    client = await business_client()
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    deposit_invoice = await validated_invoice(admin, client)
    today = date.today()
    deposit = await Installment.create(document=quote, kind='deposit', status='open', due_date=today,
                                       amount=D('240.00'), deposit_invoice=deposit_invoice)
    async with in_transaction():
        locked = await Installment.filter(id=deposit.id).select_for_update().first()
        await payments.settle_in_transaction(admin, locked, paid_on=today, method='card', amount=D('240.00'),
                                             secret=SECRET)
    assert (await Installment.get(id=deposit.id)).status == 'paid'
    assert (await Document.get(id=deposit_invoice.id)).state == 'paid'
    await payments.cancel_settlement(admin, deposit.id, secret=SECRET)
    assert (await Installment.get(id=deposit.id)).status == 'open'
    assert (await Document.get(id=deposit_invoice.id)).state == 'validated'


async def test_a_write_off_records_what_is_left_and_can_be_cancelled(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    first, second = await installments_of(invoice.id)
    await settle(admin, first, '100.00')
    await settle(admin, second, '40.00')
    records = await payments.write_off(admin, invoice.id, on=date.today(), reason='Liquidation judiciaire',
                                       secret=SECRET)
    assert [(item.kind, item.amount, item.installment_id) for item in records] == [('write_off', D('100.00'),
                                                                                    second.id)]
    assert [item.status for item in await installments_of(invoice.id)] == ['paid', 'irrecoverable']
    assert (await Document.get(id=invoice.id)).state == 'irrecoverable'
    second_now = await Installment.get(id=second.id)
    with pytest.raises(DomainError, match='irrécouvrable'):
        await settle(admin, second_now, '10.00')
    with pytest.raises(DomainError, match='irrécouvrable'):
        await payments.cancel_settlement(admin, first.id, secret=SECRET)
    reversals = await payments.cancel_write_off(admin, invoice.id, secret=SECRET, reason='Le client a payé')
    assert [(item.kind, item.amount, item.reverses_id) for item in reversals] == [('reversal', D('-100.00'),
                                                                                   records[0].id)]
    assert [item.status for item in await installments_of(invoice.id)] == ['paid', 'open']
    assert (await Document.get(id=invoice.id)).state == 'validated'
    await settle(admin, second, '100.00')
    assert (await Document.get(id=invoice.id)).state == 'paid'


async def test_it_refuses_to_write_off_a_paid_invoice_or_without_a_reason(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    today = date.today()
    with pytest.raises(DomainError, match='motif'):
        await payments.write_off(admin, invoice.id, on=today, reason=' ', secret=SECRET)
    with pytest.raises(DomainError, match='futur'):
        await payments.write_off(admin, invoice.id, on=today + timedelta(days=1), reason='x', secret=SECRET)
    [installment] = await installments_of(invoice.id)
    await settle(admin, installment, '240.00')
    before = await snapshot_of_payments(invoice.id)
    with pytest.raises(DomainError):
        await payments.write_off(admin, invoice.id, on=today, reason='Faillite', secret=SECRET)
    with pytest.raises(DomainError, match='pas passée en irrécouvrable'):
        await payments.cancel_write_off(admin, invoice.id, secret=SECRET)
    assert await snapshot_of_payments(invoice.id) == before


async def test_the_journal_refuses_update_and_delete_even_in_raw_sql(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    payment = await settle(admin, installment, '240.00')
    client = connections.get('default')
    with pytest.raises(Exception, match='append-only'):
        await client.execute_query(f'UPDATE payment SET amount = 1 WHERE id = {payment.id}')
    with pytest.raises(Exception, match='append-only'):
        await client.execute_query(f'DELETE FROM payment WHERE id = {payment.id}')
    assert (await Payment.get(id=payment.id)).amount == D('240.00')


async def test_concurrent_settlements_chain_one_after_the_other(db):
    admin = await set_up_company()
    client = await business_client()
    invoices = [await validated_invoice(admin, client, line(price=str(10 + index))) for index in range(12)]
    installments = [(await installments_of(invoice.id))[0] for invoice in invoices]
    results = await asyncio.gather(*(settle(admin, item, str(item.amount)) for item in installments))
    labels = sorted(payment.label for payment in results)
    assert labels == [f'REG{date.today().year}-{n:06d}' for n in range(1, 13)]
    positions = await ChainEntry.filter(series='payment').order_by('position').values_list('position', flat=True)
    assert positions == list(range(1, 13))
    report = await integrity.verify_series('payment', SECRET)
    assert report.ok and report.count == 12
    assert await Document.filter(state='paid').count() == 12


async def test_concurrent_settlements_of_one_installment_never_exceed_it(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())  # 240.00
    [installment] = await installments_of(invoice.id)
    results = await asyncio.gather(*(settle(admin, installment, '100.00') for _ in range(4)), return_exceptions=True)
    assert sum(isinstance(result, Payment) for result in results) == 2
    assert all(isinstance(result, (Payment, DomainError)) for result in results)
    assert (await Installment.get(id=installment.id)).paid_amount == D('200.00')
    assert (await integrity.verify_series('payment', SECRET)).ok


# Credit notes (IN4 + PA2): a credit note is first imputed on what the invoice still owes.

SIXTY_HT = {('S', D('20.00')): D('60.00')}  # 72.00 TTC


async def refund_of(note):
    return await Installment.get(document_id=note.id, kind='refund')


async def test_a_credit_note_on_an_unpaid_invoice_settles_part_of_it(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts', amounts=SIXTY_HT)
    [installment] = await installments_of(invoice.id)
    assert (installment.status, installment.paid_amount, installment.left_to_pay) == ('open', D('72.00'),
                                                                                       D('168.00'))
    [imputation] = await payments.installment_history(installment.id)
    assert (imputation.method, imputation.reference, imputation.amount) == ('credit_note', note.number, D('72.00'))
    refund = await refund_of(note)
    assert (refund.status, refund.amount, refund.paid_amount) == ('paid', D('-72.00'), D('-72.00'))
    assert (refund.number, refund.client_name) == (note.number, 'Boulangerie Martin SAS')
    [offset] = await payments.installment_history(refund.id)
    assert (offset.method, offset.reference, offset.amount) == ('credit_note', invoice.number, D('-72.00'))
    assert (await Document.get(id=invoice.id)).state == 'validated'
    assert (await integrity.verify_series('payment', SECRET)).count == 2


async def test_a_full_credit_note_on_an_unpaid_invoice_cancels_it_and_leaves_nothing_to_refund(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    assert (await Document.get(id=invoice.id)).state == 'cancelled'
    assert [item.status for item in await installments_of(invoice.id)] == ['paid']
    assert (await refund_of(note)).status == 'paid'
    assert (await payment_list.payment_summary(payment_list.PaymentQuery())).total_due == 0


async def test_a_credit_note_on_a_paid_invoice_stays_an_open_refund(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    await settle(admin, installment, '240.00')
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    assert (await Document.get(id=invoice.id)).state == 'cancelled'
    refund = await refund_of(note)
    assert (refund.status, refund.left_to_pay) == ('open', D('-240.00'))
    rows, _ = await payment_list.list_installments(payment_list.PaymentQuery(kind='refund'))
    assert [row['number'] for row in rows] == [note.number]
    with pytest.raises(DomainError, match='annulée par un avoir'):
        await payments.cancel_settlement(admin, installment.id, secret=SECRET)
    await settle(admin, refund, '100.00')  # given back in two transfers
    refund = await refund_of(note)
    assert (refund.status, refund.paid_amount) == ('open', D('-100.00'))
    with pytest.raises(DomainError, match='dépasse'):
        await settle(admin, refund, '140.01')
    await settle(admin, refund, '140.00')
    assert (await refund_of(note)).status == 'paid'


async def test_a_credit_note_for_what_is_left_to_pay_makes_the_invoice_paid(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    await settle(admin, installment, '200.00')
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts', amounts=SIXTY_HT)
    installment = await Installment.get(id=installment.id)
    assert (installment.status, installment.paid_amount) == ('paid', D('240.00'))
    assert (await Document.get(id=invoice.id)).state == 'paid'
    refund = await refund_of(note)  # 72.00 credited, 40.00 imputed: 32.00 to give back
    assert (refund.status, refund.left_to_pay) == ('open', D('-32.00'))
    # Unticking reverses the money received, never the credit note's imputation.
    [reversal] = await payments.cancel_settlement(admin, installment.id, secret=SECRET)
    assert reversal.amount == D('-200.00')
    installment = await Installment.get(id=installment.id)
    assert (installment.status, installment.paid_amount) == ('open', D('40.00'))
    assert (await Document.get(id=invoice.id)).state == 'validated'


async def test_a_credit_note_is_imputed_on_the_earliest_installment_first(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                          amounts={('S', D('20.00')): D('100.00')})  # 120.00 TTC
    first, second = await installments_of(invoice.id)
    assert (first.status, first.paid_amount, second.status, second.paid_amount) == ('paid', D('100.00'), 'open',
                                                                                    D('20.00'))


async def test_a_settlement_and_a_credit_note_at_once_queue_and_stay_consistent(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await installments_of(invoice.id)
    paid, note = await asyncio.gather(settle(admin, installment, '240.00'),
                                      credit_notes.create_credit_note(admin, invoice.id, issuer=issuer()),
                                      return_exceptions=True)
    assert isinstance(note, Document) and (await Document.get(id=invoice.id)).state == 'cancelled'
    refund = await refund_of(note)
    if isinstance(paid, Payment):  # paid first: the whole credit note is to refund
        assert refund.left_to_pay == D('-240.00')
    else:  # credited first: nothing was left to pay
        assert 'déjà réglée' in str(paid) and refund.status == 'paid'
    assert (await Installment.get(id=installment.id)).paid_amount == D('240.00')
    assert (await integrity.verify_series('payment', SECRET)).ok
