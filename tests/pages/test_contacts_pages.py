import io

import openpyxl
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from components.contact_picker import ContactPicker
from db import contacts
from db.audit import AuditEntry
from db.contact import Address, Contact
from logic.contact import FieldsInvalid
from tests.pages.helpers import log_in


async def add(admin, name: str, **values) -> Contact:
    return await contacts.create_contact(admin, {'name': name, **values})


def table_names(user: User) -> list[str]:
    table = user.find(marker='contacts').elements.pop()
    return [row['name'] for row in table.rows]


def newest(user: User, marker: str):
    """The element with `marker` created last (a dialog's field, rather than the page's field of the same name)."""
    return max(user.find(marker=marker).elements, key=lambda element: element.id)


async def upload(user: User, name: str, data: bytes) -> None:
    uploader = user.find(marker='import-file').elements.pop()
    await uploader.handle_uploads([SmallFileUpload(name=name, content_type='text/csv', _data=data)])


async def test_the_list_shows_contacts_and_filters_them_by_type_and_search(user: User, admin):
    await add(admin, 'Menuiserie Besson', city='Lyon', postcode='69006', siren='552100554')
    await add(admin, 'Holzwerk GmbH', kind='supplier', city='Berlin', country='DE')
    await add(admin, 'Martin', first_name='Élise', is_company=False, city='Rennes')
    await log_in(user, next_path='/contacts')
    await user.should_see('3 contact(s)', retries=50)
    assert table_names(user) == ['Holzwerk GmbH', 'Martin Élise', 'Menuiserie Besson']
    user.find(marker='kind').elements.pop().set_value('supplier')
    await user.should_see('1 contact(s)')
    assert table_names(user) == ['Holzwerk GmbH']
    user.find(marker='kind').elements.pop().set_value('')
    await user.should_see(marker='count', content='3 contact(s)')
    user.find(marker='search').type('552 100')
    await user.should_see(marker='count', content='1 contact(s)')
    assert table_names(user) == ['Menuiserie Besson']


async def test_a_new_contact_is_created_from_the_quick_dialog_and_opened(user: User, admin):
    await log_in(user, next_path='/contacts')
    await user.should_see('Nouveau contact', retries=50)
    user.find(marker='new-contact').click()
    await user.should_see(marker='create-contact')
    user.find(marker='name').type('Boulangerie Martin')
    user.find(marker='siren').type('552 100 555')  # wrong key
    user.find(marker='create-contact').click()
    await user.should_see('SIREN invalide : la clé de contrôle ne correspond pas.')
    assert not await Contact.exists()
    user.find(marker='siren').clear().type('552 100 554')
    user.find(marker='create-contact').click()
    await user.should_see(marker='code', content='C00001', retries=50)
    assert (await Contact.get(code='C00001')).name == 'Boulangerie Martin'


async def test_the_detail_page_saves_each_tab_and_points_at_the_wrong_field(user: User, admin):
    contact = await add(admin, 'Menuiserie Besson', siren='552100554')
    await log_in(user, next_path=f'/contacts/{contact.id}')
    await user.should_see(marker='code', content='C00001', retries=50)
    user.find(marker='city').type('Lyon')
    user.find(marker='iban').type('FR76 3000 6000 0112 3456 7890 188')  # last digit wrong
    user.find(marker='save').click()
    await user.should_see('IBAN invalide')
    assert user.find(ui.tabs).elements.pop().value == 'bank'  # the tab of the wrong field is brought forward
    assert (await Contact.get(id=contact.id)).city == ''
    user.find(marker='iban').clear().type('FR76 3000 6000 0112 3456 7890 189')
    user.find(marker='account').clear()
    user.find(marker='notes').type('Livraison le matin')
    user.find(marker='save').click()
    await user.should_see('Contact enregistré.')
    saved = await Contact.get(id=contact.id)
    assert (saved.city, saved.iban, saved.account, saved.notes) == (
        'Lyon', 'FR7630006000011234567890189', '411C00001', 'Livraison le matin')


