"""Devis pages with the User fixture: creation, life cycle, lists, live refresh and conflicts (QU1-QU3, DOC5-DOC7)."""
import asyncio
from datetime import date
from decimal import Decimal

from nicegui.testing import User

from components.document_list import DocumentList
from db import documents, settings
from db.audit import AuditEntry
from db.document import Document
from tests.db.documents_helpers import business_client, draft, line
from tests.helpers import until
from tests.pages.helpers import edit, elements, lines_of, log_in, shown


async def a_quote(admin, client, *lines):
    return await documents.create_document(admin, draft(client, *(lines or [line()]), doc_type='quote'))


async def test_a_new_quote_is_numbered_and_dated_today_when_saved(user: User, admin):
    await business_client()
    await log_in(user, next_path='/devis/nouveau')
    await user.should_see('le client est obligatoire', retries=100)
    user.find(marker='contact-search').type('boulang')
    await user.should_see(marker='contact-result')
    user.find(marker='contact-result').click()
    await user.should_see('Boulangerie Martin SAS — C0001 · Client · 35000 Rennes')
    user.find(marker='add-item').click()
    edit(user, 1, 'designation', 'Pose de parquet chêne')
    edit(user, 1, 'quantity', '12,5')
    edit(user, 1, 'unit_price', '38,40')
    assert shown(user, 'total-ttc') == '576,00\xa0€'
    user.find(marker='save').click()
    await user.should_see(marker='document-title', retries=100)
    quote = await Document.get(doc_type='quote')
    assert quote.number == f'D{date.today().year}-00001'
    assert quote.issue_date == date.today()
    assert quote.total_ttc == Decimal('576.00')
    assert shown(user, 'document-title') == f'Devis {quote.number}'
    assert shown(user, 'state') == 'Brouillon'


async def test_saving_without_a_client_says_so(user: User, admin):
    await business_client()
    await log_in(user, next_path='/devis/nouveau')
    await user.should_see('le client est obligatoire', retries=100)
    user.find(marker='add-item').click()
    edit(user, 1, 'designation', 'Audit')
    user.find(marker='save').click()
    await user.should_see(marker='problem')
    assert shown(user, 'problem') == 'Choisissez le client.'
    assert not await Document.exists()


async def test_a_quote_goes_from_draft_to_sent_to_accepted_and_is_invoiced(user: User, admin):
    quote = await a_quote(admin, await business_client())
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='state-sent', retries=100)
    user.find(marker='state-sent').click()
    await user.should_see('Devis marqué envoyé.')
    assert shown(user, 'state') == 'Envoyé'
    user.find(marker='state-accepted').click()
    await user.should_see(marker='invoice')
    assert shown(user, 'state') == 'Accepté'
    user.find(marker='invoice').click()
    await user.should_see('Facture brouillon créée à partir du devis.', retries=100)
    invoice = await Document.get(doc_type='invoice')
    assert invoice.source_id == quote.id and invoice.state == 'draft' and invoice.total_ttc == quote.total_ttc
    assert (await Document.get(id=quote.id)).state == 'invoiced'
    await user.should_see(marker='validate', retries=100)  # the invoice's page
    assert shown(user, 'document-title') == 'Facture (brouillon)'


async def test_a_refused_quote_can_be_restored_to_draft(user: User, admin):
    quote = await a_quote(admin, await business_client())
    await documents.set_quote_state(admin, quote.id, 'refused')
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='state-draft', retries=100)
    await user.should_not_see(marker='save')  # a refused quote is read-only
    user.find(marker='state-draft').click()
    await user.should_see(marker='save')
    assert (await Document.get(id=quote.id)).state == 'draft'


async def test_quotes_switched_off_are_refused_politely(user: User, admin):
    await settings.save_options(admin, {'quotes': False})
    await log_in(user, next_path='/devis')
    await user.should_see(marker='quotes-off', retries=100)
    await user.should_not_see(marker='new')
    await user.open('/devis/nouveau')
    await user.should_see(marker='quotes-off')


