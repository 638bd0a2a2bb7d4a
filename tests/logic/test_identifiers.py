import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.eu import vat

from logic.errors import DomainError
from logic.identifiers import (
    IdentifierError, check_siret_matches_siren, check_vat_matches_siren, clean_ape, clean_bic, clean_iban, clean_siren,
    clean_siret, clean_vat_number, format_iban, format_siren, format_siret, siren_of_siret, vat_number_from_siren,
)

# Real identifiers: a French company, La Poste (whose establishments escape the Luhn rule), a bank account.
SIREN = '732829320'
SIRET = '73282932000074'
VAT_SIREN = '303265045'
VAT_NUMBER = 'FR40303265045'
IBAN_FR = 'FR7630006000011234567890189'


@pytest.mark.parametrize('typed', ['732829320', '732 829 320', ' 732.829.320 ', '732\u00a0829\u202f320'])
def test_it_accepts_a_siren_however_it_is_spaced(typed):
    assert clean_siren(typed) == SIREN


@pytest.mark.parametrize(('typed', 'message'), [
    ('732829321', 'SIREN invalide : la clé de contrôle ne correspond pas.'),
    ('73282932', 'SIREN invalide : 9 chiffres attendus (8 saisis).'),
    ('73282932A', 'SIREN invalide : il ne doit contenir que des chiffres.'),
    ('７３２８２９３２０', 'SIREN invalide : il ne doit contenir que des chiffres.'),  # full-width digits
])
def test_it_refuses_a_wrong_siren_with_a_french_message(typed, message):
    with pytest.raises(IdentifierError) as caught:
        clean_siren(typed)
    assert str(caught.value) == message


def test_its_errors_are_domain_errors_the_ui_can_show():
    assert issubclass(IdentifierError, DomainError)
    assert issubclass(IdentifierError, ValueError)


@pytest.mark.parametrize('function', [clean_siren, clean_siret, clean_vat_number, clean_iban, clean_bic, clean_ape])
def test_it_leaves_an_empty_optional_field_empty(function):
    assert function('') == ''
    assert function('   ') == ''


def test_it_accepts_a_siret():
    assert clean_siret('732 829 320 00074') == SIRET


def test_it_refuses_a_siret_with_a_wrong_key():
    with pytest.raises(IdentifierError, match='SIRET invalide : la clé de contrôle ne correspond pas'):
        clean_siret('73282932000075')


def test_it_refuses_a_siret_of_the_wrong_length():
    with pytest.raises(IdentifierError, match=r'14 chiffres attendus \(9 saisis\)'):
        clean_siret(SIREN)


@pytest.mark.parametrize('siret', ['35600000000048', '35600000049837'])
def test_it_accepts_la_poste_establishments_that_escape_the_luhn_rule(siret):
    assert not luhn.is_valid(siret) or siret == '35600000000048'
    assert clean_siret(siret) == siret


def test_it_refuses_a_la_poste_siret_whose_digits_do_not_sum_to_a_multiple_of_five():
    with pytest.raises(IdentifierError):
        clean_siret('35600000049838')


def test_it_reads_the_siren_inside_a_siret():
    assert siren_of_siret('732 829 320 00074') == SIREN


def test_it_checks_that_a_siret_belongs_to_the_siren():
    check_siret_matches_siren(SIREN, SIRET)
    check_siret_matches_siren('', SIRET)  # nothing to compare
    with pytest.raises(IdentifierError, match='doit commencer par 303 265 045'):
        check_siret_matches_siren(VAT_SIREN, SIRET)


@pytest.mark.parametrize('typed', ['FR40303265045', 'fr 40 303 265 045', 'FR-40.303.265.045'])
def test_it_accepts_a_french_vat_number_in_compact_upper_form(typed):
    assert clean_vat_number(typed) == VAT_NUMBER


@pytest.mark.parametrize(('typed', 'expected'), [('DE 136 695 976', 'DE136695976'), ('BE0203201340', 'BE0203201340'),
                                                 ('ATU13585627', 'ATU13585627'), ('FRK7399859412', 'FRK7399859412')])
def test_it_accepts_other_eu_vat_numbers_and_new_style_french_ones(typed, expected):
    assert clean_vat_number(typed) == expected


