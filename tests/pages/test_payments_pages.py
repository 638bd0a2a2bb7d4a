"""Règlements (PA1-PA3, PA7) with the User fixture: what the list shows, its filters, ticking and unticking "Réglé",
partial payments and overpayments, the write-off, and who may do it."""
import asyncio
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from nicegui.testing import User

from db import deposits, documents, payments, validation
from db.document import Document, Installment, Payment
from logic.deposits import DepositSpec
from tests.db.documents_helpers import business_client, draft, individual_client, line, validated_invoice
from tests.helpers import SECRET, until
from tests.pages.helpers import elements, log_in, shown
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD
from tests.issuing import issuer


def rows(user: User) -> list[dict]:
    return elements(user, 'payments')[0].rows


def listed(user: User) -> list[tuple[str, str]]:
    return [(row['number'], row['state']) for row in rows(user)]


def tick(user: User, installment_id: int) -> None:
    """Click the "Réglé" box of a row, as the browser reports it (the row travels with the event)."""
    user.find(marker='payments').trigger('toggle', {'id': installment_id})


async def open_payments(user: User, **login) -> None:
    await log_in(user, next_path='/reglements', **login)
    await user.should_see(marker='payment-summary', retries=100)
    await until(lambda: bool(elements(user, 'payments')[0].rows) or shown(user, 'count').startswith('0'))


async def test_it_lists_the_open_installments_of_validated_invoices_but_not_the_schedule_of_drafts(user: User, admin):
    client = await business_client()
    await validated_invoice(admin, client)
    plan = await documents.create_document(admin, draft(client, line(price='50')))
    due = date.today() + timedelta(days=30)
    await documents.set_installments(admin, plan.id, [(due, Decimal('120.00'))], plan.version)
    assert await Installment.filter(document_id=plan.id, status='planned').exists()
    await open_payments(user)
    assert listed(user) == [(f'F{date.today().year}-00001', 'En attente')]
    row = rows(user)[0]
    assert (row['client'], row['amount'], row['left'], row['url']) == (
        'Boulangerie Martin SAS', '240,00\xa0€', '240,00\xa0€', f'/factures/{row["document_id"]}')
    assert shown(user, 'summary-total-due') == '240,00\xa0€'
    assert shown(user, 'summary-settled') == '0,00\xa0€'


async def test_the_filters_select_by_state_type_and_client(user: User, admin):
    late = await validated_invoice(admin, await business_client(), issue_date=date.today() - timedelta(days=90))
    await validated_invoice(admin, await individual_client(), line(price='10'))
    await open_payments(user)
    await until(lambda: len(rows(user)) == 2)
    year = date.today().year
    assert listed(user)[0] == (f'F{year}-00002', 'En attente')  # the newest due date first
    assert listed(user)[1] == (late.number, 'En retard')
    assert shown(user, 'summary-overdue') == '240,00\xa0€'
    elements(user, 'state-filter')[0].value = 'overdue'
    await until(lambda: listed(user) == [(late.number, 'En retard')])
    elements(user, 'state-filter')[0].value = ''
    elements(user, 'search')[0].value = 'Petit'
    await until(lambda: listed(user) == [(f'F{year}-00002', 'En attente')])
    elements(user, 'search')[0].value = ''
    elements(user, 'type-filter')[0].value = 'deposit'
    await until(lambda: listed(user) == [])


