"""The hash chain that proves validated invoices, credit notes and payments were neither altered nor removed (AC3).

Each entry's hash is an HMAC-SHA256, keyed by the instance secret, over the canonical version, the previous entry's
hash and the entry's canonical payload. Changing a figure breaks that entry's hash; removing, inserting or moving an
entry breaks the next one's. Removing the *last* entries leaves a shorter chain that is still valid: the check then
leans on what the chain does not hold (the audit log's validations, the number counters, docs/legal.md 2.6), and
later on the closings of periods, which will sign each chain's head.

Also here, pure: the payload of a document's state event (`state_payload`), the comparison of a document's stored
lines with its frozen copy (`first_line_mismatch`) and the counter a number was rendered from (`counter_of`).

The canonical form is part of the proof: never change it without bumping CANON_VERSION.

>>> canonical({'total': Decimal('12.50'), 'number': 'F2026-00001', 'date': date(2026, 3, 9)})
b'{"date":"2026-03-09","number":"F2026-00001","total":"12.50"}'
"""
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from logic.numbering import render
from logic.snapshot import SnapshotLine
from logic.totals import Document as TotalsDocument
from logic.totals import Line, compute

CANON_VERSION = 1
GENESIS = '0' * 64
STATE_PAYLOAD_VERSION = 1
_HEX = re.compile(r'[0-9a-f]{64}')


@dataclass(kw_only=True, slots=True, frozen=True)
class ChainReport:
    count: int
    first_label: str | None
    last_label: str | None
    # The stored hash of the last entry: archive it to detect later truncation of the chain.
    head: str
    broken_label: str | None = None
    reason: str = ''

    @property
    def ok(self) -> bool:
        return self.broken_label is None


def secret_key(secret: str | bytes) -> bytes:
    """The HMAC key of the chains: the instance secret as bytes.

    >>> secret_key('abc') == secret_key(b'abc') == b'abc'
    True
    """
    return secret if isinstance(secret, bytes) else secret.encode('utf-8')


