from datetime import date, timedelta
from decimal import Decimal

import pytest

from logic.contact import clean_contact, clean_country, clean_is_company, clean_kind, default_account
from logic.contact_fields import COLUMNS, import_fields, preview_import, sample_csv
from logic.importing import format_problems, guess_mapping
from logic.search_text import fold, search_words, sort_key
from logic.tabular import TabularError, read_table

RATES = [(1, Decimal('20'), 'TVA 20 %'), (2, Decimal('5.5'), 'TVA 5,5 %'), (3, Decimal('0'), 'Exonéré'),
         (4, Decimal('0'), 'Autoliquidation')]
FIELDS = import_fields(RATES, {'Virement à 30 jours': 7})


def check(data: bytes, filename: str = 'contacts.csv'):
    table = read_table(data, filename)
    return preview_import(table, guess_mapping(table.headers, FIELDS), FIELDS)


# --- cleaning a form -------------------------------------------------------------------------------------------------

def test_a_clean_contact_has_compact_identifiers_and_collapsed_spaces():
    cleaned, errors = clean_contact({'name': '  Atelier   Dupont ', 'siren': '732 829 320',
                                     'vat_number': 'fr 44 732829320', 'iban': 'fr76 3000 6000 0112 3456 7890 189',
                                     'bic': 'bnpa frpp', 'country': 'belgique', 'email': ' a@b.fr '})
    assert errors == {}
    assert cleaned == {'name': 'Atelier Dupont', 'siren': '732829320', 'vat_number': 'FR44732829320',
                       'iban': 'FR7630006000011234567890189', 'bic': 'BNPAFRPP', 'country': 'BE', 'email': 'a@b.fr'}


@pytest.mark.parametrize('data, field, message', [
    ({'name': ''}, 'name', 'Le nom est obligatoire.'),
    ({'name': 'X', 'siren': '732829321'}, 'siren', 'clé de contrôle'),
    ({'name': 'X', 'siren': '732829320', 'siret': '55210055400013'}, 'siret', 'commencer par 732 829 320'),
    ({'name': 'X', 'siren': '732829320', 'vat_number': 'FR96552100554'}, 'vat_number', 'FR44732829320'),
    ({'name': 'X', 'email': 'pas une adresse'}, 'email', 'Adresse e-mail invalide'),
    ({'name': 'X', 'country': 'Atlantide'}, 'country', 'Pays inconnu'),
    ({'name': 'X', 'mandate_signed_on': '31/02/2024'}, 'mandate_signed_on', 'cette date n’existe pas'),
    ({'name': 'X', 'mandate_reference': 'RUM é'}, 'mandate_reference', 'Référence de mandat invalide'),
    ({'name': 'X', 'account': 'client 411'}, 'account', 'commence par un chiffre'),
    ({'name': 'x' * 201}, 'name', '200 caractères au plus'),
])
def test_each_wrong_field_gets_its_french_message(data, field, message):
    _, errors = clean_contact(data)
    assert list(errors) == [field] and message in errors[field]


def test_a_mandate_signed_in_the_future_gets_its_french_message():
    in_two_days = (date.today() + timedelta(days=2)).isoformat()  # taken when the test runs, not when collected
    _, errors = clean_contact({'name': 'X', 'mandate_signed_on': in_two_days, 'mandate_reference': 'R1'})
    assert list(errors) == ['mandate_signed_on'] and 'futur' in errors['mandate_signed_on']


def test_a_siret_alone_gives_its_siren():
    cleaned, errors = clean_contact({'name': 'X', 'siret': '732 829 320 00074'})
    assert errors == {} and cleaned['siren'] == '732829320'


@pytest.mark.parametrize('text, kind', [('Client', 'client'), ('FOURNISSEUR', 'supplier'), ('supplier', 'supplier'),
                                        ('Partenaire', 'partner'), ('prospects', 'prospect'), ('Customer', 'client')])
def test_kinds_are_read_in_french_or_english(text, kind):
    assert clean_kind(text) == kind


@pytest.mark.parametrize('text, company', [('Société', True), ('particulier', False), ('Personne physique', False),
                                           ('oui', True), ('Non', False)])
def test_company_or_person_is_read_in_several_ways(text, company):
    assert clean_is_company(text) is company