async def test_the_probability_shows_only_with_deal_tracking(user: User, admin):
    quote = await a_quote(admin, await business_client())
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='probability', retries=100)
    user.find(marker='probability').type('75')
    user.find(marker='save').click()
    await user.should_see('Enregistré.')
    assert (await Document.get(id=quote.id)).probability == 75
    await settings.save_options(admin, {'deal_tracking': False})
    await user.open(f'/devis/{quote.id}')
    await user.should_see(marker='save')
    await user.should_not_see(marker='probability')


async def test_another_users_save_shows_up_without_reload(user: User, admin):
    client = await business_client()
    quote = await a_quote(admin, client)
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='save', retries=100)
    _, changed = await documents.load_draft(quote.id)
    changed.lines[0].designation = 'Pose de carrelage grand format'
    await documents.save_draft(admin, quote.id, changed, quote.version)
    await user.should_see('Document mis à jour par Alice Durand.', retries=100)  # who saved it, from the audit log
    assert lines_of(user).row(1).line.designation == 'Pose de carrelage grand format'


async def test_two_users_saving_the_same_draft_never_overwrite_each_other(user: User, admin):
    quote = await a_quote(admin, await business_client())
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='save', retries=100)
    edit(user, 1, 'designation', 'Ma version')  # unsaved here...
    _, theirs = await documents.load_draft(quote.id)
    theirs.lines[0].designation = 'Sa version'
    await documents.save_draft(admin, quote.id, theirs, quote.version)  # ...while someone else saves
    await user.should_see(marker='conflict', retries=100)
    user.find(marker='save').click()
    await user.should_see('Ce document a été modifié par quelqu’un d’autre', retries=30)
    _, stored = await documents.load_draft(quote.id)
    assert stored.lines[0].designation == 'Sa version'
    user.find(marker='reload').click()
    await user.should_not_see(marker='conflict', retries=30)
    assert lines_of(user).row(1).line.designation == 'Sa version'


async def test_duplicating_a_quote_opens_a_new_numbered_copy(user: User, admin):
    quote = await a_quote(admin, await business_client())
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='duplicate', retries=100)
    user.find(marker='duplicate').click()
    await user.should_see(f'Copie créée : Devis D{date.today().year}-00002.', retries=100)
    assert await Document.filter(doc_type='quote').count() == 2


async def test_deleting_a_draft_quote_asks_first(user: User, admin):
    quote = await a_quote(admin, await business_client())
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='delete', retries=100)
    user.find(marker='delete').click()
    user.find(marker='confirm-delete').click()
    await user.should_see('Devis supprimé.', retries=100)
    assert not await Document.exists(id=quote.id)
    assert await AuditEntry.filter(action='quote.delete').exists()


