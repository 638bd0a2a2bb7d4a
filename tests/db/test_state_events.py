"""Every state a legal document takes is a chained event (db/state_chain.py, docs/legal.md 2.6), written in the
transaction of the change; an instance upgraded from before the events gets the genesis of each chain."""
from datetime import date
from decimal import Decimal

import pytest
import tests.issuing
from tortoise import connections
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from db import credit_notes, engine, integrity, payments
from db.audit import AuditEntry
from db.document import Installment, StateEvent
from db.issuing import Issuer
from db.payment_bulk import BulkSettlement, settle_in_bulk
from tests.db.documents_helpers import business_client, validated_invoice
from tests.db.test_tampering import execute, play_the_attacker
from tests.helpers import SECRET
from tests.issuing import issuer
from tests.personas import set_up_company


async def states_of(document_id: int) -> list[tuple[str, str]]:
    return [tuple(row) for row in await StateEvent.filter(document_id=document_id).order_by('seq').values_list(
        'previous_state', 'state')]


async def test_every_state_change_of_an_invoice_is_a_chained_event_with_its_audit_entry(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await Installment.filter(document_id=invoice.id)
    today = date.today()
    await payments.settle(admin, installment.id, paid_on=today, method='cheque', amount=Decimal('240.00'),
                          secret=SECRET)
    await payments.cancel_settlement(admin, installment.id, secret=SECRET)
    await payments.write_off(admin, invoice.id, on=today, reason='Liquidation judiciaire', secret=SECRET)
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='full')
    assert await states_of(invoice.id) == [('draft', 'validated'), ('validated', 'paid'), ('paid', 'validated'),
                                           ('validated', 'irrecoverable'), ('irrecoverable', 'validated'),
                                           ('validated', 'cancelled')]
    assert await states_of(note.id) == [('draft', 'validated')]
    audited = [entry.details['state'] for entry in await AuditEntry.filter(
        action='invoice.state', target=f'document:{invoice.id}').order_by('id')]
    assert audited == [[old, new] for old, new in (await states_of(invoice.id))[1:]]
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))


async def test_bulk_settlements_record_each_invoice_paid_as_a_chained_event(db):
    admin = await set_up_company()
    client = await business_client()
    invoices = [await validated_invoice(admin, client) for _ in range(3)]
    installments = [(await Installment.filter(document_id=invoice.id))[0] for invoice in invoices]
    await settle_in_bulk(admin, [BulkSettlement(installment_id=item.id, amount=item.amount, paid_on=date.today(),
                                                method='transfer') for item in installments[:2]], secret=SECRET)
    assert [await states_of(invoice.id) for invoice in invoices] == [
        [('draft', 'validated'), ('validated', 'paid')]] * 2 + [[('draft', 'validated')]]
    assert await AuditEntry.filter(action='invoice.state').count() == 2
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))


async def test_a_state_event_forged_without_the_secret_is_reported(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [genesis] = await StateEvent.filter(document_id=invoice.id)
    await play_the_attacker()
    await execute(f"UPDATE document SET state = 'cancelled' WHERE id = {invoice.id}")
    await StateEvent.create(document_id=invoice.id, seq=2, series='invoice', number=invoice.number,
                            previous_state='validated', state='cancelled', previous_hash=genesis.hash, hash='0' * 64)
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and f'L’historique d’états de {invoice.number} a été modifié' in report.reason


async def test_a_document_whose_state_events_were_all_deleted_is_reported(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    await play_the_attacker()
    await execute(f'DELETE FROM state_event WHERE document_id = {invoice.id}')
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and f'{invoice.number} n’a aucun état enregistré' in report.reason


async def a_base_issued_before_the_state_events(url: str):
    """Documents in every state, then the database taken back to the migration before the events."""
    # Nor were originals fingerprinted then (documents/0013, whose columns the way back drops): issued without them.
    tests.issuing._current = Issuer.for_generated_data(SECRET)
    admin = await set_up_company()
    client = await business_client()
    paid, written_off, credited, left = [await validated_invoice(admin, client) for _ in range(4)]
    [installment] = await Installment.filter(document_id=paid.id)
    today = date.today()
    await payments.settle(admin, installment.id, paid_on=today, method='cheque', amount=Decimal('240.00'),
                          secret=SECRET)
    await payments.write_off(admin, written_off.id, on=today, reason='Liquidation judiciaire', secret=SECRET)
    note = await credit_notes.create_credit_note(admin, credited.id, issuer=issuer(), mode='full')
    apps = engine.tortoise_config(url)['apps']
    await MigrationExecutor(connections.get('default'), apps).migrate(
        [MigrationTarget(app_label='documents', name='0008_margin')])
    return admin, [paid, written_off, credited, left, note]


@pytest.mark.parametrize('secret_from', ['environment', 'data dir'])
async def test_an_upgraded_instance_gets_the_genesis_of_each_state_chain_and_verifies_intact(
        db, monkeypatch, tmp_path, secret_from):
    admin, documents = await a_base_issued_before_the_state_events(db)
    if secret_from == 'environment':
        monkeypatch.setenv('FACTURIER_SECRET', SECRET)
    else:
        monkeypatch.delenv('FACTURIER_SECRET', raising=False)
        monkeypatch.setenv('FACTURIER_DATA_DIR', str(tmp_path))
        (tmp_path / 'instance-secret.key').write_text(SECRET + '\n', encoding='ascii')
    await MigrationExecutor(connections.get('default'), engine.tortoise_config(db)['apps']).migrate()
    expected = ['paid', 'irrecoverable', 'cancelled', 'validated', 'validated']
    assert [await states_of(document.id) for document in documents] == [[('', state)] for state in expected]
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    # and the chains go on from their genesis
    [installment] = await Installment.filter(document_id=documents[3].id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cash', amount=Decimal('240.00'),
                          secret=SECRET)
    assert await states_of(documents[3].id) == [('', 'validated'), ('validated', 'paid')]
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))


async def test_an_upgrade_without_the_instance_secret_says_the_states_are_not_sealed(db, monkeypatch, tmp_path):
    _, documents = await a_base_issued_before_the_state_events(db)
    monkeypatch.delenv('FACTURIER_SECRET', raising=False)
    monkeypatch.setenv('FACTURIER_DATA_DIR', str(tmp_path))
    await MigrationExecutor(connections.get('default'), engine.tortoise_config(db)['apps']).migrate()
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and f'L’historique d’états de {documents[0].number} n’a pas été scellé' in report.reason