async def test_a_stale_page_does_not_overwrite_a_newer_save(user: User, admin):
    contact = await add(admin, 'Menuiserie Besson')
    await log_in(user, next_path=f'/contacts/{contact.id}')
    await user.should_see(marker='code', content='C00001', retries=50)
    await contacts.update_contact(admin, contact.id, {'name': 'Menuiserie Besson', 'city': 'Paris'}, version=1)
    user.find(marker='city').type('Lyon')
    user.find(marker='save').click()
    await user.should_see('modifié par quelqu’un d’autre')
    assert (await Contact.get(id=contact.id)).city == 'Paris'


async def test_further_addresses_are_added_from_the_addresses_tab(user: User, admin):
    contact = await add(admin, 'Menuiserie Besson')
    await log_in(user, next_path=f'/contacts/{contact.id}')
    await user.should_see(marker='code', content='C00001', retries=50)
    user.find(marker='add-address').click()
    await user.should_see(marker='save-address')
    user.find(marker='label').type('Chantier Perrache')
    newest(user, 'postcode').set_value('69002')
    user.find(marker='save-address').click()
    await user.should_see('Adresse enregistrée.')
    address = await Address.get(contact_id=contact.id)
    assert (address.kind, address.label, address.postcode) == ('delivery', 'Chantier Perrache', '69002')


async def test_a_file_is_previewed_with_its_problems_then_imported_whole(user: User, admin):
    await log_in(user, next_path='/contacts')
    await user.should_see('Importer', retries=50)
    user.find(marker='import').click()
    await user.should_see(marker='import-file')
    bad = 'Raison sociale;SIREN;Ville\nAtelier Nord;552100554;Lille\n;552100555;Paris\n'.encode('cp1252')
    await upload(user, 'clients.csv', bad)
    await user.should_see(marker='import-problems-title', retries=50)
    problems = [label.text for label in user.find(marker='import-problem').elements]
    assert sorted(problems) == ['Ligne 3, colonne « Raison sociale » : Valeur obligatoire manquante (Nom).',
                                'Ligne 3, colonne « SIREN » : SIREN invalide : la clé de contrôle ne correspond pas.']
    good = 'Raison sociale;SIREN;Ville\nAtelier Nord;552100554;Lille\nAtelier Sud;;Marseille\n'.encode('utf-8-sig')
    await upload(user, 'clients.csv', good)
    await user.should_see(marker='import-ready', content='2 contacts seront créés', retries=50)
    user.find(marker='import-commit').click()
    await user.should_see('2 contacts importés.')
    assert await Contact.all().order_by('code').values_list('name', flat=True) == ['Atelier Nord', 'Atelier Sud']
    assert (await AuditEntry.get(action='contact.import')).details['file'] == 'clients.csv'


async def test_a_column_can_be_mapped_by_hand(user: User, admin):
    await log_in(user, next_path='/contacts')
    await user.should_see('Importer', retries=50)
    user.find(marker='import').click()
    await user.should_see(marker='import-file')
    await upload(user, 'clients.csv', 'Client;Localité\nAtelier Nord;Lille\n'.encode())
    await user.should_see(marker='import-problems-title', retries=50)  # no column named like a name
    user.find(marker='map-0').elements.pop().set_value('name')
    await user.should_see(marker='import-ready', content='1 contacts seront créés', retries=50)


async def test_a_file_that_is_not_a_table_is_refused_in_french(user: User, admin):
    await log_in(user, next_path='/contacts')
    await user.should_see('Importer', retries=50)
    user.find(marker='import').click()
    await user.should_see(marker='import-file')
    await upload(user, 'clients.csv', b'')
    await user.should_see('Le fichier est vide.')
    await upload(user, 'clients.xlsx', b'PK\x03\x04 truncated')
    await user.should_see('Le fichier Excel est endommagé ou incomplet', retries=50)
    assert not await Contact.exists()