async def test_the_list_goes_oldest_first_filters_by_state_and_follows_other_users(user: User, admin):
    client = await business_client()
    first = await a_quote(admin, client)
    second = await a_quote(admin, client, line(price='50'))
    await documents.set_quote_state(admin, second.id, 'sent')
    await log_in(user, next_path='/devis')
    await user.should_see(marker='state-filter', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    rows = lambda: [row['number'] for row in listed.table.rows]  # noqa: E731
    await until(lambda: rows() == [first.number, second.number])
    elements(user, 'sort')[0].value = 'total_ttc:asc'  # the phone's sort control; the cheaper quote first
    await until(lambda: rows() == [second.number, first.number])
    elements(user, 'sort')[0].value = 'date:asc'
    elements(user, 'state-filter')[0].value = 'sent'
    await until(lambda: rows() == [second.number])
    third = await a_quote(admin, client)
    await documents.set_quote_state(admin, third.id, 'sent')  # another user, elsewhere
    await until(lambda: rows() == [second.number, third.number])


async def test_the_list_exports_what_the_filters_select(user: User, admin):
    client = await business_client()
    await a_quote(admin, client)
    await log_in(user, next_path='/devis')
    await user.should_see(marker='export', retries=100)
    user.find(marker='export').click()
    response = await user.download.next(timeout=15)
    assert response.status_code == 200
    assert response.content[:2] == b'PK'


async def test_paging_keeps_the_count_and_a_change_by_another_user_counts_again(user: User, admin, monkeypatch):
    """At 100,000 documents a COUNT is most of a click: paging and sorting keep the filters, so they keep the total."""
    from pages import document_lists  # noqa: PLC0415

    client = await business_client()
    quotes = [await a_quote(admin, client, line(price=str(10 * n))) for n in range(1, 4)]
    await log_in(user, next_path='/devis')
    await user.should_see(marker='state-filter', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    rows = lambda: [row['number'] for row in listed.table.rows]  # noqa: E731
    await until(lambda: len(rows()) == 3)
    counted = []
    list_documents = document_lists.list_documents

    async def counting(query, *, total=None):
        if total is None:  # only a call without a known total runs a COUNT
            counted.append(query)
        return await list_documents(query, total=total)

    monkeypatch.setattr(document_lists, 'list_documents', counting)
    table = user.find(marker='quotes')
    table.trigger('request', {'pagination': {'page': 2, 'rowsPerPage': 2, 'sortBy': 'date', 'descending': False}})
    await until(lambda: rows() == [quotes[2].number])
    table.trigger('request', {'pagination': {'page': 1, 'rowsPerPage': 2, 'sortBy': 'total_ttc', 'descending': True}})
    await until(lambda: rows() == [quotes[2].number, quotes[1].number])
    assert counted == [] and listed.table.pagination['rowsNumber'] == 3
    await a_quote(admin, client)  # another user, elsewhere: the list follows and counts again
    await until(lambda: listed.table.pagination['rowsNumber'] == 4)
    assert counted
    counted.clear()
    elements(user, 'state-filter')[0].value = 'draft'  # a filter: count again
    await until(lambda: len(counted) == 1)


async def test_a_page_asked_with_a_stale_total_counts_again(user: User, admin):
    """Documents deleted since the table counted: the page comes back short, and the list counts again at once."""
    from components.document_list import ListFilters  # noqa: PLC0415
    from components.paged_table import PageRequest  # noqa: PLC0415
    from pages.document_lists import list_page  # noqa: PLC0415

    client = await business_client()
    quotes = [await a_quote(admin, client) for _ in range(3)]
    request = PageRequest(page=1, per_page=25, sort_by='date', descending=False)
    rows, total = await list_page('quote', ListFilters(), request)
    assert total == 3 and len(rows) == 3
    await documents.delete_draft(admin, quotes[0].id)
    rows, total = await list_page('quote', ListFilters(), PageRequest(page=1, per_page=25, sort_by='date',
                                                                       descending=False, total=3))
    assert total == 2 and [row['number'] for row in rows] == [quotes[1].number, quotes[2].number]


async def test_the_list_reloads_for_its_own_family_only(user: User, admin, monkeypatch):
    """With fifty people at work, every draft saved anywhere reloading every open list was most of the server's
    time (issue 18, soak): a quote list ignores invoice changes and follows quote ones."""
    from pages import document_lists  # noqa: PLC0415

    client = await business_client()
    await a_quote(admin, client)
    await log_in(user, next_path='/devis')
    await user.should_see(marker='state-filter', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    await until(lambda: len(listed.table.rows) == 1)
    fetched = []
    list_documents = document_lists.list_documents

    async def counting(query, *, total=None):
        fetched.append(query)
        return await list_documents(query, total=total)

    monkeypatch.setattr(document_lists, 'list_documents', counting)
    invoice = await documents.create_document(admin, draft(client))  # another family
    await documents.save_draft(admin, invoice.id, draft(client, line(price='70')), invoice.version)
    await asyncio.sleep(1)  # well past the list's 0.3 s gathering of a burst
    assert fetched == []
    await a_quote(admin, client)  # then a quote: the list follows it
    await until(lambda: len(listed.table.rows) == 2)
    assert len(fetched) == 1
