import re
from datetime import date
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic.numbering import (DEFAULT_PATTERNS, RESET_LABELS, SERIES_LABELS, PatternError, can_collide, check_distinct,
                             period_key, render, validate_pattern)

# What the French e-invoicing rules accept as an invoice number (BR-FR-01/02).
EINVOICE_NUMBER = re.compile(r'[A-Za-z0-9+_/-]{1,35}')


@pytest.mark.parametrize(('pattern', 'on', 'counter', 'expected'), [
    ('F{AAAA}-{N:5}', date(2026, 3, 9), 42, 'F2026-00042'),
    ('F{AAAA}-{N:5}', date(2026, 3, 9), 123456, 'F2026-123456'),
    ('{AA}{MM}/{N:3}', date(2027, 11, 30), 7, '2711/007'),
    ('FAC_{N}', date(2026, 1, 1), 1, 'FAC_1'),
    ('{N}', date(2026, 1, 1), 1234, '1234'),
    ('AV{AA}-{MM}-{N:4}', date(2030, 1, 5), 12, 'AV30-01-0012'),
])
def test_it_renders_numbers_from_a_pattern(pattern: str, on: date, counter: int, expected: str) -> None:
    assert render(pattern, on=on, counter=counter) == expected


def test_it_refuses_a_counter_below_one() -> None:
    with pytest.raises(ValueError):
        render('F{N}', on=date(2026, 1, 1), counter=0)


@pytest.mark.parametrize('reset', ['yearly', 'never'])
@pytest.mark.parametrize('pattern', ['F{AAAA}-{N:5}', 'F{AA}{MM}{N:4}', 'a/b_c-{AAAA}{N}', '{AAAA}{N:10}'])
def test_it_accepts_valid_patterns(pattern: str, reset: str) -> None:
    validate_pattern(pattern, reset)


def test_it_accepts_a_pattern_without_year_when_the_counter_never_resets() -> None:
    validate_pattern('F-{N:6}', 'never')


@pytest.mark.parametrize(('pattern', 'reset', 'message'), [
    ('F{AAAA}', 'yearly', 'compteur {N}'),
    ('F{N}-{N}', 'never', 'une fois et une seule'),
    ('F-{N:5}', 'yearly', "l'année"),
    ('F{MM}-{N:5}', 'yearly', "l'année"),
    ('F {AAAA}{N}', 'yearly', "pas contenir d'espace"),
    ('F\u00a0{AAAA}{N}', 'yearly', "pas contenir d'espace"),
    ('Fé{AAAA}{N}', 'yearly', 'Caractère non autorisé dans le modèle : « é »'),
    ('F+{AAAA}{N}', 'yearly', '« + »'),
    ('F.{AAAA}{N}', 'yearly', '« . »'),
    ('F{AAAA}}{N}', 'yearly', '« } »'),
    ('F{YYYY}{N}', 'yearly', 'Code inconnu dans le modèle : « {YYYY} »'),
    ('F{AAAA:2}{N}', 'yearly', '« {AAAA:2} »'),
    ('F{AAAA}{N', 'yearly', '« {N »'),
    ('F{AAAA}{N:0}', 'yearly', 'de 1 à 10 chiffres'),
    ('F{AAAA}{N:11}', 'yearly', 'de 1 à 10 chiffres'),
    ('', 'never', 'vide'),
    ('ABCDEFGHIJKLMNOPQRSTUVW-{AAAA}{N:8}', 'yearly', 'atteindre 36 caractères : 35 au maximum'),
    ('F{AAAA}{N}', 'monthly', 'Remise à zéro inconnue'),
])
def test_it_refuses_patterns_that_would_give_unusable_numbers(pattern: str, reset: str, message: str) -> None:
    with pytest.raises(PatternError) as error:
        validate_pattern(pattern, reset)
    assert message in str(error.value)


def test_it_checks_the_length_with_a_seven_digit_counter() -> None:
    validate_pattern('FACTURE-CLIENTS-PROS-{AAAA}-{N}', 'yearly')  # 21 + 4 + 1 + 7 = 33
    validate_pattern('ABCDEFGHIJKLMNOPQRSTUV-{AAAA}{N:8}', 'yearly')  # 23 + 4 + 8 = 35


@pytest.mark.parametrize(('reset', 'on', 'key'), [
    ('yearly', date(2026, 12, 31), '2026'), ('yearly', date(2027, 1, 1), '2027'), ('never', date(2026, 6, 1), ''),
])
def test_it_gives_the_counter_period(reset: str, on: date, key: str) -> None:
    assert period_key(reset, on) == key


