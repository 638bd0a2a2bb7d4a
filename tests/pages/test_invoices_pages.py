"""Factures pages with the User fixture: drafts, validation and its refusals, read-only invoices, credit notes, the
list, and the admin pages that go with them (numbering SE4, integrity AC3)."""
from datetime import date
from decimal import Decimal

from nicegui.testing import User

from db import documents
from db.company import Company
from db.contact import Address
from db.document import ChainEntry, Document
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from tests.helpers import until
from tests.pages.helpers import edit, elements, log_in, log_out, shown
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD
from tests.issuing import issuer


async def a_draft_invoice(admin, client, *lines):
    return await documents.create_document(admin, draft(client, *(lines or [line()])))


async def test_a_new_invoice_stays_a_draft_without_number_until_validated(user: User, admin):
    await business_client()
    await log_in(user, next_path='/factures/nouvelle')
    await user.should_see('Le numéro définitif est attribué à la validation', retries=100)
    user.find(marker='contact-search').type('martin')
    await user.should_see(marker='contact-result')
    user.find(marker='contact-result').click()
    # Each click's handler first checks the session in the database: on PostgreSQL's pool two clicks' checks may end
    # in any order, so the save could run before the client is chosen. A person sees the client, then goes on.
    await user.should_see(marker='client', content='Boulangerie Martin')
    user.find(marker='add-item').click()
    edit(user, 1, 'designation', 'Réfection de façade')
    edit(user, 1, 'unit_price', '1500')
    user.find(marker='save').click()
    await user.should_see(marker='validate', retries=100)
    invoice = await Document.get(doc_type='invoice')
    assert invoice.number is None and invoice.state == 'draft' and invoice.total_ttc == Decimal('1800.00')
    assert invoice.due_date is not None  # from the default payment method's terms (IN5)
    assert shown(user, 'document-title') == 'Facture (brouillon)'


async def test_validation_refused_lists_the_missing_legal_mentions(user: User, admin):
    invoice = await a_draft_invoice(admin, await business_client(siren=''))
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='validate', retries=100)
    user.find(marker='validate').click()
    user.find(marker='confirm-validate').click()
    await user.should_see(marker='problem', retries=50)
    assert shown(user, 'problems-title').startswith('Validation impossible')
    assert [label.text for label in elements(user, 'problem')] == [
        'le SIREN du client, entreprise française (fiche du client)']
    stored = await Document.get(id=invoice.id)
    assert stored.state == 'draft' and stored.number is None


async def test_unsaved_changes_are_saved_before_validation_and_the_invoice_becomes_read_only(user: User, admin):
    await Company.all().update(iban='FR7630006000011234567890189')  # a credit transfer needs it (CII-SR-470)
    invoice = await a_draft_invoice(admin, await business_client())
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='validate', retries=100)
    edit(user, 1, 'quantity', '3')
    user.find(marker='validate').click()
    user.find(marker='confirm-validate').click()
    year = date.today().year
    await user.should_see(f'Facture validée : F{year}-00001.', retries=100)
    stored = await Document.get(id=invoice.id)
    assert (stored.state, stored.number, stored.total_ttc) == ('validated', f'F{year}-00001', Decimal('360.00'))
    assert shown(user, 'document-title') == f'Facture F{year}-00001'
    assert shown(user, 'state') == 'Validée'
    await user.should_not_see(marker='save')
    assert elements(user, 'lines')[0].props['readonly'] is True
    await user.should_see(marker='installments')
    assert elements(user, 'installments')[0].rows[0]['amount'] == '360,00\xa0€'
    await user.should_see(marker='credit')
    assert await ChainEntry.filter(label=f'F{year}-00001').exists()


async def test_a_full_credit_note_cancels_the_invoice(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='credit', retries=100)
    user.find(marker='credit').click()
    await user.should_see(marker='credit-preview', retries=50)
    await until(lambda: 'Montant de l’avoir : -240,00' in shown(user, 'credit-preview'))
    user.find(marker='confirm-credit').click()
    year = date.today().year
    await user.should_see(f'Avoir AV{year}-00001 établi.', retries=100)
    await user.should_see(marker='source', retries=100)
    assert shown(user, 'document-title') == f'Avoir AV{year}-00001'
    assert (await Document.get(id=invoice.id)).state == 'cancelled'
    note = await Document.get(doc_type='credit_note')
    assert note.total_ttc == Decimal('-240.00') and note.source_id == invoice.id


