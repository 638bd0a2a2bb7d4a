"""Deposits of a quote (QU4, DE1-DE5): planned, opened at acceptance, settled into a paid deposit invoice, deducted
from the balance invoice; refusals leave everything as it was."""
import email
import sqlite3
from datetime import date, timedelta
from email import policy

import pytest

from db import changes, deposit_requests, deposits, documents, integrity, payments, unit_of_work, validation
from db.cheque import Cheque
from db.cli_output import in_thread
from db.deposits import DepositSpec, UnpaidDeposits
from db.document import ChainEntry, Document, Installment, NumberCounter, Payment
from logic.cheques import ChequeDetails
from logic.deposits import DepositError
from logic.errors import DomainError
from logic.facturx import checker
from logic.facturx.cii import build_cii
from logic.render import service, store
from logic.snapshot import DocumentSnapshot
from tests.db.documents_helpers import D, business_client, draft, individual_client, line
from tests.helpers import SECRET
from tests.mail import configured
from tests.personas import set_up_company
from tests.issuing import issuer


def soon() -> date:
    return date.today() + timedelta(days=15)


async def two_rate_quote(admin, client=None):
    """10 x 100 at 20 % (1 200,00 TTC) + 2 x 100 of goods at 5,5 % (211,00 TTC): 1 411,00 TTC."""
    client = client or await business_client(email='compta@boulangerie-martin.fr')
    return await documents.create_document(admin, draft(client, line('Pose de carrelage', '10', '100', '20'),
                                                        line('Carrelage', '2', '100', '5.5', nature='good'),
                                                        doc_type='quote'))


async def quote_with_deposit(admin, *, percent=D(30), accept=True, client=None):
    quote = await two_rate_quote(admin, client)
    quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(percent=percent, due_date=soon())],
                                        quote.version)
    if accept:
        quote = await documents.set_quote_state(admin, quote.id, 'accepted')
    return quote, (await deposits.quote_deposits(quote.id))[0]


async def settle(admin, installment, **changes):
    today = date.today()
    values = {'paid_on': today, 'method': 'transfer', 'amount': installment.amount, 'invoice_date': today,
              'issuer': issuer(), **changes}
    return await deposits.settle_deposit(admin, installment.id, **values)


async def state_of_the_books() -> tuple:
    """What a refusal must leave untouched."""
    return (await Document.all().count(), await Payment.all().count(), await ChainEntry.all().count(),
            sorted(await NumberCounter.all().values_list('series', 'value')),
            sorted(await Installment.all().values_list('id', 'status', 'amount', 'paid_amount', 'version')))


async def test_deposits_are_planned_on_a_draft_quote_and_percentages_follow_its_total(db):
    admin = await set_up_company()
    quote = await two_rate_quote(admin)
    quote = await deposits.set_deposits(admin, quote.id, [
        DepositSpec(percent=D(30), due_date=soon(), label=''), DepositSpec(amount=D('100.00'), due_date=soon())],
        quote.version)
    rows = await deposits.quote_deposits(quote.id)
    assert [(row.status, row.amount, row.percent, row.kind) for row in rows] == [
        ('planned', D('423.30'), D(30), 'deposit'), ('planned', D('100.00'), None, 'deposit')]
    _, editable = await documents.load_draft(quote.id)
    editable.lines[0].quantity = D(20)  # 2 400,00 + 211,00 = 2 611,00 TTC
    quote = await documents.save_draft(admin, quote.id, editable, quote.version)
    rows = await deposits.quote_deposits(quote.id)
    assert [row.amount for row in rows] == [D('783.30'), D('100.00')]
    assert (await Document.get(id=quote.id)).state == 'draft'


