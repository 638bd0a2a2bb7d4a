"""AC3: someone with database access alters or removes validated documents; the check names the first one."""
import json
from argparse import Namespace

import pytest
from tortoise import connections

from db import cli_documents, credit_notes, integrity
from db.docguard import drop_guards
from db.document import ChainEntry, Document
from tests.conftest import SECRET
from tests.db.documents_helpers import business_client, validated_invoice
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
    await credit_notes.create_credit_note(admin, last.id, secret=SECRET)
    seen = []
    invoices, notes = await integrity.verify_integrity(SECRET, progress=lambda series, done: seen.append((series, done)))
    assert seen == [('invoice', 2), ('credit_note', 1)]
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
        f"DELETE FROM chain_entry WHERE series = 'invoice' AND position = 2")
    report = await integrity.verify_series('invoice', SECRET)
    assert report.broken_number == invoices[2].number and 'manque' in report.reason and report.count == 2


async def test_an_invoice_slipped_in_without_validation_is_reported(db):
    _, invoices = await three_invoices()
    await connections.get('default').execute_query(
        f"UPDATE document SET state = 'draft' WHERE id = {invoices[2].id}")
    await connections.get('default').execute_query(
        f"DELETE FROM chain_entry WHERE series = 'invoice' AND position = 3")
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
