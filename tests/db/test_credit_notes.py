from datetime import date, timedelta

import pytest

from db import credit_notes, documents, integrity, payments, validation
from db.audit import AuditEntry
from db.contact import Contact
from db.document import Document, DocumentLine, Installment, Payment
from db.issuing import MentionsMissing
from logic.credit import CreditError
from logic.errors import DomainError
from logic.snapshot import DocumentSnapshot
from tests.db.documents_helpers import D, business_client, company, draft, line, validated_invoice
from tests.helpers import SECRET
from tests.personas import set_up_company
from tests.issuing import issuer

S20, S10 = ('S', D('20.00')), ('S', D('10.00'))


async def invoice_of_two_rates(admin):
    """2 x 100 at 20 % + 4 x 25 at 10 %: 300.00 HT, 350.00 TTC."""
    return await validated_invoice(admin, await business_client(), line('Pose', '2', '100', '20'),
                                   line('Plinthes', '4', '25', '10'))


async def test_a_full_credit_note_is_the_negated_copy_and_cancels_the_invoice(db):
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), reason='Erreur de client')
    assert note.number == f'AV{date.today().year}-00001' and note.state == 'validated' and note.source_id == invoice.id
    assert (note.total_ht, note.total_ttc) == (-invoice.total_ht, -invoice.total_ttc)
    snapshot = DocumentSnapshot.from_dict(note.snapshot)
    assert [(ref.number, ref.issue_date) for ref in snapshot.references] == [(invoice.number, invoice.issue_date)]
    assert snapshot.buyer.name == 'Boulangerie Martin SAS' and 'Erreur de client' in snapshot.header_text
    assert [line.quantity for line in snapshot.lines] == [D('-2'), D('-4')]
    stored = await Document.get(id=invoice.id)
    assert stored.state == 'cancelled' and stored.credited_amount == D('350.00')
    assert (await integrity.verify_series('credit_note', SECRET)).count == 1
    assert await AuditEntry.filter(action='invoice.state').count() == 1
    with pytest.raises(DomainError, match='entièrement créditée'):
        await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())


async def test_a_partial_credit_note_by_lines_never_exceeds_what_is_left_of_a_line(db):
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    pose, plinthes = await DocumentLine.filter(document_id=invoice.id).order_by('position')
    draft, totals = await credit_notes.credit_note_preview(invoice.id, mode='lines', lines={plinthes.id: D('3')})
    assert totals.total_ttc == D('-82.50') and [line.quantity for line in draft.lines] == [D('-3')]
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='lines',
                                                 lines={plinthes.id: D('3')})
    assert note.total_ttc == D('-82.50')
    with pytest.raises(CreditError, match='il reste 1 à créditer'):
        await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='lines',
                                              lines={plinthes.id: D('2')})
    with pytest.raises(CreditError, match='déjà été établi'):
        await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='full')
    stored = await Document.get(id=invoice.id)
    assert stored.state == 'validated' and stored.credited_amount == D('82.50')


async def test_partial_credit_notes_adding_up_to_the_whole_cancel_the_invoice(db):
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    pose, plinthes = await DocumentLine.filter(document_id=invoice.id).order_by('position')
    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='lines', lines={pose.id: D('2')})
    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='lines',
                                          lines={plinthes.id: D('4')})
    assert (await Document.get(id=invoice.id)).state == 'cancelled'


async def test_a_credit_note_by_amount_per_vat_rate_never_exceeds_that_rates_base(db):
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    with pytest.raises(CreditError, match='TVA 10 %'):
        await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                              amounts={S10: D('100.01')})
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                                 amounts={S20: D('50.00'), S10: D('10.00')}, reason='Geste')
    assert (note.total_ht, note.total_vat, note.total_ttc) == (D('-60.00'), D('-11.00'), D('-71.00'))
    lines = DocumentSnapshot.from_dict(note.snapshot).lines
    assert lines[0].designation == f'Avoir sur facture {invoice.number} – TVA 20 %'
    with pytest.raises(CreditError, match='TVA 20 %'):
        await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                              amounts={S20: D('150.01')})