async def test_settling_from_the_dialog_makes_the_row_paid_and_the_invoice_reglee(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await open_payments(user)
    tick(user, installment.id)
    await user.should_see(marker='confirm-settle', retries=50)
    assert elements(user, 'settle-amount')[0].value == '240,00'  # what is left to pay
    assert elements(user, 'settle-date')[0].value == date.today().strftime('%d/%m/%Y')  # jj/mm/aaaa
    assert elements(user, 'settle-method')[0].value == 'transfer'  # the invoice's payment method
    elements(user, 'settle-reference')[0].value = 'VIR-2026-118'
    user.find(marker='confirm-settle').click()
    await until(lambda: Document.filter(id=invoice.id, state='paid').exists())
    await until(lambda: listed(user) == [(invoice.number, 'Réglée')])
    assert rows(user)[0]['settled'] is True
    payment = await Payment.get(installment_id=installment.id)
    assert (payment.kind, payment.amount, payment.method, payment.reference) == (
        'settlement', Decimal('240.00'), 'transfer', 'VIR-2026-118')


async def test_a_partial_payment_leaves_the_rest_due(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await open_payments(user)
    tick(user, installment.id)
    await user.should_see(marker='confirm-settle', retries=50)
    elements(user, 'settle-amount')[0].value = '100'
    elements(user, 'settle-method')[0].value = 'cheque'
    user.find(marker='confirm-settle').click()
    await until(lambda: listed(user) == [(invoice.number, 'Réglée en partie')])
    assert (rows(user)[0]['paid'], rows(user)[0]['left']) == ('100,00\xa0€', '140,00\xa0€')
    assert rows(user)[0]['settled'] is False
    stored = await Installment.get(id=installment.id)
    assert (stored.status, stored.paid_amount) == ('open', Decimal('100.00'))
    assert (await Document.get(id=invoice.id)).state == 'validated'
    assert shown(user, 'summary-settled') == '100,00\xa0€'


async def test_an_overpayment_is_refused_in_french_and_changes_nothing(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await open_payments(user)
    tick(user, installment.id)
    await user.should_see(marker='confirm-settle', retries=50)
    elements(user, 'settle-amount')[0].value = '240,01'
    user.find(marker='confirm-settle').click()
    await user.should_see('Le montant dépasse le reste à payer (240,00\xa0€).', retries=50)
    await user.should_see(marker='confirm-settle')  # the dialog stays open with what was typed
    assert not await Payment.exists()
    assert (await Installment.get(id=installment.id)).status == 'open'


async def test_unticking_reverses_the_settlement_and_the_history_keeps_both(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=Decimal('240.00'),
                          reference='1234567', secret=SECRET)
    await open_payments(user)
    await until(lambda: listed(user) == [(invoice.number, 'Réglée')])
    tick(user, installment.id)
    await user.should_see(marker='confirm-unsettle', retries=50)
    elements(user, 'unsettle-reason')[0].value = 'Chèque impayé'
    user.find(marker='confirm-unsettle').click()
    await until(lambda: Document.filter(id=invoice.id, state='validated').exists())
    await until(lambda: listed(user) == [(invoice.number, 'En attente')])
    assert [(p.kind, p.amount) for p in await Payment.all().order_by('id')] == [
        ('settlement', Decimal('240.00')), ('reversal', Decimal('-240.00'))]
    user.find(marker='payments').trigger('detail', {'id': installment.id})
    await user.should_see(marker='history', retries=50)
    history = elements(user, 'history')[0].rows
    assert [row['kind'] for row in history] == ['Règlement', f'Annulation de {history[0]["label"]}']
    assert history[1]['reference'].endswith('Chèque impayé')


async def test_a_clerk_can_settle_but_a_visitor_is_sent_to_the_login_page(user: User, admin, clerk):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await user.open('/reglements')
    await user.should_see('Se connecter')
    await user.should_not_see(marker='payments')
    await open_payments(user, email=CLERK_EMAIL, password=CLERK_PASSWORD)
    tick(user, installment.id)
    await user.should_see(marker='confirm-settle', retries=50)
    user.find(marker='confirm-settle').click()
    await until(lambda: Installment.filter(id=installment.id, status='paid').exists())


async def test_an_invoice_is_written_off_from_the_detail_and_the_write_off_can_be_cancelled(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await open_payments(user)
    user.find(marker='payments').trigger('detail', {'id': installment.id})
    await user.should_see(marker='write-off', retries=50)
    await user.should_see(marker='no-history')
    user.find(marker='write-off').click()
    await user.should_see(marker='confirm-write-off', retries=50)
    user.find(marker='confirm-write-off').click()
    await user.should_see('Indiquez le motif', retries=50)  # a reason is required
    elements(user, 'write-off-reason')[0].value = 'Liquidation judiciaire du client'
    user.find(marker='confirm-write-off').click()
    await until(lambda: Document.filter(id=invoice.id, state='irrecoverable').exists())
    await until(lambda: listed(user) == [(invoice.number, 'Irrécouvrable')])
    assert rows(user)[0]['type'] == 'Irrécouvrable' and rows(user)[0]['can_toggle'] is False
    elements(user, 'type-filter')[0].value = 'irrecoverable'
    await until(lambda: len(rows(user)) == 1)
    user.find(marker='payments').trigger('detail', {'id': installment.id})
    await user.should_see(marker='cancel-write-off', retries=50)
    user.find(marker='cancel-write-off').click()
    await user.should_see(marker='confirm', retries=50)
    user.find(marker='confirm').click()
    await until(lambda: Document.filter(id=invoice.id, state='validated').exists())
    assert [p.kind for p in await Payment.all().order_by('id')] == ['write_off', 'reversal']


async def an_accepted_quote_with_a_deposit(admin, client, percent: str = '30'):
    quote = await documents.create_document(admin, draft(client, line(quantity='10'), doc_type='quote'))  # 1200 TTC
    quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(percent=Decimal(percent),
                                                                      due_date=date.today() + timedelta(days=8))],
                                        quote.version)
    await documents.set_quote_state(admin, quote.id, 'accepted')
    return quote, await Installment.get(document_id=quote.id, kind='deposit')


async def test_ticking_a_deposit_creates_its_deposit_invoice_and_unticking_proposes_the_credit_note(user: User, admin):
    quote, deposit = await an_accepted_quote_with_a_deposit(admin, await business_client())
    await open_payments(user)
    assert listed(user) == [(quote.number, 'En attente')]
    assert rows(user)[0]['type'] == 'Acompte' and rows(user)[0]['url'] == f'/devis/{quote.id}'
    tick(user, deposit.id)
    await user.should_see(marker='settle-invoice-date', retries=50)
    await user.should_see(marker='settle-warning')
    assert elements(user, 'settle-amount')[0].value == '360,00'
    user.find(marker='confirm-settle').click()
    # Its issuing renders the PDF and checks the e-invoice (the checker may be starting): more than a click.
    await until(lambda: Document.filter(doc_type='deposit_invoice', state='paid').exists(), timeout=30)
    await until(lambda: listed(user) == [(quote.number, 'Réglé')])  # "un acompte", as on its quote
    invoice = await Document.get(doc_type='deposit_invoice')
    assert invoice.total_ttc == Decimal('360.00') and invoice.issue_date == date.today()
    tick(user, deposit.id)
    await user.should_see(marker='unsettle-credit', retries=50)
    assert elements(user, 'unsettle-credit')[0].value is True
    user.find(marker='confirm-unsettle').click()
    await until(lambda: Document.filter(doc_type='credit_note', source_id=invoice.id).exists(), timeout=30)
    # The deposit is due again; the credit note's refund is imputed on the deposit invoice: nothing to give back.
    await until(lambda: (quote.number, 'En attente') in listed(user))
    assert (await Installment.get(id=deposit.id)).deposit_invoice_id is None
    assert (await Document.get(id=invoice.id)).state == 'cancelled'


async def test_the_deposit_request_is_downloaded_from_the_detail(user: User, admin):
    quote, deposit = await an_accepted_quote_with_a_deposit(admin, await business_client())
    await open_payments(user)
    user.find(marker='payments').trigger('detail', {'id': deposit.id})
    await user.should_see(marker='deposit-request', retries=50)
    await user.should_not_see(marker='write-off')  # a deposit is not written off: its quote is not an invoice
    user.find(marker='deposit-request').click()
    response = await user.download.next(timeout=30)
    assert response.content.startswith(b'%PDF')


async def test_the_excel_export_holds_the_filtered_list(user: User, admin):
    late = await validated_invoice(admin, await business_client(), issue_date=date.today() - timedelta(days=90))
    await validated_invoice(admin, await individual_client(), line(price='10'))
    await open_payments(user)
    elements(user, 'state-filter')[0].value = 'overdue'
    await until(lambda: listed(user) == [(late.number, 'En retard')])
    user.find(marker='export').click()
    response = await user.download.next(timeout=10)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ('Échéance', 'Document', 'Client')
    assert [row[1:4] for row in values[1:]] == [(late.number, 'Boulangerie Martin SAS', 'Échéance')]
    assert values[1][6] == 240 and values[1][7] == 'En retard'


async def test_a_deposit_unticked_without_credit_note_keeps_its_invoice_until_cancelled_from_the_detail(user: User,
                                                                                                         admin):
    quote, deposit = await an_accepted_quote_with_a_deposit(admin, await business_client())
    today = date.today()
    invoice = await deposits.settle_deposit(admin, deposit.id, paid_on=today, method='cheque',
                                            amount=Decimal('360.00'), invoice_date=today, issuer=issuer())
    await open_payments(user)
    tick(user, deposit.id)
    await user.should_see(marker='unsettle-credit', retries=50)
    elements(user, 'unsettle-credit')[0].value = False
    user.find(marker='confirm-unsettle').click()
    await until(lambda: Installment.filter(id=deposit.id, status='open').exists())
    assert (await Installment.get(id=deposit.id)).deposit_invoice_id == invoice.id
    user.find(marker='payments').trigger('detail', {'id': deposit.id})
    await user.should_see(marker='credit-deposit', retries=50)
    user.find(marker='credit-deposit').click()
    await user.should_see(marker='confirm', retries=50)
    user.find(marker='confirm').click()
    await until(lambda: Document.filter(doc_type='credit_note', source_id=invoice.id).exists(), timeout=30)
    assert (await Installment.get(id=deposit.id)).deposit_invoice_id is None


async def test_the_list_and_the_summary_follow_a_settlement_made_elsewhere(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    await open_payments(user)
    await until(lambda: listed(user) == [(invoice.number, 'En attente')])
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cash', amount=Decimal('40.00'),
                          secret=SECRET)
    await until(lambda: listed(user) == [(invoice.number, 'Réglée en partie')])
    await until(lambda: shown(user, 'summary-settled') == '40,00\xa0€')
    assert shown(user, 'summary-total-due') == '200,00\xa0€'


@pytest.mark.parametrize('days_ago, label', [(0, 'Réglée en partie'), (90, 'En retard, réglée en partie')])
async def test_a_partly_paid_installment_reads_the_same_on_the_payments_list_and_on_its_invoice(user: User, admin,
                                                                                                days_ago, label):
    today = date.today()
    invoice = await validated_invoice(admin, await business_client(), issue_date=today - timedelta(days=days_ago))
    installment = await Installment.get(document_id=invoice.id)
    await payments.settle(admin, installment.id, paid_on=today, method='cheque', amount=Decimal('100.00'),
                          secret=SECRET)
    await open_payments(user)
    await until(lambda: listed(user) == [(invoice.number, label)])
    await user.open(f'/factures/{invoice.id}')
    await user.should_see(marker='installment-status', retries=100)
    assert shown(user, 'installment-status') == label


# --- issue #19: a credit note imputed on an invoice is no money received nor refunded --------------------------

async def partly_paid_invoice_credited_by_one_line(admin):
    """228,00 € TTC (2 x 45 + 100 HT), 50,00 € received by cheque, then one 45,00 € HT line credited (54,00 € TTC)."""
    from db.credit_notes import create_credit_note  # noqa: PLC0415
    from db.document import DocumentLine  # noqa: PLC0415

    invoice = await validated_invoice(admin, await business_client(), line(quantity='2', price='45'),
                                      line('Joint', quantity='1', price='100'))
    installment = await Installment.get(document_id=invoice.id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=Decimal('50.00'),
                          secret=SECRET)
    first = await DocumentLine.filter(document_id=invoice.id).order_by('position').first()
    note = await create_credit_note(admin, invoice.id, issuer=issuer(), mode='lines', lines={first.id: Decimal('1')})
    return invoice, installment, note


async def test_a_credit_note_imputed_on_an_invoice_reads_imputed_and_is_not_counted_as_settled(user: User, admin):
    invoice, _, note = await partly_paid_invoice_credited_by_one_line(admin)
    await open_payments(user)
    await until(lambda: len(rows(user)) == 2)
    by_number = {row['number']: row for row in rows(user)}
    refund, owed = by_number[note.number], by_number[invoice.number]
    assert (refund['type'], refund['state'], refund['paid'], refund['left']) == (
        'Avoir', 'Imputé', '0,00\xa0€', '0,00\xa0€')
    assert refund['note'] == f'Imputé sur la facture {invoice.number} : 54,00\xa0€'
    assert refund['settled'] is False and refund['can_toggle'] is False  # nothing was refunded: nothing to untick
    assert (owed['state'], owed['paid'], owed['left']) == ('Réglée en partie', '50,00\xa0€', '124,00\xa0€')
    assert owed['note'] == f'Avoir {note.number} imputé : 54,00\xa0€'
    assert shown(user, 'summary-settled') == '50,00\xa0€'  # money received only
    assert shown(user, 'summary-type-refund') == ('Avoir : 54,00\xa0€ imputés sur facture, 0,00\xa0€ à rembourser, '
                                                  '0,00\xa0€ remboursés')
    assert shown(user, 'summary-type-installment') == ('Échéance : 124,00\xa0€ à encaisser, 50,00\xa0€ réglés, '
                                                       '54,00\xa0€ soldés par avoir')


async def test_a_refund_owed_reads_a_rembourser_and_once_paid_out_rembourse(user: User, admin):
    from db.credit_notes import create_credit_note  # noqa: PLC0415

    invoice = await validated_invoice(admin, await business_client())
    installment = await Installment.get(document_id=invoice.id)
    today = date.today()
    await payments.settle(admin, installment.id, paid_on=today, method='transfer', amount=Decimal('240.00'),
                          secret=SECRET)
    note = await create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                    amounts={('S', Decimal('20.00')): Decimal('50.00')})
    refund = await Installment.get(document_id=note.id, kind='refund')
    await open_payments(user)
    await until(lambda: (note.number, 'À rembourser') in listed(user))
    await payments.settle(admin, refund.id, paid_on=today, method='transfer', amount=Decimal('60.00'), secret=SECRET)
    await until(lambda: (note.number, 'Remboursé') in listed(user))
    assert shown(user, 'summary-type-refund') == 'Avoir : 0,00\xa0€ à rembourser, 60,00\xa0€ remboursés'
    assert shown(user, 'summary-settled') == '240,00\xa0€'


async def test_the_detail_and_the_invoice_show_the_state_the_list_shows(user: User, admin):
    invoice, installment, _ = await partly_paid_invoice_credited_by_one_line(admin)
    await open_payments(user)
    await until(lambda: (invoice.number, 'Réglée en partie') in listed(user))
    user.find(marker='payments').trigger('detail', {'id': installment.id})
    await user.should_see(marker='detail-État', retries=50)
    assert shown(user, 'detail-État') == 'Réglée en partie'  # was the bare status: "En attente"
    assert (shown(user, 'detail-Réglé'), shown(user, 'detail-Avoir imputé')) == ('50,00\xa0€', '54,00\xa0€')
    await user.open(f'/factures/{invoice.id}')
    await user.should_see(marker='installment-status', retries=100)
    assert shown(user, 'installment-status') == 'Réglée en partie'
    assert shown(user, 'installment-paid') == '50,00\xa0€'
    assert shown(user, 'installment-credited') == 'Avoir imputé : 54,00\xa0€'
    assert shown(user, 'schedule-paid') == 'Réglé : 50,00\xa0€'


async def test_the_list_ignores_drafts_and_follows_a_validation(user: User, admin, monkeypatch):
    """The list shows only what is due: a draft saved elsewhere does not reload it, a validation does (issue 18)."""
    from pages import payments as payments_page  # noqa: PLC0415

    client = await business_client()
    first = await validated_invoice(admin, client)
    await open_payments(user)
    await until(lambda: listed(user) == [(first.number, 'En attente')])
    fetched = []
    list_installments = payments_page.payment_list.list_installments

    async def counting(*args, **kwargs):
        fetched.append(args)
        return await list_installments(*args, **kwargs)

    monkeypatch.setattr(payments_page.payment_list, 'list_installments', counting)
    second = await documents.create_document(admin, draft(client, line(price='70')))
    await documents.save_draft(admin, second.id, draft(client, line(price='80')), second.version)
    await asyncio.sleep(1)  # well past the list's 0.3 s gathering of a burst
    assert fetched == []
    validated = await validation.validate_invoice(admin, second.id, issuer=issuer())
    await until(lambda: len(listed(user)) == 2)
    assert validated.number in [number for number, _state in listed(user)]


async def test_a_page_or_sort_change_keeps_the_total_and_a_filter_counts_again(user: User, admin, monkeypatch):
    """Issue 17: the count of every listed installment was the tail of the list's clicks; a page or sort change
    keeps the filters, so the table passes the total it shows and no COUNT runs. A filter change counts again."""
    from pages import payments as payments_page  # noqa: PLC0415

    client = await business_client()
    invoices = [await validated_invoice(admin, client, line(price=str(10 * (n + 1)))) for n in range(3)]
    await open_payments(user)
    await until(lambda: len(rows(user)) == 3)
    counted = []
    list_installments = payments_page.payment_list.list_installments

    async def counting(query, *, total=None):
        if total is None:  # only a call without a known total runs a COUNT
            counted.append(query)
        return await list_installments(query, total=total)

    monkeypatch.setattr(payments_page.payment_list, 'list_installments', counting)
    table = user.find(marker='payments')
    table.trigger('request', {'pagination': {'page': 2, 'rowsPerPage': 2, 'sortBy': 'number', 'descending': False}})
    await until(lambda: [row['number'] for row in rows(user)] == [invoices[2].number])
    table.trigger('request', {'pagination': {'page': 1, 'rowsPerPage': 2, 'sortBy': 'amount', 'descending': True}})
    await until(lambda: [row['number'] for row in rows(user)] == [invoices[2].number, invoices[1].number])
    assert counted == [] and elements(user, 'payments')[0].pagination['rowsNumber'] == 3
    elements(user, 'search')[0].value = invoices[0].number  # a filter: count again
    await until(lambda: [row['number'] for row in rows(user)] == [invoices[0].number])
    assert len(counted) == 1 and elements(user, 'payments')[0].pagination['rowsNumber'] == 1
