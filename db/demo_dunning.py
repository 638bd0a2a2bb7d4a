"""The demo's dunning history (PA6): the reminders an office would have sent for the invoices left unpaid.

For each overdue open installment, the levels whose delay has passed were sent on their day (a few days' slack),
by e-mail or by post, with the penalties and indemnity computed on that day by the same rules as a real run
(logic/dunning.py). A level that fell due in the last 30 days is left unsent for about one installment in three, so
that Règlements > Relances has something to propose (and as much at 100,000 invoices as at 10,000: the demo's
invoices per day don't change with its size); a few clients are excluded from dunning. Bulk inserts: fast at
100,000 invoices. Deterministic for a given seed.
"""
import random
from datetime import date, timedelta
from decimal import Decimal

from db import dunning_state
from db.actor import Actor
from db.contact import Contact
from db.document import Installment
from db.dunning import load_rules
from db.reminder import DunningExclusion, Reminder
from logic import dunning as rules

BATCH = 2000
UNSENT_SHARE = 0.35
RECENT_DAYS = 30
CLIENTS_PER_EXCLUSION = 150
CHUNK = 500


async def add_history(actor: Actor, seed: int, today: date | None = None) -> int:
    """Insert the reminders; returns how many."""
    today = today or date.today()
    rng = random.Random(f'dunning-{seed}')
    config = await load_rules()
    rows = await Installment.filter(status='open', kind='installment', client_id__not_isnull=True,
                                    due_date__lte=today - timedelta(days=config.thresholds[1])) \
        .order_by('id').values_list('id', 'document_id', 'client_id', 'due_date', 'amount', 'paid_amount')
    client_ids = sorted({row[2] for row in rows})
    business = {}
    for start in range(0, len(client_ids), CHUNK):
        for contact_id, is_company, category in await Contact.filter(id__in=client_ids[start:start + CHUNK]) \
                .values_list('id', 'is_company', 'category'):
            business[contact_id] = rules.is_business(is_company, category)
    excluded = set(rng.sample(client_ids, min(len(client_ids), max(1, len(client_ids) // CLIENTS_PER_EXCLUSION)))) \
        if client_ids else set()
    await DunningExclusion.bulk_create([DunningExclusion(contact_id=contact_id, reason='Litige en cours sur la livraison')
                                        for contact_id in sorted(excluded)])
    reminders: list[Reminder] = []
    charged: set[tuple[int, int]] = set()  # (invoice, level) whose indemnity was claimed
    count = 0
    for installment_id, document_id, client_id, due, amount, paid in rows:
        if client_id in excluded:
            continue
        left = amount - paid
        late = rules.days_late(due, today)
        reached = [level for level in rules.LEVELS if late >= config.thresholds[level]]
        # An office runs dunning every few weeks: only a level that fell due lately may still wait to be sent.
        if reached and due + timedelta(days=config.thresholds[reached[-1]]) >= today - timedelta(days=RECENT_DAYS) \
                and rng.random() < UNSENT_SHARE:
            reached = reached[:-1]
        is_business = business.get(client_id, True)
        for level in reached:
            sent_on = min(today, due + timedelta(days=config.thresholds[level] + rng.randint(0, 4)))
            try:
                penalties = rules.late_penalties(left, due, sent_on, config.rates, config.terms, business=is_business)
            except rules.RateMissing:
                penalties = Decimal('0.00')
            # Claimed in each letter, on the invoice's first installment (as db/dunning.py letters do).
            first = is_business and (document_id, level) not in charged
            indemnity = rules.RECOVERY_INDEMNITY if first else Decimal('0.00')
            if first:
                charged.add((document_id, level))
            reminders.append(Reminder(
                installment_id=installment_id, document_id=document_id, client_id=client_id, level=level,
                sent_on=sent_on, channel='post' if level == 3 or rng.random() < 0.3 else 'email',
                days_late=(sent_on - due).days, principal=left, penalties=penalties, indemnity=indemnity,
                user_id=actor.user_id, actor=actor.email))
        if len(reminders) >= BATCH:
            await Reminder.bulk_create(reminders)
            count += len(reminders)
            reminders = []
    if reminders:
        await Reminder.bulk_create(reminders)
        count += len(reminders)
    await dunning_state.rebuild()  # where each installment stands, as a run's record_letter keeps it
    return count
