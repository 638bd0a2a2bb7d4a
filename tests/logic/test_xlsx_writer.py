import io
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from logic.tabular import read_table
from logic.xlsx_writer import MAX_CELL_TEXT, Sheet, xlsx_bytes

ROWS = [
    ['=HYPERLINK("http://evil.example";"x")', '00074', Decimal('1234.5'), 42, date(2024, 1, 31),
     datetime(2024, 7, 1, 10, 30, tzinfo=timezone.utc), True, None, '  espaces  ', '#N/A', 'a & b < c'],
]
HEADERS = ['Nom', 'SIRET', 'Montant', 'Nombre', 'Date', 'Moment', 'Actif', 'Vide', 'Texte', 'Erreur', 'XML']


def workbook(rows=ROWS, headers=HEADERS, **sheet):
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes([Sheet(title='Contacts', headers=headers, rows=rows,
                                                                **sheet)])))


def test_cells_keep_their_type_and_text_never_becomes_a_formula():
    sheet = workbook().worksheets[0]
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [cell.value for cell in cells[:7]] == [
        '=HYPERLINK("http://evil.example";"x")', '00074', 1234.5, 42, datetime(2024, 1, 31),
        datetime(2024, 7, 1, 12, 30), 'Oui']  # 10:30 UTC is 12:30 in Paris in July
    assert [cell.data_type for cell in cells[:4]] == ['s', 's', 'n', 'n']
    assert [cells[index].value for index in (8, 9, 10)] == ['  espaces  ', '#N/A', 'a & b < c']
    assert cells[9].data_type == 's' and cells[7].value is None


def test_formats_header_panes_and_widths_are_set():
    sheet = workbook(column_widths=[30, 12]).worksheets[0]
    assert sheet['A1'].font.b and sheet.freeze_panes == 'A2'
    assert (sheet['B2'].number_format, sheet['C2'].number_format, sheet['E2'].number_format,
            sheet['F2'].number_format) == ('@', '#,##0.00', 'DD/MM/YYYY', 'DD/MM/YYYY HH:MM')
    assert sheet.column_dimensions['A'].width == 30


@pytest.mark.parametrize('name', ['=HYPERLINK("http://x","y")', '=1+1', '+33 6 12 34 56 78', '-1', '@SUM(A1:A2)',
                                  '#N/A', '#DIV/0!', '\t=cmd'])
def test_a_formula_looking_name_stays_text(name):
    cell = workbook([[name]], ['Nom']).worksheets[0]['A2']
    assert (cell.value, cell.data_type) == (name, 's')


@settings(max_examples=50, deadline=None, database=None)
@given(st.text(st.characters(exclude_categories=('Cs', 'Cc'), exclude_characters='\ufffe\uffff') | st.sampled_from(
    '=+-@#\t\n'), min_size=1))
def test_any_text_comes_back_unchanged_and_as_text(text):
    cell = workbook([[text]], ['Texte']).worksheets[0]['A2']
    assert (cell.value, cell.data_type) == (text, 's')


def test_every_part_is_well_formed_xml():
    data = xlsx_bytes([Sheet(title='A', headers=HEADERS, rows=ROWS), Sheet(title='B', headers=['x'], rows=[])])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            etree.fromstring(archive.read(name))  # raises on malformed XML


def test_characters_xml_cannot_carry_are_dropped_and_long_text_is_cut_to_excels_limit():
    sheet = workbook([['Dupont\x00\x07 SARL', 'x' * (MAX_CELL_TEXT + 10)]], ['Nom', 'Notes']).worksheets[0]
    assert sheet['A2'].value == 'Dupont SARL' and len(sheet['B2'].value) == MAX_CELL_TEXT


def test_several_sheets_get_valid_unique_titles():
    data = xlsx_bytes([Sheet(title='Contacts: 2024/01 [tous]', headers=['a'], rows=[['1']]),
                       Sheet(title='contacts: 2024/01 [tous]', headers=['b'], rows=[])])
    titles = [sheet.title for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets]
    assert titles[0] == 'Contacts  2024 01  tous' and titles[1] != titles[0] and len(set(titles)) == 2


def test_the_import_reads_back_what_the_export_wrote():
    table = read_table(xlsx_bytes([Sheet(title='Contacts', headers=HEADERS, rows=ROWS)]), 'export.xlsx')
    assert table.headers == HEADERS
    assert table.rows[0][:7] == ['=HYPERLINK("http://evil.example";"x")', '00074', '1234.5', '42', '2024-01-31',
                                 '2024-07-01', 'Oui']


@pytest.mark.parametrize('value', [1.5, Decimal('NaN'), object()])
def test_floats_and_unknown_values_are_refused(value):
    with pytest.raises((TypeError, ValueError)):
        xlsx_bytes([Sheet(title='x', headers=['a'], rows=[[value]])])


def test_a_large_sheet_streams_without_trouble():
    rows = ([f'C{n:05d}', f'Société {n}', Decimal(n) / 100] for n in range(30_000))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([Sheet(title='x', headers=['a', 'b', 'c'], rows=rows)])),
                                   read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows()) == 30_001


@pytest.mark.parametrize('text', ['=HYPERLINK("http://evil.example";"x")', '+33 6 12 34 56 78', '-1', '@SUM(A1:A2)',
                                  '\t=cmd', '\r=cmd', '\x01=1+1'])
def test_a_text_that_starts_like_a_formula_carries_the_quote_prefix_so_no_spreadsheet_reads_it_as_one_on_edit(text):
    sheet = workbook([[text, 'Dupont SARL', Decimal('-12.50'), -3]], ['Nom', 'Autre', 'Montant', 'Nombre']
                     ).worksheets[0]
    quoted, plain, amount, number = sheet['A2'], sheet['B2'], sheet['C2'], sheet['D2']
    # XML reads a carriage return as a line feed; the rest comes back as written, control characters dropped.
    assert quoted.quotePrefix and quoted.data_type == 's'
    assert quoted.value == text.replace('\x01', '').replace('\r', '\n')
    assert quoted.number_format == '@'
    assert not plain.quotePrefix and plain.value == 'Dupont SARL'
    assert (amount.value, amount.data_type, amount.quotePrefix) == (-12.5, 'n', False)  # numbers stay numbers
    assert (number.value, number.data_type, number.quotePrefix) == (-3, 'n', False)


def test_a_header_that_starts_like_a_formula_is_quoted_and_stays_bold():
    cell = workbook([['x']], ['=Total']).worksheets[0]['A1']
    assert cell.quotePrefix and cell.font.b and cell.value == '=Total'
