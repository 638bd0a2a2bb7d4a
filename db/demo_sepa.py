"""The demo's SEPA direct debits (PA5), deterministic (no random draw: the demo's other figures stay as they were).

- `add_mandates(actor)`, before the invoices are validated (their frozen copies then state the mandate, BT-89):
  every client whose default payment method is a direct debit signs a recurrent mandate (RUM 'RUM-' + its code),
  one in eight excepted (the new collection then lists it among the clients without a mandate). Inserted in bulk
  with one audit entry: at 100,000 invoices some 4,000 mandates.
- `add_collections(actor, secret=...)`, once the other payments are in: the last MONTHS months are replayed, one
  collection a month through `db.sepa.build_collection` (the file built and checked against its XSD), at most
  PER_COLLECTION debits each; the bank confirmed each, but returned the first debit of the latest one (AM04,
  insufficient funds): that installment is due again. Returns the settlements recorded.
"""
from datetime import date, timedelta

from schwifty import IBAN

from db import sepa
from db.actor import Actor
from db.audit import record
from db.company import Company, PaymentMethod
from db.contact import Contact
from db.mandate import Mandate
from db.unit_of_work import transaction
from logic.sepa import earliest_collection_date

ICS = 'FR72ZZZ123456'
MONTHS = 3
PER_COLLECTION = 60
WITHOUT_MANDATE = 8  # one client in eight paying by direct debit has not signed his mandate yet


async def add_mandates(actor: Actor, today: date | None = None) -> int:
    today = today or date.today()
    company = await Company.first()
    if company and not company.ics:
        await Company.filter(id=company.id).update(ics=ICS)
    methods = await PaymentMethod.filter(kind='direct_debit').values_list('id', flat=True)
    contacts = await Contact.filter(default_payment_method_id__in=methods).order_by('id').values(
        'id', 'code', 'name', 'first_name', 'iban', 'bic')
    rows = []
    for rank, contact in enumerate(contacts):
        if rank % WITHOUT_MANDATE == WITHOUT_MANDATE - 1:
            continue
        iban = contact['iban'] or IBAN.generate('FR', bank_code='30006', account_code=f'{contact["id"]:011d}').compact
        name = ' '.join(part for part in (contact['first_name'], contact['name']) if part)[:140]
        rows.append(Mandate(contact_id=contact['id'], reference=f'RUM-{contact["code"]}'[:35],
                            signed_on=today - timedelta(days=400 + rank % 300), kind='recurrent', debtor_name=name,
                            iban=iban, bic=contact['bic'] or ''))
    async with transaction():
        await Mandate.bulk_create(rows, batch_size=1000)
        await record('sepa.mandate.add', actor, details={'count': len(rows), 'source': 'démonstration'})
    return len(rows)


async def add_collections(actor: Actor, *, secret: str, today: date | None = None) -> int:
    """Returns the number of debits the bank confirmed (settlements in the journal)."""
    today = today or date.today()
    made = []
    for months_ago in range(MONTHS, 0, -1):
        prepared = today - timedelta(days=30 * months_ago + 14)
        on = earliest_collection_date(prepared, 14)
        due = await sepa.due_for_collection(on, limit=PER_COLLECTION)
        if not due.collectable:
            continue
        collection = await sepa.build_collection(actor, due_by=on, collection_date=on, today=prepared,
                                                 limit=PER_COLLECTION, version='008' if months_ago > 1 else '002')
        made.append((collection, on))
    settled = 0
    for rank, (collection, on) in enumerate(made):
        items = await sepa.collection_items(collection.id)
        if rank == len(made) - 1 and len(items) > 1:
            await sepa.reject_item(actor, items[0].id, reason='AM04', secret=secret)
        settled += await sepa.confirm_collection(actor, collection.id, paid_on=min(on, today), secret=secret)
    return settled