def canonical(payload: dict) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8; Decimals as plain strings ('12.50', never '1.25E+1').

    Decimals keep their exponent ('12.5' and '12.50' differ): quantize amounts before building the payload.
    Floats are refused (TypeError): their text form is not stable enough to be hashed.
    """
    return json.dumps(_plain(payload), sort_keys=True, separators=(',', ':'), ensure_ascii=False,
                      allow_nan=False).encode('utf-8')


def chain_hash(secret: bytes, previous: str, payload: dict) -> str:
    """The hex HMAC-SHA256 of an entry that follows the entry hashed `previous` (GENESIS for the first)."""
    if not _HEX.fullmatch(previous):
        raise ValueError(f'previous hash {previous!r} is not 64 lowercase hexadecimal digits')
    message = f'{CANON_VERSION}\n{previous}\n'.encode('ascii') + canonical(payload)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify_chain(secret: bytes, entries: Iterable[tuple[str, dict, str]]) -> ChainReport:
    """Check (label, payload, stored_hash) entries in chain order; the report names the first broken entry.

    After a break the check goes on from the stored hash, so that `count`, `last_label` and `head` still describe
    the whole chain as stored.
    """
    count, first_label, last_label = 0, None, None
    previous = GENESIS
    broken_label, reason = None, ''
    for label, payload, stored in entries:
        count += 1
        first_label = label if first_label is None else first_label
        last_label = label
        expected = chain_hash(secret, previous, payload)
        if broken_label is None and not hmac.compare_digest(expected.encode(), stored.encode('utf-8')):
            broken_label = label
            reason = (f'Empreinte invalide pour {label} : cette écriture a été modifiée, ou une écriture '
                      'qui la précédait a été supprimée, insérée ou déplacée.')
        previous = stored if _HEX.fullmatch(stored) else expected
    return ChainReport(count=count, first_label=first_label, last_label=last_label, head=previous,
                       broken_label=broken_label, reason=reason)


def state_payload(*, document_id: int, series: str, number: str, seq: int, previous_state: str,
                  state: str) -> dict:
    """What the hash of a document's state event covers (STATE_PAYLOAD_VERSION 1). `previous_state` is 'draft' for
    the genesis written at issuing, '' for one written by the migration that introduced the events.

    >>> state_payload(document_id=7, series='invoice', number='F2026-00001', seq=2, previous_state='validated',
    ...               state='paid')['state']
    'paid'
    """
    return {'payload_version': STATE_PAYLOAD_VERSION, 'document_id': document_id, 'series': series,
            'number': number, 'seq': seq, 'previous_state': previous_state, 'state': state}


# The columns a stored line shares with its frozen copy; `allowance` (the frozen copy's only) and `article_id`,
# `show_parts`, `unit_cost`, `source_line_id` (the row's only) are not compared.
LINE_TEXTS = ('kind', 'reference', 'designation', 'description', 'unit', 'unit_code', 'discount_kind',
              'vat_category', 'exemption_reason', 'exemption_code', 'nature')
LINE_AMOUNTS = ('quantity', 'unit_price', 'discount_value', 'vat_rate', 'net')
_LINE_DEFAULTS = {field.name: field.default for field in fields(SnapshotLine)}


def first_line_mismatch(snapshot: Mapping, rows: Sequence[Mapping], *, vat_included: bool) -> int | None:
    """The position of the first stored line (`rows`, in position order) that differs from the lines of the frozen
    copy (`snapshot`, as stored), None when they all match: a row edited in SQL, or a line added or removed (its
    position is then the first one past the shorter list).

    A document priced TTC (deposit invoices) stores its item lines TTC and freezes them HT, one unit at the line's
    net (db/validation.py `_shown`): their quantities and prices are checked by recomputing the nets and the totals
    from the rows with the totals engine.

    >>> frozen = {'lines': [{'kind': 'item', 'designation': 'Pose', 'quantity': '2.0000', 'unit_price': '100.000000',
    ...                      'vat_rate': '20.00', 'net': '200.00'}]}
    >>> row = {'kind': 'item', 'designation': 'Pose', 'unit_code': 'C62', 'vat_category': 'S', 'nature': 'service',
    ...        'quantity': Decimal(2), 'unit_price': Decimal(1000), 'discount_value': Decimal(0),
    ...        'vat_rate': Decimal(20), 'net': Decimal(200)}
    >>> first_line_mismatch(frozen, [row], vat_included=False)
    0
    >>> first_line_mismatch(frozen, [{**row, 'unit_price': Decimal(100)}], vat_included=False) is None
    True
    """
    frozen = [{**_LINE_DEFAULTS, **line} for line in snapshot.get('lines') or ()]
    for position, (copy, row) in enumerate(zip(frozen, rows)):
        one_unit = vat_included and row.get('kind') == 'item'
        texts = [name for name in LINE_TEXTS if not (one_unit and name == 'discount_kind')]
        amounts = ('vat_rate', 'net') if one_unit else LINE_AMOUNTS
        if any((row.get(name) or '') != (copy[name] or '') for name in texts) or \
                any(_amount(row.get(name)) != _amount(copy[name]) for name in amounts):
            return position
    if len(frozen) != len(rows):
        return min(len(frozen), len(rows))
    if vat_included and rows:
        totals = compute(TotalsDocument(vat_included=True, lines=tuple(
            Line(kind=row['kind'], quantity=row['quantity'], unit_price=row['unit_price'],
                 discount_kind=row.get('discount_kind'), discount_value=row.get('discount_value') or Decimal(0),
                 vat_rate=row['vat_rate'], vat_category=row.get('vat_category') or 'S') for row in rows)))
        for position, (net, copy) in enumerate(zip(totals.line_nets, frozen)):
            if _amount(net) != _amount(copy['net']):
                return position
        # A cent moved on a line TTC may keep every net (the VAT absorbs it): the totals show it.
        if any(_amount(snapshot.get(name)) != getattr(totals, name) for name in ('total_ht', 'total_vat', 'total_ttc')):
            return 0
    return None


def counter_of(pattern: str, number: str, on: date) -> int | None:
    """The counter that `pattern` rendered `number` from for a document dated `on`, None when it did not render it
    (the pattern was changed since): the digits of the number are tried in turn, each against the pattern.

    >>> counter_of('F{AAAA}-{N:5}', 'F2026-00042', date(2026, 3, 9)), counter_of('F{AAAA}{N}', 'F20267', date(2026, 1, 1))
    (42, 7)
    >>> counter_of('AV{AAAA}-{N:5}', 'F2026-00042', date(2026, 3, 9)) is None
    True
    """
    for start, char in enumerate(number):
        if not char.isdigit():
            continue
        end = start
        while end < len(number) and number[end].isdigit():
            end += 1
            value = int(number[start:end])
            if value >= 1 and render(pattern, on=on, counter=value) == number:
                return value
    return None


def _amount(value: object) -> Decimal | None:
    return None if value is None or value == '' else Decimal(value)


def _plain(value: object) -> object:
    """The JSON-ready copy of a payload; refuses anything whose text form could vary."""
    kind = type(value)  # the exact JSON types first, by identity: a frozen copy is mostly strings, dicts and lists
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        plain = {}
        for key, item in value.items():
            if type(key) is not str and not isinstance(key, str):
                raise TypeError('payload keys must be strings')
            plain[key] = _plain(item)
        return plain
    if kind is list:
        return [_plain(item) for item in value]
    return _plain_other(value)


def _plain_other(value: object) -> object:
    """The rest of `_plain`: subclasses of the JSON types, Decimals, dates, tuples, and the refusals."""
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        raise TypeError('floats are not allowed in a hashed payload: use Decimal')
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f'{value} cannot be hashed')
        # Negative zero comes out of some multiplications; it is the same amount as zero.
        return format(value.copy_abs() if value.is_zero() else value, 'f')
    if isinstance(value, date):
        # Also datetimes (a subclass): ISO 8601, with the offset when the datetime is aware.
        return value.isoformat()
    if isinstance(value, dict):
        return _plain(dict(value))
    if isinstance(value, (list, tuple)):
        return _plain(list(value))
    raise TypeError(f'{type(value).__name__} is not allowed in a hashed payload')
