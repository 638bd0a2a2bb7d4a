"""AC3: someone with database access alters or removes validated documents; the check names the first one."""
import json
from argparse import Namespace
from datetime import date
from decimal import Decimal

import pytest
from tortoise import connections

from db import cli_documents, credit_notes, integrity, payments
from db.docguard import drop_guards
from db.document import ChainEntry, Document, Installment, Payment
from tests.db.documents_helpers import business_client, validated_invoice
from tests.helpers import SECRET
from tests.issuing import issuer
from tests.personas import set_up_company


async def three_invoices():
    admin = await set_up_company()
    client = await business_client()
    invoices = [await validated_invoice(admin, client) for _ in range(3)]
    await play_the_attacker()
    return admin, invoices


async def play_the_attacker() -> None:
    """The triggers stop the application, not a database administrator: remove them as one could."""
    client = connections.get('default')
    await drop_guards(client)
    if client.capabilities.dialect == 'sqlite':
        await client.execute_script('DROP TRIGGER chain_entry_no_update; DROP TRIGGER chain_entry_no_delete;')
    else:
        await client.execute_script('DROP TRIGGER chain_entry_append_only ON chain_entry;')


async def test_an_intact_chain_reports_count_first_last_and_head(db):
    admin = await set_up_company()
    client = await business_client()
    first = await validated_invoice(admin, client)
    last = await validated_invoice(admin, client)
    await credit_notes.create_credit_note(admin, last.id, issuer=issuer())
    seen = []
    invoices, notes, settled, slips, *_ = await integrity.verify_integrity(
        SECRET, progress=lambda series, done: seen.append((series, done)))
    # The credit note is imputed on the unpaid invoice: two payment records (the invoice's and the refund's).
    assert seen == [('invoice', 2), ('credit_note', 1), ('payment', 2)]
    assert settled.ok and settled.count == 2 and settled.label == 'Règlements'
    assert slips.ok and slips.count == 0 and slips.label == 'Remises de chèques'
    assert invoices.ok and (invoices.count, invoices.first_number, invoices.last_number) == (2, first.number,
                                                                                            last.number)
    assert notes.ok and notes.count == 1 and notes.label == 'Avoirs'
    assert invoices.head == (await ChainEntry.filter(series='invoice', position=2).first()).hash


async def test_a_stored_amount_altered_in_sql_is_reported(db):
    _, invoices = await three_invoices()
    await connections.get('default').execute_query(
        f'UPDATE document SET total_ttc = total_ttc - 100 WHERE id = {invoices[1].id}')
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and report.broken_number == invoices[1].number and 'modifié' in report.reason
    assert report.count == 3


async def test_an_amount_altered_inside_the_frozen_copy_is_reported(db):
    _, invoices = await three_invoices()
    document = await Document.get(id=invoices[2].id)
    snapshot = dict(document.snapshot, total_ttc='1.00')
    await connections.get('default').execute_query(
        f"UPDATE document SET snapshot = '{json.dumps(snapshot)}' WHERE id = {document.id}")
    report = await integrity.verify_series('invoice', SECRET)
    assert report.broken_number == invoices[2].number


async def test_a_deleted_invoice_is_reported_by_its_number(db):
    _, invoices = await three_invoices()
    client = connections.get('default')
    await client.execute_query(f'DELETE FROM installment WHERE document_id = {invoices[0].id}')
    await client.execute_query(f'DELETE FROM document WHERE id = {invoices[0].id}')
    report = await integrity.verify_series('invoice', SECRET)
    assert report.broken_number == invoices[0].number and 'introuvable' in report.reason


async def test_a_deleted_chain_entry_is_reported(db):
    _, invoices = await three_invoices()
    await connections.get('default').execute_query(
        "DELETE FROM chain_entry WHERE series = 'invoice' AND position = 2")
    report = await integrity.verify_series('invoice', SECRET)
    assert report.broken_number == invoices[2].number and 'manque' in report.reason and report.count == 2


async def test_an_invoice_slipped_in_without_validation_is_reported(db):
    _, invoices = await three_invoices()
    await connections.get('default').execute_query(
        f"UPDATE document SET state = 'draft' WHERE id = {invoices[2].id}")
    await connections.get('default').execute_query(
        "DELETE FROM chain_entry WHERE series = 'invoice' AND position = 3")
    await connections.get('default').execute_query(
        f"UPDATE document SET state = 'validated' WHERE id = {invoices[2].id}")
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and report.unchained == 1 and 'absent' in report.reason


