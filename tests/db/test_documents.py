import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from tortoise.exceptions import IntegrityError

from db import changes, documents, settings
from db.article import Article
from db.audit import AuditEntry
from db.contact import Contact
from db.document import FROZEN_COLUMNS, LEGAL_TYPES, MUTABLE_AFTER_VALIDATION, Document, DocumentLine, Installment
from db.document_list import MAX_CLIENTS, DocumentQuery, list_documents
from logic.errors import DomainError
from tests.db.documents_helpers import D, business_client, draft, individual_client, line, validated_invoice
from tests.personas import set_up_company


async def test_a_quote_is_numbered_and_dated_today_at_creation(db):
    admin = await set_up_company()
    client = await business_client()
    first = await documents.create_document(admin, draft(client, doc_type='quote', probability=60))
    second = await documents.create_document(admin, draft(client, doc_type='quote'))
    year = date.today().year
    assert (first.number, second.number) == (f'D{year}-00001', f'D{year}-00002')
    assert first.issue_date == date.today() and first.validity_date == date.today() + timedelta(days=30)
    assert first.state == 'draft' and first.probability == 60
    assert first.total_ht == D('200.00') and first.total_ttc == D('240.00')


async def test_a_draft_invoice_has_no_number_and_gets_its_due_date_from_the_payment_terms(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client))
    assert invoice.number is None and invoice.state == 'draft' and invoice.series == 'invoice'
    assert invoice.due_date == date.today() + timedelta(days=30)  # default method: transfer at 30 days


async def test_a_document_needs_a_client(db):
    admin = await set_up_company()
    with pytest.raises(DomainError, match='client'):
        await documents.create_document(admin, documents.Draft(doc_type='invoice', lines=[line()]))
    assert not await Document.exists()


async def test_quotes_can_be_switched_off(db):
    admin = await set_up_company()
    client = await business_client()
    await settings.save_options(admin, {'quotes': False})
    with pytest.raises(DomainError, match='désactivés'):
        await documents.create_document(admin, draft(client, doc_type='quote'))


async def test_it_refuses_lines_the_columns_cannot_hold_with_a_french_message(db):
    admin = await set_up_company()
    client = await business_client()
    with pytest.raises(DomainError, match='Ligne 2 : la quantité a 4 décimales au plus'):
        await documents.create_document(admin, draft(client, line(), line(quantity='1.23456')))
    with pytest.raises(DomainError, match='Ligne 1 : la désignation est obligatoire'):
        await documents.create_document(admin, draft(client, line(designation=' ')))


async def test_saving_a_draft_replaces_its_lines_and_cached_totals(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client))
    document, editable = await documents.load_draft(invoice.id)
    editable.lines = [line('Carrelage', '10', '35.5', '10'), line('Joints', '1', '12', '20')]
    editable.purchase_order = 'BC-77'
    saved = await documents.save_draft(admin, invoice.id, editable, document.version)
    assert saved.version == document.version + 1
    assert (saved.total_ht, saved.total_vat, saved.total_ttc) == (D('367.00'), D('37.90'), D('404.90'))
    stored = await DocumentLine.filter(document_id=invoice.id).order_by('position')
    assert [(row.designation, row.net) for row in stored] == [('Carrelage', D('355.00')), ('Joints', D('12.00'))]
    entry = await AuditEntry.filter(action='invoice.save').first()
    assert entry.details['total_ttc'] == ['240.00', '404.90'] and entry.details['purchase_order'] == ['', 'BC-77']


async def test_the_second_of_two_users_saving_the_same_draft_gets_a_conflict_not_an_overwrite(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client))
    first, mine = await documents.load_draft(invoice.id)
    _, theirs = await documents.load_draft(invoice.id)
    mine.notes = 'Alice'
    theirs.notes = 'Claude'
    await documents.save_draft(admin, invoice.id, mine, first.version)
    with pytest.raises(documents.DraftConflict, match='modifié par quelqu’un d’autre'):
        await documents.save_draft(admin, invoice.id, theirs, first.version)
    assert (await Document.get(id=invoice.id)).notes == 'Alice'


async def test_a_draft_invoice_can_be_deleted_with_its_lines(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client, line(), line()))
    await documents.delete_draft(admin, invoice.id)
    assert not await Document.exists() and not await DocumentLine.exists()
    assert await AuditEntry.filter(action='invoice.delete').exists()


