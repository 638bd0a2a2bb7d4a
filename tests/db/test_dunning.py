"""PA6: Alice reminds the clients who are late: one reminder per installment and level, recorded with the amounts
claimed that day; an excluded client is never proposed; a private client is charged no penalty."""
from datetime import date, timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest

from db import dunning
from db.audit import AuditEntry
from db.reminder import Reminder
from logic.errors import DomainError
from logic.render.letter import letters_html
from tests.db.documents_helpers import business_client, individual_client
from tests.db.payments_helpers import invoice_in_two
from tests.helpers import SECRET
from tests.mail import configured
from tests.personas import set_up_company

D = Decimal


def hundred_days_on() -> date:
    """The installments of invoice_in_two fall due in 10 and 40 days: 100 days on, they are 90 and 60 days late."""
    return date.today() + timedelta(days=100)


async def print_run(admin, tmp_path, today, ids=None):
    groups = await dunning.proposals(today)
    ids = ids or [line.installment_id for group in groups for line in group.lines]
    letters = await dunning.letters(ids, today)
    count = await dunning.print_letters(letters, tmp_path / 'relances.pdf', run=_direct, today=today)
    await dunning.record_letters(admin, letters, 'post', today)
    return count


async def email_run(admin, letters, today) -> tuple[int, list[str]]:
    """(letters sent, French errors), as the e-mail job counts them (db/job_kinds.py: dunning_email)."""
    errors = [error async for _, error in dunning.send_letters(admin, letters, secret=SECRET, today=today)]
    return errors.count(''), [error for error in errors if error]


async def _direct(function, *args):
    return function(*args)


async def test_a_run_records_one_reminder_per_installment_and_the_level_advances(db, tmp_path):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin, await business_client(email='compta@martin.fr'))
    later = hundred_days_on()
    [group] = await dunning.proposals(later)
    assert [(line.level, line.days_late) for line in group.lines] == [(1, 90), (1, 60)]
    # 40 EUR once for the invoice, penalties on each installment's amount left to pay.
    assert [line.indemnity for line in group.lines] == [D('40.00'), D('0.00')]
    assert all(line.penalties > 0 for line in group.lines)

    assert await print_run(admin, tmp_path, later) == 1
    assert (tmp_path / 'relances.pdf').read_bytes().startswith(b'%PDF')
    rows = await Reminder.filter(document_id=invoice.id).order_by('id')
    assert [(r.level, r.channel, r.sent_on, r.indemnity) for r in rows] == [
        (1, 'post', later, D('40.00')), (1, 'post', later, D('0.00'))]
    assert await AuditEntry.filter(action='dunning.sent').count() == 1
    # The same day, nothing more is due; the next level waits for the gap between levels 1 and 2 (15 days).
    assert await dunning.proposals(later) == []
    assert await dunning.proposals(later + timedelta(days=14)) == []
    [group] = await dunning.proposals(later + timedelta(days=15))
    assert [line.level for line in group.lines] == [2, 2]


async def test_recording_the_same_letter_twice_records_it_once(db):
    admin = await set_up_company()
    await invoice_in_two(admin, await business_client())
    later = hundred_days_on()
    [letter] = await dunning.letters([line.installment_id for line in (await dunning.proposals(later))[0].lines],
                                     later)
    assert await dunning.record_letter(admin, letter, 'post', later) == 2
    assert await dunning.record_letter(admin, letter, 'post', later) == 0
    assert await Reminder.all().count() == 2


async def test_the_same_letter_recorded_twice_at_once_is_recorded_once(db):
    """Two runs at the same moment (on PostgreSQL the pool's connections really race): the installments' row locks
    make the second wait for the first and find the letter recorded."""
    import asyncio

    admin = await set_up_company()
    await invoice_in_two(admin, await business_client())
    later = hundred_days_on()
    [letter] = await dunning.letters([line.installment_id for line in (await dunning.proposals(later))[0].lines],
                                     later)
    counts = await asyncio.gather(*(dunning.record_letter(admin, letter, 'post', later) for _ in range(3)))
    assert sorted(counts) == [0, 0, 2]
    assert await Reminder.all().count() == 2


