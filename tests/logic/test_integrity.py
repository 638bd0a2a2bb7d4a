from collections import OrderedDict
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import IntEnum

import pytest

from logic.integrity import CANON_VERSION, GENESIS, canonical, chain_hash, verify_chain

SECRET = b'instance secret'


def test_it_writes_canonical_json_with_sorted_keys_and_no_whitespace() -> None:
    payload = {'total': Decimal('12.50'), 'client': 'Société Éole', 'date': date(2026, 3, 9),
               'lines': [{'qty': Decimal('1.5000'), 'vat': Decimal('20')}], 'paid': False, 'note': None, 'n': 3}
    assert canonical(payload) == ('{"client":"Société Éole","date":"2026-03-09","lines":[{"qty":"1.5000","vat":"20"}],'
                                  '"n":3,"note":null,"paid":false,"total":"12.50"}').encode('utf-8')


def test_it_writes_decimals_as_plain_strings() -> None:
    assert canonical({'a': Decimal('1E+2'), 'b': Decimal('-0.00'), 'c': Decimal('-3.10')}) == \
        b'{"a":"100","b":"0.00","c":"-3.10"}'


def test_it_writes_datetimes_in_iso_format() -> None:
    moment = datetime(2026, 3, 9, 14, 30, tzinfo=timezone.utc)
    assert canonical({'at': moment}) == b'{"at":"2026-03-09T14:30:00+00:00"}'


def test_it_writes_subclasses_of_the_json_types_and_tuples_in_their_plain_form() -> None:
    class Code(str):
        pass

    class Level(IntEnum):
        ONE = 1

    payload = {'a': Code('x'), 'b': Level.ONE, 'c': ('u', 1), 'd': OrderedDict(z=1, y=[True, (Decimal('2.0'),)])}
    assert canonical(payload) == b'{"a":"x","b":1,"c":["u",1],"d":{"y":[true,["2.0"]],"z":1}}'


@pytest.mark.parametrize('payload', [{'total': 12.5}, {'lines': [{'qty': 1.0}]}, {1: 'a'}, {'s': {1, 2}},
                                     {'b': b'raw'}, {'d': {2: 'x'}}, {'d': OrderedDict({3: 'x'})},
                                     {'t': ('a', 1.5)}])
def test_it_refuses_values_whose_text_form_could_vary(payload: dict) -> None:
    with pytest.raises(TypeError):
        canonical(payload)


def test_it_refuses_non_finite_decimals() -> None:
    with pytest.raises(ValueError):
        canonical({'total': Decimal('NaN')})


def test_it_hashes_with_the_secret_the_previous_hash_and_the_payload() -> None:
    payload = {'number': 'F2026-00001', 'total': Decimal('714.30')}
    first = chain_hash(SECRET, GENESIS, payload)
    assert len(first) == 64 and first == chain_hash(SECRET, GENESIS, dict(reversed(payload.items())))
    assert first != chain_hash(b'other secret', GENESIS, payload)
    assert first != chain_hash(SECRET, first, payload)
    assert first != chain_hash(SECRET, GENESIS, {**payload, 'total': Decimal('714.31')})
    assert CANON_VERSION == 1


def test_it_refuses_a_malformed_previous_hash() -> None:
    with pytest.raises(ValueError):
        chain_hash(SECRET, 'abc', {})


def build_chain(payloads: list[dict]) -> list[tuple[str, dict, str]]:
    entries, previous = [], GENESIS
    for payload in payloads:
        previous = chain_hash(SECRET, previous, payload)
        entries.append((payload['number'], payload, previous))
    return entries


PAYLOADS = [{'number': f'F2026-0000{n}', 'total': Decimal(f'{n}00.00'), 'date': date(2026, 3, n)} for n in range(1, 6)]


def test_it_proves_an_intact_chain() -> None:
    entries = build_chain(PAYLOADS)
    report = verify_chain(SECRET, entries)
    assert report.ok and report.broken_label is None and report.reason == ''
    assert (report.count, report.first_label, report.last_label, report.head) == (
        5, 'F2026-00001', 'F2026-00005', entries[-1][2])


def test_it_finds_an_altered_amount() -> None:
    entries = build_chain(PAYLOADS)
    label, payload, stored = entries[2]
    entries[2] = (label, {**payload, 'total': Decimal('300.01')}, stored)
    report = verify_chain(SECRET, entries)
    assert not report.ok and report.broken_label == 'F2026-00003'
    assert report.reason.startswith('Empreinte invalide pour F2026-00003 : cette écriture a été modifiée')
    assert report.count == 5 and report.head == entries[-1][2]


def test_it_finds_a_removed_entry_at_the_next_one() -> None:
    entries = build_chain(PAYLOADS)
    del entries[1]
    report = verify_chain(SECRET, entries)
    assert (report.ok, report.broken_label, report.count) == (False, 'F2026-00003', 4)
    assert 'supprimée' in report.reason


def test_it_finds_swapped_entries() -> None:
    entries = build_chain(PAYLOADS)
    entries[1], entries[2] = entries[2], entries[1]
    assert verify_chain(SECRET, entries).broken_label == 'F2026-00003'


def test_it_finds_a_chain_rewritten_without_the_secret() -> None:
    entries = build_chain(PAYLOADS)
    previous, forged = GENESIS, []
    for label, payload, _ in entries:
        previous = chain_hash(b'guessed secret', previous, payload)
        forged.append((label, payload, previous))
    assert verify_chain(SECRET, forged).broken_label == 'F2026-00001'


def test_it_relies_on_the_archived_head_to_detect_a_removed_last_entry() -> None:
    # Dropping the tail leaves a valid shorter chain: only the archived count and head give it away.
    entries = build_chain(PAYLOADS)
    archived = verify_chain(SECRET, entries)
    truncated = verify_chain(SECRET, entries[:-1])
    assert truncated.ok and (truncated.count, truncated.head) != (archived.count, archived.head)


def test_it_reports_an_empty_chain_as_intact() -> None:
    report = verify_chain(SECRET, [])
    assert (report.ok, report.count, report.first_label, report.last_label, report.head) == (
        True, 0, None, None, GENESIS)


def test_it_reports_a_garbled_stored_hash_as_a_break() -> None:
    entries = build_chain(PAYLOADS)
    label, payload, _ = entries[0]
    entries[0] = (label, payload, 'not a hash é')
    report = verify_chain(SECRET, entries)
    assert report.broken_label == 'F2026-00001' and report.count == 5
