from types import SimpleNamespace

import pytest
from tortoise import connections

from db import contacts
from db.audit import AuditEntry
from db.company import PaymentMethod, VatRate
from db.contact import Address, Contact
from logic.contact import FieldsInvalid
from logic.errors import DomainError
from tests.personas import add_clerk, set_up_company

MENUISERIE = {'name': 'Menuiserie Besson', 'siren': '552 100 554', 'city': 'Lyon', 'postcode': '69006',
              'email': 'contact@menuiserie-besson.fr', 'kind': 'client'}


async def test_a_new_contact_gets_the_next_code_and_a_411_account(db):
    admin = await set_up_company()
    first = await contacts.create_contact(admin, MENUISERIE)
    second = await contacts.create_contact(admin, {'name': 'Holzwerk GmbH', 'kind': 'supplier'})
    assert (first.code, first.account, first.siren) == ('C00001', '411C00001', '552100554')
    assert (second.code, second.account) == ('C00002', '401C00002')
    entry = await AuditEntry.get(action='contact.create', target=f'contact:{first.id}')
    assert entry.details == {'code': 'C00001', 'name': 'Menuiserie Besson'}


async def test_codes_typed_by_hand_are_kept_and_skipped_by_the_counter(db):
    admin = await set_up_company()
    await contacts.create_contact(admin, {'name': 'Ancien client', 'code': 'c00001'})
    automatic = await contacts.create_contact(admin, {'name': 'Nouveau client'})
    assert automatic.code == 'C00002'
    with pytest.raises(FieldsInvalid) as refused:
        await contacts.create_contact(admin, {'name': 'Doublon', 'code': 'C00002'})
    assert 'code' in refused.value.errors


async def test_it_refuses_a_contact_with_an_invalid_siren_and_writes_nothing(db):
    admin = await set_up_company()
    with pytest.raises(FieldsInvalid) as refused:
        await contacts.create_contact(admin, {**MENUISERIE, 'siren': '552100555', 'iban': 'FR76 1234'})
    assert set(refused.value.errors) == {'siren', 'iban'}
    assert 'clé de contrôle' in refused.value.errors['siren']
    assert not await Contact.exists()


async def test_a_siret_of_another_company_is_refused(db):
    admin = await set_up_company()
    with pytest.raises(FieldsInvalid) as refused:
        await contacts.create_contact(admin, {**MENUISERIE, 'siret': '73282932000074'})
    assert 'commencer par 552 100 554' in refused.value.errors['siret']


async def test_an_update_is_audited_with_the_changed_fields_only(db):
    admin = await set_up_company()
    contact = await contacts.create_contact(admin, MENUISERIE)
    saved = await contacts.update_contact(admin, contact.id, {**MENUISERIE, 'city': 'Villeurbanne'},
                                          version=contact.version)
    assert saved.version == contact.version + 1
    entry = await AuditEntry.get(action='contact.update')
    assert entry.details == {'city': ['Lyon', 'Villeurbanne']}


