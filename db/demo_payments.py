"""The demo's deposits and payments (issue 6), at every step, through the rules.

Deposits (few: one quote in DEPOSIT_SHARE, at least MIN_DEPOSIT_QUOTES, at most MAX_DEPOSIT_QUOTES) go through the
app's own API: `set_deposits` on a sent quote ('requested': planned), `set_quote_state('accepted')` (the deposits
open, some overdue, some not due yet), `settle_deposit` (the deposit invoice, paid, numbered in the invoice series
and chained), `invoice_quote` then `validate_invoice` (the balance invoice: its deposit invoices deducted and cited,
Factur-X cadre 4). Deposit invoices and balance invoices are numbered among the bulk invoices in date order: they
are `db.bulk.validate_in_bulk` stops, run on their day.

Invoices' installments (many) are settled by `db.payment_bulk.settle_in_bulk`: paid (one payment, or two), partly
paid, left overdue or not due yet; a few old unpaid invoices are written off with `db.payments.write_off`. Every paid
amount has its journal records, chained in the 'payment' series.

    plans = plan_deposits(rng, quote_specs, today)          # before the quotes are inserted (it sets their state)
    await request_deposits(actor, plans, quote_ids)         # once they are
    ids = await validate_in_bulk(..., stops=deposit_stops(actor, plans, issuer=issuer))
    await settle_invoices(actor, rng, secret=secret)        # once every invoice is validated
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from db import demo_cheques, documents, payments, validation
from db.actor import Actor
from db.issuing import Issuer
from db.bulk import Stop
from db.deposits import quote_deposits, set_deposits, settle_deposit
from db.document import Document, Installment
from db.payment_bulk import BulkSettlement, settle_in_bulk
from logic.deposits import DepositSpec
from logic.money import CENT

# 50 deposited quotes at 100,000 invoices (5,000 quotes): each one costs ~0.2 s through the API (its Factur-X check,
# its own transactions) and cuts a bulk batch.
DEPOSIT_SHARE = 100
MIN_DEPOSIT_QUOTES = 6
MAX_DEPOSIT_QUOTES = 300
# The steps a deposited quote has reached, by the state the quote was drawn in.
STEPS = {'sent': ['requested'], 'accepted': ['open_overdue', 'settled', 'open_not_due'], 'invoiced': ['invoiced']}
SHARES = {'sent': (0.15, 1), 'accepted': (0.45, 3), 'invoiced': (0.40, 2)}  # share of the deposited quotes, minimum
PERCENTS = [(Decimal(30),), (Decimal(40),), (Decimal(30), Decimal(20))]
# How money comes in: mostly transfers and cheques.
METHODS = ['transfer'] * 6 + ['cheque'] * 3 + ['card', 'direct_debit', 'cash']
PAID_OLD, PAID_RECENT = 0.85, 0.2   # share of invoices paid, older than 40 days / more recent
PARTLY_PAID = 0.3                   # among the others, partly paid
TWO_PAYMENTS = 0.1                  # among the paid installments, paid in two goes
INVOICES_PER_WRITE_OFF = 2000
MAX_WRITE_OFFS = 20
WRITE_OFF_AGE = 60                  # days, at least


@dataclass(kw_only=True, slots=True)
class DepositPlan:
    index: int                      # in the quote specs
    step: str                       # a value of STEPS
    percents: tuple[Decimal, ...]
    dues: list[date]
    paid_on: list[date] = field(default_factory=list)   # one per deposit settled
    balance_on: date | None = None  # the balance invoice's date ('invoiced')
    quote_id: int = 0
    balance_id: int | None = None


def plan_deposits(rng: random.Random, specs: list, today: date) -> list[DepositPlan]:
    """Pick the deposited quotes among `specs` ([day, contact, lines, state], sorted by day) and their steps.

    Their state becomes 'sent' (deposits are set on a quote not yet accepted; `request_deposits` accepts it, and an
    'invoiced' one is invoiced by its balance stop): no bulk invoice is made for them.
    """
    wanted = min(MAX_DEPOSIT_QUOTES, max(MIN_DEPOSIT_QUOTES, len(specs) // DEPOSIT_SHARE))
    plans = []
    for state, (share, least) in SHARES.items():
        candidates = [index for index, spec in enumerate(specs) if spec[3] == state]
        chosen = sorted(rng.sample(candidates, min(len(candidates), max(least, round(wanted * share)))))
        for rank, index in enumerate(chosen):
            plans.append(_plan(rng, index, specs[index][0], STEPS[state][rank % len(STEPS[state])], today))
            specs[index][3] = 'sent'
    return sorted(plans, key=lambda plan: plan.index)


def _plan(rng: random.Random, index: int, day: date, step: str, today: date) -> DepositPlan:
    percents = rng.choice(PERCENTS)
    first = day + timedelta(days=rng.randint(7, 15))
    if step == 'open_overdue' and first >= today:
        first = max(day, today - timedelta(days=1))
    elif step == 'open_not_due':
        first = max(first, today + timedelta(days=rng.randint(3, 30)))
    plan = DepositPlan(index=index, step=step, percents=percents,
                       dues=[first + timedelta(days=30 * rank) for rank in range(len(percents))])
    if step in ('settled', 'invoiced'):
        paid = day
        for due in plan.dues:
            paid = min(today, max(paid, due + timedelta(days=rng.randint(-6, 4))))
            plan.paid_on.append(paid)
    if step == 'invoiced':
        plan.balance_on = min(today, plan.paid_on[-1] + timedelta(days=rng.randint(10, 45)))
    return plan


async def request_deposits(actor: Actor, plans: list[DepositPlan], quote_ids: list[int]) -> None:
    """The deposits set on each planned quote, then the quote accepted (its deposits open) unless only requested."""
    for plan in plans:
        plan.quote_id = quote_ids[plan.index]
        version = (await Document.filter(id=plan.quote_id).values_list('version', flat=True))[0]
        await set_deposits(actor, plan.quote_id, [DepositSpec(due_date=due, percent=percent)
                                                  for due, percent in zip(plan.dues, plan.percents)], version)
        if plan.step != 'requested':
            await documents.set_quote_state(actor, plan.quote_id, 'accepted')


def deposit_stops(actor: Actor, plans: list[DepositPlan], *, issuer: Issuer, rng: random.Random) -> list[Stop]:
    """The deposit invoices and balance invoices, each to be validated on its day among the bulk invoices."""
    stops: list[Stop] = []
    for plan in plans:
        for rank, paid_on in enumerate(plan.paid_on):
            stops.append((paid_on, _settler(actor, plan, rank, paid_on, rng.choice(METHODS), issuer)))
        if plan.balance_on is not None:
            stops.append((plan.balance_on, _balancer(actor, plan, issuer)))
    return stops


def _settler(actor: Actor, plan: DepositPlan, rank: int, paid_on: date, method: str, issuer: Issuer):
    async def settle() -> None:
        deposit = (await quote_deposits(plan.quote_id))[rank]
        await settle_deposit(actor, deposit.id, paid_on=paid_on, method=method, amount=deposit.left_to_pay,
                             invoice_date=paid_on, issuer=issuer)
    return settle


def _balancer(actor: Actor, plan: DepositPlan, issuer: Issuer):
    async def balance() -> None:
        draft = await documents.invoice_quote(actor, plan.quote_id)
        invoice = await validation.validate_invoice(actor, draft.id, issuer=issuer, issue_date=plan.balance_on)
        plan.balance_id = invoice.id
    return balance


@dataclass(kw_only=True, slots=True)
class PaymentFigures:
    settlements: int = 0
    written_off: int = 0


async def settle_invoices(actor: Actor, rng: random.Random, *, secret: str, progress=None) -> PaymentFigures:
    """Settle the open installments of the validated invoices: most old ones paid, recent ones less, some partly."""
    today = date.today()
    rows = await Installment.filter(kind='installment', status='open', document__doc_type='invoice',
                                    document__state='validated').order_by('document_id', 'position').values_list(
        'id', 'document_id', 'amount', 'due_date', 'document__issue_date')
    settlements: list[BulkSettlement] = []
    outcome, current = '', None
    for installment_id, document_id, amount, due, issued in rows:
        if document_id != current:  # one draw per invoice: paid, partly paid or unpaid
            current, draw = document_id, rng.random()
            paid = PAID_OLD if (today - issued).days > 40 else PAID_RECENT
            outcome = 'paid' if draw < paid else 'partly' if draw < paid + (1 - paid) * PARTLY_PAID else 'unpaid'
        if outcome == 'unpaid' or due > today + timedelta(days=10):
            continue  # a later installment not due yet stays open
        paid_on = min(today, max(issued, due + timedelta(days=rng.randint(-20, 15))))
        method = rng.choice(METHODS)
        part = (amount * rng.randint(20, 70) / 100).quantize(CENT, rounding=ROUND_DOWN)
        split = Decimal('0.00') < part < amount and (outcome == 'partly' or rng.random() < TWO_PAYMENTS)
        settlements.append(BulkSettlement(installment_id=installment_id, amount=part if split else amount,
                                          paid_on=paid_on, method=method, reference=_reference(rng, method)))
        if split and outcome == 'paid':
            later = min(today, paid_on + timedelta(days=rng.randint(5, 30)))
            settlements.append(BulkSettlement(installment_id=installment_id, amount=amount - part, paid_on=later,
                                              method=method, reference=_reference(rng, method)))
        if outcome == 'partly':
            outcome = 'unpaid'  # the rest of a partly paid invoice waits
    settlements = demo_cheques.with_details(settlements)  # what is written on the cheques (PA4)
    settlements.sort(key=lambda item: item.paid_on)  # the journal in date order (a second payment stays second)
    return PaymentFigures(settlements=await settle_in_bulk(actor, settlements, secret=secret, progress=progress))


async def write_off_some(actor: Actor, rng: random.Random, invoices: int, *, secret: str) -> int:
    """PA7: a few old invoices left unpaid (or partly paid) become irrecoverable."""
    today = date.today()
    oldest = today - timedelta(days=WRITE_OFF_AGE)
    candidates = await Document.filter(doc_type='invoice', state='validated', issue_date__lt=oldest,
                                       credited_amount=0).order_by('id').values_list('id', 'due_date')
    count = min(MAX_WRITE_OFFS, max(1, invoices // INVOICES_PER_WRITE_OFF), len(candidates))
    for invoice_id, due in sorted(rng.sample(candidates, count)):
        on = min(today, due + timedelta(days=rng.randint(60, 200)))
        await payments.write_off(actor, invoice_id, on=on, reason=rng.choice(WRITE_OFF_REASONS), secret=secret)
    return count


WRITE_OFF_REASONS = ['Client en liquidation judiciaire', 'Relances restées sans réponse', 'Client introuvable',
                     'Montant trop faible pour une procédure']


def _reference(rng: random.Random, method: str) -> str:
    if method == 'cheque':
        return f'{rng.randint(1000000, 9999999)}'
    if method == 'transfer':
        return f'VIR {rng.randint(100000, 999999)}'
    return ''
