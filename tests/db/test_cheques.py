"""PA4: Alice remits the cheques her clients sent on a numbered slip; the slip is frozen and chained, and a cheque
leaves it only when the whole slip is cancelled."""
import asyncio
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from tortoise import connections

from db import cheques, integrity, payments
from db.cheque import Cheque, ChequeSlip, ChequeSlipLine
from db.document import ChainEntry
from logic.cheques import ChequeDetails, ChequeError
from tests.db.documents_helpers import business_client, company, line, validated_invoice
from tests.helpers import SECRET

D = Decimal


async def cheque_payment(admin, client, price, number, *, drawer='Martin', bank='Crédit Agricole'):
    invoice = await validated_invoice(admin, client, line(price=price))
    [installment] = await payments.document_installments(invoice.id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=installment.amount,
                          reference=number, secret=SECRET,
                          cheque=ChequeDetails(drawer=drawer, bank=bank, number=number))
    return invoice, installment


async def three_cheques(admin):
    client = await business_client()
    made = [await cheque_payment(admin, client, price, number)
            for price, number in (('100', '0000101'), ('50', '0000102'), ('12.50', '0000103'))]
    return [invoice for invoice, _ in made], [installment for _, installment in made]


async def slips_report():
    return next(report for report in await integrity.verify_integrity(SECRET) if report.series == 'cheque_slip')


async def test_a_slip_of_three_cheques_is_numbered_totalled_and_chained(db):
    admin = await company()
    invoices, installments = await three_cheques(admin)
    pending = await cheques.cheques_to_remit()
    assert [(cheque.cheque_number, cheque.drawer, cheque.bank) for cheque in pending] == [
        ('0000101', 'Martin', 'Crédit Agricole'), ('0000102', 'Martin', 'Crédit Agricole'),
        ('0000103', 'Martin', 'Crédit Agricole')]
    assert [cheque.invoice_number for cheque in pending] == [invoice.number for invoice in invoices]
    slip = await cheques.create_slip(admin, [cheque.id for cheque in pending], secret=SECRET)
    today = date.today()
    # 2 x (100 + 50 + 12.50) HT at 20 % VAT
    assert (slip.number, slip.count, slip.total) == (f'RC{today.year}-00001', 3, D('390.00'))
    assert slip.total == sum(installment.amount for installment in installments)
    assert slip.iban == 'FR7630006000011234567890189' and slip.state == 'issued'
    assert await cheques.pending_totals() == (0, D('0.00'))
    assert await Cheque.filter(slip_id=slip.id, status='remitted').count() == 3
    second = await cheques_slip_of_one_more(admin)
    assert second.number == f'RC{today.year}-00002'
    report = await slips_report()
    assert report.ok and report.count == 2 and report.last_number == second.number


async def cheques_slip_of_one_more(admin):
    await cheque_payment(admin, await business_client(code='C0009'), '10', '0000200')
    [cheque] = await cheques.cheques_to_remit()
    return await cheques.create_slip(admin, [cheque.id], secret=SECRET)


async def test_a_slip_is_frozen_in_the_database(db):
    admin = await company()
    await three_cheques(admin)
    slip = await cheques.create_slip(admin, [c.id for c in await cheques.cheques_to_remit()], secret=SECRET)
    client = connections.get('default')
    for statement in (f"UPDATE cheque_slip SET total = 1 WHERE id = {slip.id}",
                      f"DELETE FROM cheque_slip WHERE id = {slip.id}",
                      f"UPDATE cheque SET amount = 1 WHERE slip_id = {slip.id}",
                      f"DELETE FROM cheque_slip_line WHERE slip_id = {slip.id}"):
        with pytest.raises(Exception, match='frozen|append-only'):
            await client.execute_script(statement)
    assert (await ChequeSlip.get(id=slip.id)).total == D('390.00')


async def test_a_cheque_is_never_on_two_slips_even_when_two_users_remit_it_at_once(db):
    admin = await company()
    await three_cheques(admin)
    ids = [cheque.id for cheque in await cheques.cheques_to_remit()]
    results = await asyncio.gather(cheques.create_slip(admin, ids, secret=SECRET),
                                   cheques.create_slip(admin, ids[1:], secret=SECRET), return_exceptions=True)
    assert sum(isinstance(result, ChequeSlip) for result in results) == 1
    assert any(isinstance(result, ChequeError) for result in results)
    winner = next(result for result in results if isinstance(result, ChequeSlip))
    assert await ChequeSlip.all().count() == 1 and await ChequeSlipLine.all().count() == winner.count
    lines = await ChequeSlipLine.all().values_list('cheque_id', flat=True)
    assert len(lines) == len(set(lines))
    assert (await slips_report()).ok


async def test_a_refused_remittance_changes_nothing(db):
    admin = await company()
    await three_cheques(admin)
    ids = [cheque.id for cheque in await cheques.cheques_to_remit()]
    await cheques.create_slip(admin, ids[:1], secret=SECRET)
    with pytest.raises(ChequeError, match='plus à remettre'):
        await cheques.create_slip(admin, ids, secret=SECRET)
    with pytest.raises(ChequeError, match='au moins un chèque'):
        await cheques.create_slip(admin, [], secret=SECRET)
    assert await ChequeSlip.all().count() == 1
    assert await Cheque.filter(status='pending').count() == 2
    assert (await slips_report()).ok
    # the next slip takes the next number: nothing was skipped
    slip = await cheques.create_slip(admin, ids[1:], secret=SECRET)
    assert slip.number == f'RC{date.today().year}-00002'


