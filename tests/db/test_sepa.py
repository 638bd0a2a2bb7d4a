"""PA5: Alice collects what her clients owe by SEPA direct debit, then books what the bank confirms or returns."""
import asyncio
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema

from db import documents, payments, sepa, validation
from db.company import Company, PaymentMethod
from db.document import Document, Installment, Payment
from db.actor import PermissionRefused
from db.mandate import CollectionItem, Mandate
from logic.errors import DomainError
from logic.sepa import earliest_collection_date
from tests.command import cli
from tests.db.documents_helpers import business_client, draft, individual_client, line
from tests.helpers import SECRET
from tests.issuing import issuer
from tests.personas import add_clerk, set_up_company

D = Decimal
ICS = 'FR72ZZZ123456'
SCHEMAS = Path(sepaxml.__file__).parent / 'schemas'


def earliest_collection() -> date:
    return earliest_collection_date(date.today(), 14)


async def creditor():
    admin = await set_up_company()
    await Company.all().update(ics=ICS)
    return admin


async def debit_invoice(admin, client, *, first='100.00', second='140.00'):
    """A 240.00 invoice payable by direct debit in two installments, due in 10 and 40 days."""
    method = await PaymentMethod.get(kind='direct_debit')
    document = await documents.create_document(admin, draft(client, line(price='100'), payment_method_id=method.id))
    today = date.today()
    document = await documents.set_installments(admin, document.id, [(today + timedelta(days=10), D(first)),
                                                                    (today + timedelta(days=40), D(second))],
                                                document.version)
    return await validation.validate_invoice(admin, document.id, issuer=issuer())


async def mandate_for(admin, client, **extra):
    values = {'reference': 'RUM-BM-0001', 'signed_on': date.today() - timedelta(days=30), 'kind': 'recurrent',
              'iban': 'FR7630006000011234567890189', 'bic': 'AGRIFRPP', **extra}
    return await sepa.add_mandate(admin, client.id, **values)


def transactions(content: str, version: str) -> list[tuple[str, str, str]]:
    """(sequence type, mandate reference, amount) of each debit, after checking the file against its XSD."""
    name = {'002': 'pain.008.001.02', '008': 'pain.008.001.08'}[version]
    xmlschema.XMLSchema(str(SCHEMAS / f'{name}.xsd')).validate(content)
    ns = {'p': f'urn:iso:std:iso:20022:tech:xsd:{name}'}
    root = ET.fromstring(content)
    return [(batch.find('p:PmtTpInf/p:SeqTp', ns).text, tx.find('p:DrctDbtTx/p:MndtRltdInf/p:MndtId', ns).text,
             tx.find('p:InstdAmt', ns).text)
            for batch in root.iterfind('.//p:PmtInf', ns) for tx in batch.iterfind('p:DrctDbtTxInf', ns)]


@pytest.mark.parametrize('version', ['002', '008'])
async def test_it_debits_frst_then_rcur_for_the_same_mandate(db, version):
    admin = await creditor()
    client = await business_client()
    await mandate_for(admin, client)
    invoice = await debit_invoice(admin, client)
    on = earliest_collection()
    today = date.today()
    first = await sepa.build_collection(admin, due_by=today + timedelta(days=20), collection_date=on, version=version)
    assert transactions(first.content, version) == [('FRST', 'RUM-BM-0001', '100.00')]
    second = await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=on,
                                         version=version)
    assert transactions(second.content, version) == [('RCUR', 'RUM-BM-0001', '140.00')]
    statuses = await Installment.filter(document_id=invoice.id).order_by('position').values_list('status', flat=True)
    assert statuses == ['debited', 'debited']
    with pytest.raises(DomainError, match='Aucune échéance à prélever'):
        await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=on, version=version)


async def test_a_confirmed_collection_settles_its_installments_and_the_invoice(db):
    admin = await creditor()
    client = await business_client()
    await mandate_for(admin, client)
    invoice = await debit_invoice(admin, client)
    on = earliest_collection()
    today = date.today()
    collection = await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=on)
    [installment, _] = await payments.document_installments(invoice.id)
    with pytest.raises(DomainError, match='en cours de prélèvement'):
        await payments.settle(admin, installment.id, paid_on=today, method='cheque', amount=D('100.00'),
                              secret=SECRET)
    assert await sepa.confirm_collection(admin, collection.id, paid_on=today, secret=SECRET) == 2
    assert (await Document.get(id=invoice.id)).state == 'paid'
    records = await Payment.filter(document_id=invoice.id).order_by('id').values_list('method', 'reference', 'amount')
    assert records == [('direct_debit', f'E{installment.id}-1', D('100.00')),
                       ('direct_debit', f'E{installment.id + 1}-1', D('140.00'))]


