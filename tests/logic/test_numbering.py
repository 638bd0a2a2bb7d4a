import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic.numbering import (DEFAULT_PATTERNS, RESET_LABELS, SERIES_LABELS, PatternError, period_key, render,
                             validate_pattern)

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
