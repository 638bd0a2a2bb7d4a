import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from logic import tabular
from logic.errors import DomainError
from logic.tabular import Table, TabularError, read_table


def xlsx(*rows, formats: dict[str, str] | None = None, sheets: int = 1) -> bytes:
    """An XLSX file as Excel would save it, from plain Python values."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    for coordinate, number_format in (formats or {}).items():
        workbook.active[coordinate].number_format = number_format
    for index in range(1, sheets):
        workbook.create_sheet(f'Autre {index}').append(['Autre feuille'])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading CSV ----------------------------------------------------------------------------------------------------

def test_it_reads_a_french_excel_csv_in_utf8_with_semicolons():
    data = 'Nom;Ville;Prix\nCafé de la Gare;Évreux;12,50\n'.encode()
    assert read_table(data, 'clients.csv') == Table(headers=['Nom', 'Ville', 'Prix'],
                                                    rows=[['Café de la Gare', 'Évreux', '12,50']])


def test_it_drops_the_byte_order_mark_excel_puts_before_utf8():
    data = '\ufeffNom,Ville\r\nDupont,Sète\r\n'.encode()
    assert read_table(data, 'clients.csv').headers == ['Nom', 'Ville']


def test_it_reads_windows_1252_with_accents_euro_sign_and_oe_ligature():
    data = 'Désignation;Prix\nŒuvre d’art;1 200 €\nCrème brûlée;4,50 €\n'.encode('cp1252')
    table = read_table(data, 'articles.csv')
    assert table.rows == [['Œuvre d’art', '1 200 €'], ['Crème brûlée', '4,50 €']]


@pytest.mark.parametrize('separator', [';', ',', '\t'])
def test_it_sniffs_the_separator_from_the_header_line(separator):
    data = separator.join(['Nom', 'Code postal', 'Ville']).encode() + b'\nDupont' + separator.encode() * 2 + b'Paris\n'
    assert read_table(data, 'f.csv').rows == [['Dupont', '', 'Paris']]


def test_it_honours_quotes_around_separators_and_line_breaks():
    data = b'"Nom, raison sociale";Adresse\n"Dupont; fils";"1 rue Haute\nB\xc3\xa2timent A"\n'
    table = read_table(data, 'f.csv')
    assert table.headers == ['Nom, raison sociale', 'Adresse']
    assert table.rows == [['Dupont; fils', '1 rue Haute\nBâtiment A']]


def test_it_strips_cells_and_pads_short_rows():
    data = b'Nom;Ville;CP\n  Dupont  ;Paris\n'
    assert read_table(data, 'f.csv').rows == [['Dupont', 'Paris', '']]


def test_it_keeps_blank_rows_inside_the_data_so_row_numbers_match_the_spreadsheet_but_drops_trailing_ones():
    data = b'Nom\nA\n\n;;\nB\n\n\n'
    assert read_table(data, 'f.csv').rows == [['A'], [''], [''], ['B']]


def test_it_names_the_row_that_has_more_values_than_columns():
    data = b'Nom;Ville\nDupont;Paris\nDurand;Lyon;en trop\n'
    with pytest.raises(TabularError, match='Ligne 3 : 3 valeurs pour 2 colonnes'):
        read_table(data, 'f.csv')


def test_it_refuses_an_empty_file():
    with pytest.raises(TabularError, match='Le fichier est vide'):
        read_table(b'', 'f.csv')


@pytest.mark.parametrize('data', [b'Nom;Ville\n', b'Nom;Ville\n;\n\n'])
def test_it_refuses_a_file_with_headers_only(data):
    with pytest.raises(TabularError, match='ne contient que la ligne des titres'):
        read_table(data, 'f.csv')


def test_it_refuses_a_file_whose_first_line_is_blank():
    with pytest.raises(TabularError, match='La première ligne doit contenir les noms des colonnes'):
        read_table(b'\nNom\nDupont\n', 'f.csv')


def test_it_refuses_utf16_which_excel_calls_unicode_text():
    with pytest.raises(TabularError, match='UTF-16'):
        read_table('Nom\tVille\nDupont\tParis\n'.encode('utf-16'), 'f.csv')


def test_it_refuses_random_bytes_renamed_as_csv():
    noise = bytes(range(1, 256)) * 40
    with pytest.raises(TabularError, match='ni en UTF-8 ni en Windows-1252|données binaires'):
        read_table(noise, 'f.csv')


def test_it_refuses_a_binary_file_with_nul_bytes():
    with pytest.raises(TabularError, match='données binaires'):
        read_table(b'Nom;Ville\nDu\x00pont;Paris\n', 'f.csv')


def test_it_drops_a_stray_control_character_rather_than_refusing_the_file():
    assert read_table(b'Nom\nDu\x0bpont\n', 'f.csv').rows == [['Dupont']]


def test_it_names_duplicate_headers():
    with pytest.raises(TabularError, match=r'« nom » apparaît deux fois \(colonnes A et C\)'):
        read_table(b'Nom;Ville;nom\nA;B;C\n', 'f.csv')


def test_it_names_columns_without_a_header():
    with pytest.raises(TabularError, match='Colonne\\(s\\) sans titre sur la première ligne : B'):
        read_table(b'Nom;;Ville\nA;B;C\n', 'f.csv')


def test_it_refuses_a_file_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_BYTES', 100)
    with pytest.raises(TabularError, match='trop volumineux'):
        read_table(b'Nom\n' + b'Dupont\n' * 20, 'f.csv')


def test_it_refuses_a_file_over_the_row_limit(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_ROWS', 3)
    assert len(read_table(b'Nom\nA\nB\nC\n', 'f.csv').rows) == 3
    with pytest.raises(TabularError, match='plus de 3 lignes'):
        read_table(b'Nom\nA\nB\nC\nD\n', 'f.csv')


def test_it_counts_blank_rows_towards_the_row_limit_only_when_data_follows(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_ROWS', 3)
    assert len(read_table(b'Nom\nA\n' + b'\n' * 100, 'f.csv').rows) == 1
    with pytest.raises(TabularError, match='plus de 3 lignes'):
        read_table(b'Nom\nA\n' + b'\n' * 100 + b'B\n', 'f.csv')


@pytest.mark.parametrize('filename', ['clients.xls', 'clients.ods'])
def test_it_asks_for_xlsx_or_csv_instead_of_older_formats(filename):
    with pytest.raises(TabularError, match='n’est pas pris en charge. Enregistrez-le'):
        read_table(b'anything', filename)


def test_it_refuses_an_unknown_extension():
    with pytest.raises(TabularError, match='« clients.pdf » n’est ni un fichier CSV ni un fichier XLSX'):
        read_table(b'%PDF-1.7', 'clients.pdf')


def test_its_errors_are_domain_errors_the_ui_can_show():
    assert issubclass(TabularError, DomainError)


# --- Reading XLSX ---------------------------------------------------------------------------------------------------

def test_it_reads_a_numeric_siren_and_a_float_price_as_clean_strings():
    data = xlsx(['SIREN', 'Prix', 'Quantité', 'Bruit'], [732829320, 12.5, 12.0, 0.1 + 0.2])
    assert read_table(data, 'clients.xlsx').rows == [['732829320', '12.5', '12', '0.3']]


def test_it_reads_an_excel_date_cell_as_an_iso_date():
    data = xlsx(['Date', 'Horodatage'], [date(2024, 1, 31), datetime(2024, 2, 1, 15, 30)])
    assert read_table(data, 'f.xlsx').rows == [['2024-01-31', '2024-02-01']]


def test_it_reads_a_percentage_as_the_number_the_user_typed():
    data = xlsx(['TVA'], [0.2], [0.055], formats={'A2': '0%', 'A3': '0.0%'})
    assert read_table(data, 'f.xlsx').rows == [['20 %'], ['5.5 %']]


def test_it_keeps_the_leading_zero_of_a_postcode_in_excels_postcode_format():
    data = xlsx(['CP'], [1000], formats={'A2': '00000'})
    assert read_table(data, 'f.xlsx').rows == [['01000']]


def test_it_reads_booleans_as_french_excel_shows_them():
    assert read_table(xlsx(['Actif'], [True], [False]), 'f.xlsx').rows == [['VRAI'], ['FAUX']]


def test_it_drops_trailing_empty_rows_and_columns_of_a_worksheet():
    data = xlsx(['Nom', 'Ville', None, None], ['  Dupont ', 'Paris', None, ''], [None] * 4, [None, None, None, None])
    assert read_table(data, 'f.xlsx') == Table(headers=['Nom', 'Ville'], rows=[['Dupont', 'Paris']])


def test_it_reads_the_first_worksheet_only():
    data = xlsx(['Nom'], ['Dupont'], sheets=3)
    assert read_table(data, 'F.XLSX').rows == [['Dupont']]


def test_it_names_the_xlsx_row_that_has_a_value_beyond_the_last_header():
    data = xlsx(['Nom', 'Ville'], ['Dupont', 'Paris'], ['Durand', 'Lyon', None, 'égaré'])
    with pytest.raises(TabularError, match=r'Ligne 3 : 4 valeurs pour 2 colonnes. Une valeur dépasse \(colonne D\)'):
        read_table(data, 'f.xlsx')


def test_it_refuses_a_truncated_xlsx():
    data = xlsx(['Nom'], ['Dupont'])
    with pytest.raises(TabularError, match='endommagé ou incomplet'):
        read_table(data[:len(data) // 2], 'f.xlsx')


def test_it_refuses_a_zip_that_is_not_a_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('hello.txt', 'bonjour')
    with pytest.raises(TabularError, match='endommagé ou incomplet'):
        read_table(buffer.getvalue(), 'f.xlsx')


def test_it_refuses_a_csv_renamed_as_xlsx():
    with pytest.raises(TabularError, match='endommagé ou incomplet'):
        read_table(b'Nom;Ville\nDupont;Paris\n', 'f.xlsx')


def test_it_refuses_an_xlsx_that_would_expand_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_UNCOMPRESSED_BYTES', 1000)
    with pytest.raises(TabularError, match='trop volumineux une fois décompressé'):
        read_table(xlsx(['Nom'], ['Dupont']), 'f.xlsx')


def test_it_refuses_to_parse_user_xlsx_without_defusedxml(monkeypatch):
    monkeypatch.setattr(openpyxl, 'DEFUSEDXML', False)
    with pytest.raises(RuntimeError, match='defusedxml'):
        read_table(xlsx(['Nom'], ['Dupont']), 'f.xlsx')


def test_openpyxl_really_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_it_refuses_an_unclosed_quote_rather_than_swallowing_the_rest_of_the_file():
    with pytest.raises(TabularError, match=r'Ligne 3 : guillemet \(\"\) non fermé ou mal placé'):
        read_table(b'Nom;Ville\nDupont;Paris\n"Durand;Lyon\nMartin;Nice\n', 'f.csv')


# --- Writing CSV ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('text', ['=HYPERLINK("http://evil.example";"x")', '+33 6 12 34 56 78', '-1', '@SUM(A1)',
                                  '\t=cmd', '\r=cmd'])
def test_a_csv_text_that_starts_like_a_formula_is_written_after_an_apostrophe_and_reads_back_without_it(text):
    data = tabular.csv_bytes(['Nom', 'Montant'], [[text, tabular.Decimal('-12.50')]])
    written = list(csv.reader(io.StringIO(data.decode('utf-8-sig'), newline=''), delimiter=';'))[1]
    assert written == [f"'{text}", '-12,50']  # the amount stays a number
    assert read_table(data, 'export.csv').rows == [[text, '-12,50']]  # exactly what was exported


def test_a_plain_csv_text_and_an_apostrophe_before_plain_text_are_left_alone():
    data = tabular.csv_bytes(['Nom'], [['Dupont SARL'], ["'Entre guillemets'"]])
    assert data.decode('utf-8-sig').splitlines()[1:] == ['Dupont SARL', "'Entre guillemets'"]
    assert read_table(data, 'export.csv').rows == [['Dupont SARL'], ["'Entre guillemets'"]]
