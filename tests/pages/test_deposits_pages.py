"""Deposits and schedules on the document pages, with the User fixture: a quote's deposits block (QU4, DE1-DE3), a
draft invoice's schedule (IN5), a validated invoice's installments with "Régler", the cancellation of a settlement
and "Irrécouvrable" (PA2, PA7), the unpaid deposits met when validating a balance invoice (DE5), and the deposit
account option (DE4)."""
from datetime import date, timedelta
from decimal import Decimal

from nicegui.testing import User

from db import documents
from db.company import Options
from db.document import Document, Installment, Payment
from logic.deposits import DepositSpec
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from tests.helpers import until
from tests.pages.helpers import edit, elements, log_in, shown
from tests.issuing import issuer

D = Decimal


def texts(user: User, marker: str) -> list[str]:
    return [element.text for element in elements(user, marker)]


# --- IN5: a draft invoice's schedule ---------------------------------------------------------------------------

async def test_a_draft_invoice_is_split_evenly_and_the_last_part_takes_the_cents(user: User, admin):
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client, line(quantity='1', price='83.33')))  # 100,00 TTC
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='schedule', retries=100)
    elements(user, 'schedule-count')[0].value = '3'
    await until(lambda: texts(user, 'schedule-part') == ['33,33\xa0€', '33,33\xa0€', '33,34\xa0€'])
    assert shown(user, 'schedule-sum') == 'Somme des échéances : 100,00\xa0€'
    user.find(marker='save-schedule').click()
    await user.should_see('Échéancier enregistré.', retries=100)
    saved = await Installment.filter(document_id=invoice.id).order_by('position')
    assert [item.amount for item in saved] == [D('33.33'), D('33.33'), D('33.34')]
    assert all(item.status == 'planned' for item in saved)
    # Monthly from the terms' due date (30 days by default).
    first = date.today() + timedelta(days=30)
    assert saved[0].due_date == first and saved[1].due_date.month == (first.month % 12) + 1


async def test_amounts_that_do_not_sum_to_the_total_are_refused_in_french(user: User, admin):
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client, line(quantity='1', price='100')))  # 120,00 TTC
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='schedule', retries=100)
    elements(user, 'schedule-split')[0].value = 'amount'
    await user.should_see(marker='schedule-amount', retries=50)
    elements(user, 'schedule-amount')[0].value = '50'
    await until(lambda: 'Les échéances totalisent 110,00' in shown(user, 'schedule-error'))
    assert 'écart : 10,00' in shown(user, 'schedule-error')
    user.find(marker='save-schedule').click()
    await user.should_see('Les échéances totalisent 110,00', retries=50)
    assert not await Installment.exists(document_id=invoice.id)


async def test_percentages_must_make_one_hundred(user: User, admin):
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client, line(quantity='1', price='100')))
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='schedule', retries=100)
    elements(user, 'schedule-split')[0].value = 'percent'
    await user.should_see(marker='schedule-percent', retries=50)
    elements(user, 'schedule-percent')[0].value = '30'
    await until(lambda: 'Les pourcentages doivent totaliser 100' in shown(user, 'schedule-error'))
    elements(user, 'schedule-percent')[1].value = '70'
    await until(lambda: texts(user, 'schedule-part') == ['36,00\xa0€', '84,00\xa0€'])
    user.find(marker='save-schedule').click()
    await user.should_see('Échéancier enregistré.', retries=100)
    assert [item.amount for item in await Installment.filter(document_id=invoice.id).order_by('position')] == [
        D('36.00'), D('84.00')]


# --- PA2, PA7: a validated invoice's installments -------------------------------------------------------------

async def test_a_partial_settlement_leaves_the_rest_due_and_can_be_cancelled(user: User, admin):
    client = await business_client()
    invoice = await validated_invoice(admin, client)  # 240,00 TTC
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='settle', retries=100)
    assert texts(user, 'installment-left') == ['240,00\xa0€']
    user.find(marker='settle').click()
    await user.should_see(marker='settle-amount', retries=50)
    elements(user, 'settle-amount')[0].value = '100'
    elements(user, 'settle-reference')[0].value = 'CHQ 0042'
    user.find(marker='confirm-settle').click()
    await user.should_see('Règlement de 100,00\xa0€ enregistré.', retries=100)
    await until(lambda: texts(user, 'installment-left') == ['140,00\xa0€'])
    assert texts(user, 'installment-paid') == ['100,00\xa0€']
    assert (await Document.get(id=invoice.id)).state == 'validated'

    user.find(marker='unsettle').click()
    await user.should_see(marker='confirm-unsettle', retries=50)
    user.find(marker='confirm-unsettle').click()
    await user.should_see('Règlement annulé.', retries=100)
    await until(lambda: texts(user, 'installment-left') == ['240,00\xa0€'])
    kinds = [payment.kind for payment in await Payment.filter(document_id=invoice.id).order_by('id')]
    assert kinds == ['settlement', 'reversal']  # nothing deleted: the reversal stands beside the settlement


