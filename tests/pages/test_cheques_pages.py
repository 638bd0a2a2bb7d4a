"""Remises de chèques (PA4) with the User fixture: a cheque settled with its details, a slip of some of the cheques
waiting, the live total, the cancellation, and the refusal without a company account."""
from datetime import date
from decimal import Decimal

from nicegui.testing import User

from db import cheques, payments
from db.cheque import Cheque, ChequeSlip
from db.company import Company
from db.document import Installment
from logic.cheques import ChequeDetails
from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.helpers import SECRET, until
from tests.pages.helpers import elements, log_in, shown
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD


async def cheque_settled(admin, client, price, number):
    invoice = await validated_invoice(admin, client, line(price=price))
    installment = await Installment.get(document_id=invoice.id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=installment.amount,
                          reference=number, secret=SECRET, cheque=ChequeDetails(drawer='M. Martin', bank='CIC',
                                                                                number=number))
    return invoice


async def test_the_settle_dialog_records_the_cheque_details(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await log_in(user, next_path='/reglements')
    await user.should_see(marker='payment-summary', retries=100)
    await until(lambda: bool(elements(user, 'payments')[0].rows))
    user.find(marker='payments').trigger('toggle', {'id': installment.id})
    await user.should_see(marker='confirm-settle', retries=50)
    elements(user, 'settle-method')[0].value = 'cheque'
    elements(user, 'settle-reference')[0].value = '1234567'
    elements(user, 'settle-drawer')[0].value = 'SCI Les Tilleuls'
    elements(user, 'settle-bank')[0].value = 'Banque Postale'
    user.find(marker='confirm-settle').click()
    await until(lambda: Cheque.exists())
    cheque = await Cheque.get()
    assert (cheque.drawer, cheque.bank, cheque.cheque_number, cheque.amount, cheque.invoice_number) == (
        'SCI Les Tilleuls', 'Banque Postale', '1234567', Decimal('240.00'), invoice.number)


async def test_a_clerk_remits_two_of_three_cheques_then_cancels_the_slip(user: User, admin, clerk):
    await Company.all().update(iban='FR7630006000011234567890189', bank_name='CIC Rennes')
    client = await business_client()
    invoices = [await cheque_settled(admin, client, price, number)
                for price, number in (('100', '0000001'), ('50', '0000002'), ('10', '0000003'))]
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD, next_path='/reglements/cheques')
    await user.should_see(marker='cheque-slips', retries=100)
    assert shown(user, 'pending-cheques-summary') == '3 chèque(s) à remettre · 384,00\xa0€'
    user.find(marker='new-slip').click()
    await user.should_see(marker='confirm-remittance', retries=50)
    table = elements(user, 'pending-cheques')[0]
    assert [row['invoice'] for row in table.rows] == [invoice.number for invoice in invoices]
    assert shown(user, 'remittance-total') == '3 chèque(s) sélectionné(s) · total 384,00\xa0€'
    third = table.rows[2]
    user.find(marker='pending-cheques').trigger('selection', {'added': False, 'rows': [third], 'keys': [third['id']]})
    await until(lambda: shown(user, 'remittance-total') == '2 chèque(s) sélectionné(s) · total 360,00\xa0€')
    user.find(marker='confirm-remittance').click()
    await until(lambda: ChequeSlip.exists())
    slip = await ChequeSlip.get()
    assert (slip.number, slip.count, slip.total) == (f'RC{date.today().year}-00001', 2, Decimal('360.00'))
    await until(lambda: [row['number'] for row in elements(user, 'cheque-slips')[0].rows] == [slip.number])
    assert shown(user, 'pending-cheques-summary') == '1 chèque(s) à remettre · 24,00\xa0€'
    row = elements(user, 'cheque-slips')[0].rows[0]
    assert (row['state'], row['count'], row['total'], row['pdf']) == (
        'Remise', 2, '360,00\xa0€', f'/reglements/cheques/{slip.id}/pdf')

    user.find(marker='cheque-slips').trigger('cancel', row)
    await user.should_see(marker='cancel-reason', retries=50)
    elements(user, 'cancel-reason')[0].value = 'Bordereau égaré'
    user.find(marker='confirm-cancel-slip').click()
    await until(lambda: ChequeSlip.exists(state='cancelled'))
    await until(lambda: elements(user, 'cheque-slips')[0].rows[0]['state'] == 'Annulée')
    assert (await cheques.pending_totals())[0] == 3


async def test_without_a_company_account_the_remittance_is_refused_in_french(user: User, admin):
    await cheque_settled(admin, await business_client(), '100', '0000001')
    await Company.all().update(iban='')
    await log_in(user, next_path='/reglements/cheques')
    await user.should_see(marker='cheque-slips', retries=100)
    user.find(marker='new-slip').click()
    await user.should_see(marker='confirm-remittance', retries=50)
    user.find(marker='confirm-remittance').click()
    await user.should_see('Renseignez d’abord le compte bancaire de la société', retries=50)
    assert not await ChequeSlip.exists()
    assert await Cheque.filter(status='pending').count() == 1
