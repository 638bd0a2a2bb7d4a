"""The hash chain that proves validated invoices, credit notes and payments were neither altered nor removed (AC3).

Each entry's hash is an HMAC-SHA256, keyed by the instance secret, over the canonical version, the previous entry's
hash and the entry's canonical payload. Changing a figure breaks that entry's hash; removing, inserting or moving an
entry breaks the next one's. Removing the *last* entries leaves a shorter chain that is still valid: compare the
report's `count` and `head` with those archived in the periodic signed exports to catch that.

The canonical form is part of the proof: never change it without bumping CANON_VERSION.

>>> canonical({'total': Decimal('12.50'), 'number': 'F2026-00001', 'date': date(2026, 3, 9)})
b'{"date":"2026-03-09","number":"F2026-00001","total":"12.50"}'
"""
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

CANON_VERSION = 1
GENESIS = '0' * 64
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


def _plain(value: object) -> object:
    """The JSON-ready copy of a payload; refuses anything whose text form could vary."""
    if value is None or isinstance(value, (str, bool, int)):
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
        if not all(isinstance(key, str) for key in value):
            raise TypeError('payload keys must be strings')
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    raise TypeError(f'{type(value).__name__} is not allowed in a hashed payload')
