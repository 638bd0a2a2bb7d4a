import io

import openpyxl
import pytest

from db import contact_transfer, contacts
from db.audit import AuditEntry
from db.contact import Address, Contact
from logic.contact_fields import export_workbook, sample_csv
from logic.importing import format_problems
from logic.tabular import read_table
from tests.personas import set_up_company

HEADER = 'Nom;SIREN;Code postal;Ville;Date de signature du mandat;Référence du mandat SEPA;Code\n'


def csv(*lines: str) -> bytes:
    return (HEADER + '\n'.join(lines) + '\n').encode('utf-8')


async def check(data: bytes, filename: str = 'contacts.csv'):
    preview, _, _ = await contact_transfer.preview_import(read_table(data, filename))
    return preview


async def test_the_sample_file_imports_whole_with_codes_and_accounts(db):
    admin = await set_up_company()
    preview = await check(sample_csv())
    assert preview.ok, format_problems(preview.problems)
    assert await contact_transfer.commit_import(admin, preview, filename='exemple.csv') == 3
    besson = await Contact.get(name='Menuiserie Besson')
    assert (besson.code, besson.account, besson.siren, besson.iban) == (
        'C00001', '411C00001', '552100554', 'FR1420041010050500013M02606')
    assert besson.mandate_signed_on.isoformat() == '2024-01-15' and besson.sort_name == 'menuiserie besson'
    holzwerk = await Contact.get(code='F0001')
    assert (holzwerk.kind, holzwerk.country, holzwerk.account) == ('supplier', 'DE', '401F0001')
    martin = await Contact.get(name='Martin')
    assert (martin.code, martin.is_company, martin.category) == ('C00002', False, 'individual')
    entry = await AuditEntry.get(action='contact.import')
    assert entry.details == {'file': 'exemple.csv', 'count': 3, 'first': 'C00001', 'last': 'F0001'}


async def test_every_problem_is_reported_with_its_row_and_column_and_nothing_is_written(db):
    await set_up_company()
    preview = await check(csv(
        'Atelier Nord;552100554;59000;Lille;;;',
        'Atelier Sud;552100555;13001;Marseille;;;',    # SIREN key wrong
        ';552100554;75001;Paris;;;',                      # no name
        'Atelier Est;552100554;67000;Strasbourg;45322;;',  # an Excel date serial, but no mandate reference
        'Atelier Ouest;552100554;44000;Nantes;31/02/2024;RUM1;X1',
        'Atelier Centre;;45000;Orléans;;;x1',             # same code as row 6
    ))
    assert not preview.ok and preview.records == []
    assert format_problems(preview.problems) == [
        'Ligne 3, colonne « SIREN » : SIREN invalide : la clé de contrôle ne correspond pas.',
        'Ligne 4, colonne « Nom » : Valeur obligatoire manquante (Nom).',
        'Ligne 5, colonne « Référence du mandat SEPA » : Indiquez la référence du mandat (RUM) signé à cette date.',
        'Ligne 6, colonne « Date de signature du mandat » : « 31/02/2024 » : cette date n’existe pas.',
        'Ligne 7, colonne « Code » : « x1 » figure deux fois dans cette colonne (lignes 6 et 7) : chaque valeur '
        'doit être unique.',
    ]
    assert not await Contact.exists()


async def test_a_code_already_in_the_base_is_refused_at_preview_and_at_commit(db):
    admin = await set_up_company()
    await contacts.create_contact(admin, {'name': 'Déjà là', 'code': 'X1'})
    preview = await check(csv('Atelier Nord;;59000;Lille;;;X1', 'Atelier Sud;;13001;Marseille;;;X2'))
    assert format_problems(preview.problems) == [
        'Ligne 2, colonne « Code » : Le code X1 est déjà celui d’un contact de la base : changez-le ou laissez la '
        'cellule vide pour qu’un code soit attribué.']

    clean = await check(csv('Atelier Nord;;59000;Lille;;;X3'))
    assert clean.ok
    await contacts.create_contact(admin, {'name': 'Plus rapide', 'code': 'X3'})  # between preview and commit
    with pytest.raises(contact_transfer.ImportRefused, match='X3'):
        await contact_transfer.commit_import(admin, clean, filename='contacts.csv')
    assert await Contact.all().count() == 2


async def test_a_name_that_looks_like_a_formula_stays_text_in_the_base_and_in_the_export(db):
    admin = await set_up_company()
    preview = await check(csv('"=HYPERLINK(""http://evil.example"";""Cliquez"")";;;;;;'))
    await contact_transfer.commit_import(admin, preview, filename='contacts.csv')
    assert await Contact.get(name='=HYPERLINK("http://evil.example";"Cliquez")')
    records, labels, addresses = await contact_transfer.export_data(admin, None, full=True)
    from logic.contact_fields import export_workbook  # noqa: PLC0415

    sheet = openpyxl.load_workbook(io.BytesIO(export_workbook(records, labels, full=True))).worksheets[0]
    cell = sheet.cell(row=2, column=5)
    assert cell.value.startswith('=HYPERLINK') and cell.data_type == 's'