async def test_a_rejected_debit_reopens_its_installment_and_the_next_file_starts_again_with_frst(db):
    admin = await creditor()
    client = await business_client()
    await mandate_for(admin, client)
    invoice = await debit_invoice(admin, client)
    on = earliest_collection()
    today = date.today()
    await sepa.build_collection(admin, due_by=today + timedelta(days=20), collection_date=on)
    item = await CollectionItem.get(number=invoice.number)
    await sepa.reject_item(admin, item.id, reason='AM04', secret=SECRET)
    [installment, _] = await payments.document_installments(invoice.id)
    item = await CollectionItem.get(id=item.id)
    assert (installment.status, item.status, item.reason, item.live_installment_id) == ('open', 'rejected', 'AM04',
                                                                                        None)
    again = await sepa.build_collection(admin, due_by=today + timedelta(days=20), collection_date=on)
    assert transactions(again.content, again.version) == [('FRST', 'RUM-BM-0001', '100.00')]


async def test_a_debit_returned_after_its_confirmation_is_reversed_in_the_journal(db):
    admin = await creditor()
    client = await business_client()
    await mandate_for(admin, client)
    invoice = await debit_invoice(admin, client)
    on = earliest_collection()
    today = date.today()
    collection = await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=on)
    await sepa.confirm_collection(admin, collection.id, paid_on=today, secret=SECRET)
    item = (await sepa.collection_items(collection.id))[0]
    await sepa.reject_item(admin, item.id, reason='MD06', secret=SECRET)
    assert [i.status for i in await payments.document_installments(invoice.id)] == ['open', 'paid']
    assert (await Document.get(id=invoice.id)).state == 'validated'
    assert await Payment.filter(document_id=invoice.id, kind='reversal').count() == 1


async def test_two_simultaneous_builds_never_put_an_installment_in_two_files(db):
    admin = await creditor()
    client = await business_client()
    await mandate_for(admin, client)
    await debit_invoice(admin, client)
    on = earliest_collection()
    outcomes = await asyncio.gather(
        *(sepa.build_collection(admin, due_by=date.today() + timedelta(days=60), collection_date=on) for _ in range(2)),
        return_exceptions=True)
    assert sum(isinstance(outcome, DomainError) for outcome in outcomes) == 1
    assert await CollectionItem.all().count() == 2
    assert await Installment.filter(status='debited').count() == 2


async def test_a_lapsed_or_revoked_mandate_is_not_used(db):
    admin = await creditor()
    client = await business_client()
    today = date.today()
    await mandate_for(admin, client, signed_on=today - timedelta(days=3 * 366))
    await debit_invoice(admin, client)
    due = await sepa.due_for_collection(today + timedelta(days=60))
    assert (len(due.collectable), [row.client_name for row in due.missing]) == (0, ['Boulangerie Martin SAS'] * 2)
    fresh = await mandate_for(admin, client, reference='RUM-BM-0002')
    assert len((await sepa.due_for_collection(today + timedelta(days=60))).collectable) == 2
    await sepa.revoke_mandate(admin, fresh.id)
    assert not (await sepa.due_for_collection(today + timedelta(days=60))).collectable


async def test_it_refuses_a_bad_creditor_identifier_a_reused_rum_and_a_date_too_soon(db):
    admin = await set_up_company()
    client = await business_client()
    await mandate_for(admin, client)
    await debit_invoice(admin, client)
    await Company.all().update(ics='FR00ZZZ123456')
    on = earliest_collection()
    today = date.today()
    with pytest.raises(DomainError, match='ICS'):
        await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=on)
    await Company.all().update(ics=ICS)
    with pytest.raises(DomainError, match='pré-notification'):
        await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=today + timedelta(days=2))
    with pytest.raises(DomainError, match='déjà utilisée'):
        await mandate_for(admin, client)
    with pytest.raises(DomainError, match='IBAN'):
        await mandate_for(admin, client, reference='RUM-X', iban='FR7630006000011234567890180')
    assert await Mandate.all().count() == 1
    assert await Installment.filter(status='debited').count() == 0