async def test_another_secret_does_not_verify(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    report = await integrity.verify_series('invoice', 'another-secret-' + 'y' * 40)
    assert report.broken_number == invoice.number


@pytest.mark.parametrize('broken', [False, True])
async def test_the_verify_command_prints_the_report_and_fails_on_a_break(db, capsys, broken):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    if broken:
        await play_the_attacker()
        await connections.get('default').execute_query(f'UPDATE document SET total_ht = 1 WHERE id = {invoice.id}')
    code = await cli_documents.run_verify(Namespace(secret=SECRET), Namespace())
    out = capsys.readouterr().out
    assert code == (1 if broken else 0)
    assert invoice.number in out and ('ALTÉRÉE' in out) == broken


# The payments journal (docs/legal.md 2.6): append-only by triggers, chained under the series 'payment'.

async def three_payments():
    """Three settlements of one invoice paid in three goes, then the attacker drops the payment triggers too."""
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await Installment.filter(document_id=invoice.id)
    # By transfer: a cheque's row (db/cheque.py) would hold its payment by a foreign key the attacker must drop too.
    records = [await payments.settle(admin, installment.id, paid_on=date.today(), method='transfer', amount=amount,
                                     secret=SECRET) for amount in (Decimal('40.00'), Decimal('100.00'),
                                                                   Decimal('100.00'))]
    await play_the_attacker()
    client = connections.get('default')
    if client.capabilities.dialect == 'sqlite':
        await client.execute_script('DROP TRIGGER payment_no_update; DROP TRIGGER payment_no_delete;')
    else:
        await client.execute_script('DROP TRIGGER payment_append_only ON payment;')
    return records


async def test_an_intact_payment_chain_reports_its_labels(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await Installment.filter(document_id=invoice.id)
    first = await payments.settle(admin, installment.id, paid_on=date.today(), method='cash', amount=Decimal(240),
                                  secret=SECRET)
    reversal, = await payments.cancel_settlement(admin, installment.id, secret=SECRET)
    report = await integrity.verify_series('payment', SECRET)
    assert report.ok and report.count == 2 and report.label == 'Règlements'
    assert (report.first_number, report.last_number) == (first.label, reversal.label)
    assert [report.series for report in await integrity.verify_integrity(SECRET)] == ['invoice', 'credit_note',
                                                                                     'payment', 'cheque_slip',
                                                                                     'original', 'closing']


@pytest.mark.parametrize('column, value', [('amount', '1'), ('paid_on', "'2001-01-01'"), ('method', "'cash'"),
                                           ('installment_id', 'installment_id')])
async def test_a_payment_altered_in_sql_is_reported(db, column, value):
    records = await three_payments()
    if column == 'installment_id':  # moved onto another installment
        other = await Installment.create(document_id=records[1].document_id, due_date=date.today(),
                                         amount=Decimal('1.00'))
        value = str(other.id)
    await connections.get('default').execute_query(
        f'UPDATE payment SET {column} = {value} WHERE id = {records[1].id}')
    report = await integrity.verify_series('payment', SECRET)
    assert not report.ok and report.broken_number == records[1].label and 'modifié' in report.reason
    assert report.count == 3


async def test_a_deleted_payment_is_reported_by_its_label(db):
    records = await three_payments()
    await connections.get('default').execute_query(f'DELETE FROM payment WHERE id = {records[2].id}')
    report = await integrity.verify_series('payment', SECRET)
    assert report.broken_number == records[2].label and 'introuvable' in report.reason


async def test_a_payment_slipped_in_without_the_chain_is_reported(db):
    records = await three_payments()
    payment = await Payment.get(id=records[0].id)
    await connections.get('default').execute_query(
        'INSERT INTO payment (installment_id, document_id, kind, amount, paid_on, method, reference, reason, label, '
        f"client_name, created_at) VALUES ({payment.installment_id}, {payment.document_id}, 'settlement', 100, "
        f"'{date.today().isoformat()}', 'cash', '', '', 'REG-FAUX', '', '{date.today().isoformat()}')")
    report = await integrity.verify_series('payment', SECRET)
    assert not report.ok and report.unchained == 1 and 'absent' in report.reason


async def test_a_deleted_payment_chain_entry_is_reported(db):
    records = await three_payments()
    await connections.get('default').execute_query(
        "DELETE FROM chain_entry WHERE series = 'payment' AND position = 2")
    report = await integrity.verify_series('payment', SECRET)
    assert report.broken_number == records[2].label and 'manque' in report.reason


@pytest.mark.parametrize('statement', ['UPDATE payment SET amount = 1', 'DELETE FROM payment'])
async def test_the_payment_journal_refuses_update_and_delete_in_sql(db, statement):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await Installment.filter(document_id=invoice.id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cash', amount=Decimal(240),
                          secret=SECRET)
    with pytest.raises(Exception, match='append-only'):
        await connections.get('default').execute_query(statement)
    assert (await Payment.all().values_list('amount', flat=True)) == [Decimal('240.00')]
    assert (await integrity.verify_series('payment', SECRET)).ok


async def test_the_verify_command_prints_each_anomaly_on_its_own_line(db, capsys):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    await play_the_attacker()
    await connections.get('default').execute_script(
        f"UPDATE document SET state = 'cancelled' WHERE id = {invoice.id};"
        "UPDATE number_counter SET value = value + 5 WHERE series = 'invoice';")
    assert await cli_documents.run_verify(Namespace(secret=SECRET), Namespace()) == 1
    altered = [line for line in capsys.readouterr().out.splitlines() if 'ALTÉRÉE' in line]
    assert len(altered) == 2
    assert 'Annulée' in altered[0] and 'compteur' in altered[1]