async def test_a_stale_form_does_not_overwrite_a_newer_save(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    contact = await contacts.create_contact(admin, MENUISERIE)
    await contacts.update_contact(clerk, contact.id, {**MENUISERIE, 'city': 'Villeurbanne'}, version=1)
    with pytest.raises(DomainError, match='modifié par quelqu’un d’autre'):
        await contacts.update_contact(admin, contact.id, {**MENUISERIE, 'city': 'Paris'}, version=1)
    assert (await Contact.get(id=contact.id)).city == 'Villeurbanne'


async def test_clearing_the_account_brings_back_the_default_one(db):
    admin = await set_up_company()
    contact = await contacts.create_contact(admin, {**MENUISERIE, 'account': '411BESSON'})
    assert contact.account == '411BESSON'
    saved = await contacts.update_contact(admin, contact.id, {**MENUISERIE, 'account': ''}, version=1)
    assert saved.account == '411C00001'


async def test_default_choices_must_exist(db):
    admin = await set_up_company()
    rate = await VatRate.get(is_default=True)
    method = await PaymentMethod.get(is_default=True)
    contact = await contacts.create_contact(admin, {**MENUISERIE, 'default_vat_rate_id': rate.id,
                                                    'default_payment_method_id': method.id})
    assert contact.default_vat_rate_id == rate.id
    with pytest.raises(FieldsInvalid) as refused:
        await contacts.update_contact(admin, contact.id, {'default_vat_rate_id': 9999}, version=1)
    assert 'default_vat_rate_id' in refused.value.errors


async def test_search_finds_names_without_accents_and_spaced_sirens(db):
    admin = await set_up_company()
    await contacts.create_contact(admin, {'name': 'Martin', 'first_name': 'Élise', 'is_company': False,
                                          'city': 'Saint-Étienne', 'phone': '04 77 12 34 56'})
    await contacts.create_contact(admin, MENUISERIE)

    async def names(text: str) -> list[str]:
        rows, total = await contacts.list_contacts(contacts.ContactFilter(search=text), contacts.DEFAULT_ORDER,
                                                   offset=0, limit=10)
        assert total == len(rows)
        return [row['name'] for row in rows]

    assert await names('elise') == ['Martin']
    assert await names('ÉTIENNE') == ['Martin']
    assert await names('0477') == ['Martin']
    assert await names('552 100 554') == ['Menuiserie Besson']
    assert await names('besson lyon') == ['Menuiserie Besson']
    assert await names('besson paris') == []
    assert await names('100%') == []  # LIKE wildcards are searched literally


async def test_the_list_filters_by_kind_and_status_and_sorts_without_regard_to_case(db):
    admin = await set_up_company()
    for name, kind in (('zèbre sarl', 'client'), ('Abeille', 'client'), ('Ébéniste', 'supplier')):
        await contacts.create_contact(admin, {'name': name, 'kind': kind})
    rows, total = await contacts.list_contacts(contacts.ContactFilter(), contacts.DEFAULT_ORDER, offset=0, limit=2)
    assert total == 3 and [row['name'] for row in rows] == ['Abeille', 'Ébéniste']
    rows, total = await contacts.list_contacts(contacts.ContactFilter(kind='client'), ['-sort_name', 'id'],
                                               offset=0, limit=10)
    assert [row['name'] for row in rows] == ['zèbre sarl', 'Abeille']
    # A sort or page click of the same filters passes the total it knows: taken as is, not counted again.
    rows, total = await contacts.list_contacts(contacts.ContactFilter(kind='client'), ['sort_name', 'id'],
                                               offset=1, limit=10, total=2)
    assert total == 2 and [row['name'] for row in rows] == ['zèbre sarl']
    _, total = await contacts.list_contacts(contacts.ContactFilter(), contacts.DEFAULT_ORDER, offset=0, limit=1,
                                            total=41)
    assert total == 41
    abeille = await Contact.get(name='Abeille')
    await contacts.set_active(admin, abeille.id, False)
    rows, _ = await contacts.list_contacts(contacts.ContactFilter(status='archived'), contacts.DEFAULT_ORDER,
                                           offset=0, limit=10)
    assert [row['name'] for row in rows] == ['Abeille']
    assert await contacts.search_for_picker('abeille') == []


async def test_a_page_of_few_matches_sorted_apart_gives_the_same_rows(db, monkeypatch):
    """Few contacts matching (a rare type, a search) are sorted apart instead of looked for along the sort index
    (db/contacts.list_contacts, issue 17): the same rows in the same order, for every filter, sort and page."""
    admin = await set_up_company()
    cities = ['Lyon', 'lyon', 'Nantes', '', 'Évry']
    for index in range(14):
        await contacts.create_contact(admin, {
            'name': f'{["Dupont", "Élan", "dupond", "Zoé"][index % 4]} {index % 3}', 'city': cities[index % 5],
            'kind': ['client', 'supplier', 'client', 'prospect'][index % 4], 'postcode': f'{69000 + index % 2}',
            'email': f'c{index % 6}@exemple.fr'})
    for filters in (contacts.ContactFilter(), contacts.ContactFilter(kind='supplier'),
                    contacts.ContactFilter(search='dupon'), contacts.ContactFilter(search='lyon', status='all')):
        for column in [None, *contacts.SORTS]:
            for descending in (False, True):
                order = contacts.list_order(column, descending)
                pages = []
                for few in (False, True):
                    async def decided(*_, few=few) -> bool:
                        return few
                    monkeypatch.setattr(contacts, 'few_matches', decided)
                    pages.append([[row['id'] for row in (await contacts.list_contacts(
                        filters, order, offset=offset, limit=3))[0]] for offset in range(0, 15, 3)])
                assert pages[0] == pages[1] and pages[0][0], (filters, order)


async def test_the_picker_search_is_limited_and_describes_each_contact(db):
    admin = await set_up_company()
    for number in range(12):
        await contacts.create_contact(admin, {'name': f'Client {number:02d}', 'postcode': '69003', 'city': 'Lyon'})
    found = await contacts.search_for_picker('client', limit=8)
    assert len(found) == 8
    assert found[0] == {'id': found[0]['id'], 'code': 'C00001', 'label': 'Client 00',
                        'detail': 'C00001 · Client · 69003 Lyon'}


async def test_addresses_are_checked_and_audited(db):
    admin = await set_up_company()
    contact = await contacts.create_contact(admin, MENUISERIE)
    with pytest.raises(FieldsInvalid):
        await contacts.save_address(admin, contact.id, None, {'kind': 'delivery', 'label': 'Chantier'})
    address = await contacts.save_address(admin, contact.id, None, {
        'kind': 'delivery', 'label': 'Chantier', 'address': '1 quai Perrache', 'postcode': '69002', 'city': 'Lyon'})
    await contacts.save_address(admin, contact.id, address.id, {
        'kind': 'delivery', 'label': 'Chantier', 'address': '2 quai Perrache', 'postcode': '69002', 'city': 'Lyon'})
    await contacts.delete_address(admin, contact.id, address.id)
    assert not await Address.exists()
    assert await AuditEntry.filter(action='contact.address').count() == 3


async def test_deleting_a_contact_no_document_names_deletes_it(db):
    admin = await set_up_company()
    contact = await contacts.create_contact(admin, MENUISERIE)
    assert await contacts.delete_contact(admin, contact.id) == 'deleted'
    assert not await Contact.exists()
    assert await AuditEntry.filter(action='contact.delete').exists()


async def test_the_migration_fills_the_search_columns_of_older_rows(db):
    from db.migrations.contacts import __name__ as package  # noqa: F401 - the package exists
    from importlib import import_module

    migration = import_module('db.migrations.contacts.0002_indexes_search_counter')
    connection = connections.get('default')
    await connection.execute_query(
        "INSERT INTO contact (code, kind, is_company, category, name, first_name, legal_form, siren, siret, "
        "vat_number, electronic_address, email, phone, mobile, website, address, address2, postcode, city, "
        "country, iban, bic, mandate_reference, account, notes, active, created_at, updated_at, version) VALUES "
        "('X1', 'client', TRUE, 'fr_business', 'Éts Dupré', '', '', '', '', '', '', '', '', '', '', '', '', '', "
        "'Nîmes', 'FR', '', '', '', '', '', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)")
    await migration.fill_search_columns(None, SimpleNamespace(client=connection))
    row = await Contact.get(code='X1')
    assert row.sort_name == 'ets dupre' and 'nimes' in row.search_text
