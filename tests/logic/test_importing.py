import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logic import sandbox, tabular
from logic.identifiers import clean_siren
from logic.importing import (
    Field, Problem, format_problems, guess_mapping, parse_bool_fr, parse_date_fr, parse_decimal_fr, parse_int,
    parse_percent, validate_rows,
)
from logic.tabular import Table, TabularError, parse_table, read_table

# Roughly what pages/db declare for a contact import.
CONTACT_FIELDS = [
    Field(key='name', label='Nom', aliases=('Raison sociale', 'Société', 'Company', 'Name'), required=True),
    Field(key='siren', label='SIREN', aliases=('N° SIREN', 'Siren number'), parse=clean_siren, unique=True),
    Field(key='postcode', label='Code postal', aliases=('CP', 'Postcode', 'Post code', 'ZIP', 'Zip code')),
    Field(key='city', label='Ville', aliases=('City', 'Town')),
    Field(key='phone', label='Téléphone', aliases=('Tél', 'Phone')),
    Field(key='created', label='Client depuis', aliases=('Since',), parse=parse_date_fr),
    Field(key='active', label='Actif', aliases=('Active',), parse=parse_bool_fr),
]


def table(headers: list[str], *rows: list[str]) -> Table:
    return Table(headers=headers, rows=[list(row) for row in rows])


def validate(data: Table):
    return validate_rows(data, guess_mapping(data.headers, CONTACT_FIELDS), CONTACT_FIELDS)


# --- Mapping --------------------------------------------------------------------------------------------------------

def test_it_maps_french_headers_whatever_their_case_accents_and_punctuation():
    headers = ['RAISON SOCIALE', 'n° siren', 'Code_Postal', 'ville', 'Telephone', 'Remarques']
    assert guess_mapping(headers, CONTACT_FIELDS) == {0: 'name', 1: 'siren', 2: 'postcode', 3: 'city', 4: 'phone',
                                                      5: None}


def test_it_maps_english_headers():
    headers = ['Company', 'Siren Number', 'Post-code', 'City', 'Phone']
    assert guess_mapping(headers, CONTACT_FIELDS) == {0: 'name', 1: 'siren', 2: 'postcode', 3: 'city', 4: 'phone'}


@pytest.mark.parametrize('header', ['Code postal', 'CP', 'cp', 'Postcode', 'ZIP', 'Zip code', 'code-postal'])
def test_it_recognises_every_usual_spelling_of_the_postcode(header):
    assert guess_mapping([header], CONTACT_FIELDS) == {0: 'postcode'}


def test_it_maps_each_field_at_most_once_to_the_first_column_naming_it():
    assert guess_mapping(['CP', 'Nom', 'Code postal'], CONTACT_FIELDS) == {0: 'postcode', 1: 'name', 2: None}


def test_an_exact_label_wins_over_another_fields_alias():
    fields = [Field(key='contact', label='Contact', aliases=('Nom',)), Field(key='name', label='Nom')]
    assert guess_mapping(['Nom'], fields) == {0: 'name'}


# --- Validation -----------------------------------------------------------------------------------------------------

def test_it_parses_a_clean_file_into_records_with_their_spreadsheet_rows():
    preview = validate(table(['Nom', 'SIREN', 'CP', 'Client depuis', 'Actif', 'Notes'],
                             ['Dupont SA', '732 829 320', '01000', '31/01/2024', 'oui', 'ignoré'],
                             ['', '', '', '', '', ''],
                             ['Durand', '', '75002', '', 'non', '']))
    assert preview.ok
    assert preview.problems == []
    assert preview.records == [
        {'name': 'Dupont SA', 'siren': '732829320', 'postcode': '01000', 'created': date(2024, 1, 31), 'active': True},
        {'name': 'Durand', 'postcode': '75002', 'active': False},  # empty cells are left out: model defaults apply
    ]
    assert preview.row_numbers == [2, 4]  # the blank row 3 is skipped, numbering is kept
    assert preview.mapped == {'name': 'Nom', 'siren': 'SIREN', 'postcode': 'CP', 'created': 'Client depuis',
                              'active': 'Actif'}