async def test_it_refuses_deposits_above_the_quote_total_and_changes_nothing(db):
    admin = await set_up_company()
    quote, _ = await quote_with_deposit(admin, accept=False)
    before = await state_of_the_books()
    with pytest.raises(DepositError, match='plus que le total du devis'):
        await deposits.set_deposits(admin, quote.id, [DepositSpec(percent=D(30), due_date=soon()),
                                                      DepositSpec(amount=D('1000.00'), due_date=soon())], quote.version)
    _, editable = await documents.load_draft(quote.id)
    editable.lines = editable.lines[1:]  # 211,00 TTC left: the 30 % still fits, but add a fixed deposit of 200
    await deposits.set_deposits(admin, quote.id, [DepositSpec(amount=D('1000.00'), due_date=soon())], quote.version)
    quote = await Document.get(id=quote.id)
    with pytest.raises(DepositError, match='plus que le total du devis'):
        await documents.save_draft(admin, quote.id, editable, quote.version)
    assert (await Document.get(id=quote.id)).total_ttc == D('1411.00')
    assert before[:4] == (await state_of_the_books())[:4]


async def test_a_stale_quote_is_refused(db):
    admin = await set_up_company()
    quote, _ = await quote_with_deposit(admin, accept=False)
    with pytest.raises(documents.DraftConflict):
        await deposits.set_deposits(admin, quote.id, [], quote.version - 1)


async def test_accepting_the_quote_opens_its_deposits_in_payments(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin, accept=False)
    assert deposit.status == 'planned'
    await documents.set_quote_state(admin, quote.id, 'refused')
    assert (await Installment.get(id=deposit.id)).status == 'planned'  # a refused quote's deposits stay planned
    await documents.set_quote_state(admin, quote.id, 'draft')
    await documents.set_quote_state(admin, quote.id, 'accepted')
    opened = await Installment.get(id=deposit.id)
    assert (opened.status, opened.number, opened.client_name) == ('open', quote.number, 'Boulangerie Martin SAS')
    quote = await Document.get(id=quote.id)
    quote = await deposits.set_deposits(admin, quote.id, [
        DepositSpec(id=deposit.id, percent=D(30), due_date=soon()),
        DepositSpec(amount=D('50.00'), due_date=soon() + timedelta(days=30), label='Solde des fournitures')],
        quote.version)
    assert [row.status for row in await deposits.quote_deposits(quote.id)] == ['open', 'open']


async def test_settling_makes_a_paid_deposit_invoice_in_the_invoice_series_with_vat_per_rate(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    today = date.today()
    invoice = await settle(admin, deposit, paid_on=today - timedelta(days=2))
    assert invoice.doc_type == 'deposit_invoice' and invoice.state == 'paid' and invoice.vat_included
    assert invoice.number == f'F{date.today().year}-00001' and invoice.source_id == quote.id
    assert invoice.total_ttc == D('423.30') == invoice.amount_due
    snap = DocumentSnapshot.from_dict(invoice.snapshot)
    # 423,30 x 1 200 / 1 411 = 360,00 at 20 % (300,00 + 60,00), the rest 63,30 at 5,5 % (60,00 + 3,30)
    assert [(vat.rate, vat.base, vat.vat) for vat in snap.vat_lines] == [
        (D('20.00'), D('300.00'), D('60.00')), (D('5.50'), D('60.00'), D('3.30'))]
    assert [(item.designation, item.quantity, item.unit_price, item.net) for item in snap.lines] == [
        (f'Acompte de 30 % sur le devis n° {quote.number} – TVA 20 %', D(1), D('300.00'), D('300.00')),
        (f'Acompte de 30 % sur le devis n° {quote.number} – TVA 5,5 %', D(1), D('60.00'), D('60.00'))]
    assert snap.operation_nature == 'M' and snap.due_date == today - timedelta(days=2)
    assert snap.extra['quote_number'] == quote.number
    settled = await Installment.get(id=deposit.id)
    assert (settled.status, settled.paid_amount, settled.deposit_invoice_id) == ('paid', D('423.30'), invoice.id)
    assert await Payment.filter(installment_id=deposit.id, kind='settlement').count() == 1
    assert (await integrity.verify_series('invoice', SECRET)).ok
    result = checker.check_blocking(build_cii(snap))
    assert result.ok, result.summary()
    assert b'<ram:TypeCode>386</ram:TypeCode>' in build_cii(snap)
    # Issued when the money came in: already paid (cadre M2), the XML shows 0 to pay like the printout.
    assert (snap.prepaid, snap.amount_due) == (D('423.30'), D('0.00'))
    assert b'<ram:ID>M2</ram:ID>' in build_cii(snap)
    assert b'<ram:DuePayableAmount>0.00</ram:DuePayableAmount>' in build_cii(snap)


async def test_a_deposit_of_any_amount_totals_exactly_what_was_received(db):
    admin = await set_up_company()
    quote = await two_rate_quote(admin)
    quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(amount=D('100.03'), due_date=soon())],
                                        quote.version)
    await documents.set_quote_state(admin, quote.id, 'accepted')
    deposit = (await deposits.quote_deposits(quote.id))[0]
    invoice = await settle(admin, deposit)
    snap = DocumentSnapshot.from_dict(invoice.snapshot)
    assert invoice.total_ttc == D('100.03') == snap.total_ttc
    result = checker.check_blocking(build_cii(snap))
    assert result.ok, result.summary()