async def test_cancelling_a_slip_frees_its_cheques_and_keeps_its_number(db):
    admin = await company()
    await three_cheques(admin)
    ids = [cheque.id for cheque in await cheques.cheques_to_remit()]
    slip = await cheques.create_slip(admin, ids, secret=SECRET)
    with pytest.raises(ChequeError, match='motif'):
        await cheques.cancel_slip(admin, slip.id, reason=' ', secret=SECRET)
    cancelled = await cheques.cancel_slip(admin, slip.id, reason='Bordereau perdu', secret=SECRET)
    assert cancelled.state == 'cancelled' and cancelled.number == slip.number
    assert sorted(cheque.id for cheque in await cheques.cheques_to_remit()) == sorted(ids)
    _, listed = await cheques.slip_with_cheques(slip.id)
    assert [cheque.id for cheque in listed] == ids  # the cancelled slip still says what it carried
    with pytest.raises(ChequeError, match='déjà annulée'):
        await cheques.cancel_slip(admin, slip.id, reason='encore', secret=SECRET)
    again = await cheques.create_slip(admin, ids, secret=SECRET)
    assert again.number == f'RC{date.today().year}-00002'
    report = await slips_report()
    assert report.ok and report.count == 3  # two slips and one cancellation


async def test_a_reversed_cheque_payment_cannot_be_remitted(db):
    admin = await company()
    _, installments = await three_cheques(admin)
    await payments.cancel_settlement(admin, installments[0].id, secret=SECRET, reason='Chèque sans provision')
    pending = await cheques.cheques_to_remit()
    assert [cheque.cheque_number for cheque in pending] == ['0000102', '0000103']
    void = await Cheque.get(installment_id=installments[0].id)
    with pytest.raises(ChequeError):
        await cheques.create_slip(admin, [void.id], secret=SECRET)


async def test_a_bad_cheque_number_is_refused_and_records_nothing(db):
    admin = await company()
    await cheque_payment(admin, await business_client(), '10', '0000300')
    assert await Cheque.all().count() == 1
    with pytest.raises(ChequeError, match='Numéro de chèque'):
        invoice = await validated_invoice(admin, await business_client(code='C0003'))
        [installment] = await payments.document_installments(invoice.id)
        await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=installment.amount,
                              secret=SECRET, cheque=ChequeDetails(number='12<script>'))
    assert await Cheque.all().count() == 1  # the refused settlement left nothing


async def test_verify_reports_a_slip_altered_outside_facturier(db):
    admin = await company()
    await three_cheques(admin)
    slip = await cheques.create_slip(admin, [c.id for c in await cheques.cheques_to_remit()], secret=SECRET)
    client = connections.get('default')
    # An attacker with database access drops the guard, then lowers a cheque of the slip.
    if client.capabilities.dialect == 'sqlite':
        await client.execute_script('DROP TRIGGER cheque_update_guard;')
    else:
        await client.execute_script('DROP TRIGGER cheque_guard ON cheque;')
    await client.execute_script(
        f"UPDATE cheque SET amount = 100 WHERE slip_id = {slip.id} AND cheque_number = '0000103'")
    report = await slips_report()
    assert not report.ok and report.broken_number == slip.number
    assert 'modifiée après son établissement' in report.reason


async def test_verify_reports_a_slip_removed_with_its_chain_entry(db):
    admin = await company()
    await three_cheques(admin)
    ids = [c.id for c in await cheques.cheques_to_remit()]
    await cheques.create_slip(admin, ids[:1], secret=SECRET)
    await cheques.create_slip(admin, ids[1:], secret=SECRET)
    client = connections.get('default')
    if client.capabilities.dialect == 'sqlite':
        await client.execute_script('DROP TRIGGER chain_entry_no_delete;')
    else:
        await client.execute_script('DROP TRIGGER chain_entry_append_only ON chain_entry;')
    await ChainEntry.filter(series='cheque_slip', position=2).delete()
    report = await slips_report()
    assert not report.ok
    assert any('absente de la chaîne' in problem or 'compteur' in problem for problem in report.problems)


async def in_thread(function, *args):
    return await asyncio.to_thread(function, *args)


async def test_the_slip_pdf_lists_the_account_and_every_cheque_and_is_kept(db, tmp_path):
    admin = await company()
    invoices, _ = await three_cheques(admin)
    slip = await cheques.create_slip(admin, [c.id for c in await cheques.cheques_to_remit()], secret=SECRET)
    data = await cheques.slip_pdf(slip.id, files_dir=tmp_path, run=in_thread)
    assert data.startswith(b'%PDF-')
    (tmp_path / 'slip.pdf').write_bytes(data)
    text = subprocess.run(['pdftotext', '-layout', str(tmp_path / 'slip.pdf'), '-'], capture_output=True,
                          text=True, check=True).stdout
    assert 'Bordereau de remise de chèques' in text and slip.number in text
    assert 'FR76 3000 6000 0112 3456 7890 189' in text and 'Nombre de chèques : 3' in text
    assert all(number in text for number in ('0000101', '0000102', '0000103'))
    assert all(invoice.number in text for invoice in invoices) and '390,00' in text
    # Kept: the same bytes next time, even once the slip is cancelled.
    await cheques.cancel_slip(admin, slip.id, reason='Erreur', secret=SECRET)
    assert await cheques.slip_pdf(slip.id, files_dir=tmp_path, run=in_thread) == data
