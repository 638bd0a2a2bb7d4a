"""The one issuing path (db/issuing.py): parity of the single and bulk paths, originals made before the number is
committed, retry when the number moved, and the unit of work's publications."""
import multiprocessing
from datetime import date, timedelta

import pytest

from db import bulk, changes, credit_notes, documents, engine, integrity, issuing, numbering, payments, validation
from db.audit import AuditEntry
from db.bulk import BulkInvoice, validate_in_bulk
from db.company import PaymentMethod
from db.contact import Contact
from db.drafts import payment_method_for, pick_payment_method
from db.document import FROZEN_COLUMNS, ChainEntry, Document, DocumentLine, Installment
from db.unit_of_work import transaction
from logic.errors import DomainError
from logic.facturx import checker
from logic.render import store
from logic.schedule import schedule_dates, split_evenly
from tests.databases import use_postgres
from tests.db.documents_helpers import business_client, company, draft, line, validated_invoice
from tests.issuing import issuer

# A 3-month schedule ends past the business ceiling of C. com. L441-10: agreed with this client (logic/terms.py).
SCHEDULE_AGREED = 'Échéancier en 3 mois convenu au contrat'


def forty_days_ago() -> date:
    return date.today() - timedelta(days=40)


async def _issue_one_by_one(parts: int) -> None:
    admin = await company()
    client = await business_client(payment_terms_derogation=SCHEDULE_AGREED)
    document = await documents.create_document(admin, _draft(client))
    day = forty_days_ago()
    first = validation.due_on(day, await payment_method_for(None, client))  # as the schedule editor proposes
    await documents.set_installments(admin, document.id, list(zip(
        schedule_dates(first, parts, 1, 'months'), split_evenly(document.total_ttc, parts))), document.version)
    await validation.validate_invoice(admin, document.id, issuer=issuer(), issue_date=day)


async def _issue_in_bulk(parts: int) -> None:
    admin = await company()
    client = await business_client(payment_terms_derogation=SCHEDULE_AGREED)
    day = forty_days_ago()
    await validate_in_bulk(admin, [BulkInvoice(draft=_draft(client), issue_date=day, parts=parts)], issuer=issuer())


def _draft(client):
    return draft(client, line(), line('Joints', quantity='3', price='12.5', rate='10'))


async def _issued_state() -> dict:
    """Everything issuing wrote, without what differs by nature (timestamps, a draft's edit count) and with the row
    ids as ranks (on PostgreSQL a dry run uses up sequence values: a new row's id may differ, never its content)."""
    rank = {doc_id: index for index, doc_id in enumerate(await Document.all().order_by('id').values_list('id',
                                                                                                       flat=True))}
    rows = await Document.all().order_by('id').values(*FROZEN_COLUMNS, 'id', 'state', 'credited_amount')
    for row in rows:
        row.pop('validated_at'), row.pop('created_at')
        row['id'] = rank[row['id']]
    lines = await DocumentLine.all().order_by('id').values()
    installments = await Installment.all().order_by('id').values()
    for row in installments:
        row.pop('version')
    for row in lines + installments:
        row.pop('id')
        row['document_id'] = rank[row['document_id']]
    chain = await ChainEntry.all().order_by('id').values('series', 'position', 'document_id', 'label')
    for row in chain:
        document = await Document.get(id=row['document_id'])
        row['payload'] = {**integrity.chain_payload(document), 'id': rank[document.id]}
        row['document_id'] = rank[row['document_id']]
    audit = await AuditEntry.filter(action__endswith='.validate').order_by('id').values('action', 'target', 'details')
    for row in audit:
        row['target'] = f"document:{rank[int(row['target'].split(':')[1])]}"
    assert all([report.ok for report in await integrity.verify_integrity(issuer().secret)])
    return {'documents': rows, 'lines': lines, 'installments': installments, 'chain': chain, 'audit': audit}


async def test_one_by_one_and_in_bulk_issue_identical_documents(databases, tmp_path):
    """The same draft, with a 3-part monthly schedule, issued by "Valider" and by the bulk path (demo, imports)."""
    states = []
    for name, run in (('single', _issue_one_by_one), ('bulk', _issue_in_bulk)):
        (tmp_path / name).mkdir()
        url = await databases.fresh(tmp_path / name)
        await engine.open_database(url, migrate=False)
        try:
            await run(3)
            states.append(await _issued_state())
        finally:
            await engine.close_database()
            await databases.drop(url)
    single, bulk = states
    assert single['documents'][0]['number'] and single['documents'][0]['state'] == 'validated'
    first = single['installments'][0]['due_date']
    assert [row['due_date'] for row in single['installments']] == schedule_dates(first, 3, 1, 'months')
    for part in ('documents', 'lines', 'installments', 'chain', 'audit'):
        assert _differences(single[part], bulk[part]) == [], part
    assert len(single['audit']) == 1