def test_it_reports_a_missing_required_value_at_its_row_and_column():
    preview = validate(table(['Nom', 'Ville'], ['Dupont', 'Paris'], ['', 'Lyon']))
    assert preview.problems == [Problem(row=3, column='Nom', message='Valeur obligatoire manquante (Nom).')]


def test_it_reports_the_parsers_french_message():
    preview = validate(table(['Société', 'N° SIREN'], ['Dupont', '732829321']))
    assert preview.problems == [Problem(row=2, column='N° SIREN',
                                        message='SIREN invalide : la clé de contrôle ne correspond pas.')]


def test_it_names_both_rows_of_a_duplicate_in_a_unique_column():
    preview = validate(table(['Nom', 'SIREN'], ['A', '732829320'], ['B', '303265045'], ['C', '732 829 320']))
    assert preview.problems == [Problem(row=4, column='SIREN', message=(
        '« 732 829 320 » figure deux fois dans cette colonne (lignes 2 et 4) : chaque valeur doit être unique.'))]


def test_it_treats_references_differing_only_by_case_as_duplicates():
    fields = [Field(key='reference', label='Référence', required=True, unique=True)]
    preview = validate_rows(table(['Référence'], ['ABC-1'], ['abc-1']), {0: 'reference'}, fields)
    assert [problem.row for problem in preview.problems] == [3]


def test_it_reports_a_required_field_left_unmapped_once_for_the_whole_file():
    preview = validate(table(['Ville', 'CP'], ['Paris', '75002'], ['Lyon', '69001']))
    assert preview.problems == [Problem(row=0, column='Nom', message=(
        'Colonne obligatoire manquante : « Nom ». Associez-lui une colonne du fichier.'))]
    assert preview.records == []


def test_it_reports_a_field_the_user_mapped_to_two_columns():
    data = table(['Nom', 'Raison sociale'], ['A', 'B'])
    preview = validate_rows(data, {0: 'name', 1: 'name'}, CONTACT_FIELDS)
    assert preview.problems == [Problem(row=0, column='Nom', message=(
        'Le champ « Nom » est associé à deux colonnes : « Nom » et « Raison sociale ». '
        'Choisissez-en une seule.'))]


def test_it_follows_the_mapping_the_user_corrected():
    data = table(['Colonne 1', 'Colonne 2'], ['Dupont', 'Paris'])
    preview = validate_rows(data, {0: 'name', 1: 'city'}, CONTACT_FIELDS)
    assert preview.records == [{'name': 'Dupont', 'city': 'Paris'}]


def test_a_single_bad_row_leaves_nothing_to_import():
    rows = [[f'Client {i}', ''] for i in range(100)]
    rows[57][1] = 'pas un siren'
    preview = validate(table(['Nom', 'SIREN'], *rows))
    assert not preview.ok
    assert [problem.row for problem in preview.problems] == [59]
    assert preview.records == [] and preview.row_numbers == []


def test_it_reports_every_problem_of_the_file_at_once():
    preview = validate(table(['Nom', 'SIREN', 'Actif'], ['', '123', 'peut-être'], ['B', '', 'oui'], ['', '', '']))
    assert [(problem.row, problem.column) for problem in preview.problems] == [(2, 'Nom'), (2, 'SIREN'), (2, 'Actif')]


def test_it_refuses_a_mapping_to_a_field_that_does_not_exist():
    with pytest.raises(KeyError):
        validate_rows(table(['Nom'], ['A']), {0: 'nickname'}, CONTACT_FIELDS)


