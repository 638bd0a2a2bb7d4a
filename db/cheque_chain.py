"""The integrity chain of cheque remittance slips (PA4, docs/legal.md 2.6): series 'cheque_slip' of ChainEntry.

Each slip is chained when it is created (label: its number; payload: `logic.cheques.slip_payload`, the account and
every cheque it carries, read back from the stored rows), and again when it is cancelled (label "<number> annulée",
payload `cancel_payload`). Inside the slip's transaction `take_chain_lock()` first bumps the 'cheque_slip_chain'
counter row (period ''): its row lock queues every writer of the chain until commit, and its value is the number of
entries, which the check compares with the chain's last position.

`verify_slips(secret)` is run by `db.integrity.verify_integrity` (the command `main.py verify` and the page
"Contrôle d'intégrité"): it recomputes every hash, then checks what the chain can't show alone (slips left out,
a cancelled slip without its cancellation, cheques marked remitted outside a live slip, the counters, the audit log).
"""
import hmac
from collections import defaultdict

from db.audit import AuditEntry
from db.cheque import Cheque, ChequeSlip, ChequeSlipLine
from db.document import ChainEntry, NumberCounter
from db.integrity import chain_head
from db.numbering import bump_counter
from logic import cheques as rules
from logic.integrity import GENESIS, chain_hash, secret_key

SERIES = rules.SERIES
CHAIN_COUNTER = 'cheque_slip_chain'
LABEL = 'Remises de chèques'


async def take_chain_lock() -> int:
    """The position of the next entry, taking the chain's lock: call it first inside the slip's transaction."""
    return await bump_counter(CHAIN_COUNTER, '')


async def append(position: int, slip_id: int, label: str, payload: dict, secret: str | bytes) -> ChainEntry:
    _, previous = await chain_head(SERIES)
    return await ChainEntry.create(series=SERIES, position=position, document_id=slip_id, label=label,
                                   payload_version=rules.PAYLOAD_VERSION, previous_hash=previous,
                                   hash=chain_hash(secret_key(secret), previous, payload))


def cheque_payload(cheque: Cheque) -> dict:
    return rules.cheque_payload(id=cheque.id, payment_id=cheque.payment_id, amount=cheque.amount,
                                received_on=cheque.received_on, drawer=cheque.drawer, bank=cheque.bank,
                                cheque_number=cheque.cheque_number, invoice_number=cheque.invoice_number)


def slip_payload(slip: ChequeSlip, cheques: list[Cheque]) -> dict:
    return rules.slip_payload(id=slip.id, number=slip.number, issued_on=slip.issued_on, count=slip.count,
                              total=slip.total, holder=slip.holder, bank_name=slip.bank_name, iban=slip.iban,
                              bic=slip.bic, cheques=[cheque_payload(cheque) for cheque in cheques])


def cancel_payload(slip: ChequeSlip) -> dict:
    return rules.cancel_payload(id=slip.id, number=slip.number, cancelled_on=slip.cancelled_on,
                                reason=slip.cancel_reason)


async def verify_slips(secret: str | bytes):
    """The SeriesReport (db/integrity.py) of the slips' chain: every anomaly found, one French sentence each."""
    from db.integrity import SeriesReport  # noqa: PLC0415 - db.integrity calls this module

    key = secret_key(secret)
    slips = {slip.id: slip for slip in await ChequeSlip.all()}
    cheques = await _cheques_by_slip()
    previous, position, count, broken, reason = GENESIS, 0, 0, None, ''
    first = last = None
    issued, cancelled = set(), set()
    for entry in await ChainEntry.filter(series=SERIES).order_by('position'):
        count += 1
        first, last = first or entry.label, entry.label
        slip = slips.get(entry.document_id)
        if slip is not None and entry.label == slip.number:
            issued.add(slip.id)
            payload = slip_payload(slip, cheques.get(slip.id, []))
        elif slip is not None and entry.label == rules.cancel_label(slip.number):
            cancelled.add(slip.id)
            payload = cancel_payload(slip)
        else:
            payload = None
        if broken is None:
            if entry.position != position + 1:
                broken, reason = entry.label, (f'Une écriture manque dans la chaîne juste avant {entry.label} : une '
                                               'remise a été retirée.')
            elif payload is None:
                broken, reason = entry.label, f'{entry.label} est introuvable : la remise a été supprimée ou modifiée.'
            elif not hmac.compare_digest(chain_hash(key, previous, payload), entry.hash):
                broken, reason = entry.label, (f'{entry.label} a été modifiée après son établissement (ou une '
                                               'écriture qui la précédait a été modifiée, supprimée ou déplacée).')
        previous, position = entry.hash, entry.position
    problems = [reason] if reason else []
    unchained = [slip.number for slip in slips.values() if slip.id not in issued]
    if unchained:
        problems.append(f'La remise {unchained[0]}{_more(unchained)} est absente de la chaîne : elle a été ajoutée '
                        'hors de Facturier.')
    mismatched = [slip.number for slip in slips.values()
                  if slip.id in issued and (slip.state == 'cancelled') != (slip.id in cancelled)]
    if mismatched:
        problems.append(f'L’état de la remise {mismatched[0]}{_more(mismatched)} n’est pas celui enregistré dans la '
                        'chaîne : il a été modifié hors de Facturier.')
    problems += await _cheque_problems(slips)
    problems += await _tail_problems(slips, position)
    return SeriesReport(series=SERIES, label=LABEL, count=count, first_number=first, last_number=last, head=previous,
                        broken_number=broken, reason=' '.join(problems), unchained=len(unchained),
                        problems=tuple(problems))