def _differences(expected: list[dict], got: list[dict]) -> list:
    """(row, column, expected, got) of every difference, to read a failure at once."""
    if len(expected) != len(got):
        return [('rows', len(expected), len(got))]
    return [(index, key, *_first_difference(row.get(key), other.get(key)))
            for index, (row, other) in enumerate(zip(expected, got))
            for key in sorted(set(row) | set(other)) if row.get(key) != other.get(key)]


def _first_difference(expected, got, path: str = '') -> tuple:
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(set(expected) | set(got)):
            if expected.get(key) != got.get(key):
                return _first_difference(expected.get(key), got.get(key), f'{path}.{key}')
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        for index, (one, other) in enumerate(zip(expected, got)):
            if one != other:
                return _first_difference(one, other, f'{path}[{index}]')
    return path, expected, got


async def test_the_original_is_stored_with_the_number_and_nothing_stays_staged(db):
    invoice = await validated_invoice(await company(), await business_client(), line())
    pdf = store.load_pdf(issuer().files_dir, invoice.id)
    assert pdf is not None and invoice.number.encode() in store.xml_from_pdf(pdf)
    assert not list((issuer().files_dir / store.STAGED).rglob('*.pdf'))


async def test_a_stop_between_commit_and_promotion_keeps_the_original_made_before(db, monkeypatch, tmp_path):
    monkeypatch.setattr(store, 'promote', lambda *args: False)  # the process stops right after the commit
    invoice = await validated_invoice(await company(), await business_client(), line())
    monkeypatch.undo()
    staged = store.staged_path(issuer().files_dir, 'invoice', invoice.number).read_bytes()
    assert store.load_pdf(issuer().files_dir, invoice.id) is None
    config = type('Config', (), {'files_dir': issuer().files_dir, 'uploads_dir': issuer().uploads_dir,
                                 'secret': issuer().secret})
    from db import publishing  # noqa: PLC0415

    served, _ = await publishing.document_pdf(invoice.id, config=config, run=issuer().run)
    assert served == staged  # the very original, not a new rendering with another fingerprint


async def test_a_number_taken_meanwhile_makes_it_start_again_with_the_right_number(db, monkeypatch):
    admin = await company()
    document = await documents.create_document(admin, draft(await business_client(), line()))
    real_dry_run = issuing._dry_run
    runs = []

    async def dry_run_then_another_process_numbers(*args):
        staged = await real_dry_run(*args)
        runs.append([item.number for item in staged])
        if len(runs) == 1:  # another process takes the number between the dry run and the real one
            async with transaction():
                with numbering.issuing_scope():  # as that process's own issuing does
                    await numbering.take_number('invoice', date.today())
        return staged

    monkeypatch.setattr(issuing, '_dry_run', dry_run_then_another_process_numbers)
    issued = await validation.validate_invoice(admin, document.id, issuer=issuer())
    assert runs[0] != runs[1] == [issued.number]
    assert issued.number.encode() in store.xml_from_pdf(store.load_pdf(issuer().files_dir, issued.id))


async def test_a_credit_note_goes_through_the_same_e_invoice_check(db, monkeypatch):
    admin = await company()
    invoice = await validated_invoice(admin, await business_client(), line())
    failing = checker.CheckResult(errors=(checker.Issue(rule='BR-CO-10', message='Somme des lignes fausse.',
                                                        flag='fatal', source='en16931'),), warnings=())

    async def refuse(_xml):
        return failing

    monkeypatch.setattr(checker, 'check', refuse)
    with pytest.raises(checker.EInvoiceInvalid):
        await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='full')
    assert not await Document.filter(doc_type='credit_note').exists()
    assert (await Document.get(id=invoice.id)).credited_amount == 0


