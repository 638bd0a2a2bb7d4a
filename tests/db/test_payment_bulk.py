"""Settling in bulk (db/payment_bulk.py) follows the rules of one settlement at a time: the same journal, the same
chain, the same states; a refusal writes nothing of its batch."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from db import integrity, payments
from db.document import ChainEntry, Document, Installment, Payment
from db.payment_bulk import BulkSettlement, settle_in_bulk
from logic.payments import PaymentError
from tests.db.payments_helpers import invoice_in_two, invoice_of_a_quote_with_a_deposit, snapshot_of_payments
from tests.helpers import SECRET
from tests.personas import set_up_company

D = Decimal


async def test_it_settles_in_bulk_like_one_at_a_time_and_chains_each_record(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    first, second = await payments.document_installments(invoice.id)
    today = date.today()
    await payments.settle(admin, first.id, paid_on=today, method='cheque', amount=D('40.00'), secret=SECRET)
    count = await settle_in_bulk(admin, [
        BulkSettlement(installment_id=first.id, amount=D('60.00'), paid_on=today, method='transfer'),
        BulkSettlement(installment_id=second.id, amount=D('100.00'), paid_on=today - timedelta(days=1),
                       method='card'),
        BulkSettlement(installment_id=second.id, amount=D('40'), paid_on=today, method='cash')], secret=SECRET)
    assert count == 3
    rows = await Installment.filter(document_id=invoice.id).order_by('position').values_list(
        'status', 'paid_amount', 'paid_on', 'version')
    assert rows == [('paid', D('100.00'), today, 3), ('paid', D('140.00'), today, 2)]
    assert (await Document.get(id=invoice.id)).state == 'paid'
    labels = await Payment.all().order_by('id').values_list('label', flat=True)
    assert [label[-6:] for label in labels] == ['000001', '000002', '000003', '000004']
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    assert await ChainEntry.filter(series='payment').count() == 4
    # the app's next payment chains after the batch
    await payments.cancel_settlement(admin, second.id, secret=SECRET)
    assert (await Document.get(id=invoice.id)).state == 'validated'
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))


@pytest.mark.parametrize('amount, days_on, method, message', [
    ('240.01', 0, 'transfer', 'dépasse le reste à payer'),
    ('10.001', 0, 'transfer', 'au centime près'),
    ('0', 0, 'transfer', 'supérieur à 0'),
    ('10', 1, 'transfer', 'futur'),
    ('10', 0, 'credit_note', 'mode de règlement'),
])
async def test_it_refuses_what_a_single_settlement_refuses_and_writes_nothing(db, amount, days_on, method, message):
    paid_on = date.today() + timedelta(days=days_on)  # taken when the test runs, not when it is collected
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    first, second = await payments.document_installments(invoice.id)
    before = await snapshot_of_payments(invoice.id)
    with pytest.raises(PaymentError, match=message):
        await settle_in_bulk(admin, [
            BulkSettlement(installment_id=first.id, amount=D('100.00'), paid_on=date.today(), method='transfer'),
            BulkSettlement(installment_id=second.id, amount=D(amount), paid_on=paid_on, method=method)],
            secret=SECRET)
    assert await snapshot_of_payments(invoice.id) == before


async def test_it_refuses_an_installment_already_paid(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    first, _ = await payments.document_installments(invoice.id)
    today = date.today()
    await settle_in_bulk(admin, [BulkSettlement(installment_id=first.id, amount=D('100'), paid_on=today,
                                                method='cheque')], secret=SECRET)
    with pytest.raises(PaymentError, match='pas en attente'):
        await settle_in_bulk(admin, [BulkSettlement(installment_id=first.id, amount=D('1'), paid_on=today,
                                                    method='cheque')], secret=SECRET)


async def test_it_refuses_the_balance_while_a_deposit_of_the_quote_is_open_and_a_deposit_itself(db):
    admin = await set_up_company()
    _, deposit, invoice = await invoice_of_a_quote_with_a_deposit(admin)
    [installment] = await payments.document_installments(invoice.id)
    before = await snapshot_of_payments(invoice.id)
    today = date.today()
    with pytest.raises(PaymentError, match='acomptes doivent être réglés avant le solde'):
        await settle_in_bulk(admin, [BulkSettlement(installment_id=installment.id, amount=D('10'), paid_on=today,
                                                    method='cheque')], secret=SECRET)
    with pytest.raises(PaymentError, match='Seule l’échéance d’une facture'):
        await settle_in_bulk(admin, [BulkSettlement(installment_id=deposit.id, amount=D('72'), paid_on=today,
                                                    method='cheque')], secret=SECRET)
    assert await snapshot_of_payments(invoice.id) == before
