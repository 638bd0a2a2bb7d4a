"""Issue 18, integrity blind spots: an attacker with the database file (or a PostgreSQL superuser) drops the guard
triggers, as one could, and tampers; `verify` must name each tamper in French (docs/legal.md 2.6)."""
from datetime import date
from decimal import Decimal

import pytest
from tortoise import connections

from db import credit_notes, integrity, numbering, payments
from db.docguard import drop_guards
from db.document import Installment
from logic.errors import DomainError
from tests.db.documents_helpers import business_client, validated_invoice
from tests.helpers import SECRET
from tests.issuing import issuer
from tests.personas import set_up_company

APPEND_ONLY = ('chain_entry', 'payment', 'audit_entry', 'state_event')
# The cheque remittances (PA4) are frozen and chained too; a TRUNCATE ... CASCADE of the payments reaches them.
CHEQUES = ('cheque', 'cheque_slip', 'cheque_slip_line')
GUARDED = (*APPEND_ONLY, 'document', 'document_line', *CHEQUES)


async def three_invoices():
    admin = await set_up_company()
    client = await business_client()
    return admin, [await validated_invoice(admin, client) for _ in range(3)]


async def play_the_attacker() -> None:
    """Remove every guard trigger (frozen documents, append-only tables, TRUNCATE refusals)."""
    client = connections.get('default')
    await drop_guards(client)
    sqlite = client.capabilities.dialect == 'sqlite'
    for table in GUARDED:
        if not await has_table(table):
            continue
        if sqlite:
            await client.execute_script(f'DROP TRIGGER IF EXISTS {table}_no_update; '
                                        f'DROP TRIGGER IF EXISTS {table}_no_delete;')
        else:
            await client.execute_script(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}; '
                                        f'DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};')


async def has_table(name: str) -> bool:
    client = connections.get('default')
    if client.capabilities.dialect == 'sqlite':
        rows = await client.execute_query_dict(f"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{name}'")
    else:
        rows = await client.execute_query_dict(f"SELECT tablename FROM pg_tables WHERE tablename = '{name}'")
    return bool(rows)


async def execute(*statements: str) -> None:
    for statement in statements:
        await connections.get('default').execute_query(statement)


async def delete_document(document_id: int) -> None:
    """What the attacker removes with an invoice: its rows, its chain entry and, when they exist, its state events."""
    await execute(f'DELETE FROM installment WHERE document_id = {document_id}',
                  f'DELETE FROM document_line WHERE document_id = {document_id}',
                  f'DELETE FROM document WHERE id = {document_id}',
                  f'DELETE FROM chain_entry WHERE series = \'invoice\' AND document_id = {document_id}')
    if await has_table('state_event'):
        await execute(f'DELETE FROM state_event WHERE document_id = {document_id}')


# 1. The last invoice removed, its chain entry too, and the counter lowered: the chain alone stays valid.

async def test_it_reports_the_last_invoice_deleted_with_its_chain_entry_and_the_counter_lowered(db):
    _, invoices = await three_invoices()
    last = invoices[-1]
    await play_the_attacker()
    await delete_document(last.id)
    await execute("UPDATE number_counter SET value = value - 1 WHERE series = 'invoice'")
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and report.count == 2
    assert last.number in report.reason and 'journal d’audit' in report.reason


# 2. Line prices multiplied by ten in document_line: credit notes are built from those rows.

async def test_it_reports_line_prices_multiplied_by_ten_in_document_line(db):
    _, invoices = await three_invoices()
    await play_the_attacker()
    await execute(f'UPDATE document_line SET unit_price = unit_price * 10 WHERE document_id = {invoices[1].id}')
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and invoices[1].number in report.reason and 'lignes' in report.reason
    assert report.broken_number is None  # the chain itself (the frozen copy) is intact: the rows are not


@pytest.mark.parametrize('change', ['* 10', '/ 10'])
async def test_a_credit_note_is_never_built_from_lines_altered_after_validation(db, change):
    admin, invoices = await three_invoices()
    await play_the_attacker()
    await execute(f'UPDATE document_line SET unit_price = unit_price {change} WHERE document_id = {invoices[1].id}')
    with pytest.raises(DomainError, match='copie figée'):
        await credit_notes.create_credit_note(admin, invoices[1].id, issuer=issuer(), mode='full')


async def test_a_credit_note_is_refused_on_an_invoice_altered_since_its_validation(db):
    admin, invoices = await three_invoices()
    await play_the_attacker()
    await execute(f'UPDATE document SET total_ttc = total_ttc * 10 WHERE id = {invoices[1].id}')
    with pytest.raises(DomainError, match='modifié hors de Facturier depuis sa validation'):
        await credit_notes.create_credit_note(admin, invoices[1].id, issuer=issuer(), mode='full')


# 3. A state set in SQL: every state change of a legal document is a chained event.