async def test_the_letters_print_with_the_clients_dunning_template(db):
    from db.output import PrintTemplate  # noqa: PLC0415

    admin = await set_up_company()
    template = await PrintTemplate.create(name='Relances sobres', font='liberation-sans', primary_color='#7a1f1f')
    await invoice_in_two(admin, await business_client(dunning_template_id=template.id))
    later = hundred_days_on()
    [letter] = await dunning.letters([line.installment_id for line in (await dunning.proposals(later))[0].lines],
                                     later)
    data = dunning.letter_data(letter, None, await dunning.load_rules(), later)
    assert data['style'] == {'font': 'liberation-sans', 'primary': '#7a1f1f'}
    html = letters_html([data])
    assert 'LiberationSans-Regular.ttf' in html and '#7a1f1f' in html


async def test_an_excluded_client_is_not_proposed(db):
    admin = await set_up_company()
    client = await business_client()
    await invoice_in_two(admin, client)
    await dunning.set_excluded(admin, client.id, True, 'Litige en cours')
    later = hundred_days_on()
    assert await dunning.proposals(later) == []
    assert await dunning.letters([], later) == []
    await dunning.set_excluded(admin, client.id, False)
    assert len(await dunning.proposals(later)) == 1
    assert await AuditEntry.filter(action__in=('dunning.excluded', 'dunning.included')).count() == 2


async def test_a_private_client_is_charged_no_penalty_nor_indemnity(db):
    admin = await set_up_company()
    await invoice_in_two(admin, await individual_client())
    [group] = await dunning.proposals(hundred_days_on())
    assert not group.business
    assert {(line.penalties, line.indemnity) for line in group.lines} == {(D('0.00'), D('0.00'))}


async def test_reminders_go_by_email_to_the_client(db, smtp_server):
    controller, inbox = smtp_server
    admin = await set_up_company()
    await configured(admin, controller.port)
    invoice = await invoice_in_two(admin, await business_client(email='compta@martin.fr'))
    later = hundred_days_on()
    letters = await dunning.letters([line.installment_id for line in (await dunning.proposals(later))[0].lines],
                                    later)
    sent, errors = await email_run(admin, letters, later)
    assert (sent, errors) == (1, [])
    [(recipients, raw)] = inbox.messages
    message = message_from_bytes(raw, policy=policy.default)
    assert recipients == ['compta@martin.fr']
    assert invoice.number in message['Subject'] and 'Rappel' in message['Subject']
    assert 'Indemnité forfaitaire' in message.get_content()
    assert await Reminder.filter(channel='email').count() == 2


async def test_a_client_without_email_is_reported_and_not_recorded(db):
    admin = await set_up_company()
    await invoice_in_two(admin, await business_client(email=''))
    later = hundred_days_on()
    letters = await dunning.letters([line.installment_id for line in (await dunning.proposals(later))[0].lines],
                                    later)
    sent, errors = await email_run(admin, letters, later)
    assert sent == 0 and 'adresse e-mail' in errors[0]
    assert await Reminder.all().count() == 0


async def test_the_levels_settings_refuse_delays_out_of_order(db):
    admin = await set_up_company()
    values = {level: {'days': days, 'subject': 'Objet', 'text': 'Texte'} for level, days in ((1, 10), (2, 5), (3, 40))}
    with pytest.raises(DomainError, match='niveau 2'):
        await dunning.save_levels(admin, values)
    values[2]['days'] = 20
    await dunning.save_levels(admin, values)
    assert (await dunning.load_rules()).thresholds == {1: 10, 2: 20, 3: 40}


async def test_the_demo_holds_a_dunning_history_in_level_order(db):
    from collections import defaultdict  # noqa: PLC0415

    from db import demo  # noqa: PLC0415
    from db.reminder import DunningExclusion  # noqa: PLC0415

    summary = await demo.fill_demo(secret=SECRET, invoices=120, seed=3)
    rows = await Reminder.all().order_by('id').values_list('installment_id', 'level', 'sent_on', 'client_id')
    assert summary.reminders == len(rows) > 0
    sent = defaultdict(list)
    for installment_id, level, sent_on, _ in rows:
        sent[installment_id].append((level, sent_on))
    assert all([level for level, _ in items] == list(range(1, len(items) + 1)) and
               [day for _, day in items] == sorted(day for _, day in items) for items in sent.values())
    excluded = set(await DunningExclusion.all().values_list('contact_id', flat=True))
    assert excluded and not excluded & {client_id for *_, client_id in rows}