def test_it_offers_one_default_series_per_document_type_with_deposits_in_the_invoice_series() -> None:
    assert set(DEFAULT_PATTERNS) == set(SERIES_LABELS) == {'quote', 'invoice', 'credit_note', 'order', 'delivery_note'}
    assert 'acompte' in SERIES_LABELS['invoice']
    prefixes = {pattern.split('{')[0] for pattern in DEFAULT_PATTERNS.values()}
    assert len(prefixes) == len(DEFAULT_PATTERNS)
    for pattern in DEFAULT_PATTERNS.values():
        for reset in RESET_LABELS:
            validate_pattern(pattern, reset)


@given(st.sampled_from(sorted(DEFAULT_PATTERNS.values())), st.dates(min_value=date(2000, 1, 1)),
       st.integers(min_value=1, max_value=9_999_999))
@settings(database=None)
def test_default_numbers_are_valid_e_invoice_numbers(pattern: str, on: date, counter: int) -> None:
    assert EINVOICE_NUMBER.fullmatch(render(pattern, on=on, counter=counter))


def test_the_default_series_never_give_the_same_number() -> None:
    for key, pattern in DEFAULT_PATTERNS.items():
        check_distinct(key, pattern, DEFAULT_PATTERNS)


@pytest.mark.parametrize(('first', 'second', 'collide'), [
    ('F{AAAA}-{N:5}', 'F{AAAA}-{N:5}', True),
    ('F{AAAA}-{N:5}', 'AV{AAAA}-{N:5}', False),
    ('F{AAAA}-{N:5}', 'F{AA}-{N:5}', False),  # the dash never falls at the same place
    ('F{AAAA}-{N:5}', 'F{AAAA}-{N}', True),  # F2026-100000: past 99999 a padded counter looks like a plain one
    ('F{AA}-{N:3}', 'F{AA}-{N:4}', True),  # F26-1000
    ('F{N}', 'F{AAAA}{N:5}', True),  # F202600001
    ('F{N}', 'F{AAAA}-{N:5}', False),  # no '-' in the first
    ('A{N}', 'A0{N}', False),  # an unpadded counter never starts with 0
    ('A{N:2}', 'A0{N}', True),  # A01
    ('A{N:2}', 'A00{N}', False),
    ('X{MM}{N}', 'X13{N:2}', False),  # no 13th month
    ('X{MM}{N}', 'X1{N}', True),  # X111: November's first, and the 11th
    ('{AAAA}/{N}', '{N}/{AAAA}', True),  # 2026/2026
    ('D{AAAA}-{N:5}', 'DE{AAAA}-{N:5}', False),
])
def test_it_tells_whether_two_patterns_can_ever_give_the_same_number(first: str, second: str, collide: bool) -> None:
    assert can_collide(first, second) is collide
    assert can_collide(second, first) is collide


def test_a_pattern_that_can_give_another_series_numbers_is_refused_naming_that_series() -> None:
    patterns = dict(DEFAULT_PATTERNS)
    with pytest.raises(PatternError, match="série « Factures et factures d'acompte » \\(F\\{AAAA\\}-\\{N:5\\}\\)"):
        check_distinct('credit_note', 'F{AAAA}-{N:5}', patterns)
    with pytest.raises(PatternError, match='série « Avoirs »'):
        check_distinct('invoice', 'AV{AAAA}-{N}', patterns)
    check_distinct('credit_note', 'AVR{AAAA}-{N:5}', patterns)
    check_distinct('invoice', 'F{AAAA}-{N:5}', patterns)  # its own pattern is not another series'


# Small pieces, so that random patterns often meet: one counter, a few digits and date codes around it.
PIECES = st.sampled_from(['A', '0', '1', '2', '-', '{AA}', '{MM}', '{AAAA}'])
COUNTERS = st.sampled_from(['{N}', '{N:1}', '{N:2}', '{N:3}'])
PATTERNS = st.builds(lambda before, counter, after: ''.join(before) + counter + ''.join(after),
                     st.lists(PIECES, max_size=3), COUNTERS, st.lists(PIECES, max_size=2))
# Dates and counters where numbers meet: years whose digits look like months or counters, counters past their width.
DATES = [date(year, month, 1) for year in (2000, 2010, 2012, 2026) for month in (1, 10, 11, 12)]
COUNTS = [*range(1, 130), 200, 201, 999, 1000, 1001, 1010, 1012, 1100, 2000, 2001, 2010, 2026, 9999, 10000, 10001,
          12026, 20001, 20261, 100000]


@cache
def numbers(pattern: str) -> set[str]:
    return {render(pattern, on=on, counter=counter) for on in DATES for counter in COUNTS}


@given(PATTERNS, PATTERNS)
@settings(database=None, max_examples=200, deadline=None)
def test_patterns_said_never_to_meet_never_give_the_same_number(first: str, second: str) -> None:
    """Soundness: whenever some dates and counters give both patterns the same number, `can_collide` says so."""
    common = numbers(first) & numbers(second)
    assert not common or can_collide(first, second), f'{first} and {second} both give {min(common)}'