async def test_it_refuses_to_settle_what_is_not_due_or_not_the_deposit_and_takes_no_number(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin, accept=False)
    before = await state_of_the_books()
    with pytest.raises(DepositError, match='pas encore dû'):
        await settle(admin, deposit)
    await documents.set_quote_state(admin, quote.id, 'accepted')
    deposit = await Installment.get(id=deposit.id)
    before = await state_of_the_books()
    with pytest.raises(DepositError, match='en une fois'):
        await settle(admin, deposit, amount=D('100.00'))
    today = date.today()
    with pytest.raises(DomainError, match='futur'):
        await settle(admin, deposit, invoice_date=today + timedelta(days=1))
    with pytest.raises(DomainError, match='futur'):
        await settle(admin, deposit, paid_on=today + timedelta(days=1))
    assert await state_of_the_books() == before


async def test_a_deposit_invoice_is_not_dated_before_the_last_invoice(db):
    admin = await set_up_company()
    _, deposit = await quote_with_deposit(admin)
    other = await documents.create_document(admin, draft(await business_client(code='C0009')))
    await validation.validate_invoice(admin, other.id, issuer=issuer())
    before = await state_of_the_books()
    today = date.today()
    with pytest.raises(DomainError, match='chronologique'):
        await settle(admin, deposit, invoice_date=today - timedelta(days=1), paid_on=today - timedelta(days=1))
    assert await state_of_the_books() == before


