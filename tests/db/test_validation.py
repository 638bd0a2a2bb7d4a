from datetime import date, timedelta

import pytest
from tortoise import connections

from db import issuing, documents, integrity, numbering, validation
from db.actor import PermissionRefused
from db.audit import AuditEntry
from db.company import Company, PaymentMethod
from db.document import ChainEntry, Document, DocumentFrozen, DocumentLine, Installment, NumberCounter
from logic.errors import DomainError
from logic.snapshot import DocumentSnapshot
from logic.terms import PaymentTerms, due_date
from tests.db.documents_helpers import D, business_client, draft, individual_client, line, validated_invoice
from tests.helpers import SECRET
from tests.personas import COMPANY, add_clerk, set_up_company
from db.integrity import next_entries
from tests.issuing import issuer


async def test_validation_numbers_freezes_chains_and_audits_the_invoice(db):
    admin = await set_up_company()
    client = await business_client()
    first = await validated_invoice(admin, client, line('Pose', '2', '100', '20'), line('Plinthes', '3', '12.5', '10'))
    second = await validated_invoice(admin, client)
    assert (first.number, second.number) == (f'F{date.today().year}-00001', f'F{date.today().year}-00002')
    assert first.state == 'validated' and first.issue_date == date.today()
    snapshot = DocumentSnapshot.from_dict((await Document.get(id=first.id)).snapshot)
    assert snapshot.number == first.number and snapshot.seller.siren == COMPANY['siren']
    assert snapshot.buyer.name == 'Boulangerie Martin SAS' and snapshot.buyer.siren == '552081317'
    assert (snapshot.total_ht, snapshot.total_vat, snapshot.total_ttc) == (D('237.50'), D('43.75'), D('281.25'))
    assert [(vat.rate, vat.base, vat.vat) for vat in snapshot.vat_lines] == [
        (D('20.00'), D('200.00'), D('40.00')), (D('10.00'), D('37.50'), D('3.75'))]
    assert snapshot.penalty_text and snapshot.indemnity_text and snapshot.payment_terms == '30 jours'
    assert await ChainEntry.filter(series='invoice').count() == 2
    entry = await AuditEntry.get(action='invoice.validate', target=f'document:{first.id}')
    assert entry.details['number'] == first.number and entry.details['state'] == ['draft', 'validated']


async def test_the_due_date_follows_the_clients_payment_terms(db):
    admin = await set_up_company()
    end_of_month = await PaymentMethod.get(name='Virement à 30 jours fin de mois')
    client = await business_client(default_payment_method_id=end_of_month.id)
    invoice = await validated_invoice(admin, client)
    assert invoice.due_date == due_date(date.today(), PaymentTerms(days=30, end_of_month=True))
    snapshot = DocumentSnapshot.from_dict((await Document.get(id=invoice.id)).snapshot)
    assert snapshot.payment_terms == '30 jours fin de mois' and snapshot.payment_method == end_of_month.name
    rows = await Installment.filter(document_id=invoice.id)
    assert [(row.due_date, row.amount) for row in rows] == [(invoice.due_date, invoice.amount_due)]


async def test_it_refuses_to_validate_without_the_legal_mentions_and_lists_them(db):
    admin = await set_up_company()
    await Company.filter(id=1).update(penalty_text='', siren='')
    client = await business_client(siren='', address='')
    invoice = await documents.create_document(admin, draft(client))
    with pytest.raises(validation.MentionsMissing) as refused:
        await validation.validate_invoice(admin, invoice.id, issuer=issuer())
    assert refused.value.missing == [
        'le SIREN du vendeur (Paramètres > Société)', 'l’adresse du client (fiche du client)',
        'le SIREN du client, entreprise française (fiche du client)',
        'le taux des pénalités de retard (Paramètres > Société)']
    assert (await Document.get(id=invoice.id)).number is None
    assert not await NumberCounter.exists() and not await ChainEntry.exists()


async def test_an_individual_needs_no_siren_nor_business_penalty_notes(db):
    admin = await set_up_company()
    await Company.filter(id=1).update(penalty_text='', indemnity_text='')
    invoice = await validated_invoice(admin, await individual_client())
    snapshot = DocumentSnapshot.from_dict((await Document.get(id=invoice.id)).snapshot)
    assert snapshot.indemnity_text == '' and not snapshot.is_b2b