@pytest.mark.parametrize(('typed', 'message'), [
    ('FR41303265045', 'la clé de contrôle ne correspond pas'),
    ('40303265045', 'doit commencer par le code du pays'),
    ('GB980780684', '« GB » n’est pas le code d’un pays de l’Union européenne'),
    ('FR4030326504', 'le format ne correspond pas à celui du pays FR'),
])
def test_it_refuses_a_wrong_vat_number(typed, message):
    with pytest.raises(IdentifierError, match=message):
        clean_vat_number(typed)


def test_it_computes_the_french_vat_number_of_a_siren():
    assert vat_number_from_siren('303 265 045') == VAT_NUMBER
    assert vat_number_from_siren('') == ''


@given(st.integers(min_value=10_000_000, max_value=99_999_999))
def test_the_vat_number_computed_from_any_valid_siren_passes_the_official_check(body):
    siren = f'{body}{luhn.calc_check_digit(str(body))}'
    number = vat_number_from_siren(siren)
    assert vat.is_valid(number)
    check_vat_matches_siren(number, siren)


def test_it_refuses_a_french_vat_number_of_another_company():
    with pytest.raises(IdentifierError, match='pour ce SIREN, c’est FR44732829320'):
        check_vat_matches_siren(VAT_NUMBER, SIREN)


def test_it_does_not_compare_a_foreign_vat_number_with_a_siren():
    check_vat_matches_siren('DE136695976', SIREN)


def test_it_accepts_an_iban_and_returns_it_compact():
    assert clean_iban('fr76 3000 6000 0112 3456 7890 189') == IBAN_FR
    assert clean_iban('DE89 3704 0044 0532 0130 00') == 'DE89370400440532013000'


@pytest.mark.parametrize(('typed', 'message'), [
    ('FR76 3000 6000 0112 3456 7890 188', 'IBAN invalide : la clé de contrôle ne correspond pas'),
    # The IBAN key is right but the French RIB key inside is not: only the national check sees the typo.
    ('FR0630006000011234567890188', 'IBAN invalide : la clé RIB ne correspond pas'),
    ('FR76 3000 6000 0112 3456 7890 18', r'IBAN invalide : 27 caractères attendus pour ce pays \(26 saisis\)'),
    ('XX7630006000011234567890189', 'IBAN invalide : « XX » n’est pas un code pays connu'),
    ('FR76 3000 6000 0112 3456 7890 1*9', 'IBAN invalide'),
])
def test_it_refuses_a_wrong_iban(typed, message):
    with pytest.raises(IdentifierError, match=message):
        clean_iban(typed)


@pytest.mark.parametrize(('typed', 'expected'), [('BNPAFRPP', 'BNPAFRPP'), ('bnpa fr pp xxx', 'BNPAFRPPXXX'),
                                                 ('AGRIFRPP882', 'AGRIFRPP882')])
def test_it_accepts_a_bic(typed, expected):
    assert clean_bic(typed) == expected


@pytest.mark.parametrize(('typed', 'message'), [
    ('BNPAFR', r'8 ou 11 caractères attendus \(6 saisis\)'),
    ('BNPAXXPP', '« XX » n’est pas un code pays connu'),
    ('BNPAFRP*', 'BIC invalide : format attendu comme BNPAFRPP ou BNPAFRPPXXX'),
])
def test_it_refuses_a_wrong_bic(typed, message):
    with pytest.raises(IdentifierError, match=message):
        clean_bic(typed)


@pytest.mark.parametrize('typed', ['6201Z', '62.01Z', '62.01 z', '62 01Z'])
def test_it_spells_an_ape_code_the_insee_way(typed):
    assert clean_ape(typed) == '62.01Z'


@pytest.mark.parametrize('typed', ['620Z', '62011', 'Z6201', '62.01ZZ'])
def test_it_refuses_a_malformed_ape_code(typed):
    with pytest.raises(IdentifierError, match='Code APE invalide'):
        clean_ape(typed)


def test_it_groups_identifiers_for_display():
    assert format_iban(IBAN_FR) == 'FR76 3000 6000 0112 3456 7890 189'
    assert format_siren(SIREN) == '732 829 320'
    assert format_siret(SIRET) == '732 829 320 00074'


def test_it_shows_a_legacy_malformed_identifier_as_stored_rather_than_hiding_it():
    assert format_siren('12345') == '12345'
    assert format_siret('') == ''
