"""The demo's cheques and remittance slips (PA4), through the rules, deterministic (no random draw: the demo's other
figures stay as they were).

- `with_details(settlements)`: the demo's bulk settlements by cheque get what is written on a cheque (the drawer is
  the client, a bank taken from the cheque number, the number the settlement's reference), before they are recorded
  (db/payment_bulk.py writes the cheques with the payments).
- `remit_old_cheques(actor, secret=...)`: once every payment is in, the cheques received up to REMIT_AFTER days ago
  are remitted week by week, as a business does: one slip per week of receipt (at most MAX_CHEQUES cheques each),
  dated the Monday after that week, through `db.cheques.create_slips` (numbered, frozen, chained, in one
  transaction). Recent cheques stay to remit. Returns the number of slips.
"""
from dataclasses import replace
from datetime import date, timedelta

from db import cheques
from db.actor import Actor
from db.cheque import Cheque
from logic.cheques import MAX_CHEQUES, ChequeDetails

BANKS = ['Crédit Agricole', 'BNP Paribas', 'Société Générale', 'Crédit Mutuel', 'La Banque Postale', 'LCL',
         'Caisse d’Épargne', 'Banque Populaire', 'CIC']
REMIT_AFTER = 10  # days: the cheques of the last days wait for the next remittance


def with_details(settlements: list) -> list:
    return [replace(item, cheque=details(item.reference)) if item.method == 'cheque' else item
            for item in settlements]


def details(reference: str) -> ChequeDetails:
    number = ''.join(char for char in reference if char.isdigit())[:20]
    return ChequeDetails(bank=BANKS[int(number or 0) % len(BANKS)], number=number)


async def remit_old_cheques(actor: Actor, *, secret: str, today: date | None = None) -> int:
    today = today or date.today()
    rows = await Cheque.filter(status='pending', received_on__lte=today - timedelta(days=REMIT_AFTER)).order_by(
        'received_on', 'id').values_list('id', 'received_on')
    weeks: dict[date, list[int]] = {}
    for cheque_id, received in rows:
        monday_after = received + timedelta(days=7 - received.weekday())
        weeks.setdefault(min(monday_after, today), []).append(cheque_id)
    groups = [cheques.SlipGroup(on=on, cheque_ids=ids[start:start + MAX_CHEQUES])
              for on, ids in sorted(weeks.items()) for start in range(0, len(ids), MAX_CHEQUES)]
    if groups:
        await cheques.create_slips(actor, groups, secret=secret)
    return len(groups)