async def test_the_invoice_date_can_be_neither_in_the_future_nor_before_the_last_invoice(db):
    admin = await set_up_company()
    client = await business_client()
    today = date.today()
    with pytest.raises(DomainError, match='futur'):
        await validated_invoice(admin, client, issue_date=today + timedelta(days=1))
    await validated_invoice(admin, client, issue_date=today - timedelta(days=2))
    late = await documents.create_document(admin, draft(client))
    with pytest.raises(DomainError, match='chronologique'):
        await validation.validate_invoice(admin, late.id, issuer=issuer(), issue_date=today - timedelta(days=3))
    validated = await validation.validate_invoice(admin, late.id, issuer=issuer(), issue_date=today - timedelta(days=2))
    assert validated.number == f'F{today.year}-00002'


async def test_a_failure_after_taking_a_number_leaves_no_gap(db, monkeypatch):
    admin = await set_up_company()
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client))

    calls = []

    def chain_failing_in_the_real_run(*args):
        calls.append(args)
        if len(calls) == 2:  # the dry run chained (and was rolled back), the real run fails after its number
            raise RuntimeError('disk full')
        return next_entries(*args)

    monkeypatch.setattr(issuing, 'next_entries', chain_failing_in_the_real_run)
    with pytest.raises(RuntimeError):
        await validation.validate_invoice(admin, invoice.id, issuer=issuer())
    monkeypatch.undo()
    stored = await Document.get(id=invoice.id)
    assert stored.state == 'draft' and stored.number is None
    assert not list((issuer().files_dir / 'staged').rglob('*.pdf'))  # the original made for it is gone too
    validated = await validation.validate_invoice(admin, invoice.id, issuer=issuer())
    assert validated.number == f'F{date.today().year}-00001'


async def test_a_negative_invoice_is_refused_in_favour_of_a_credit_note(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client, line(quantity='-1')))
    with pytest.raises(DomainError, match='avoir'):
        await validation.validate_invoice(admin, invoice.id, issuer=issuer())