async def test_the_letters_are_counted_as_many_as_they_are_made(db):
    """The run's dialog counts the letters on the click (`count_letters`) and the job makes them (`letters`): the
    same number, excluded clients, several levels and installments not due yet among those chosen."""
    from db import demo  # noqa: PLC0415
    from db.document import Installment  # noqa: PLC0415

    await demo.fill_demo(secret=SECRET, invoices=120, seed=3)
    ids = await Installment.filter(status='open').values_list('id', flat=True)
    start = date.today()
    for today in (start, start + timedelta(days=20), hundred_days_on()):
        letters = await dunning.letters(ids, today)
        assert len({letter.level for letter in letters}) > 1 or today != start
        assert await dunning.count_letters(ids, today) == len(letters) > 0
        assert await dunning.count_letters(ids[:7], today) == len(await dunning.letters(ids[:7], today))
    assert await dunning.count_letters([], start) == 0


async def test_the_dunning_state_follows_the_reminders_recorded(db, tmp_path):
    """The proposal reads each installment's DunningState, not its reminders: it must say the last level sent and
    its day after each run, and come out the same when rebuilt from the reminders (the demo's path)."""
    from db import dunning_state  # noqa: PLC0415
    from db.reminder import DunningState  # noqa: PLC0415

    admin = await set_up_company()
    await invoice_in_two(admin, await business_client())
    later = hundred_days_on()
    await print_run(admin, tmp_path, later)
    ids = sorted(await DunningState.all().values_list('id', flat=True))
    assert len(ids) == 2
    assert await dunning_state.last_levels(ids) == {ids[0]: (1, later), ids[1]: (1, later)}
    second = later + timedelta(days=15)
    await print_run(admin, tmp_path, second, ids=[ids[0]])  # level 2 for the first installment only
    assert await dunning_state.last_levels(ids) == {ids[0]: (2, second), ids[1]: (1, later)}
    assert [line.installment_id for group in await dunning.proposals(second) for line in group.lines] == [ids[1]]
    await DunningState.all().delete()
    await dunning_state.rebuild()
    assert await dunning_state.last_levels(ids) == {ids[0]: (2, second), ids[1]: (1, later)}
    assert [line.installment_id for group in await dunning.proposals(second) for line in group.lines] == [ids[1]]


async def test_a_settled_installment_leaves_the_proposal_and_comes_back_at_its_next_level_once_reversed(db, tmp_path):
    from db import payments  # noqa: PLC0415
    from db.document import Installment  # noqa: PLC0415

    admin = await set_up_company()
    await invoice_in_two(admin, await business_client())
    await print_run(admin, tmp_path, hundred_days_on())
    first = await Installment.filter(kind='installment').order_by('due_date').first()
    later = hundred_days_on() + timedelta(days=15)
    await payments.settle(admin, first.id, paid_on=date.today(), method='transfer', amount=first.amount, secret=SECRET)
    assert [(line.installment_id, line.level) for group in await dunning.proposals(later)
            for line in group.lines] == [(first.id + 1, 2)]
    await payments.cancel_settlement(admin, first.id, secret=SECRET)
    assert [(line.installment_id, line.level) for group in await dunning.proposals(later)
            for line in group.lines] == [(first.id, 2), (first.id + 1, 2)]