async def test_nested_operations_publish_once_after_the_outermost_commit(db):
    admin = await company()
    invoice = await validated_invoice(admin, await business_client(), line())
    installment = await Installment.get(document_id=invoice.id)
    seen: list = []
    stops = [changes.subscribe(topic, lambda doc_id, topic=topic: seen.append((topic, doc_id)))
             for topic in (changes.DOCUMENTS, payments.PAYMENTS)]
    try:
        async with transaction():
            await payments.settle(admin, installment.id, paid_on=date.today(), method='transfer',
                                  amount=installment.amount, reference='', secret=issuer().secret)
            await payments.cancel_settlement(admin, installment.id, secret=issuer().secret, reason='erreur')
            assert seen == []  # nothing before the commit, whatever the inner operations published
        assert sorted(seen, key=str) == sorted(set(seen), key=str)  # each change once
        assert (changes.DOCUMENTS, invoice.id) in seen
        seen.clear()
        with pytest.raises(RuntimeError):
            async with transaction():
                await payments.settle(admin, installment.id, paid_on=date.today(), method='transfer',
                                      amount=installment.amount, reference='', secret=issuer().secret)
                raise RuntimeError('rolled back')
        assert seen == []  # a rolled back unit publishes nothing
    finally:
        for stop in stops:
            stop()


async def test_the_bulk_path_writes_one_audit_entry_per_document(db):
    admin = await company()
    client = await business_client()
    day = forty_days_ago()
    ids = await validate_in_bulk(admin, [BulkInvoice(draft=_draft(client), issue_date=day) for _ in range(3)],
                                 issuer=issuing.Issuer.for_generated_data(issuer().secret))
    entries = await AuditEntry.filter(action='invoice.validate').values_list('target', flat=True)
    assert sorted(entries) == sorted(f'document:{doc_id}' for doc_id in ids)


async def test_only_legal_types_are_issued(db):
    admin = await company()
    quote = await documents.create_document(admin, draft(await business_client(), line(), doc_type='quote'))

    async def prepare():
        document = await Document.get(id=quote.id)
        return [issuing.Issue(document=document, snapshot=await validation.preview_snapshot(quote.id))]

    with pytest.raises(ValueError, match='not a legal document'):
        await issuing.issue(admin, prepare, issuer=issuer())
    assert not await ChainEntry.filter(series='quote').exists()
    assert (await Document.get(id=quote.id)).state == 'draft'


async def test_a_legal_series_is_numbered_by_the_issuing_path_only(db):
    await company()
    for series in ('invoice', 'credit_note'):
        with pytest.raises(RuntimeError, match='db.issuing.issue only'):
            async with transaction():
                await numbering.take_number(series, date.today())
    async with transaction():
        assert await numbering.take_number('quote', date.today())  # a quote is numbered at creation


async def test_inside_a_callers_transaction_the_original_waits_for_its_commit(db):
    admin = await company()
    document = await documents.create_document(admin, draft(await business_client(), line()))
    with pytest.raises(RuntimeError):
        async with transaction():
            issued = await validation.validate_invoice(admin, document.id, issuer=issuer())
            raise RuntimeError('the caller fails after the issuing')
    assert (await Document.get(id=document.id)).state == 'draft'
    assert store.load_pdf(issuer().files_dir, issued.id) is None  # never promoted for a rolled back number
    async with transaction():
        issued = await validation.validate_invoice(admin, document.id, issuer=issuer())
        assert store.load_pdf(issuer().files_dir, issued.id) is None  # not before the outer commit
    assert store.load_pdf(issuer().files_dir, issued.id) is not None


async def test_the_bulk_path_falls_back_to_the_clients_payment_method_like_the_editor(db):
    """The bulk path used to skip the client's method when the draft's was gone: both now pick the same way."""
    await company()
    client = await business_client()
    methods = await PaymentMethod.all().order_by('id')
    clients_own = next(method for method in methods if not method.is_default)
    await Contact.filter(id=client.id).update(default_payment_method_id=clients_own.id)
    client = await Contact.get(id=client.id)
    assert pick_payment_method(999_999, client, methods) == clients_own == await payment_method_for(999_999, client)
    assert pick_payment_method(None, None, methods) == next(method for method in methods if method.is_default)


async def test_the_bulk_path_refuses_missing_mentions_and_numbers_nothing(db):
    admin = await company()
    client = await business_client(siren='', address='')
    day = forty_days_ago()
    with pytest.raises(issuing.MentionsMissing):
        await validate_in_bulk(admin, [BulkInvoice(draft=_draft(client), issue_date=day)],
                               issuer=issuing.Issuer.for_generated_data(issuer().secret))
    assert not await Document.exists() and not await ChainEntry.exists()


@pytest.fixture
def feeds(monkeypatch) -> list[bool]:
    """For each bulk call, whether its batches were prepared in a child process (db/bulk.py: _Feed)."""
    started = []
    original = bulk._Feed.__init__

    def init(self, chunks, context):
        original(self, chunks, context)
        started.append(self.process is not None)

    monkeypatch.setattr(bulk._Feed, '__init__', init)
    return started