async def test_an_amount_discount_is_prorated_on_the_credited_lines(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client(), line('A', '1', '100'), line('B', '1', '300'),
                                      global_discount_kind='amount', global_discount_value=D('40'))
    first, second = await DocumentLine.filter(document_id=invoice.id).order_by('position')
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='lines',
                                                 lines={first.id: D('1')})
    assert note.total_ht == D('-90.00')  # 100 less its quarter of the 40 discount
    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='lines', lines={second.id: D('1')})
    assert (await Document.get(id=invoice.id)).state == 'cancelled'


async def test_a_paid_invoice_can_be_credited_but_not_a_draft(db):
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    await Document.filter(id=invoice.id).update(state='paid')
    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    assert (await Document.get(id=invoice.id)).state == 'cancelled'
    pending = await documents.create_document(admin, draft(await business_client(code='C0009')))
    with pytest.raises(DomainError, match='facture validée'):
        await credit_notes.create_credit_note(admin, pending.id, issuer=issuer())


async def test_a_credit_note_is_frozen_like_an_invoice(db):
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    with pytest.raises(DomainError):
        await (await Document.get(id=note.id)).delete()


async def test_an_irrecoverable_invoice_can_be_fully_credited_to_recover_its_vat_and_ends_credited(db):
    """Bad debts (CGI art. 272-1, BOI-TVA-DED-40-20): the credit note takes the write-off's place, so the amount
    leaves the receivables once."""
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    [write_off] = await payments.write_off(admin, invoice.id, on=date.today(), reason='Liquidation judiciaire',
                                           secret=SECRET)
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), reason='Créance irrécouvrable')
    assert note.total_ttc == -invoice.total_ttc
    stored = await Document.get(id=invoice.id)
    assert stored.state == 'cancelled' and stored.credited_amount == D('350.00')
    journal = await Payment.filter(document_id=invoice.id).order_by('id')
    assert [(item.kind, item.amount, item.method) for item in journal] == [
        ('write_off', D('350.00'), ''), ('reversal', D('-350.00'), ''), ('settlement', D('350.00'), 'credit_note')]
    assert journal[1].reverses_id == write_off.id
    assert [item.status for item in await Installment.filter(document_id=invoice.id)] == ['paid']
    refund = await Installment.get(document_id=note.id, kind='refund')
    assert refund.status == 'paid'  # nothing to refund: the client never paid
    states = [entry.details['state'] for entry in await AuditEntry.filter(
        action='invoice.state', target=f'document:{invoice.id}').order_by('id')]
    assert states == [['validated', 'irrecoverable'], ['irrecoverable', 'validated'], ['validated', 'cancelled']]


async def test_what_a_partial_credit_note_leaves_of_an_irrecoverable_invoice_stays_written_off(db):
    admin = await set_up_company()
    invoice = await invoice_of_two_rates(admin)
    await payments.write_off(admin, invoice.id, on=date.today(), reason='Liquidation judiciaire', secret=SECRET)
    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                          amounts={S20: D('100.00')})
    assert (await Document.get(id=invoice.id)).state == 'irrecoverable'
    [installment] = await Installment.filter(document_id=invoice.id)
    assert (installment.status, installment.paid_amount) == ('irrecoverable', D('120.00'))


async def test_the_b2b_payment_ceiling_binds_invoices_unless_the_client_has_a_recorded_derogation_never_credit_notes(db):
    """C. com. L441-10 II: the derogation typed on the client's card is frozen with the buyer and lifts the ceiling."""
    admin = await company()
    client = await business_client()
    document = await documents.create_document(admin, draft(client, line()))
    document = await documents.set_installments(admin, document.id, [(date.today() + timedelta(days=120),
                                                                      D('240.00'))], document.version)
    with pytest.raises(MentionsMissing, match='article L441-10 du Code de commerce'):
        await validation.validate_invoice(admin, document.id, issuer=issuer())
    await Contact.filter(id=client.id).update(payment_terms_derogation='Accord cadre n° 2026-14')
    invoice = await validation.validate_invoice(admin, document.id, issuer=issuer())
    snapshot = DocumentSnapshot.from_dict(invoice.snapshot)
    assert snapshot.buyer.payment_terms_derogation == 'Accord cadre n° 2026-14'
    await Contact.filter(id=client.id).update(payment_terms_derogation='')
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    assert note.state == 'validated'
