"""The names of the files the app offers: French, dated for lists, numbered for documents, safe on any disk."""
from datetime import date

import pytest

from logic import doctypes
from logic.filenames import dated_file, document_stem, family_file, size_text, slug

DAY = date(2026, 12, 6)


@pytest.mark.parametrize(('family', 'expected'), [('invoice', 'factures-2026-12-06.pdf'),
                                                  ('quote', 'devis-2026-12-06.pdf'),
                                                  ('order', 'bons-de-commande-2026-12-06.pdf')])
def test_a_list_file_is_named_after_the_family_in_french_and_the_day(family, expected):
    assert family_file(family, 'pdf', today=DAY) == expected


def test_every_listed_family_gets_a_french_ascii_name():
    for family in {doctypes.doc_type(key).family for key in doctypes.keys(listed=True)}:
        name = family_file(family, 'xlsx', today=DAY)
        assert name.isascii() and family.replace('_', '-') not in name, name


def test_an_export_is_named_after_its_subject_and_the_day():
    assert dated_file('contacts', 'xlsx', today=DAY) == 'contacts-2026-12-06.xlsx'
    assert dated_file('Articles sélectionnés', 'xlsx', today=DAY) == 'articles-selectionnes-2026-12-06.xlsx'


def test_a_document_file_takes_its_number_and_a_draft_its_type_and_id():
    assert document_stem('F2026-00002', 'invoice', 7) == 'F2026-00002'
    assert document_stem('F2026/002', 'invoice', 7) == 'F2026_002'
    assert document_stem('', 'invoice', 12) == 'facture-brouillon-12'
    assert document_stem('', 'credit_note', 3) == 'avoir-brouillon-3'


def test_slugs_keep_only_plain_letters_digits_and_dashes():
    assert slug('Factures d’acompte') == 'factures-d-acompte'
    assert slug('../../etc') == 'etc'
    assert slug('***') == 'fichier'


@pytest.mark.parametrize(('size', 'text'), [(1, '1 octet'), (850, '850 octets'), (12 * 1024, '12 Ko'),
                                            (int(3.4 * 1024 * 1024), '3,4 Mo')])
def test_a_file_size_reads_the_french_way(size, text):
    assert size_text(size) == text