@pytest.mark.parametrize('text, code', [('FR', 'FR'), ('fr', 'FR'), ('France', 'FR'), ('Allemagne', 'DE'),
                                        ('Germany', 'DE'), ('', 'FR'), ('Royaume-Uni', 'GB')])
def test_countries_are_iso_codes_or_names(text, code):
    assert clean_country(text) == code


def test_default_accounts_follow_the_french_chart_of_accounts():
    assert (default_account('C00042', 'client'), default_account('C00042', 'supplier')) == ('411C00042', '401C00042')


# --- folding for search and sort -----------------------------------------------------------------------------------

def test_search_and_sort_keys_ignore_case_accents_and_ligatures():
    assert fold('ÉLISE Œuvre Ærø') == 'elise oeuvre aero'
    assert sort_key('  Zèbre   SARL ') == 'zebre sarl'
    assert search_words('552 100-554  Saint-Étienne') == ['552', '100', '554', 'saint', 'etienne']


# --- import ------------------------------------------------------------------------------------------------------

def test_the_sample_file_has_every_column_and_no_problem():
    table = read_table(sample_csv(), 'exemple.csv')
    assert table.headers == [column.label for column in COLUMNS]
    preview = check(sample_csv())
    assert preview.ok, format_problems(preview.problems)
    assert [record['name'] for record in preview.records] == ['Menuiserie Besson', 'Martin', 'Holzwerk GmbH']


def test_windows_1252_and_comma_separated_files_are_read():
    data = 'Raison sociale,Ville,Pays\n"Société Générale, agence",Orléans,France\n'.encode('cp1252')
    preview = check(data)
    assert preview.records == [{'name': 'Société Générale, agence', 'city': 'Orléans', 'country': 'FR'}]


def test_a_date_excel_turned_into_a_number_is_read_back():
    preview = check('Nom;RUM;Date du mandat\nDupont;R-1;45322\n'.encode())
    assert preview.records[0]['mandate_signed_on'] == date(2024, 1, 31)


def test_vat_rates_and_payment_methods_are_found_by_name_or_value():
    preview = check('Nom;TVA;Mode de règlement\nA;20 %;virement a 30 jours\nB;5,5;\n'.encode())
    assert [record.get('default_vat_rate_id') for record in preview.records] == [1, 2]
    assert preview.records[0]['default_payment_method_id'] == 7
    preview = check('Nom;TVA\nA;0\n'.encode())
    assert 'plusieurs taux de TVA valent 0' in format_problems(preview.problems)[0]


def test_a_formula_in_a_name_is_kept_as_plain_text():
    preview = check('Nom;Ville\n"=HYPERLINK(""http://x"";""y"")";Lyon\n'.encode())
    assert preview.records[0]['name'] == '=HYPERLINK("http://x";"y")'


def test_checks_between_cells_are_reported_even_on_rows_with_other_problems():
    preview = check('Nom;SIREN;SIRET;E-mail\n;552100554;73282932000074;pas-un-mail\n'.encode())
    assert format_problems(preview.problems) == [
        'Ligne 2, colonne « Nom » : Valeur obligatoire manquante (Nom).',
        'Ligne 2, colonne « E-mail » : Adresse e-mail invalide : « pas-un-mail ».',
        'Ligne 2, colonne « SIRET » : Le SIRET ne correspond pas au SIREN : il doit commencer par 552 100 554.',
    ]


@pytest.mark.parametrize('data, filename, message', [
    (b'', 'contacts.csv', 'Le fichier est vide.'),
    (b'Nom;Ville\n', 'contacts.csv', 'ne contient que la ligne des titres'),
    ('Nom;Ville\nDupont;Saint-Étienne\n'.encode('utf-16'), 'contacts.csv', 'UTF-16'),
    (b'PK\x03\x04\x14\x00\x00\x00 truncated', 'contacts.xlsx', 'endommagé ou incomplet'),
    (b'\x89PNG\r\n\x1a\n\x00\x00', 'contacts.csv', 'données binaires'),
    (b'Nom;Ville\nA;B\n', 'contacts.ods', 'n’est pas pris en charge'),
])
def test_malformed_files_are_refused_with_a_french_message(data, filename, message):
    with pytest.raises(TabularError, match=message):
        check(data, filename)