async def test_a_partial_credit_note_credits_the_chosen_quantities(user: User, admin):
    invoice = await validated_invoice(admin, await business_client(), line(quantity='4', price='50'),
                                      line('Fourniture de joints', quantity='10', price='3'))
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='credit', retries=100)
    user.find(marker='credit').click()
    await user.should_see(marker='credit-mode', retries=50)
    elements(user, 'credit-mode')[0].value = 'lines'
    elements(user, 'credit-quantity')[0].value = '1'
    await until(lambda: 'Montant de l’avoir : -60,00' in shown(user, 'credit-preview'))
    user.find(marker='credit-reason').type('Un carreau non posé')
    user.find(marker='confirm-credit').click()
    await user.should_see(f'Avoir AV{date.today().year}-00001 établi.', retries=100)
    note = await Document.get(doc_type='credit_note')
    assert note.total_ttc == Decimal('-60.00')
    stored = await Document.get(id=invoice.id)
    assert stored.state == 'validated' and stored.credited_amount == Decimal('60.00')


async def test_a_credit_note_beyond_what_is_left_is_refused(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='credit', retries=100)
    user.find(marker='credit').click()
    await user.should_see(marker='credit-mode', retries=50)
    elements(user, 'credit-mode')[0].value = 'amounts'
    elements(user, 'credit-amount')[0].value = '500'
    await until(lambda: 'il ne reste que 200,00' in shown(user, 'credit-preview'))
    user.find(marker='confirm-credit').click()
    await user.should_see('il ne reste que 200,00', retries=50)
    assert not await Document.exists(doc_type='credit_note')


async def test_a_draft_invoice_can_be_deleted_but_a_validated_one_cannot(user: User, admin):
    client = await business_client()
    invoice = await a_draft_invoice(admin, client)
    validated = await validated_invoice(admin, client)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='delete', retries=100)
    user.find(marker='delete').click()
    user.find(marker='confirm-delete').click()
    await user.should_see('Brouillon supprimé.', retries=50)
    assert not await Document.exists(id=invoice.id)
    await user.open(f'/factures/{validated.id}')
    await user.should_see(marker='credit')
    await user.should_not_see(marker='delete')


async def test_the_list_filters_by_type_and_shows_french_states(user: User, admin):
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    await a_draft_invoice(admin, client)
    from db import credit_notes  # noqa: PLC0415

    await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    await log_in(user, next_path='/factures')
    await user.should_see(marker='type-filter', retries=100)
    from components.document_list import DocumentList  # noqa: PLC0415

    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    rows = lambda: [(row['number'], row['state']) for row in listed.table.rows]  # noqa: E731
    await until(lambda: len(rows()) == 3)
    year = date.today().year
    assert set(rows()) == {(f'F{year}-00001', 'Annulée'), ('Brouillon', 'Brouillon'), (f'AV{year}-00001', 'Validé')}
    elements(user, 'type-filter')[0].value = 'credit_note'
    await until(lambda: rows() == [(f'AV{year}-00001', 'Validé')])
    await user.open('/factures?state=cancelled')  # as a dashboard widget links to it (DA3)
    await user.should_see(marker='type-filter', retries=50)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    await until(lambda: rows() == [(f'F{year}-00001', 'Annulée')])


async def test_the_excel_export_lists_numbers_as_text_dates_as_dates_and_money_as_numbers(user: User, admin):
    import io  # noqa: PLC0415

    import openpyxl  # noqa: PLC0415

    client = await business_client()
    invoice = await validated_invoice(admin, client, line(quantity='3', price='33.33'))
    await a_draft_invoice(admin, client)
    await log_in(user, next_path='/factures')
    await user.should_see(marker='export', retries=100)
    user.find(marker='export').click()
    response = await user.download.next(timeout=30)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ['Numéro', 'Type', 'Date', 'Client', 'Total HT', 'TVA', 'Total TTC', 'État', 'Échéance']
    number, kind, day, name, ht, vat, ttc, state, due = rows[1]
    assert (number, kind, name, state) == (invoice.number, 'Facture', invoice.client_name, 'Validée')
    assert day.date() == invoice.issue_date and due.date() == invoice.due_date
    assert Decimal(str(ht)) == Decimal('99.99') and Decimal(str(vat)) == Decimal('20.00')
    assert Decimal(str(ttc)) == Decimal('119.99') and sheet['E2'].number_format == '#,##0.00'
    assert rows[2][:2] == ['Brouillon', 'Facture'] and len(rows) == 3


