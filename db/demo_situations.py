"""The demo's building contracts billed in monthly situations (IN8).

`plan_contracts` makes a few accepted building quotes (dated from two to five months ago), opens their contracts
through db/situations.py (5 % holdback, one under a bank guarantee, one with deposits deducted at the end) and returns
the stops that issue, each on its day among the bulk invoices (db/bulk.py: numbers stay chronological), a 30 %
deposit on some and one situation a month; about one contract in three reaches its final account (the DGD), which
starts its holdback's year. Everything goes through the operations the screens call.
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from db import deposits, documents, situations
from db.actor import Actor
from db.bulk import Stop
from db.contact import Contact
from db.document import Document, DocumentLine
from db.issuing import Issuer
from logic.deposits import DepositSpec
from logic.draft import Draft, DraftLine

D = Decimal
# (designation, unit, unit price HT): the trades of a small building site.
TRADES = [('Terrassement et fouilles', 'm3', '38.50'), ('Fondations béton armé', 'm3', '245.00'),
          ('Maçonnerie parpaings', 'm2', '62.80'), ('Dalle béton dosé à 250 kg/m3', 'm2', '48.20'),
          ('Charpente traditionnelle', 'forfait', '6850.00'), ('Couverture ardoise', 'm2', '96.40'),
          ('Menuiseries extérieures', 'u', '780.00'), ('Enduit de façade', 'm2', '34.90'),
          ('Clôture en bois compo. ajourée', 'ml', '252.80')]
SITES = ['Maison individuelle, Vertou', 'Extension de bureaux, Rezé', 'Rénovation d’une longère, Clisson',
         'Garage et dépendance, Carquefou', 'Atelier artisanal, Saint-Herblain']


def contract_count(invoices: int) -> int:
    """A few contracts, more for a bigger demo (about one per 2,500 invoices, at most 40)."""
    return max(3, min(40, invoices // 2500))


@dataclass(kw_only=True, slots=True)
class ContractsPlan:
    stops: list[Stop] = field(default_factory=list)
    contracts: int = 0
    deposits: int = 0  # 30 % deposits, each settled by its deposit invoice
    situations: int = 0


async def plan_contracts(actor: Actor, rng: random.Random, contacts: list[Contact], *, count: int,
                         issuer: Issuer, today: date) -> ContractsPlan:
    plan = ContractsPlan(contracts=count)
    stops = plan.stops
    for index in range(count):
        start = today - timedelta(days=rng.randint(60, 150))
        contact = contacts[index % len(contacts)]
        trades = rng.sample(TRADES, rng.randint(3, 5))
        lines = [DraftLine(designation=name, unit=unit, quantity=D(rng.randint(2, 40)) if unit != 'forfait' else D(1),
                           unit_price=D(price), vat_rate=D(20)) for name, unit, price in trades]
        quote = await documents.create_document(actor, Draft(doc_type='quote', client_id=contact.id, lines=lines,
                                                             header_text=f'Chantier : {SITES[index % len(SITES)]}'))
        await Document.filter(id=quote.id).update(issue_date=start, validity_date=start + timedelta(days=30))
        deposit = index % 3 == 0
        if deposit:
            quote = await deposits.set_deposits(actor, quote.id, [DepositSpec(percent=D(30), due_date=start)],
                                                quote.version)
        await documents.set_quote_state(actor, quote.id, 'accepted')
        bank = index % 4 == 1
        contract = await situations.open_contract(
            actor, quote.id, holdback_rate=D(0) if bank else D(5), guarantee='bank' if bank else 'holdback',
            deposit_mode='end' if index % 5 == 2 else 'proportional')
        if deposit:
            stops.append((start, _settle(actor, quote.id, start, issuer)))
            plan.deposits += 1
        line_ids = list(await DocumentLine.filter(document_id=quote.id, kind='item').order_by('position')
                        .values_list('id', flat=True))
        finish = index % 3 == 1
        day, cumulative = start + timedelta(days=30), D(0)
        while day <= today and cumulative < 100:
            last = finish and (day + timedelta(days=30) > today or cumulative >= 70)
            before, cumulative = cumulative, D(100) if last else min(D(95), cumulative + D(rng.choice((15, 20, 25, 30))))
            if cumulative == before:  # at 95 %, waiting for the final account: nothing more to bill
                break
            stops.append((day, _situation(actor, contract.id, line_ids, cumulative, day, issuer)))
            plan.situations += 1
            day += timedelta(days=30)
    return plan


def _settle(actor: Actor, quote_id: int, day: date, issuer: Issuer):
    async def settle() -> None:
        item = (await deposits.quote_deposits(quote_id))[0]
        await deposits.settle_deposit(actor, item.id, paid_on=day, method='transfer', amount=item.left_to_pay,
                                      invoice_date=day, issuer=issuer)
    return settle


def _situation(actor: Actor, contract_id: int, line_ids: list[int], cumulative: Decimal, day: date, issuer: Issuer):
    # Lines progress unevenly (the first trades are ahead); only the final account brings them to 100 %.
    percents = {line_id: cumulative if cumulative == 100 else min(D(99), cumulative + D(10 * (len(line_ids) - rank)))
                for rank, line_id in enumerate(line_ids)}

    async def issue() -> None:
        view = await situations.contract_view(contract_id)
        before = view.previous
        wanted = {line_id: max(percent, before[line_id].percent) if line_id in before else percent
                  for line_id, percent in percents.items()}
        await situations.issue_situation(actor, contract_id, percents=wanted, issue_date=day,
                                         reception_date=day if cumulative == 100 else None, issuer=issuer)
    return issue