async def test_a_paid_deposit_can_not_be_changed_nor_removed(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    await settle(admin, deposit)
    quote = await Document.get(id=quote.id)
    before = await state_of_the_books()
    with pytest.raises(DepositError, match='ne peut pas être retiré'):
        await deposits.set_deposits(admin, quote.id, [], quote.version)
    with pytest.raises(DepositError, match='ne se modifie plus'):
        await deposits.set_deposits(admin, quote.id, [DepositSpec(id=deposit.id, percent=D(40), due_date=soon())],
                                    quote.version)
    with pytest.raises(DepositError, match='non réglé'):
        await deposits.delete_deposit(admin, deposit.id)
    assert await state_of_the_books() == before
    # Unchanged, it may come back with a new deposit beside it.
    await deposits.set_deposits(admin, quote.id, [DepositSpec(id=deposit.id, percent=D(30), due_date=soon()),
                                                  DepositSpec(amount=D('10.00'), due_date=soon())], quote.version)
    assert [row.status for row in await deposits.quote_deposits(quote.id)] == ['paid', 'open']


async def test_deposits_are_frozen_once_the_quote_is_invoiced(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    await documents.invoice_quote(admin, quote.id)
    quote = await Document.get(id=quote.id)
    before = await state_of_the_books()
    with pytest.raises(DepositError, match='facturé'):
        await deposits.set_deposits(admin, quote.id, [], quote.version)
    assert await state_of_the_books() == before


async def test_the_balance_invoice_is_refused_while_a_deposit_is_open_then_validates_once_given_up(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    balance = await documents.invoice_quote(admin, quote.id)
    before = await state_of_the_books()
    with pytest.raises(UnpaidDeposits) as refused:
        await validation.validate_invoice(admin, balance.id, issuer=issuer())
    assert [item.id for item in refused.value.installments] == [deposit.id]
    assert await state_of_the_books() == before and (await Document.get(id=balance.id)).state == 'draft'
    await deposits.delete_deposit(admin, deposit.id)
    assert (await Installment.get(id=deposit.id)).status == 'cancelled'
    validated = await validation.validate_invoice(admin, balance.id, issuer=issuer())
    assert validated.prepaid == 0 and validated.amount_due == D('1411.00')


async def test_the_balance_invoice_deducts_and_cites_the_deposit_invoices(db, config):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    deposit_invoice = await settle(admin, deposit)
    balance = await documents.invoice_quote(admin, quote.id)
    assert (balance.prepaid, balance.amount_due) == (D('423.30'), D('987.70'))  # the draft shows it already
    preview = await validation.preview_snapshot(balance.id)
    assert preview.prepaid == D('423.30') and [ref.number for ref in preview.references] == [deposit_invoice.number]
    with pytest.raises(DomainError, match='totalisent'):
        await documents.set_installments(admin, balance.id, [(soon(), D('1411.00'))], balance.version)
    balance = await documents.set_installments(admin, balance.id, [(soon(), D('500.00')), (soon(), D('487.70'))],
                                               balance.version)
    validated = await validation.validate_invoice(admin, balance.id, issuer=issuer())
    assert (validated.total_ttc, validated.prepaid, validated.amount_due) == (D('1411.00'), D('423.30'),
                                                                               D('987.70'))
    snap = DocumentSnapshot.from_dict(validated.snapshot)
    assert [(ref.number, ref.issue_date, ref.amount) for ref in snap.references] == [
        (deposit_invoice.number, date.today(), D('423.30'))]
    # Its HT and VAT per rate, as on the deposit invoice: no one counts the deposit's VAT twice (docs/legal.md 2.3).
    assert snap.references[0].vat_breakdown == ((D('20.00'), D('300.00'), D('60.00')),
                                                (D('5.50'), D('60.00'), D('3.30')))
    xml = build_cii(snap)
    assert b'<ram:ID>M4</ram:ID>' in xml and b'<ram:TotalPrepaidAmount>423.30</ram:TotalPrepaidAmount>' in xml
    result = checker.check_blocking(xml)
    assert result.ok, result.summary()
    pdf = await service.render_preview(snap, _style(), run=in_thread, draft=False)
    text = _pdf_text(pdf)
    assert 'Acomptes déjà facturés' in text and f'Acompte facture n° {deposit_invoice.number}' in text
    assert '-300,00' in text and '-60,00' in text and '-3,30' in text  # the deducted bases and VAT per rate


async def test_a_balance_paid_in_full_by_its_deposits_is_paid_at_validation(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin, percent=D(100))
    await settle(admin, deposit)
    balance = await documents.invoice_quote(admin, quote.id)
    validated = await validation.validate_invoice(admin, balance.id, issuer=issuer())
    assert (validated.state, validated.amount_due) == ('paid', D('0.00'))
    assert await Installment.filter(document_id=balance.id).count() == 0


async def test_unsettling_with_a_credit_note_cancels_the_deposit_invoice_and_a_new_settlement_makes_another(db):
    admin = await set_up_company()
    _, deposit = await quote_with_deposit(admin)
    first = await settle(admin, deposit)
    note = await deposits.unsettle_deposit(admin, deposit.id, issuer=issuer(), credit=True, reason='Chèque impayé')
    assert note.doc_type == 'credit_note' and note.total_ttc == -first.total_ttc and note.total_ht == -first.total_ht
    assert (await Document.get(id=first.id)).state == 'cancelled'
    note_snapshot = DocumentSnapshot.from_dict(note.snapshot)
    assert [(item.quantity, item.unit_price) for item in note_snapshot.lines] == [(D(-1), D('300.00')),
                                                                                 (D(-1), D('60.00'))]
    result = checker.check_blocking(build_cii(note_snapshot))
    assert result.ok, result.summary()
    reopened = await Installment.get(id=deposit.id)
    assert (reopened.status, reopened.paid_amount, reopened.deposit_invoice_id) == ('open', D('0.00'), None)
    assert [p.kind for p in await Payment.filter(installment_id=deposit.id).order_by('id')] == ['settlement',
                                                                                                 'reversal']
    assert await Installment.filter(document_id=note.id, status='open').count() == 0  # nothing to refund
    second = await settle(admin, reopened)
    assert second.id != first.id and second.number == f'F{date.today().year}-00002' and second.state == 'paid'
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))


async def test_unsettling_without_a_credit_note_keeps_the_invoice_for_the_next_settlement(db):
    admin = await set_up_company()
    _, deposit = await quote_with_deposit(admin)
    first = await settle(admin, deposit)
    assert await deposits.unsettle_deposit(admin, deposit.id, issuer=issuer(), credit=False) is None
    assert (await Document.get(id=first.id)).state == 'validated'
    with pytest.raises(DepositError, match='facture d’acompte'):
        await deposits.delete_deposit(admin, deposit.id)
    again = await settle(admin, await Installment.get(id=deposit.id))
    assert again.id == first.id and again.state == 'paid'
    assert await Document.filter(doc_type='deposit_invoice').count() == 1


async def test_a_planned_deposit_deleted_leaves_no_trace_an_open_one_is_kept_cancelled(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin, accept=False)
    await deposits.delete_deposit(admin, deposit.id)
    assert not await Installment.filter(id=deposit.id).exists()
    with pytest.raises(DomainError, match='introuvable'):
        await deposits.delete_deposit(admin, deposit.id)


async def test_deleting_a_refused_quote_deletes_its_planned_deposits(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin, accept=False)
    await documents.set_quote_state(admin, quote.id, 'refused')
    await documents.delete_draft(admin, quote.id)
    assert not await Installment.filter(id=deposit.id).exists()


async def test_a_quote_schedule_is_its_deposits(db):
    admin = await set_up_company()
    quote = await two_rate_quote(admin)
    with pytest.raises(DomainError, match='Acomptes'):
        await documents.set_installments(admin, quote.id, [(soon(), D('1411.00'))], quote.version)


async def test_the_deposit_request_pdf_takes_no_number(db, config):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    before = await state_of_the_books()
    pdf = await deposit_requests.deposit_request_pdf(deposit.id, config=config, run=in_thread)
    assert pdf.startswith(b'%PDF-') and store.xml_from_pdf(pdf) is None
    text = _pdf_text(pdf)
    assert 'DEMANDE D’ACOMPTE' in text.upper() and quote.number in text and 'pas une facture' in text
    assert await state_of_the_books() == before
    recipients, subject, body, name = await deposit_requests.deposit_request_mail_defaults(deposit.id)
    assert recipients == ['compta@boulangerie-martin.fr'] and quote.number in subject and name.endswith('.pdf')


async def test_the_deposit_request_is_sent_by_email_with_its_pdf(db, config, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    admin = await set_up_company()
    await configured(admin, controller.port)
    quote, deposit = await quote_with_deposit(admin)
    recipients, subject, body, name = await deposit_requests.deposit_request_mail_defaults(deposit.id)
    assert 'Demande d’acompte' in subject and '423,30' in body
    log = await deposit_requests.send_deposit_request(admin, deposit.id, recipients, subject, body, config=config,
                                                      run=in_thread)
    assert log.status == 'sent' and log.document_id == quote.id
    message = email.message_from_bytes(inbox.messages[0][1], policy=policy.default)
    attachment = next(iter(message.iter_attachments()))
    assert attachment.get_filename() == name and attachment.get_content().startswith(b'%PDF-')
    assert await Document.filter(doc_type='deposit_invoice').count() == 0


async def test_deleting_the_balance_draft_reopens_the_quote_despite_its_deposit_invoices(db):
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    await settle(admin, deposit)
    balance = await documents.invoice_quote(admin, quote.id)
    await documents.delete_draft(admin, balance.id)
    assert (await Document.get(id=quote.id)).state == 'accepted'
    with pytest.raises(DomainError):  # the quote has issued a deposit invoice: it stays
        await documents.set_quote_state(admin, quote.id, 'draft')


async def test_settle_and_publish_stores_a_facturx_pdf_that_passes_the_checks(db, config):
    admin = await set_up_company()
    _, deposit = await quote_with_deposit(admin, client=await individual_client(email='camille@example.fr'))
    today = date.today()
    invoice = await deposits.settle_deposit_and_publish(admin, deposit.id, config=config, run=in_thread,
                                                        paid_on=today, method='cheque', amount=deposit.amount,
                                                        invoice_date=today, reference='CHQ 0042')
    stored = store.load_pdf(config.files_dir, invoice.id)
    assert stored is not None
    result = checker.check_blocking(store.xml_from_pdf(stored))
    assert result.ok, result.summary()


def _style():
    from logic.render.style import TemplateStyle  # noqa: PLC0415

    return TemplateStyle()


def _pdf_text(pdf: bytes) -> str:
    import io  # noqa: PLC0415

    from pypdf import PdfReader  # noqa: PLC0415

    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return ' '.join(text.replace('\u202f', ' ').replace('\xa0', ' ').split())


async def test_settling_and_crediting_a_deposit_publish_only_after_the_commit(db):
    """The deposit operations call other operations (settle, credit note): every publication waits for the commit.
    On SQLite a second connection proves it: each published document is already visible from outside."""
    admin = await set_up_company()
    quote, deposit = await quote_with_deposit(admin)
    outside = sqlite3.connect(db.removeprefix('sqlite://')) if db.startswith('sqlite') else None
    heard = []

    def listener(topic):
        def heard_it(doc_id):
            visible = outside is None or topic != changes.DOCUMENTS or outside.execute(
                'SELECT count(*) FROM document WHERE id = ?', (doc_id,)).fetchone()[0] == 1
            heard.append((topic, doc_id, unit_of_work.is_open() or not visible))
        return heard_it

    stops = [changes.subscribe(topic, listener(topic)) for topic in (changes.DOCUMENTS, payments.PAYMENTS)]
    try:
        invoice = await settle(admin, deposit)
        assert (changes.DOCUMENTS, invoice.id, False) in heard and (changes.DOCUMENTS, quote.id, False) in heard
        heard.clear()
        note = await deposits.unsettle_deposit(admin, deposit.id, issuer=issuer(), credit=True)
        assert (changes.DOCUMENTS, note.id, False) in heard and (changes.DOCUMENTS, invoice.id, False) in heard
    finally:
        for stop in stops:
            stop()
        if outside is not None:
            outside.close()
    assert all(not early for _, _, early in heard)
    assert len(heard) == len(set(heard))  # each change once


async def test_a_deposit_paid_by_cheque_keeps_what_is_written_on_the_cheque_for_its_remittance(db):
    admin = await set_up_company()
    _quote, deposit = await quote_with_deposit(admin)
    await settle(admin, deposit, method='cheque', reference='1234567',
                 cheque=ChequeDetails(drawer='SCI Les Tilleuls', bank='Crédit Agricole', number='1234567'))
    cheque = await Cheque.get(installment_id=deposit.id)
    assert (cheque.drawer, cheque.bank, cheque.cheque_number, cheque.amount, cheque.status) == \
        ('SCI Les Tilleuls', 'Crédit Agricole', '1234567', deposit.amount, 'pending')