@pytest.mark.parametrize('state', ['cancelled', 'paid', 'irrecoverable'])
async def test_it_reports_a_validated_invoice_whose_state_was_set_in_sql(db, state):
    _, invoices = await three_invoices()
    await play_the_attacker()
    await execute(f"UPDATE document SET state = '{state}' WHERE id = {invoices[0].id}")
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and invoices[0].number in report.reason and 'état' in report.reason


async def test_it_reports_a_paid_invoice_set_back_to_validated_in_sql(db):
    admin, invoices = await three_invoices()
    [installment] = await Installment.filter(document_id=invoices[2].id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=Decimal('240.00'),
                          secret=SECRET)
    await play_the_attacker()
    await execute(f"UPDATE document SET state = 'validated' WHERE id = {invoices[2].id}")
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and invoices[2].number in report.reason and 'Réglée' in report.reason


async def test_it_reports_a_credit_note_set_to_refunded_in_sql(db):
    admin, invoices = await three_invoices()
    note = await credit_notes.create_credit_note(admin, invoices[0].id, issuer=issuer(), mode='full')
    await play_the_attacker()
    await execute(f"UPDATE document SET state = 'paid' WHERE id = {note.id}")
    report = await integrity.verify_series('credit_note', SECRET)
    assert not report.ok and note.number in report.reason and 'état' in report.reason


# 4. A counter raised: the next number leaves a gap.

async def test_it_reports_a_number_counter_raised_by_five(db):
    _, invoices = await three_invoices()
    await execute("UPDATE number_counter SET value = value + 5 WHERE series = 'invoice'")
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and 'compteur' in report.reason and invoices[-1].number in report.reason


async def test_it_reports_the_payment_counter_raised_by_five(db):
    admin, invoices = await three_invoices()
    [installment] = await Installment.filter(document_id=invoices[0].id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=Decimal('40.00'),
                          secret=SECRET)
    await execute("UPDATE number_counter SET value = value + 5 WHERE series = 'payment'")
    report = await integrity.verify_series('payment', SECRET)
    assert not report.ok and 'compteur' in report.reason


async def test_a_counter_carried_over_by_a_change_of_reset_rule_is_not_a_gap(db):
    admin, _ = await three_invoices()
    [series] = [row for row in await numbering.list_series() if row.key == 'invoice']
    await numbering.save_series(admin, 'invoice', pattern=series.pattern, reset='never', version=series.version)
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    await validated_invoice(admin, await business_client(code='C0002'))
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))


# 5. Tables emptied at once (TRUNCATE on PostgreSQL): refused, and reported when the refusal is removed.

@pytest.mark.parametrize('table', GUARDED)
async def test_postgresql_refuses_truncate_of_the_append_only_and_frozen_tables(db, table):
    if connections.get('default').capabilities.dialect == 'sqlite':
        pytest.skip('SQLite has no TRUNCATE: DELETE fires the row triggers')
    admin, invoices = await three_invoices()
    await credit_notes.create_credit_note(admin, invoices[0].id, issuer=issuer(), mode='full')
    with pytest.raises(Exception, match='TRUNCATE'):
        await execute(f'TRUNCATE {table} CASCADE')
    assert all(report.ok and (report.count or report.series in ('cheque_slip', 'closing', 'original'))
               for report in await integrity.verify_integrity(SECRET))  # no cheque remitted, no closing, no original


async def empty(*tables: str) -> None:
    tables = [table for table in tables if await has_table(table)]
    if connections.get('default').capabilities.dialect == 'sqlite':
        await execute(*(f'DELETE FROM {table}' for table in tables))
    else:
        await execute(f'TRUNCATE {", ".join(tables)} CASCADE')


async def test_it_reports_emptied_chains_while_the_audit_log_records_the_validations(db):
    admin, invoices = await three_invoices()
    [installment] = await Installment.filter(document_id=invoices[0].id)
    # By transfer: a cheque's row (db/cheque.py) would hold its payment by a foreign key.
    await payments.settle(admin, installment.id, paid_on=date.today(), method='transfer', amount=Decimal('40.00'),
                          secret=SECRET)
    await play_the_attacker()
    await empty('chain_entry', 'state_event', 'payment', 'installment', 'document_line', 'document')
    invoice_report, _, payment_report, *_ = await integrity.verify_integrity(SECRET)
    assert not invoice_report.ok and invoice_report.count == 0
    assert 'journal d’audit' in invoice_report.reason and invoices[0].number in invoice_report.reason
    assert not payment_report.ok and 'compteur' in payment_report.reason


async def test_it_reports_a_wiped_database_by_its_counters(db):
    await three_invoices()
    await play_the_attacker()
    await empty('chain_entry', 'state_event', 'payment', 'installment', 'document_line', 'document', 'audit_entry')
    report = await integrity.verify_series('invoice', SECRET)
    assert not report.ok and 'compteur' in report.reason