async def test_numbering_settings_preview_the_next_number_and_are_for_admins_only(user: User, admin, clerk):
    await log_in(user, next_path='/parametres/numerotation')
    await user.should_see(marker='pattern-invoice', retries=100)
    year = date.today().year
    assert shown(user, 'preview-invoice') == f'F{year}-00001'
    user.find(marker='pattern-invoice').clear().type('FA-{AA}{MM}-{N:4}')
    assert shown(user, 'preview-invoice') == f'FA-{year % 100:02d}{date.today().month:02d}-0001'
    user.find(marker='pattern-invoice').clear().type('FA-{N:4}')
    assert 'doit contenir l\'année' in shown(user, 'preview-invoice')  # a yearly reset needs the year
    elements(user, 'reset-invoice')[0].value = 'never'
    assert shown(user, 'preview-invoice') == 'FA-0001'
    user.find(marker='save-invoice').click()
    await user.should_see('Numérotation « Factures et factures d\'acompte » enregistrée.', retries=50)
    await log_out(user)
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD, next_path='/parametres/numerotation')
    await user.should_see('Cette page est réservée aux administrateurs.', retries=100)


async def test_the_integrity_page_reports_count_head_and_the_first_broken_invoice(user: User, admin):
    client = await business_client()
    await validated_invoice(admin, client)
    second = await validated_invoice(admin, client)
    await log_in(user, next_path='/parametres/integrite')
    await user.should_see(marker='status-invoice', retries=100)
    assert shown(user, 'status-invoice') == 'Factures et factures d\'acompte : Intègre'
    assert shown(user, 'count-invoice') == '2'
    year = date.today().year
    assert shown(user, 'last-invoice') == f'F{year}-00002'
    assert len(shown(user, 'head-invoice')) == 64
    from tortoise import connections  # noqa: PLC0415 - tampering the way an attacker would, behind the app's back

    from db.docguard import drop_guards  # noqa: PLC0415

    await drop_guards(connections.get('default'))
    await Document.filter(id=second.id).update(total_ttc=Decimal('1.00'))
    user.find(marker='verify').click()
    await user.should_see(marker='broken-invoice', retries=50)
    assert shown(user, 'broken-invoice') == f'F{year}-00002'


async def test_the_delivery_date_and_one_of_the_clients_delivery_addresses_are_frozen_with_the_invoice(
        user: User, admin):
    """docs/legal.md 1.3: the delivery (or service) date, and the delivery address when it differs from the billing
    address, are mentions of the invoice; the editor offers the client's own delivery addresses."""
    client = await business_client()
    await Address.create(contact=client, kind='delivery', label='Chantier', address='5 rue des Forges',
                         postcode='44000', city='Nantes')
    invoice = await a_draft_invoice(admin, client)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='delivery_address', retries=100)
    select = elements(user, 'delivery_address')[0]
    assert list(select.options.values()) == ['Identique à l’adresse de facturation',
                                             'Chantier — 5 rue des Forges, 44000 Nantes']
    select.value = next(key for key, label in select.options.items() if label.startswith('Chantier'))
    elements(user, 'delivery_date')[0].value = '2026-03-02'
    user.find(marker='save').click()
    await until(lambda: Document.filter(id=invoice.id, delivery_date=date(2026, 3, 2)).exists())
    stored = await Document.get(id=invoice.id)
    assert stored.delivery_address == {'name': '', 'address': '5 rue des Forges', 'address2': '', 'postcode': '44000',
                                       'city': 'Nantes', 'country': 'FR'}
    await Company.all().update(iban='FR7630006000011234567890189')
    user.find(marker='validate').click()
    user.find(marker='confirm-validate').click()
    await user.should_see(f'Facture validée : F{date.today().year}-00001.', retries=100)
    snapshot = (await Document.get(id=invoice.id)).snapshot
    assert snapshot['delivery_date'] == '2026-03-02'
    assert snapshot['delivery_address']['city'] == 'Nantes'
    assert snapshot['delivery_address']['name'] == 'Boulangerie Martin SAS'  # the buyer's name, BT-70