async def test_the_selection_is_exported_as_listed(user: User, admin):
    await add(admin, 'Bravo', city='Lyon')
    await add(admin, 'Alpha', city='Lyon')
    await add(admin, 'Charlie', city='Paris')
    await log_in(user, next_path='/contacts')
    await user.should_see('3 contact(s)', retries=50)
    user.find(marker='search').type('lyon')
    await user.should_see(marker='count', content='2 contact(s)')
    user.find(marker='export-selection').click()
    response = await user.download.next(timeout=10)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [row[:2] for row in sheet.iter_rows(values_only=True)] == [('Code', 'Nom'), ('C00002', 'Alpha'),
                                                                      ('C00001', 'Bravo')]


async def test_the_contact_picker_searches_picks_and_creates(user: User):
    picked: list[dict] = []

    async def search(text: str) -> list[dict]:
        return [{'id': 1, 'label': 'Dupont SARL', 'detail': 'C00001 · Lyon'}] if 'dup' in text.lower() else []

    async def create(values: dict) -> dict:
        if not values['name']:
            raise FieldsInvalid({'name': 'Le nom est obligatoire.'})
        return {'id': 2, 'label': values['name'], 'detail': ''}

    @ui.page('/picker')
    def page() -> None:
        ContactPicker(search=search, create=create, on_pick=picked.append)

    await user.open('/picker')
    user.find(marker='contact-search').type('dup')
    await user.should_see('Dupont SARL')
    user.find(marker='contact-result').click()
    await user.should_not_see('Dupont SARL')
    assert picked == [{'id': 1, 'label': 'Dupont SARL', 'detail': 'C00001 · Lyon'}]
    user.find(marker='contact-search').type('Nouvelle Boulangerie')
    await user.should_see('Créer un nouveau contact « Nouvelle Boulangerie »')
    user.find(marker='contact-create').click()
    await user.should_see(marker='create-contact')
    user.find(marker='create-contact').click()
    await user.should_not_see('Créer le contact')
    assert picked[-1] == {'id': 2, 'label': 'Nouvelle Boulangerie', 'detail': ''}


async def test_a_payment_terms_derogation_is_typed_on_the_contact_form_checked_and_audited(user: User, admin):
    contact = await add(admin, 'Grossiste SA')
    await log_in(user, next_path=f'/contacts/{contact.id}')
    await user.should_see(marker='code', content='C00001', retries=50)
    user.find(marker='payment_terms_derogation').type('x' * 201)
    user.find(marker='save').click()
    await user.should_see('200 caractères au plus')
    assert user.find(ui.tabs).elements.pop().value == 'defaults'
    user.find(marker='payment_terms_derogation').clear().type('  Accord cadre n° 2026-14  ')
    user.find(marker='save').click()
    await user.should_see('Contact enregistré.')
    assert (await Contact.get(id=contact.id)).payment_terms_derogation == 'Accord cadre n° 2026-14'
    entry = await AuditEntry.filter(action='contact.update').order_by('-id').first()
    assert 'payment_terms_derogation' in entry.details


async def test_the_import_dialog_names_the_file_read_and_its_size_in_french(user: User, admin):
    await log_in(user, next_path='/contacts')
    await user.should_see('Importer', retries=50)
    user.find(marker='import').click()
    await user.should_see(marker='import-file')
    data = ('Raison sociale;Ville\n' + 'Atelier Nord;Lille\n' * 700).encode()
    await upload(user, 'contacts.csv', data)
    await user.should_see(marker='import-file-name', content=f'contacts.csv — {round(len(data) / 1024)} Ko', retries=50)
    assert user.find(marker='import-file').elements.pop().props['label'] == 'Choisir un autre fichier'


async def test_the_contacts_export_is_named_after_the_day(user: User, admin):
    from datetime import date

    await add(admin, 'Alpha', city='Lyon')
    await log_in(user, next_path='/contacts')
    await user.should_see('1 contact(s)', retries=50)
    user.find(marker='export-selection').click()
    response = await user.download.next(timeout=10)
    assert f'contacts-selection-{date.today().isoformat()}.xlsx' in response.headers['content-disposition']