async def test_settling_what_is_left_makes_the_invoice_paid_and_more_is_refused(user: User, admin):
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='settle', retries=100)
    user.find(marker='settle').click()
    await user.should_see(marker='settle-amount', retries=50)
    elements(user, 'settle-amount')[0].value = '300'
    user.find(marker='confirm-settle').click()
    await user.should_see('Le montant dépasse le reste à payer', retries=50)
    assert not await Payment.exists(document_id=invoice.id)
    elements(user, 'settle-amount')[0].value = '240'
    user.find(marker='confirm-settle').click()
    await user.should_see('Règlement de 240,00\xa0€ enregistré.', retries=100)
    await until(lambda: shown(user, 'state') == 'Réglée')
    assert (await Document.get(id=invoice.id)).state == 'paid'


async def test_an_invoice_is_written_off_with_a_reason_and_the_write_off_can_be_cancelled(user: User, admin):
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='write-off', retries=100)
    user.find(marker='write-off').click()
    await user.should_see(marker='confirm-write-off', retries=50)
    user.find(marker='confirm-write-off').click()
    await user.should_see('Indiquez le motif (client en liquidation, créance prescrite…).', retries=50)
    assert (await Document.get(id=invoice.id)).state == 'validated'
    elements(user, 'write-off-reason')[0].value = 'Liquidation judiciaire du client'
    user.find(marker='confirm-write-off').click()
    await user.should_see('Facture passée en irrécouvrable.', retries=100)
    await until(lambda: shown(user, 'state') == 'Irrécouvrable')
    assert (await Installment.get(document_id=invoice.id)).status == 'irrecoverable'
    user.find(marker='cancel-write-off').click()
    await user.should_see('La facture n’est plus irrécouvrable.', retries=100)
    await until(lambda: shown(user, 'state') == 'Validée')


# --- DE4: the deposit account, in the accounting settings -----------------------------------------------------

async def test_the_deposit_account_is_an_accounting_setting(user: User, admin):
    await log_in(user, next_path='/parametres/comptabilite')
    await user.should_see(marker='deposit_account', retries=100)
    assert elements(user, 'deposit_account')[0].value == '419100'
    await user.open('/parametres/options')
    await user.should_see(marker='fiscal_year_start', retries=100)
    await user.should_not_see(marker='deposit_account')


# --- QU4, DE1-DE3, DE5: a quote's deposits ---------------------------------------------------------------------

async def a_quote(admin, client, *lines, state: str = 'draft', deposits=()):
    quote = await documents.create_document(admin, draft(client, *(lines or [line()]), doc_type='quote'))
    if deposits:
        from db import deposits as deposit_ops  # noqa: PLC0415

        quote = await deposit_ops.set_deposits(admin, quote.id, list(deposits), quote.version)
    if state != 'draft':
        quote = await documents.set_quote_state(admin, quote.id, state)
    return quote


def thirty_percent(**extra) -> DepositSpec:
    return DepositSpec(due_date=date.today() + timedelta(days=8), percent=D(30), **extra)


async def test_a_thirty_percent_deposit_shows_its_amount_and_is_saved_planned_on_a_draft_quote(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client)  # 240,00 TTC
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='add-deposit', retries=100)
    assert shown(user, 'deposits-empty') == 'Aucun acompte demandé sur ce devis.'
    user.find(marker='add-deposit').click()
    await user.should_see(marker='deposit-percent', retries=50)
    assert elements(user, 'deposit-percent')[0].value == '30'
    await until(lambda: texts(user, 'deposit-euros') == ['72,00\xa0€'])
    assert shown(user, 'deposits-total') == 'Total des acomptes : 72,00\xa0€ (30 % du TTC)'
    elements(user, 'deposit-label')[0].value = 'Acompte à la commande'
    user.find(marker='save-deposits').click()
    await user.should_see('Acomptes enregistrés.', retries=100)
    item = await Installment.get(document_id=quote.id, kind='deposit')
    assert (item.status, item.percent, item.amount, item.label) == ('planned', D(30), D('72.00'),
                                                                    'Acompte à la commande')