async def test_choosing_the_client_offers_its_own_delivery_addresses(user: User, admin):
    client = await business_client()
    await Address.create(contact=client, kind='delivery', label='Dépôt', address='9 rue du Port', postcode='35400',
                         city='Saint-Malo')
    await log_in(user, next_path='/factures/nouvelle')
    await user.should_see(marker='delivery_address', retries=100)
    assert list(elements(user, 'delivery_address')[0].options.values()) == ['Identique à l’adresse de facturation']
    user.find(marker='contact-search').type('martin')
    await user.should_see(marker='contact-result')
    user.find(marker='contact-result').click()
    await until(lambda: len(elements(user, 'delivery_address')[0].options) == 2)
    assert list(elements(user, 'delivery_address')[0].options.values())[1] == 'Dépôt — 9 rue du Port, 35400 Saint-Malo'


async def test_a_credit_notes_reason_is_printed_under_its_reference_and_shown_with_the_printed_text(user: User,
                                                                                                    admin):
    from logic.snapshot import DocumentSnapshot  # noqa: PLC0415

    invoice = await validated_invoice(admin, await business_client())
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='credit', retries=100)
    user.find(marker='credit').click()
    await user.should_see(marker='credit-preview', retries=50)
    await until(lambda: 'Montant de l’avoir : -240,00' in shown(user, 'credit-preview'))
    user.find(marker='credit-reason').type('Erreur de destinataire')
    user.find(marker='confirm-credit').click()
    await user.should_see(marker='view-header_text', retries=150)
    note = await Document.get(doc_type='credit_note')
    snapshot = DocumentSnapshot.from_dict(note.snapshot)
    assert snapshot.header_text == 'Motif : Erreur de destinataire'  # printed (header text), not an internal note
    assert 'Erreur de destinataire' not in snapshot.notes
    assert shown(user, 'view-header_text') == 'Motif : Erreur de destinataire'


async def test_another_users_save_over_unsaved_edits_says_at_once_who_and_when_and_keeps_ours(user: User, admin,
                                                                                              clerk):
    from db.audit import AuditEntry
    from tests.pages.helpers import lines_of

    invoice = await a_draft_invoice(admin, await business_client())
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='save', retries=100)
    edit(user, 1, 'designation', 'Ma version')  # unsaved here...
    _, theirs = await documents.load_draft(invoice.id)
    theirs.lines[0].designation = 'Sa version'
    await documents.save_draft(clerk, invoice.id, theirs, invoice.version)  # ...while Claude saves elsewhere
    await user.should_see(marker='conflict', retries=100)
    saved = await AuditEntry.filter(action='invoice.save').order_by('-id').first()
    assert shown(user, 'conflict') == (f'Modifié par Claude Martin à {saved.at.astimezone():%H:%M} — vos modifications '
                                       'ne sont pas enregistrées : rechargez pour voir les siennes (les vôtres seront '
                                       'perdues).')
    assert lines_of(user).row(1).line.designation == 'Ma version'  # still in the form
    user.find(marker='reload').click()
    await user.should_not_see(marker='conflict', retries=30)
    assert lines_of(user).row(1).line.designation == 'Sa version'


async def test_another_users_save_without_unsaved_edits_reloads_and_names_them(user: User, admin, clerk):
    from tests.pages.helpers import lines_of

    invoice = await a_draft_invoice(admin, await business_client())
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='save', retries=100)
    _, theirs = await documents.load_draft(invoice.id)
    theirs.lines[0].designation = 'Sa version'
    await documents.save_draft(clerk, invoice.id, theirs, invoice.version)
    await user.should_see('Document mis à jour par Claude Martin.', retries=100)
    assert lines_of(user).row(1).line.designation == 'Sa version'
    await user.should_not_see(marker='conflict')