def test_it_imports_a_french_excel_csv_from_end_to_end():
    data = 'Raison sociale;N° SIREN;CP;Ville\nBoulangerie Lebœuf;732829320;01000;Bourg-en-Bresse\n'.encode('cp1252')
    preview = validate(read_table(data, 'clients.csv'))
    assert preview.records == [{'name': 'Boulangerie Lebœuf', 'siren': '732829320', 'postcode': '01000',
                                'city': 'Bourg-en-Bresse'}]


# --- Problem lines ----------------------------------------------------------------------------------------------------

def test_it_formats_problems_as_french_lines():
    problems = [Problem(row=0, column='Nom', message='Colonne obligatoire manquante : « Nom ».'),
                Problem(row=5, column='SIREN', message='SIREN invalide : la clé de contrôle ne correspond pas.')]
    assert format_problems(problems) == [
        'Colonne obligatoire manquante : « Nom ».',
        'Ligne 5, colonne « SIREN » : SIREN invalide : la clé de contrôle ne correspond pas.',
    ]


def test_it_shortens_a_long_list_of_problems():
    problems = [Problem(row=row, column='SIREN', message='invalide') for row in range(2, 12)]
    lines = format_problems(problems, limit=3)
    assert lines[-1] == '… et 7 autre(s) erreur(s).'
    assert len(lines) == 4


# --- Parsers ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(('text', 'expected'), [
    ('12,50', '12.50'), ('12.50', '12.50'), ('1 234,50', '1234.50'), ('1.234,50', '1234.50'),
    ('1\u202f234,50', '1234.50'), ('1,234.50', '1234.50'), ('1.234.567', '1234567'), ('-3,2 €', '-3.2'),
    ('+4', '4'), ('0', '0'), (',5', '0.5'), ('12 EUR', '12'), ('\u22121,5', '-1.5'),
])
def test_it_reads_numbers_the_way_french_users_write_them(text, expected):
    assert parse_decimal_fr(text) == Decimal(expected)


# '1,' reads as 1, as in the editor (logic.money.parse_number: one rule for typing and importing).
@pytest.mark.parametrize('text', ['12,5,0', '12 50', '12 34,5', '1 2', 'abc', '1.234,5.6', '1,234,56', '--1', '١٢',
                                  ''])
def test_it_refuses_a_malformed_number(text):
    with pytest.raises(ValueError):
        parse_decimal_fr(text)


def test_its_number_message_is_french():
    with pytest.raises(ValueError, match=r'« 12,5,0 » n’est pas un nombre valide \(exemple : 1 234,50\)'):
        parse_decimal_fr('12,5,0')


@given(st.decimals(min_value=Decimal('-1e9'), max_value=Decimal('1e9'), places=2))
def test_any_amount_formatted_the_french_way_reads_back_to_the_cent(amount):
    french = f'{amount:,.2f}'.replace(',', '\u202f').replace('.', ',')
    assert parse_decimal_fr(french) == amount


@pytest.mark.parametrize(('text', 'expected'), [
    ('31/01/2024', date(2024, 1, 31)), ('1/2/2024', date(2024, 2, 1)), ('31.01.2024', date(2024, 1, 31)),
    ('2024-01-31', date(2024, 1, 31)), ('2024-01-31T10:00:00', date(2024, 1, 31)),
    ('45292', date(2024, 1, 1)), ('45292.75', date(2024, 1, 1)),  # Excel turned the date into a number
])
def test_it_reads_dates_in_french_iso_and_excel_serial_form(text, expected):
    assert parse_date_fr(text) == expected