async def test_deposits_beyond_the_quote_total_are_refused_before_saving(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client)
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='add-deposit', retries=100)
    user.find(marker='add-deposit').click()
    await user.should_see(marker='deposit-mode', retries=50)
    elements(user, 'deposit-mode')[0].value = 'amount'
    await user.should_see(marker='deposit-amount', retries=50)
    elements(user, 'deposit-amount')[0].value = '300'
    await until(lambda: 'dépassent le total TTC du devis (240,00' in shown(user, 'deposits-error'))
    user.find(marker='save-deposits').click()
    await user.should_see('dépassent le total TTC', retries=50)
    assert not await Installment.exists(document_id=quote.id)


async def test_settling_a_deposit_from_the_quote_makes_its_deposit_invoice_paid(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='settle-deposit', retries=100)
    assert texts(user, 'deposit-status') == ['En attente']
    user.find(marker='settle-deposit').click()
    await user.should_see(marker='settle-invoice-date', retries=50)
    assert elements(user, 'settle-amount')[0].value == '72,00'
    user.find(marker='confirm-settle').click()
    year = date.today().year
    await user.should_see(f'facture d’acompte F{year}-00001 établie', retries=150)
    await until(lambda: texts(user, 'deposit-status') == ['Réglé'])
    assert texts(user, 'deposit-invoice') == [f'Facture d’acompte F{year}-00001']
    invoice = await Document.get(doc_type='deposit_invoice')
    assert (invoice.state, invoice.total_ttc, invoice.number) == ('paid', D('72.00'), f'F{year}-00001')
    # Still accepted, so another deposit may be added; the paid one is shown, not edited.
    await user.should_see(marker='add-deposit')
    await user.should_not_see(marker='deposit-percent')

    await user.open(f'/factures/{invoice.id}')
    await user.should_see(marker='deposit-quote', retries=100)
    assert shown(user, 'deposit-quote') == f'Devis {quote.number}'
    assert shown(user, 'state') == 'Réglée'
    assert elements(user, 'lines')[0].props['priceLabel'] == 'Prix unitaire TTC'  # its prices include VAT
    for absent in ('save', 'validate', 'credit', 'duplicate', 'delete'):
        await user.should_not_see(marker=absent)


async def test_an_invoiced_quote_shows_its_deposits_read_only(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    await documents.invoice_quote(admin, quote.id)
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='deposits', retries=100)
    assert shown(user, 'deposits-note') == 'Devis facturé : les acomptes ne se modifient plus.'
    await user.should_not_see(marker='add-deposit')
    await user.should_not_see(marker='save-deposits')
    assert texts(user, 'deposit-euros') == ['72,00\xa0€']


async def test_validating_a_balance_invoice_with_an_unpaid_deposit_offers_to_delete_it_then_validates(user: User,
                                                                                                       admin):
    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    invoice = await documents.invoice_quote(admin, quote.id)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='validate', retries=100)
    user.find(marker='validate').click()
    user.find(marker='confirm-validate').click()
    await user.should_see(marker='delete-unpaid-deposit', retries=100)
    assert (await Document.get(id=invoice.id)).state == 'draft'
    assert not elements(user, 'retry-validate')[0].enabled
    user.find(marker='delete-unpaid-deposit').click()
    await user.should_see(marker='deposits-done', retries=50)
    assert (await Installment.get(document_id=quote.id, kind='deposit')).status == 'cancelled'
    user.find(marker='retry-validate').click()
    await user.should_see(marker='confirm-validate', retries=50)
    user.find(marker='confirm-validate').click()
    await user.should_see(f'Facture validée : F{date.today().year}-00001.', retries=150)


async def test_a_balance_invoice_shows_the_deducted_deposit_and_the_net_to_pay(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    from db import deposits as deposit_ops  # noqa: PLC0415

    item = await Installment.get(document_id=quote.id, kind='deposit')
    today = date.today()
    deposit_invoice = await deposit_ops.settle_deposit(admin, item.id, paid_on=today, method='transfer',
                                                       amount=D('72.00'), invoice_date=today, issuer=issuer())
    invoice = await documents.invoice_quote(admin, quote.id)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='deduction', retries=100)
    await user.should_see(deposit_invoice.number)
    assert shown(user, 'net-to-pay') == '168,00\xa0€'
    assert shown(user, 'schedule-total') == 'Total à échelonner : 168,00\xa0€'