async def test_the_full_export_reads_back_into_the_same_contacts(db):
    admin = await set_up_company()
    await contact_transfer.commit_import(admin, await check(sample_csv()), filename='exemple.csv')
    besson = await Contact.get(name='Menuiserie Besson')
    await contacts.save_address(admin, besson.id, None, {'kind': 'delivery', 'label': 'Chantier', 'city': 'Lyon'})
    fields = ['code', 'kind', 'is_company', 'category', 'name', 'first_name', 'siren', 'vat_number', 'email',
              'phone', 'mobile', 'address', 'postcode', 'city', 'country', 'iban', 'bic', 'mandate_reference',
              'mandate_signed_on', 'account', 'notes', 'active']
    before = await Contact.all().order_by('code').values(*fields)
    records, labels, addresses = await contact_transfer.export_data(admin, None, full=True)
    from logic.contact_fields import export_workbook  # noqa: PLC0415

    data = export_workbook(records, labels, full=True, addresses=addresses)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert [sheet.title for sheet in workbook.worksheets] == ['Contacts', 'Adresses']
    assert list(workbook.worksheets[1].iter_rows(min_row=2, values_only=True))[0][:3] == ('C00001', 'Livraison',
                                                                                          'Chantier')
    await Address.all().delete()
    await Contact.all().delete()
    preview = await check(data, 'export.xlsx')
    assert preview.ok, format_problems(preview.problems)
    await contact_transfer.commit_import(admin, preview, filename='export.xlsx')
    assert await Contact.all().order_by('code').values(*fields) == before


async def test_the_selection_export_follows_the_list_filters_and_order(db):
    admin = await set_up_company()
    for name, kind, city in (('Bravo', 'client', 'Lyon'), ('alpha', 'client', 'Paris'), ('Charlie', 'supplier',
                                                                                          'Lyon')):
        await contacts.create_contact(admin, {'name': name, 'kind': kind, 'city': city})
    records, labels, _ = await contact_transfer.export_data(
        admin, contacts.ContactFilter(kind='client'), ['-sort_name', 'id'], full=False)
    from logic.contact_fields import export_workbook  # noqa: PLC0415

    sheet = openpyxl.load_workbook(io.BytesIO(export_workbook(records, labels, full=False))).worksheets[0]
    assert [row[:3] for row in sheet.iter_rows(values_only=True)] == [
        ('Code', 'Nom', 'Type'), ('C00001', 'Bravo', 'Client'), ('C00002', 'alpha', 'Client')]
    entry = await AuditEntry.get(action='contact.export')
    assert entry.details == {'scope': 'selection', 'full': False, 'count': 2}


async def test_a_formula_looking_text_is_exported_with_the_quote_prefix_and_a_quoted_csv_imports_without_it(db):
    admin = await set_up_company()
    preview = await check(csv('"\'=HYPERLINK(""http://evil.example"";""x"")";;;;;;', 'Dupont SARL;;;;;;'))
    assert preview.ok, format_problems(preview.problems)
    await contact_transfer.commit_import(admin, preview, filename='contacts.csv')
    assert await Contact.get(name='=HYPERLINK("http://evil.example";"x")')
    records, labels, _ = await contact_transfer.export_data(admin, None, full=True)
    sheet = openpyxl.load_workbook(io.BytesIO(export_workbook(records, labels, full=True))).worksheets[0]
    names = {sheet.cell(row=row, column=5).value: sheet.cell(row=row, column=5) for row in (2, 3)}
    assert names['=HYPERLINK("http://evil.example";"x")'].quotePrefix
    assert not names['Dupont SARL'].quotePrefix


async def test_a_payment_terms_derogation_goes_out_with_the_full_export_and_comes_back(db):
    admin = await set_up_company()
    await contacts.create_contact(admin, {'name': 'Grossiste SA', 'payment_terms_derogation': 'Accord  n° 14'})
    records, labels, _ = await contact_transfer.export_data(admin, None, full=True)
    data = export_workbook(records, labels, full=True)
    await Contact.all().delete()
    preview = await check(data, 'export.xlsx')
    assert preview.ok, format_problems(preview.problems)
    await contact_transfer.commit_import(admin, preview, filename='export.xlsx')
    assert (await Contact.get(name='Grossiste SA')).payment_terms_derogation == 'Accord n° 14'