async def _cheques_by_slip() -> dict[int, list[Cheque]]:
    rows = await ChequeSlipLine.all().order_by('slip_id', 'position').values_list('slip_id', 'cheque_id')
    by_id = {cheque.id: cheque for cheque in await Cheque.filter(id__in=[cheque for _, cheque in rows])} if rows else {}
    result: dict[int, list[Cheque]] = defaultdict(list)
    for slip_id, cheque_id in rows:
        if cheque_id in by_id:
            result[slip_id].append(by_id[cheque_id])
    return result


async def _cheque_problems(slips: dict[int, ChequeSlip]) -> list[str]:
    """A cheque marked remitted must sit on a live slip that lists it; a live slip's cheques must be remitted."""
    listed = set(await ChequeSlipLine.all().values_list('slip_id', 'cheque_id'))
    remitted = dict(await Cheque.filter(status='remitted').values_list('id', 'slip_id'))
    live = {slip_id for slip_id, slip in slips.items() if slip.state == 'issued'}
    wrong = [cheque_id for cheque_id, slip_id in remitted.items()
             if slip_id not in live or (slip_id, cheque_id) not in listed]
    wrong += [cheque_id for slip_id, cheque_id in listed if slip_id in live and remitted.get(cheque_id) != slip_id]
    if not wrong:
        return []
    return [(f'{len(wrong)} chèque(s) ne correspondent plus à leur remise (remis sans bordereau, ou retirés d’une '
             'remise en cours) : ils ont été modifiés hors de Facturier.')]


async def _tail_problems(slips: dict[int, ChequeSlip], last_position: int) -> list[str]:
    problems = []
    counter = (await NumberCounter.filter(series=CHAIN_COUNTER, period_key='').values_list('value', flat=True)
               or [0])[0]
    if counter != last_position:
        problems.append(f'Le compteur de la chaîne des remises est à {counter} alors que la chaîne compte '
                        f'{last_position} écriture(s) : des remises ont été retirées, ou la chaîne tronquée.')
    years: dict[str, int] = {}
    for slip in slips.values():
        value = int(slip.number.rsplit('-', 1)[-1]) if slip.number.rsplit('-', 1)[-1].isdigit() else 0
        years[str(slip.issued_on.year)] = max(years.get(str(slip.issued_on.year), 0), value)
    for period, value in await NumberCounter.filter(series=SERIES).values_list('period_key', 'value'):
        if value != years.get(period, 0):
            problems.append(f'Le compteur des remises de chèques de {period} est à {value}, le dernier numéro '
                            f'attribué à {years.get(period, 0)} : des remises ont été retirées.')
    audited = [details.get('number') for details in await AuditEntry.filter(action='cheque_slip.create')
               .order_by('id').values_list('details', flat=True) if isinstance(details, dict)]
    numbers = {slip.number for slip in slips.values()}
    missing = [number for number in audited if number and number not in numbers]
    if missing:
        problems.append(f'Le journal d’audit enregistre la remise {missing[0]}{_more(missing)}, absente de la base : '
                        'elle a été retirée.')
    return problems


def _more(items: list) -> str:
    return f' et {len(items) - 1} autre(s)' if len(items) > 1 else ''