async def test_the_sepa_command_writes_the_file_or_says_in_french_why_not(db, tmp_path):
    admin = await creditor()
    client = await business_client()
    await debit_invoice(admin, client)
    today = date.today()
    output, due_by = tmp_path / 'prelevement.xml', (today + timedelta(days=60)).isoformat()
    missing = cli(db, tmp_path / 'data', 'sepa', '--due-by', due_by, '-o', str(output))
    assert missing.returncode == 2 and not output.exists()
    assert missing.stderr.strip() == ('Erreur : Mandat de prélèvement manquant ou caduc pour : Boulangerie Martin '
                                      'SAS. Aucun fichier préparé.')
    await mandate_for(admin, client)
    done = cli(db, tmp_path / 'data', 'sepa', '--due-by', due_by, '-o', str(output), '--version', '002')
    assert done.returncode == 0, done.stderr
    assert [row[0] for row in transactions(output.read_text(), '002')] == ['FRST', 'FRST']
    nothing = cli(db, tmp_path / 'data', 'sepa', '--due-by', due_by, '-o', str(tmp_path / 'again.xml'))
    assert nothing.returncode == 2
    assert nothing.stderr.strip() == f'Erreur : Aucune échéance à prélever au {today + timedelta(days=60):%d/%m/%Y}.'


async def test_an_invoice_paid_by_direct_debit_states_the_mandate_in_its_frozen_copy(db):
    admin = await creditor()
    client = await business_client()
    await mandate_for(admin, client)
    invoice = await debit_invoice(admin, client)
    assert invoice.snapshot['payment_means'] == '59'
    assert invoice.snapshot['extra']['direct_debit'] == {'mandate': 'RUM-BM-0001', 'creditor_id': ICS,
                                                         'iban': 'FR7630006000011234567890189'}


async def test_only_an_admin_changes_the_prenotification_period_and_a_longer_one_is_enforced(db):
    admin = await creditor()
    clerk = await add_clerk(admin)
    with pytest.raises(PermissionRefused):
        await sepa.save_settings(clerk, prenotification_days=5, version='002')
    await sepa.save_settings(admin, prenotification_days=30, version='002')
    client = await business_client()
    await mandate_for(admin, client)
    await debit_invoice(admin, client)
    on = earliest_collection()
    today = date.today()
    with pytest.raises(DomainError, match='30 jours'):
        await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=on)
    later = earliest_collection_date(today, 30)
    collection = await sepa.build_collection(admin, due_by=today + timedelta(days=60), collection_date=later)
    assert collection.version == '002' and collection.collection_date == later


async def test_the_dialog_summary_counts_every_installment_and_shows_the_first_ones(db):
    """Issue 17: the "Nouveau prélèvement" dialog sums in SQL what due_for_collection lists, shows the first rows
    with their sequence types, and names the clients without a usable mandate."""
    admin = await creditor()
    martin, petit = await business_client(), await individual_client()
    await mandate_for(admin, martin)
    for _ in range(3):
        await debit_invoice(admin, martin)
    await debit_invoice(admin, petit)  # no mandate
    today = date.today()
    due_by = today + timedelta(days=60)
    full = await sepa.due_for_collection(due_by)
    summary = await sepa.due_summary(due_by, shown=4)
    assert (summary.count, summary.total) == (6, full.total) == (len(full.collectable), D('720.00'))
    assert [row.installment_id for row in summary.rows] == [row.installment_id for row in full.collectable[:4]]
    assert [row.sequence for row in summary.rows] == ['FRST'] * 4
    assert summary.missing == [('Camille Petit', petit.id)]
    assert (await sepa.due_summary(today - timedelta(days=1))).count == 0


async def test_the_dialog_sums_from_the_debited_documents_indexes_alone(db):
    """The summary's statement reads the documents paid by direct debit from their index, then their installments
    from (document_id, ...) alone (migration documents/0016): no installment row, on SQLite; on PostgreSQL no scan
    of the installments."""
    from tortoise import connections  # noqa: PLC0415
    from tortoise.transactions import in_transaction  # noqa: PLC0415

    await creditor()
    client = connections.get('default')
    sql, params = sepa._due_sql(await sepa._debit_methods(), date.today(),
                                'i.client_id, COUNT(*), SUM(i.amount - i.paid_amount)', tail='GROUP BY i.client_id')
    if client.capabilities.dialect == 'sqlite':
        plan = [row['detail'] for row in await client.execute_query_dict(f'EXPLAIN QUERY PLAN {sql}', params)]
        assert plan[0].startswith('SEARCH d USING COVERING INDEX'), plan
        assert plan[1].startswith('SEARCH i USING COVERING INDEX') and '(document_id=?)' in plan[1], plan
    else:
        async with in_transaction() as connection:
            await connection.execute_script('SET LOCAL enable_seqscan = off')
            rows = await connection.execute_query_dict(f'EXPLAIN {sql}', params)
        plan = '\n'.join(row['QUERY PLAN'] for row in rows)
        assert 'Seq Scan on installment' not in plan, plan