async def _bulk_of_three(batch: int) -> list[int]:
    admin = await company()
    client = await business_client(payment_terms_derogation=SCHEDULE_AGREED)
    day = forty_days_ago()
    invoices = [BulkInvoice(draft=draft(client, line(), line('Joints', quantity=str(parts), price='12.5', rate='10')),
                            issue_date=day + timedelta(days=parts), parts=parts) for parts in (3, 1, 2)]
    return await validate_in_bulk(admin, invoices, issuer=issuing.Issuer.for_generated_data(issuer().secret),
                                  batch=batch)


async def test_batches_prepared_in_a_child_process_issue_what_a_thread_issues(databases, tmp_path, feeds):
    """Three batches of one (a child process prepares them) and one batch of three (a thread): the same rows."""
    states = []
    for batch in (3, 1):
        (tmp_path / str(batch)).mkdir()
        url = await databases.fresh(tmp_path / str(batch))
        await engine.open_database(url, migrate=False)
        try:
            assert len(await _bulk_of_three(batch)) == 3
            states.append(await _issued_state())
        finally:
            await engine.close_database()
            await databases.drop(url)
    assert feeds == [False, not use_postgres()]  # PostgreSQL: prepared in a thread (db/bulk._writes_in_a_thread)
    in_thread, in_process = states
    assert [row['state'] for row in in_thread['documents']] == ['validated'] * 3
    assert len(in_thread['installments']) == 6 and len(in_thread['lines']) == 6
    for part in ('documents', 'lines', 'installments', 'chain', 'audit'):
        assert _differences(in_thread[part], in_process[part]) == [], part
    assert not [child for child in multiprocessing.active_children() if child.name == 'facturier-bulk-prepare']


async def test_a_batch_refused_by_the_child_process_stops_there_and_keeps_the_batches_before(db, feeds):
    admin = await company()
    client = await business_client()
    ghost = Contact(id=client.id + 1000, code='FANTOME', name='Client effacé')  # not in the database
    day = forty_days_ago()
    invoices = [BulkInvoice(draft=_draft(client), issue_date=day) for _ in range(2)]
    invoices.append(BulkInvoice(draft=_draft(ghost), issue_date=day + timedelta(days=1)))
    invoices.append(BulkInvoice(draft=_draft(client), issue_date=day + timedelta(days=2)))
    with pytest.raises(DomainError, match='Client inconnu'):
        await validate_in_bulk(admin, invoices, issuer=issuing.Issuer.for_generated_data(issuer().secret), batch=1)
    assert feeds == [not use_postgres()]
    assert await Document.filter(state='validated').count() == 2  # each batch commits on its own
    assert all(report.ok for report in await integrity.verify_integrity(issuer().secret))
    assert not [child for child in multiprocessing.active_children() if child.name == 'facturier-bulk-prepare']


async def test_missing_mentions_found_by_the_child_process_are_refused_by_the_issuing_path(db, feeds):
    admin = await company()
    client = await business_client(siren='', address='')
    day = forty_days_ago()
    with pytest.raises(issuing.MentionsMissing) as refused:
        await validate_in_bulk(admin, [BulkInvoice(draft=_draft(client), issue_date=day) for _ in range(2)],
                               issuer=issuing.Issuer.for_generated_data(issuer().secret), batch=1)
    assert feeds == [not use_postgres()]
    assert refused.value.missing and 'SIREN' in ' '.join(refused.value.missing)
    assert not await Document.exists() and not await ChainEntry.exists()


async def test_an_issue_without_its_snapshot_takes_its_dates_from_the_stored_copy(db):
    """The bulk path sends the frozen copy as stored only (db/bulk.py: no dataclasses to unpickle)."""
    stored = {'issue_date': '2026-03-09', 'due_date': '2026-04-08', 'number': ''}
    item = issuing.Issue(document=Document(doc_type='invoice'), snapshot=None, encoded=(stored, []), missing=[])
    assert (item.issue_date, item.due_date, item.lacks()) == (date(2026, 3, 9), date(2026, 4, 8), [])
    undated = issuing.Issue(document=Document(doc_type='invoice'), snapshot=None,
                            encoded=(dict(stored, due_date=None), []), missing=[])
    assert undated.due_date is None and undated.copy().issue_date == date(2026, 3, 9)
    for incomplete in ({'encoded': (stored, [])}, {'missing': []}):
        with pytest.raises(ValueError):
            issuing.Issue(document=Document(doc_type='invoice'), snapshot=None, **incomplete)