@pytest.mark.parametrize(('text', 'message'), [
    ('31/02/2024', 'cette date n’existe pas'), ('2024', 'n’est pas une date valide'),
    ('31/01/24', 'format attendu : JJ/MM/AAAA'), ('99999', 'n’est pas une date valide'),
])
def test_it_refuses_a_wrong_date(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date_fr(text)


@pytest.mark.parametrize(('text', 'expected'), [('20', '20'), ('20 %', '20'), ('5,5%', '5.5'), ('0', '0')])
def test_it_reads_a_percentage(text, expected):
    assert parse_percent(text) == Decimal(expected)


@pytest.mark.parametrize('text', ['120', '-5', 'vingt'])
def test_it_refuses_a_percentage_out_of_range_or_malformed(text):
    with pytest.raises(ValueError, match='pourcentage'):
        parse_percent(text)


def test_it_reads_an_integer_and_refuses_a_fraction():
    assert parse_int('1 200') == 1200
    assert parse_int('12') == 12
    with pytest.raises(ValueError, match='« 2,5 » n’est pas un nombre entier'):
        parse_int('2,5')


@pytest.mark.parametrize('text', ['oui', 'OUI', 'Vrai', '1', 'yes', 'x', 'X'])
def test_it_reads_yes(text):
    assert parse_bool_fr(text) is True


@pytest.mark.parametrize('text', ['non', 'Faux', '0', 'no', 'NON'])
def test_it_reads_no(text):
    assert parse_bool_fr(text) is False


def test_it_refuses_an_answer_that_is_neither_yes_nor_no():
    with pytest.raises(ValueError, match='répondez par oui ou non'):
        parse_bool_fr('peut-être')


# --- Hostile files: every limit is reached while streaming, in a child process under hard limits ------------------

MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
RELATIONSHIPS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
PACKAGE_PARTS = {
    '[Content_Types].xml': (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
    '_rels/.rels': (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    'xl/workbook.xml': (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/>'
        '</sheets></workbook>'),
    'xl/_rels/workbook.xml.rels': (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
}


def handmade_xlsx(rows: Iterable[bytes], strings: Iterable[bytes] = (b'<si><t>Nom</t></si>',),
                  parts: dict[str, bytes] | None = None) -> bytes:
    """An XLSX file written part by part, as a hostile user would: `rows` and `strings` are streamed into the
    worksheet and the shared strings (deflate makes millions of identical elements tiny)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PACKAGE_PARTS.items():
            archive.writestr(name, text)
        for name, text in (parts or {}).items():
            archive.writestr(name, text)
        for name, head, chunks, tail in (
                ('xl/sharedStrings.xml', f'<sst xmlns="{MAIN}">', strings, '</sst>'),
                ('xl/worksheets/sheet1.xml', f'<worksheet xmlns="{MAIN}"><sheetData>', rows,
                 '</sheetData></worksheet>')):
            with archive.open(name, 'w') as member:
                member.write(head.encode())
                for chunk in chunks:
                    member.write(chunk)
                member.write(tail.encode())
    return buffer.getvalue()


def repeated(element: bytes, count: int) -> Iterator[bytes]:
    block = element * 10_000
    for _ in range(count // 10_000):
        yield block
    yield element * (count % 10_000)


HEADER = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'


@pytest.fixture
def tight_reader(monkeypatch):
    """The child reads under 150 MB of address space and 10 s: a file refused by its limits never comes near."""
    monkeypatch.setattr(tabular, 'READER', sandbox.Limits(memory_bytes=150 * 1024 * 1024, cpu_seconds=10,
                                                          wall_seconds=20))


def test_handmade_xlsx_files_are_real_spreadsheets():
    data = handmade_xlsx([HEADER, b'<row r="2"><c r="A2" t="inlineStr"><is><t>Dupont</t></is></c></row>'])
    assert read_table(data, 'f.xlsx') == Table(headers=['Nom'], rows=[['Dupont']])


def test_it_refuses_an_xlsx_of_millions_of_shared_strings_before_reading_them(tight_reader):
    # The file: 488 KB, 11.8 million shared strings, 147 s and 1.1 GB to refuse before.
    data = handmade_xlsx([HEADER], [b'<si><t>Nom</t></si>', *repeated(b'<si><t>a</t></si>', 11_800_000)])
    assert len(data) < 500_000
    with pytest.raises(TabularError, match='Le fichier Excel est trop volumineux une fois décompressé'):
        read_table(data, 'f.xlsx')


def test_it_refuses_an_xlsx_of_millions_of_cells_in_one_row_before_reading_them(tight_reader):
    # The other file: 5.3 million cells in one row, 4.9 GB at its peak before.
    data = handmade_xlsx([b'<row r="1">', *repeated(b'<c t="s"><v>0</v></c>', 5_300_000), b'</row>'])
    assert len(data) < 600_000
    with pytest.raises(TabularError, match='Le fichier Excel est trop volumineux une fois décompressé'):
        read_table(data, 'f.xlsx')


def test_it_counts_shared_strings_while_streaming_them(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_CELLS', 1000)
    strings = (f'<si><t>{index}</t></si>'.encode() for index in range(1001))
    with pytest.raises(TabularError, match='Le fichier Excel contient plus de 1\u202f000 textes'):
        read_table(handmade_xlsx([HEADER], strings), 'f.xlsx')


def test_it_counts_elements_written_with_a_namespace_prefix_too(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_CELLS', 1000)
    strings = (f'<x:si xmlns:x="{MAIN}"><x:t>{index}</x:t></x:si>'.encode() for index in range(1001))
    with pytest.raises(TabularError, match='Le fichier Excel contient plus de 1\u202f000 textes'):
        read_table(handmade_xlsx([HEADER], strings), 'f.xlsx')


def test_it_counts_cells_while_streaming_them(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_CELLS', 1000)
    monkeypatch.setattr(tabular, 'MAX_ROWS', 100)
    rows = (b'<row>' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 20 + b'</row>' for _ in range(60))
    with pytest.raises(TabularError, match='Le fichier Excel contient plus de 1\u202f000 cellules'):
        read_table(handmade_xlsx(rows), 'f.xlsx')


def test_it_refuses_cells_beyond_the_last_column_allowed_even_empty():
    row = b'<row r="2">' + b'<c s="1"/>' * (tabular.MAX_COLUMNS + 1) + b'</row>'
    with pytest.raises(TabularError, match='Ligne 2 : le fichier Excel a des cellules .* au-delà de la colonne GR'):
        read_table(handmade_xlsx([HEADER, row]), 'f.xlsx')


def test_it_refuses_a_value_beyond_the_last_row_allowed(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_ROWS', 3)
    far = b'<row r="2"><c t="inlineStr"><is><t>A</t></is></c></row><row r="1000000"><c><v>1</v></c></row>'
    with pytest.raises(TabularError, match='Le fichier contient plus de 3 lignes'):
        read_table(handmade_xlsx([HEADER, far]), 'f.xlsx')


@pytest.mark.parametrize('where', ['shared string', 'inline string'])
def test_it_refuses_a_cell_longer_than_excel_allows(where):
    text = b'<t>' + b'x' * (tabular.MAX_CELL_CHARS + 1) + b'</t>'
    if where == 'shared string':
        data = handmade_xlsx([HEADER, b'<row r="2"><c t="s"><v>1</v></c></row>'], [b'<si><t>Nom</t></si>',
                                                                                   b'<si>' + text + b'</si>'])
    else:
        data = handmade_xlsx([HEADER, b'<row r="2"><c t="inlineStr"><is>' + text + b'</is></c></row>'])
    with pytest.raises(TabularError, match='ne cellule.* contient plus de 32\u202f767 caractères'):
        read_table(data, 'f.xlsx')


def test_it_refuses_an_abnormally_compressed_part():
    with pytest.raises(TabularError, match='anormalement compressé'):
        read_table(handmade_xlsx([HEADER], parts={'xl/media/padding.xml': b' ' * (2 * 1024 * 1024)}), 'f.xlsx')


def test_it_refuses_an_archive_of_too_many_parts(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_MEMBERS', 10)
    parts = {f'xl/media/part{index}.xml': b'<a/>' for index in range(10)}
    with pytest.raises(TabularError, match='contient trop de parties'):
        read_table(handmade_xlsx([HEADER], parts=parts), 'f.xlsx')


def test_it_bounds_the_elements_of_the_parts_openpyxl_reads_at_once():
    styles = f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode() + b'<xf/>' * 200_000 + b'</cellXfs></styleSheet>'
    with pytest.raises(TabularError, match='anormalement complexe'):
        read_table(handmade_xlsx([HEADER], parts={'xl/styles.xml': styles}), 'f.xlsx')


def test_it_refuses_entity_declarations_as_a_damaged_file():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
              b'<sst xmlns="' + MAIN.encode() + b'"><si><t>&b;</t></si></sst>')
    buffer = io.BytesIO(handmade_xlsx([HEADER]))
    data = buffer.getvalue().replace(b'xl/sharedStrings.xml', b'xl/sharedStrings.old')
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, 'a') as archive:
        archive.writestr('xl/sharedStrings.xml', laughs)
    with pytest.raises(TabularError, match='endommagé ou incomplet'):
        read_table(buffer.getvalue(), 'f.xlsx')


def test_it_refuses_a_csv_line_of_a_million_separators_before_splitting_it():
    with pytest.raises(TabularError, match='Ligne 2 : plus de 200 colonnes'):
        read_table(b'Nom\n' + b';' * 1_000_000 + b'\n', 'f.csv')


def test_it_refuses_a_csv_with_more_columns_than_allowed(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_COLUMNS', 3)
    with pytest.raises(TabularError, match='Ligne 1 : plus de 3 colonnes'):
        read_table(b'A;B;C;D\n1;2;3;4\n', 'f.csv')


@pytest.mark.parametrize('length', [40_000, 200_000])
def test_it_refuses_a_csv_cell_longer_than_excel_allows(length):
    data = b'Nom;Notes\nDupont;"' + b'x' * length + b'"\n'
    with pytest.raises(TabularError, match='Ligne 2.* cellule contient plus de 32\u202f767 caractères'):
        read_table(data, 'f.csv')


def test_it_bounds_the_text_of_the_whole_file(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_TEXT_CHARS', 100)
    with pytest.raises(TabularError, match='plus de 100 caractères de texte'):
        read_table(b'Nom\n' + b'Dupont\n' * 20, 'f.csv')


def test_it_counts_the_cells_of_a_csv_file_too(monkeypatch):
    monkeypatch.setattr(tabular, 'MAX_CELLS', 10)
    with pytest.raises(TabularError, match='Le fichier contient plus de 10 cellules'):
        read_table(b'A;B\n' + b'1;2\n' * 5, 'f.csv')


def test_it_refuses_a_file_whose_reading_needs_more_memory_than_its_process_has(monkeypatch):
    monkeypatch.setattr(tabular, 'READER', sandbox.Limits(memory_bytes=60 * 1024 * 1024, cpu_seconds=10,
                                                          wall_seconds=20))
    # Within every limit of the file (950,000 cells), but about 100 MB once read.
    data = '\n'.join([';'.join(f'C{index}' for index in range(19))] + [';'.join(['ab'] * 19)] * 50_000).encode()
    with pytest.raises(TabularError, match='Ce fichier demande trop de mémoire pour être lu'):
        read_table(data, 'f.csv')


def test_it_refuses_a_file_whose_reading_takes_longer_than_allowed(monkeypatch):
    monkeypatch.setattr(tabular, 'READER', sandbox.Limits(wall_seconds=0.001))
    with pytest.raises(TabularError, match='Ce fichier demande trop de temps pour être lu'):
        read_table(b'Nom\nDupont\n', 'f.csv')


def test_the_child_reads_what_the_process_itself_would():
    data = 'Raison sociale;CP\nBoulangerie Lebœuf;01000\n\nAtelier;69002\n'.encode('cp1252')
    assert read_table(data, 'clients.csv') == Table(**parse_table(data, 'clients.csv'))
