"""The states of legal documents as chained events (docs/legal.md 2.6): the ONE way such a state changes.

A validated invoice or credit note still moves (paid, back to validated, irrecoverable, cancelled by a credit note),
so its `state` column can't be frozen like its figures. So that a state set in SQL shows, every state a legal
document takes is a StateEvent (db/document.py): append-only (database triggers), chained per document with an
HMAC keyed by the instance secret (`logic.integrity.state_payload`), written in the transaction of the change:

- `record_issued(documents, secret)`: the genesis of each chain (seq 1, from 'draft'), once per `db.issuing.issue`;
- `change_state(actor, document, target, secret=...)`, `change_states(actor, ids, target, secret=...)` (many at
  once, the bulk settlements): every later change. The transition is checked (logic/states.py), the row updated,
  then one event and one audit entry per document.

Cost: one indexed read of the documents' events and one insert per change; issuing adds one bulk insert. The check
(`state_problem`, run by db/integrity.py) recomputes each document's chain and compares its last state with the row.
Removing a document's last events and putting its earlier state back is not seen here: the closings of periods will
sign the state of every document, as they will the heads of the series chains.

    await change_state(actor, invoice, 'irrecoverable', secret=secret, details={'reason': 'Liquidation'})
"""
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F

from db.actor import Actor
from db.audit import AuditEntry
from db.bulk_rows import insert_rows
from db.document import Document, StateEvent
from logic import doctypes, states
from logic.integrity import GENESIS, STATE_PAYLOAD_VERSION, chain_hash, secret_key, state_payload


@dataclass(kw_only=True, slots=True, frozen=True)
class Moving:
    """What a state change reads of a document (no snapshot loaded)."""

    id: int
    doc_type: str
    series: str
    number: str
    state: str

    @classmethod
    def of(cls, document: Document) -> 'Moving':
        return cls(id=document.id, doc_type=document.doc_type, series=document.series, number=document.number,
                   state=document.state)


async def record_issued(documents: list[Document], secret: str | bytes) -> None:
    """The genesis event of documents just issued, in their issuing transaction (`document.state` already set)."""
    key = secret_key(secret)
    await insert_rows(StateEvent, [_event(key, Moving.of(document), seq=1, previous_hash=GENESIS,
                                          previous_state='draft', state=document.state) for document in documents])


async def change_state(actor: Actor, document: Document, target: str, *, secret: str | bytes,
                       details: dict | None = None) -> None:
    """Move one legal document (locked by the caller) to `target`: the row, its event, its audit entry."""
    await _change(actor, [Moving.of(document)], target, secret_key(secret), details or {})
    document.state = target
    document.version += 1


async def change_states(actor: Actor, ids: Iterable[int], target: str, *, secret: str | bytes,
                        only_from: tuple[str, ...]) -> list[int]:
    """Move the documents of `ids` that are in one of the states `only_from` (locked by the caller) to `target`;
    their ids."""
    rows = [Moving(id=id_, doc_type=doc_type, series=series, number=number, state=state)
            for id_, doc_type, series, number, state in await Document.filter(id__in=list(ids), state__in=only_from)
            .order_by('id').values_list('id', 'doc_type', 'series', 'number', 'state')]
    await _change(actor, rows, target, secret_key(secret), {})
    return [row.id for row in rows]


async def _change(actor: Actor, rows: list[Moving], target: str, key: bytes, details: dict) -> None:
    """The one legal step: transition checked, state written, its chained event and audit entry, per document."""
    if not rows:
        return
    for row in rows:
        if not doctypes.is_legal(row.doc_type):
            raise ValueError(f'{row.doc_type} is not a legal document type')
        states.check_transition(doctypes.doc_type(row.doc_type).machine, row.state, target)
    now = datetime.now(UTC)
    ids = [row.id for row in rows]
    await Document.filter(id__in=ids).update(state=target, version=F('version') + 1, updated_at=now)
    heads: dict[int, tuple[int, str]] = {}
    for document_id, seq, digest in await StateEvent.filter(document_id__in=ids).values_list(
            'document_id', 'seq', 'hash'):
        if seq > heads.get(document_id, (0, ''))[0]:
            heads[document_id] = (seq, digest)
    events = []
    for row in rows:
        seq, previous = heads.get(row.id, (0, GENESIS))
        events.append(_event(key, row, seq=seq + 1, previous_hash=previous, previous_state=row.state, state=target))
    await insert_rows(StateEvent, events)
    await insert_rows(AuditEntry, [
        {'at': now, 'user_id': actor.user_id, 'actor': actor.email, 'action': f'{row.doc_type}.state',
         'target': f'document:{row.id}', 'ip': actor.ip,
         'details': {'number': row.number, 'state': [row.state, target], **details}} for row in rows])


def _event(key: bytes, row: Moving, *, seq: int, previous_hash: str, previous_state: str, state: str) -> dict:
    """A chained state event, as a row of StateEvent (`insert_rows`)."""
    payload = state_payload(document_id=row.id, series=row.series, number=row.number, seq=seq,
                            previous_state=previous_state, state=state)
    return {'document_id': row.id, 'seq': seq, 'series': row.series, 'number': row.number,
            'previous_state': previous_state, 'state': state, 'payload_version': STATE_PAYLOAD_VERSION,
            'previous_hash': previous_hash, 'hash': chain_hash(key, previous_hash, payload)}


# --- the check ----------------------------------------------------------------------------------------------------


def state_problem(key: bytes, document: Document, events: list[tuple]) -> str | None:
    """Why the state of `document` is not proven by its chain of `events` ((seq, number, previous_state, state,
    hash) in seq order), in French; None when its last event holds its current state."""
    number, shown = document.number, states.state_label(document.doc_type, document.state)
    if not events:
        return (f'{number} n’a aucun état enregistré : son historique d’états a été supprimé, ou le document a été '
                'validé hors de Facturier.')
    previous = GENESIS
    for expected, (seq, label, previous_state, state, digest) in enumerate(events, start=1):
        if seq != expected:
            return f'Un changement d’état de {number} a été supprimé de son historique.'
        if not digest and seq == 1 and previous_state == '':
            return (f'L’historique d’états de {number} n’a pas été scellé lors de la mise à jour (le secret de '
                    'l’instance était introuvable).')
        payload = state_payload(document_id=document.id, series=document.series, number=number, seq=seq,
                                previous_state=previous_state, state=state)
        if label != number or not hmac.compare_digest(chain_hash(key, previous, payload), digest):
            return f'L’historique d’états de {number} a été modifié (empreinte invalide au changement n° {seq}).'
        previous = digest
    last = events[-1][3]
    if last != document.state:
        return (f'L’état de {number} (« {shown} ») n’est pas son dernier état enregistré '
                f'(« {states.state_label(document.doc_type, last)} ») : il a été modifié hors de Facturier.')
    return None

