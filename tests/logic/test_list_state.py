"""A list's address (logic/list_state.py): what a link or bookmark says is read back exactly, what is not valid is
ignored, never refused."""
from datetime import date
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logic.list_state import ListSpec, ListState, address, choice, day, query_string, read, text

INVOICES = ListSpec(
    filters=(choice('etat', 'state', ('draft', 'validated', 'paid'), aliases=('state',)),
             choice('type', 'doc_type', ('invoice', 'credit_note'), aliases=('doc_type',)),
             day('du', 'start', aliases=('start',)), day('au', 'end', aliases=('end',)),
             text('q', 'search', aliases=('search',))),
    sorts=('number', 'date', 'client', 'total_ttc'), sort='date', sort_aliases={'issue_date': 'date'})
CONTACTS = ListSpec(filters=(text('q', 'search'), choice('statut', 'status', ('active', 'archived', 'all'),
                                                                 default='active')),
                    sorts=('name', 'city'), sort='name')


def test_it_reads_the_dashboards_link():
    state = read(INVOICES, {'etat': 'validated', 'tri': '-issue_date', 'page': '3', 'q': 'martin'})
    assert state == ListState(values={'state': 'validated', 'doc_type': '', 'start': None, 'end': None,
                                      'search': 'martin'}, sort='date', descending=True, page=3, per_page=25)


def test_it_ignores_unknown_values_instead_of_refusing_them():
    state = read(INVOICES, {'etat': 'DROP TABLE', 'type': 'quote', 'du': 'hier', 'au': '2026-13-01',
                            'tri': '-password', 'page': 'deux', 'lignes': '1000000', 'inconnu': 'x'})
    assert state == INVOICES.default


@pytest.mark.parametrize('page', ['0', '-1', '1e3', '', '100001'])
def test_a_page_number_that_is_not_a_page_opens_the_first(page):
    assert read(INVOICES, {'page': page}).page == 1


def test_a_long_search_is_cut_and_its_spaces_tidied():
    assert read(INVOICES, {'q': '  boulangerie   martin '}).values['search'] == 'boulangerie martin'
    assert len(read(INVOICES, {'q': 'x' * 5000}).values['search']) == 100


def test_links_made_with_the_older_english_names_still_work():
    state = read(INVOICES, {'state': 'paid', 'doc_type': 'credit_note', 'start': '2026-01-01', 'search': 'dupont'})
    assert state.values == {'state': 'paid', 'doc_type': 'credit_note', 'start': date(2026, 1, 1), 'end': None,
                            'search': 'dupont'}
    assert query_string(INVOICES, state) == 'etat=paid&type=credit_note&du=2026-01-01&q=dupont'  # written in French


def test_the_default_state_keeps_the_plain_address():
    assert address('/factures', INVOICES, INVOICES.default) == '/factures'
    assert address('/contacts', CONTACTS, CONTACTS.default) == '/contacts'


def test_a_filter_whose_default_is_not_empty_is_written_only_when_changed():
    archived = read(CONTACTS, {'statut': 'archived', 'tri': '-city', 'lignes': '50'})
    assert address('/contacts', CONTACTS, archived) == '/contacts?statut=archived&tri=-city&lignes=50'
    assert read(CONTACTS, {}).values['status'] == 'active'


def test_text_is_escaped_in_the_address():
    state = ListState(values={'search': 'a&b=c d#é'}, sort='date')
    assert query_string(INVOICES, state) == 'q=a%26b%3Dc%20d%23%C3%A9'
    assert read(INVOICES, {'q': 'a&b=c d#é'}).values['search'] == 'a&b=c d#é'


def test_a_sort_the_list_does_not_offer_is_written_as_the_default():
    assert query_string(INVOICES, ListState(sort='secret', descending=True)) == ''


states = st.builds(
    lambda state, doc_type, start, search, sort, descending, page, per_page: ListState(
        values={'state': state, 'doc_type': doc_type, 'start': start, 'end': None, 'search': search},
        sort=sort, descending=descending, page=page, per_page=per_page),
    st.sampled_from(['', 'draft', 'validated', 'paid']), st.sampled_from(['', 'invoice', 'credit_note']),
    st.none() | st.dates(), st.text(max_size=100).map(lambda value: ' '.join(value.split())),
    st.sampled_from(INVOICES.sorts), st.booleans(), st.integers(1, 100_000), st.sampled_from([10, 25, 50, 100]))


@given(states)
def test_what_is_written_reads_back_the_same(state: ListState):
    assert read(INVOICES, dict(parse_qsl(query_string(INVOICES, state)))) == state