async def test_a_sum_paid_late_counts_in_the_penalties_until_the_day_it_was_paid(db):
    from db import payments  # noqa: PLC0415
    from db.document import Installment  # noqa: PLC0415
    from logic import dunning as rules  # noqa: PLC0415

    admin = await set_up_company()
    await invoice_in_two(admin, await business_client())
    first = await Installment.filter(kind='installment').order_by('due_date').first()
    today = date.today()
    due = today - timedelta(days=40)
    await Installment.filter(id=first.id).update(due_date=due)  # fell due 40 days ago
    part = (first.amount / 4).quantize(D('0.01'))
    await payments.settle(admin, first.id, paid_on=today - timedelta(days=10), method='transfer', amount=part,
                          secret=SECRET)
    later = hundred_days_on()
    [line] = [line for group in await dunning.proposals(later) for line in group.lines
              if line.installment_id == first.id]
    config = await dunning.load_rules()
    assert line.left == first.amount - part and line.paid_late == [(today - timedelta(days=10), part)]
    owed_all_along = rules.late_penalties(first.amount, due, later, config.rates, config.terms, business=True)
    only_what_is_left = rules.late_penalties(line.left, due, later, config.rates, config.terms, business=True)
    assert only_what_is_left < line.penalties < owed_all_along
    assert line.penalties == rules.late_penalties(line.left, due, later, config.rates, config.terms, business=True,
                                                  paid_late=[(today - timedelta(days=10), part)])


async def test_the_proposal_pages_its_clients_and_sums_every_page(db):
    """Issue 17: the page reads its clients' lines only, the summary counts every installment due (no cap)."""
    admin = await set_up_company()
    # By name: "Atelier Zola", "Camille Petit" (an individual: first name first), "Épicerie Durand" (casefold order:
    # accented after z, as the groups are sorted), and an excluded client never counted.
    zola = await business_client(code='C1', name='Atelier Zola')
    petit = await individual_client(code='C2')
    epicerie = await business_client(code='C3', name='Épicerie Durand')
    excluded = await business_client(code='C4', name='Banque Exclue')
    for client in (zola, petit, epicerie, excluded, zola):
        await invoice_in_two(admin, client)
    await dunning.set_excluded(admin, excluded.id, True, 'Litige en cours')
    later = hundred_days_on()
    every = await dunning.proposals(later)
    assert [group.name for group in every] == ['Atelier Zola', 'Camille Petit', 'Épicerie Durand']

    first = await dunning.proposal_page(1, per_page=2, today=later)
    assert (first.clients, first.lines, first.page, first.pages) == (3, 8, 1, 2)
    assert first.left == sum((line.left for group in every for line in group.lines), D('0.00'))
    assert [group.name for group in first.groups] == ['Atelier Zola', 'Camille Petit']
    assert [group.total for group in first.groups] == [group.total for group in every[:2]]
    second = await dunning.proposal_page(2, per_page=2, today=later)
    assert [(group.name, len(group.lines)) for group in second.groups] == [('Épicerie Durand', 2)]
    assert (await dunning.proposal_page(9, per_page=2, today=later)).page == 2  # past the end: the last page
    assert sorted(await dunning.due_installment_ids(later)) == sorted(
        line.installment_id for group in every for line in group.lines)

    await print_run_of(admin, [line.installment_id for group in every for line in group.lines])
    empty = await dunning.proposal_page(1, per_page=2, today=later)
    assert (empty.clients, empty.lines, empty.left, empty.pages, empty.groups) == (0, 0, D('0.00'), 1, [])
    assert await dunning.due_installment_ids(later) == []


async def print_run_of(admin, ids):
    later = hundred_days_on()
    await dunning.record_letters(admin, await dunning.letters(ids, later), 'post', later)


async def test_letters_of_more_installments_than_one_statement_holds_come_in_due_date_order(db, monkeypatch):
    admin = await set_up_company()
    await invoice_in_two(admin, await business_client())
    await invoice_in_two(admin, await individual_client())
    """"Tout choisir" at size: the chosen ids are read a chunk per statement, then put back in due-date order."""
    later = hundred_days_on()
    ids = [line.installment_id for group in await dunning.proposals(later) for line in group.lines]
    thresholds = (await dunning.load_rules()).thresholds
    whole = await dunning.overdue_rows(later, thresholds, ids)
    monkeypatch.setattr(dunning, 'ID_CHUNK', 1)
    chunked = await dunning.overdue_rows(later, thresholds, list(reversed(ids)))
    assert len(whole) == 4 and chunked == whole
    assert [row.due_date for row in chunked] == sorted(row.due_date for row in chunked)