async def test_a_quote_follows_its_state_machine(db):
    admin = await set_up_company()
    client = await business_client()
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    await documents.set_quote_state(admin, quote.id, 'sent')
    await documents.set_quote_state(admin, quote.id, 'refused')
    with pytest.raises(DomainError, match='restauré en brouillon'):
        await documents.set_quote_state(admin, quote.id, 'accepted')
    await documents.set_quote_state(admin, quote.id, 'draft')
    await documents.set_quote_state(admin, quote.id, 'accepted')
    with pytest.raises(DomainError, match='Facturer'):
        await documents.set_quote_state(admin, quote.id, 'invoiced')
    states = [entry.details['state'] for entry in await AuditEntry.filter(action='quote.state').order_by('id')]
    assert states == [['draft', 'sent'], ['sent', 'refused'], ['refused', 'draft'], ['draft', 'accepted']]


async def test_a_sent_quote_must_go_back_to_draft_to_be_edited(db):
    admin = await set_up_company()
    client = await business_client()
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    await documents.set_quote_state(admin, quote.id, 'sent')
    document, editable = await documents.load_draft(quote.id)
    with pytest.raises(DomainError, match='repassez le devis en brouillon'):
        await documents.save_draft(admin, quote.id, editable, document.version)


async def test_invoicing_an_accepted_quote_makes_a_draft_invoice_with_the_same_client_and_lines(db):
    admin = await set_up_company()
    client = await business_client()
    quote = await documents.create_document(admin, draft(client, line('A', '1', '10'), line('B', '3', '7.5', '10'),
                                                         doc_type='quote', purchase_order='PO-1'))
    with pytest.raises(DomainError, match='Seul un devis accepté'):
        await documents.invoice_quote(admin, quote.id)
    await documents.set_quote_state(admin, quote.id, 'accepted')
    invoice = await documents.invoice_quote(admin, quote.id)
    assert invoice.doc_type == 'invoice' and invoice.number is None and invoice.source_id == quote.id
    assert invoice.client_id == client.id and invoice.total_ttc == (await Document.get(id=quote.id)).total_ttc
    assert [row.designation for row in await DocumentLine.filter(document_id=invoice.id).order_by('position')] == \
        ['A', 'B']
    assert (await Document.get(id=quote.id)).state == 'invoiced'
    with pytest.raises(DomainError):
        await documents.invoice_quote(admin, quote.id)
    await documents.delete_draft(admin, invoice.id)
    assert (await Document.get(id=quote.id)).state == 'accepted'


async def test_a_quote_with_an_invoice_cannot_be_deleted(db):
    admin = await set_up_company()
    client = await business_client()
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    await documents.set_quote_state(admin, quote.id, 'accepted')
    await documents.invoice_quote(admin, quote.id)
    with pytest.raises(DomainError):
        await documents.delete_draft(admin, quote.id)


