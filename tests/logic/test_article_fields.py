from decimal import Decimal

import pytest

from logic.article import clean_article, clean_kind, clean_price, format_price
from logic.article_fields import COLUMNS, import_fields, preview_import, sample_csv
from logic.importing import format_problems, guess_mapping
from logic.tabular import read_table

D = Decimal
RATES = [(1, D('20'), 'TVA 20 %'), (2, D('10'), 'TVA 10 %'), (3, D('5.5'), 'TVA 5,5 %'), (4, D('0'), 'Exonéré'),
         (5, D('0'), 'Export')]
UNITS = {'unité': 1, 'C62': 1, 'heure': 2, 'HUR': 2, 'm²': 3, 'MTK': 3}
FIELDS = import_fields(RATES, UNITS)


def check(data: bytes, filename: str = 'articles.csv'):
    table = read_table(data, filename)
    return preview_import(table, guess_mapping(table.headers, FIELDS), FIELDS)


@pytest.mark.parametrize('text, value', [('12,50', D('12.5')), ('12.50', D('12.5')), ('1 234,5 €', D('1234.5')),
                                         ('1.234,50', D('1234.5')), ('0,125', D('0.125')), ('', D('0')),
                                         ('0,000001', D('0.000001'))])
def test_prices_are_read_the_french_or_the_english_way(text, value):
    assert clean_price(text) == value


@pytest.mark.parametrize('text, message', [('12,5,0', 'n’est pas un nombre valide'), ('-3', 'négatif'),
                                           ('0,0000001', '6 décimales au plus'), ('douze', 'n’est pas un nombre')])
def test_bad_prices_are_refused_in_french(text, message):
    with pytest.raises(ValueError, match=message):
        clean_price(text)


def test_prices_show_the_cents_and_only_the_decimals_that_exist():
    assert [format_price(D(text)) for text in ('12.500000', '0.125000', '3')] == ['12,50', '0,125', '3,00']


@pytest.mark.parametrize('text, kind', [('Bien', 'good'), ('prestation', 'service'), ('Main d’œuvre', 'service'),
                                        ('Produit', 'good'), ('Service', 'service')])
def test_kinds_are_read_in_french_or_english(text, kind):
    assert clean_kind(text) == kind


def test_a_form_without_reference_or_designation_is_refused():
    _, errors = clean_article({'reference': ' ', 'designation': '', 'sales_account': '706 000'})
    assert set(errors) == {'reference', 'designation'}


def test_the_sample_file_has_every_column_and_no_problem():
    assert read_table(sample_csv(), 'x.csv').headers == [column.label for column in COLUMNS]
    preview = check(sample_csv())
    assert preview.ok, format_problems(preview.problems)
    assert [(r['reference'], r['unit_id'], r['vat_rate_id'], r['sale_price']) for r in preview.records] == [
        ('POSE-H', 2, 1, D('45')), ('PARQ-CH-14', 3, 2, D('62.5')), ('VIS-4x40', 1, 1, D('12.9'))]


def test_english_headers_and_a_percentage_cell_read_as_a_fraction():
    preview = check('SKU,Name,Unit price,VAT rate,Unit\nA1,Screw,"1,234.50",0.055,HUR\n'.encode())
    assert preview.records == [{'reference': 'A1', 'designation': 'Screw', 'sale_price': D('1234.5'),
                                'vat_rate_id': 3, 'unit_id': 2}]


def test_duplicate_references_in_a_file_are_reported_whatever_their_case():
    preview = check('Référence;Désignation\nkit;Un\nKIT;Deux\n'.encode())
    assert format_problems(preview.problems) == [
        'Ligne 3, colonne « Référence » : « KIT » figure deux fois dans cette colonne (lignes 2 et 3) : chaque '
        'valeur doit être unique.']