async def test_a_validated_invoice_refuses_changes_and_deletion_through_the_operations(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    document, editable = await documents.load_draft(invoice.id)
    editable.lines[0].quantity = D('20')
    with pytest.raises(DocumentFrozen):
        await documents.save_draft(admin, invoice.id, editable, document.version)
    with pytest.raises(DocumentFrozen):
        await documents.delete_draft(admin, invoice.id)
    with pytest.raises(DomainError, match='déjà validée'):
        await validation.validate_invoice(admin, invoice.id, issuer=issuer())


async def test_a_validated_invoice_refuses_changes_and_deletion_through_the_model(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    document = await Document.get(id=invoice.id)
    document.total_ttc = D('1.00')
    with pytest.raises(DocumentFrozen):
        await document.save()
    document = await Document.get(id=invoice.id)
    document.state = 'draft'
    with pytest.raises(DocumentFrozen):
        await document.save()
    with pytest.raises(DocumentFrozen):
        await (await Document.get(id=invoice.id)).delete()
    line_row = await DocumentLine.get(document_id=invoice.id)
    line_row.quantity = D('99')
    with pytest.raises(DocumentFrozen):
        await line_row.save()
    with pytest.raises(DocumentFrozen):
        await line_row.delete()
    document = await Document.get(id=invoice.id)
    document.state = 'paid'  # payments (later) move the state: that stays possible
    await document.save()


@pytest.mark.parametrize('statement', [
    'UPDATE document SET total_ttc = 1 WHERE id = {id}',
    "UPDATE document SET number = 'F-FORGED' WHERE id = {id}",
    "UPDATE document SET issue_date = '2020-01-01' WHERE id = {id}",
    'UPDATE document SET client_id = NULL WHERE id = {id}',
    "UPDATE document SET snapshot = '{{}}' WHERE id = {id}",
    "UPDATE document SET state = 'draft' WHERE id = {id}",
    'DELETE FROM document WHERE id = {id}',
    'UPDATE document_line SET quantity = 990000 WHERE document_id = {id}',
    'DELETE FROM document_line WHERE document_id = {id}',
    "INSERT INTO document_line (document_id, position, kind, reference, designation, description, quantity, unit, "
    "unit_code, unit_price, discount_value, vat_rate, vat_category, exemption_reason, nature, show_parts) "
    "VALUES ({id}, 9, 'item', '', 'Forged', '', 10000, '', 'C62', 1000000, 0, 2000, 'S', '', 'service', FALSE)",
    "INSERT INTO document (doc_type, family, series, state, client_name, global_discount_value, shipping, "
    "shipping_vat_rate, shipping_vat_category, purchase_order, header_text, footer_text, notes, total_ht, total_vat, "
    "total_ttc, prepaid, amount_due, credited_amount, version, created_at, updated_at) VALUES ('invoice', 'invoice', "
    "'invoice', 'validated', 'X', 0, 0, 2000, 'S', '', '', '', '', 0, 0, 0, 0, 0, 0, 1, '2026-01-01', '2026-01-01')",
])
async def test_the_database_refuses_raw_sql_that_would_alter_a_validated_invoice(db, statement):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    with pytest.raises(Exception, match='frozen|cannot be deleted|created as drafts'):
        await connections.get('default').execute_query(statement.format(id=invoice.id))
    stored = await Document.get(id=invoice.id)
    assert stored.total_ttc == invoice.total_ttc and stored.number == invoice.number
    assert await DocumentLine.filter(document_id=invoice.id).count() == 1


async def test_the_database_lets_the_state_and_credited_amount_of_a_validated_invoice_move(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    await connections.get('default').execute_query(
        f"UPDATE document SET state = 'paid', credited_amount = 100, version = version + 1 WHERE id = {invoice.id}")
    assert (await Document.get(id=invoice.id)).state == 'paid'


async def test_drafts_stay_free_in_the_database(db):
    admin = await set_up_company()
    invoice = await documents.create_document(admin, draft(await business_client()))
    client = connections.get('default')
    await client.execute_query(f'UPDATE document_line SET quantity = 30000 WHERE document_id = {invoice.id}')
    await client.execute_query(f'DELETE FROM document WHERE id = {invoice.id}')
    assert not await Document.exists()


async def test_the_chain_of_validated_invoices_verifies(db):
    admin = await set_up_company()
    client = await business_client()
    for _ in range(3):
        await validated_invoice(admin, client)
    report = await integrity.verify_series('invoice', SECRET)
    assert report.ok and report.count == 3
    assert (report.first_number, report.last_number) == (f'F{date.today().year}-00001', f'F{date.today().year}-00003')
    assert report.head == (await ChainEntry.filter(series='invoice').order_by('-position').first()).hash


async def test_only_admins_change_numbering_and_a_changed_pattern_carries_the_counter_on(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    client = await business_client()
    await validated_invoice(admin, client)
    with pytest.raises(PermissionRefused):
        await numbering.save_series(clerk, 'invoice', pattern='FAC-{AAAA}-{N:4}', reset='yearly', version=1)
    with pytest.raises(DomainError, match='compteur'):
        await numbering.save_series(admin, 'invoice', pattern='FAC-{AAAA}', reset='yearly', version=1)
    await numbering.save_series(admin, 'invoice', pattern='FAC-{AAAA}-{N:4}', reset='yearly', version=1)
    assert await numbering.preview_next('invoice') == f'FAC-{date.today().year}-0002'
    assert (await validated_invoice(admin, client)).number == f'FAC-{date.today().year}-0002'
    await numbering.save_series(admin, 'invoice', pattern='F{N:5}', reset='never', version=2)
    assert (await validated_invoice(admin, client)).number == 'F00003'
    await numbering.save_series(admin, 'invoice', pattern='FAC-{AAAA}-{N:4}', reset='yearly', version=3)
    assert (await validated_invoice(admin, client)).number == f'FAC-{date.today().year}-0004'
    assert await AuditEntry.filter(action='settings.numbering').count() == 3


async def test_a_pattern_that_would_give_an_issued_number_again_is_refused(db):
    admin = await set_up_company()
    client = await business_client()
    await validated_invoice(admin, client)
    await numbering.save_series(admin, 'invoice', pattern='X{N}', reset='never', version=1)
    await validated_invoice(admin, client)  # X2 (the counter carried on from F...-00001)
    await NumberCounter.filter(series='invoice').update(value=1)  # as if an old counter came back
    with pytest.raises(DomainError, match='déjà attribué'):
        await validated_invoice(admin, client)
