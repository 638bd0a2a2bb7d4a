"""The registry of document types (logic/doctypes.py) holds together with what reads it."""
import doctest

import pytest

import logic.doctypes
import logic.states
from logic import doctypes
from logic.numbering import DEFAULT_PATTERNS, SERIES_LABELS, validate_pattern
from logic.states import LABEL_SETS, TRANSITIONS


def test_the_examples_of_the_registry_and_of_the_state_machines_hold():
    for module in (logic.doctypes, logic.states):
        results = doctest.testmod(module)
        assert results.attempted and not results.failed


@pytest.mark.parametrize('key', doctypes.keys(legal=True))
def test_every_legal_type_is_numbered_at_validation_in_a_chronological_series(key):
    entry = doctypes.doc_type(key)
    assert entry.numbered_at == 'validation' and doctypes.is_chronological(entry.series)
    assert entry.machine == 'invoice'


@pytest.mark.parametrize('key', list(doctypes.TYPES))
def test_every_type_names_things_that_exist(key):
    entry = doctypes.doc_type(key)
    assert entry.series is None or entry.series in doctypes.SERIES
    assert entry.machine is None or entry.machine in TRANSITIONS
    assert (entry.state_labels or entry.machine) is None or (entry.state_labels or entry.machine) in LABEL_SETS
    assert all(target in doctypes.TYPES for target in entry.converts_to)
    assert entry.type_code in (None, '380', '381', '386')
    assert (entry.numbered_at == 'never') == (entry.series is None)


def test_the_numbering_settings_offer_every_series_with_a_valid_default_pattern():
    assert list(DEFAULT_PATTERNS) == list(SERIES_LABELS) == list(doctypes.SERIES)
    for pattern in DEFAULT_PATTERNS.values():
        validate_pattern(pattern, 'yearly')


def test_a_copy_is_made_as_a_type_the_editor_creates():
    assert doctypes.keys(creatable=True) == ('quote', 'invoice', 'order', 'delivery_note')
    for key in doctypes.keys():
        copy = doctypes.copy_type(key)
        assert doctypes.doc_type(copy).creatable or copy == key


def test_printouts_are_not_listed_documents():
    assert 'deposit_request' not in doctypes.keys() and 'dunning' not in doctypes.keys()
    assert doctypes.keys(listed=False) == ('deposit_request', 'dunning')
    assert doctypes.label('deposit_request') == 'Demande d’acompte' and doctypes.label('inconnu') == 'inconnu'