async def test_duplicating_makes_a_new_draft_with_the_same_lines(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await validated_invoice(admin, client, line('A'), line('B'))
    copy = await documents.duplicate_document(admin, invoice.id)
    assert copy.number is None and copy.state == 'draft' and copy.total_ttc == invoice.total_ttc
    quote = await documents.duplicate_document(admin, invoice.id, 'quote')
    assert quote.number.startswith('D')


async def test_installments_of_a_draft_must_sum_to_what_is_due(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await documents.create_document(admin, draft(client))  # 240.00 TTC
    soon, later = date.today() + timedelta(days=30), date.today() + timedelta(days=60)
    with pytest.raises(DomainError, match='totalisent'):
        await documents.set_installments(admin, invoice.id, [(soon, D('100.00')), (later, D('100.00'))], 1)
    saved = await documents.set_installments(admin, invoice.id, [(later, D('140.00')), (soon, D('100.00'))], 1)
    rows = await Installment.filter(document_id=invoice.id).order_by('position')
    assert [(row.due_date, row.amount) for row in rows] == [(soon, D('100.00')), (later, D('140.00'))]
    assert saved.version == 2


async def test_operations_publish_the_changed_document_after_commit(db):
    admin = await set_up_company()
    client = await business_client()
    seen = []
    unsubscribe = changes.subscribe(changes.DOCUMENTS, seen.append)
    try:
        quote = await documents.create_document(admin, draft(client, doc_type='quote'))
        await documents.set_quote_state(admin, quote.id, 'sent')
    finally:
        unsubscribe()
    assert seen == [quote.id, quote.id]


async def test_the_frozen_and_mutable_column_lists_cover_every_column(db):
    columns = set(Document._meta.fields_db_projection.values()) - {'id'}
    assert set(FROZEN_COLUMNS) | set(MUTABLE_AFTER_VALIDATION) == columns
    assert not set(FROZEN_COLUMNS) & set(MUTABLE_AFTER_VALIDATION)


def test_the_database_guards_freeze_the_same_columns_as_the_model():
    """A new column must be declared frozen or mutable, and the triggers updated by a new migration."""
    migration = importlib.import_module('db.migrations.documents.0006_delivery_address')  # the latest to set the triggers
    assert migration.FROZEN_COLUMNS == FROZEN_COLUMNS and migration.LEGAL_TYPES == LEGAL_TYPES


async def test_lists_filter_sort_and_count_in_sql(db):
    admin = await set_up_company()
    martin = await business_client()
    petit = await individual_client()
    today = date.today()
    await validated_invoice(admin, martin, line(price='10'), issue_date=today - timedelta(days=3))
    await validated_invoice(admin, petit, line(price='500'), issue_date=today - timedelta(days=2))
    await documents.create_document(admin, draft(petit, line(price='50')))
    await documents.create_document(admin, draft(martin, doc_type='quote'))
    rows, total = await list_documents(DocumentQuery(family='invoice'))
    assert total == 3 and [row['state'] for row in rows][:2] == ['validated', 'validated']
    rows, total = await list_documents(DocumentQuery(family='invoice', sort_by='total', descending=True, limit=1))
    assert total == 3 and rows[0]['total_ttc'] == Decimal('1200.00') and rows[0]['client_name'] == 'Camille Petit'
    rows, total = await list_documents(DocumentQuery(family='invoice', states=('draft',)))
    assert total == 1 and rows[0]['state_label'] == 'Brouillon' and rows[0]['type_label'] == 'Facture'
    rows, total = await list_documents(DocumentQuery(family='invoice', search='boulangerie'))
    assert total == 1 and rows[0]['number'].startswith('F')
    rows, total = await list_documents(DocumentQuery(family='invoice', search=rows[0]['number']))
    assert total == 1
    rows, total = await list_documents(DocumentQuery(family='quote'))
    assert total == 1 and rows[0]['state_label'] == 'Brouillon'


async def test_articles_and_clients_named_on_documents_are_kept(db):
    admin = await set_up_company()
    client = await business_client()
    article = await Article.create(reference='CAR-30', designation='Carrelage')
    unused = await Article.create(reference='JNT', designation='Joint')
    await documents.create_document(admin, draft(client, line(article_id=article.id)))
    assert await documents.article_in_use(article.id) and not await documents.article_in_use(unused.id)
    with pytest.raises(IntegrityError):
        await Article.filter(id=article.id).delete()
    with pytest.raises(IntegrityError):
        await Contact.filter(id=client.id).delete()


@pytest.mark.parametrize(('sort_by', 'descending'), [(None, False), (None, True), ('total', False), ('client', True)])
async def test_every_page_of_a_list_is_its_slice_of_the_whole_list(db, sort_by, descending):
    admin = await set_up_company()
    martin, petit = await business_client(), await individual_client()
    for index in range(7):  # equal amounts and names: the id breaks the ties, from either end
        client = martin if index % 2 else petit
        await documents.create_document(admin, draft(client, line(price=str(10 * (index % 3) + 10))))
    whole, total = await list_documents(DocumentQuery(sort_by=sort_by, descending=descending, limit=200))
    pages = []
    for offset in range(0, total, 3):
        rows, _ = await list_documents(DocumentQuery(sort_by=sort_by, descending=descending, offset=offset, limit=3))
        pages += rows
    assert total == 7 and [row['id'] for row in pages] == [row['id'] for row in whole]


async def test_a_name_search_lists_every_matching_client_s_documents_past_500_clients(db):
    """A common name matched by more clients than fit in a literal list is searched through a subquery: the list
    is complete, never the documents of the first 500 clients only (issue 17)."""
    await set_up_company()
    clients = [Contact(code=f'M{index:04d}', name=f'Martin {index}') for index in range(MAX_CLIENTS + 20)]
    for contact in clients:
        contact.refresh_derived()
    await Contact.bulk_create(clients)
    ids = await Contact.filter(code__startswith='M').values_list('id', flat=True)
    await Document.bulk_create([Document(doc_type='quote', family='quote', series='quote', client_id=client_id,
                                         client_name='Martin') for client_id in ids])
    rows, total = await list_documents(DocumentQuery(family='quote', search='martin', limit=10))
    assert total == MAX_CLIENTS + 20 and len(rows) == 10