async def test_percent_deposits_follow_the_lines_being_typed_and_typing_keeps_the_field(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client, deposits=[thirty_percent()])  # 240,00 TTC: 72,00
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='deposit-percent', retries=100)
    assert texts(user, 'deposit-euros') == ['72,00\xa0€']
    edit(user, 1, 'quantity', '3')  # 360,00 TTC
    await until(lambda: texts(user, 'deposit-euros') == ['108,00\xa0€'])
    label = elements(user, 'deposit-label')[0]
    label.value = 'Acompte'
    await user.should_see(marker='save-deposits')
    assert elements(user, 'deposit-label')[0] is label  # not redrawn under the typing
    await user.should_not_see(marker='settle-deposit')


async def test_the_deposit_request_is_downloaded_as_a_pdf_without_taking_a_number(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='deposit-request', retries=100)
    user.find(marker='deposit-request').click()
    await user.should_see(marker='deposit-request-pdf', retries=50)
    user.find(marker='deposit-request-pdf').click()
    response = await user.download.next(timeout=60)
    assert response.content.startswith(b'%PDF-')
    assert not await Document.exists(doc_type='deposit_invoice')
    assert (await Document.get(id=quote.id)).state == 'accepted'


async def test_an_unpaid_deposit_is_settled_from_the_validation_dialog_then_deducted(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    invoice = await documents.invoice_quote(admin, quote.id)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='validate', retries=100)
    user.find(marker='validate').click()
    user.find(marker='confirm-validate').click()
    await user.should_see(marker='settle-unpaid-deposit', retries=100)
    user.find(marker='settle-unpaid-deposit').click()
    await user.should_see(marker='settle-invoice-date', retries=50)
    user.find(marker='confirm-settle').click()
    await user.should_see(marker='deposits-done', retries=150)
    user.find(marker='retry-validate').click()
    await user.should_see(marker='confirm-validate', retries=50)
    user.find(marker='confirm-validate').click()
    await user.should_see(f'Facture validée : F{date.today().year}-00002.', retries=150)
    stored = await Document.get(id=invoice.id)
    assert (stored.total_ttc, stored.prepaid, stored.amount_due) == (D('240.00'), D('72.00'), D('168.00'))
    await user.should_see(marker='deduction', retries=50)


async def test_cancelling_a_deposit_settlement_makes_the_credit_note_and_reopens_the_deposit(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    from db import deposits as deposit_ops  # noqa: PLC0415

    item = await Installment.get(document_id=quote.id, kind='deposit')
    today = date.today()
    deposit_invoice = await deposit_ops.settle_deposit(admin, item.id, paid_on=today, method='cheque',
                                                       amount=D('72.00'), invoice_date=today, issuer=issuer())
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='unsettle-deposit', retries=100)
    user.find(marker='unsettle-deposit').click()
    await user.should_see(marker='confirm-unsettle', retries=50)
    assert elements(user, 'unsettle-credit')[0].value is True
    user.find(marker='confirm-unsettle').click()
    await user.should_see('Règlement de l’acompte annulé.', retries=150)
    await until(lambda: texts(user, 'deposit-status') == ['En attente'])
    assert (await Document.get(id=deposit_invoice.id)).state == 'cancelled'
    assert await Document.exists(doc_type='credit_note', source_id=deposit_invoice.id)
    kinds = [payment.kind for payment in await Payment.filter(installment_id=item.id).order_by('id')]
    assert kinds == ['settlement', 'reversal']
    await user.open(f'/factures/{deposit_invoice.id}')
    await user.should_see(marker='deposit-invoice-text', retries=100)
    assert shown(user, 'deposit-invoice-text').startswith('Annulée par un avoir')


async def test_a_deposit_invoice_shows_how_it_was_paid_and_labels_its_line_total_ht(user: User, admin):
    from db import deposits as deposit_ops  # noqa: PLC0415

    client = await business_client()
    quote = await a_quote(admin, client, state='accepted', deposits=[thirty_percent()])
    deposit = await Installment.get(document_id=quote.id, kind='deposit')
    today = date.today()
    invoice = await deposit_ops.settle_deposit(admin, deposit.id, paid_on=today, method='transfer',
                                               amount=D('72.00'), invoice_date=today, issuer=issuer())
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='view-payment_method', retries=100)
    assert shown(user, 'view-payment_method') == 'Virement'  # was "—": the deposit invoice has no method of its own
    assert shown(user, 'view-payment_terms').startswith('Acompte reçu le ')
    grid = elements(user, 'lines')[0]
    assert (grid.props['priceLabel'], grid.props['netLabel']) == ('Prix unitaire TTC', 'Total HT')
