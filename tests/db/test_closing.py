"""Closings of periods (issue 13, AC3): what a closing records, the closed period, and the re-sealed chain a closing
catches. The month closed is last month, the fiscal year made to start with it: one closing is due."""
from datetime import date
from decimal import Decimal

import pytest
from tortoise import connections

from db import closings, integrity, payments, settings
from db.closing import Closing
from db.document import ChainEntry, Document, Installment
from db.integrity import chain_payload
from logic.closing import fingerprint, month
from logic.errors import DomainError
from logic.integrity import GENESIS, chain_hash, secret_key
from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.db.test_tampering import execute, play_the_attacker
from tests.helpers import SECRET, last_day_of_last_month
from tests.personas import set_up_company

D = Decimal


def last_month():
    last_day = last_day_of_last_month()
    return month(last_day.year, last_day.month)


async def last_month_books():
    """Two invoices of last month (one at 10 %), the first paid by cheque last month; the admin."""
    admin = await set_up_company()
    period = last_month()
    await settings.save_options(admin, {'fiscal_year_start': period.start.month})
    client = await business_client()
    first = await validated_invoice(admin, client, issue_date=period.start)
    second = await validated_invoice(admin, client, line(price='50', rate='10'), issue_date=period.end)
    installment = await Installment.filter(document_id=first.id).first()
    await payments.settle(admin, installment.id, paid_on=period.end, method='cheque', amount=D('240.00'),
                          secret=SECRET)
    return admin, first, second


async def test_it_closes_last_month_with_its_totals_series_and_chain_heads(db):
    admin, first, second = await last_month_books()
    assert await closings.due_periods() == [last_month()]
    closing, = await closings.close(admin, last_month(), secret=SECRET)
    totals = closing.payload['totals']
    assert totals['documents'] == {'count': 2, 'total_ht': '300.00', 'total_vat': '50.00', 'total_ttc': '350.00',
                                   'absolute_ttc': '350.00'}
    assert [(row['rate'], row['base'], row['vat']) for row in totals['by_vat_rate']] == [
        ('10.00', '100.00', '10.00'), ('20.00', '200.00', '40.00')]
    assert totals['by_method'] == {'cheque': {'count': 1, 'total': '240.00'}}
    assert totals['series']['invoice'] == {'count': 2, 'first': first.number, 'last': second.number}
    assert closing.payload['perpetual']['total_ttc'] == '350.00' and closing.perpetual_total == D('350.00')
    head = await ChainEntry.filter(series='invoice').order_by('-position').first()
    assert closing.payload['chains']['invoice'] == {'position': 2, 'label': second.number, 'hash': head.hash}
    assert closing.payload['previous_fingerprint'] == GENESIS and len(closing.fingerprint) == 64
    assert await closings.due_periods() == []
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))


async def test_a_closing_is_frozen_and_a_period_is_closed_once_and_only_when_over(db):
    admin, *_ = await last_month_books()
    today = date.today()
    this_month = month(today.year, today.month)
    with pytest.raises(DomainError, match='n’est pas terminé'):
        await closings.close(admin, this_month, secret=SECRET)
    closing, = await closings.close(admin, last_month(), secret=SECRET)
    with pytest.raises(DomainError, match='déjà clôturé'):
        await closings.close(admin, last_month(), secret=SECRET)
    with pytest.raises(Exception, match='append-only'):
        await execute(f"UPDATE closing SET label = 'x' WHERE id = {closing.id}")
    with pytest.raises(Exception, match='append-only'):
        await execute(f'DELETE FROM closing WHERE id = {closing.id}')


async def test_it_refuses_a_payment_or_an_invoice_dated_in_a_closed_month(db):
    admin, _, second = await last_month_books()
    await closings.close(admin, last_month(), secret=SECRET)
    installment = await Installment.filter(document_id=second.id).first()
    with pytest.raises(closings.ClosedPeriod, match='période clôturée'):
        await payments.settle(admin, installment.id, paid_on=last_month().end, method='transfer', amount=D('55.00'),
                              secret=SECRET)
    assert (await Installment.get(id=installment.id)).status == 'open'
    client = await business_client(code='C0009')
    with pytest.raises(closings.ClosedPeriod, match='valider un document'):
        await validated_invoice(admin, client, issue_date=last_month().end)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='transfer', amount=D('55.00'),
                          secret=SECRET)


async def reseal(series: str) -> None:
    """What an attacker holding the data folder (and so the secret) does: every hash of the chain recomputed."""
    key, previous = secret_key(SECRET), GENESIS
    for entry in await ChainEntry.filter(series=series).order_by('position'):
        document = await Document.get(id=entry.document_id)
        digest = chain_hash(key, previous, chain_payload(document))
        await execute(f"UPDATE chain_entry SET previous_hash = '{previous}', hash = '{digest}' WHERE id = {entry.id}")
        previous = digest


async def test_a_chain_resealed_after_a_closing_is_caught_by_the_closing(db):
    admin, first, second = await last_month_books()
    await closings.close(admin, last_month(), secret=SECRET)
    await play_the_attacker()
    for invoice in (first, second):  # two amounts lowered, then the chain recomputed with the instance secret
        await execute(f'UPDATE document SET total_ttc = total_ttc - 1000, total_ht = total_ht - 1000 '
                      f'WHERE id = {invoice.id}')
    await reseal('invoice')
    assert (await integrity.verify_series('invoice', SECRET)).ok  # the chain alone says "intacte"
    report = await closings.verify_closings(SECRET)
    assert not report.ok
    assert any('recalculée' in problem for problem in report.problems)
    assert any('Les totaux de' in problem and '350.00 enregistré' in problem for problem in report.problems)


async def test_a_closing_rewritten_too_is_caught_by_the_report_that_left_the_machine(db, tmp_path):
    from db.cli_closing import check_closing_report
    from db.cli_output import in_thread

    admin, first, _ = await last_month_books()
    closing, = await closings.close(admin, last_month(), secret=SECRET)
    report = tmp_path / 'rapport.pdf'
    report.write_bytes(await closings.report_pdf(closing, secret=SECRET, run=in_thread))
    assert await check_closing_report(report)
    await play_the_attacker()
    client = connections.get('default')
    await client.execute_script('DROP TRIGGER IF EXISTS closing_no_update;' if client.capabilities.dialect == 'sqlite'
                                else 'DROP TRIGGER IF EXISTS closing_append_only ON closing;')
    await execute(f'UPDATE document SET total_ttc = total_ttc - 1000 WHERE id = {first.id}')
    await reseal('invoice')
    # ... and the closing made again from the rows as they now are, with the secret: the database agrees with itself.
    rebuilt = dict(closing.payload, totals=await closings.period_totals(last_month()),
                   chains=await closings.chain_heads())
    await Closing.filter(id=closing.id).update(payload=rebuilt, fingerprint=fingerprint(rebuilt),
                                               hash=chain_hash(secret_key(SECRET), GENESIS, rebuilt))
    assert (await closings.verify_closings(SECRET)).ok
    assert not await check_closing_report(report)  # the report kept by the accountant still holds the old figures


async def test_payments_racing_a_closing_are_either_counted_in_it_or_refused(db):
    """On PostgreSQL the pool's connections really race: the closing takes the payments chain's lock, a settlement
    checks the closed period after taking it. Whatever the order, the closing's totals match the journal."""
    import asyncio

    admin, _, second = await last_month_books()
    client = await business_client(code='C0008')
    invoices = [second] + [await validated_invoice(admin, client, issue_date=last_month().end) for _ in range(4)]
    installments = [await Installment.filter(document_id=invoice.id).first() for invoice in invoices]
    results = await asyncio.gather(
        *(payments.settle(admin, installment.id, paid_on=last_month().end, method='transfer',
                          amount=installment.amount, secret=SECRET) for installment in installments),
        closings.close(admin, last_month(), secret=SECRET), return_exceptions=True)
    refused = [result for result in results[:-1] if isinstance(result, Exception)]
    assert all(isinstance(result, closings.ClosedPeriod) for result in refused), refused
    closing, = results[-1]
    assert closing.payload['totals']['payments']['count'] == 1 + len(installments) - len(refused)
    assert (await closings.verify_closings(SECRET)).ok


async def test_the_report_goes_to_the_accountant_in_one_call_with_its_fingerprint(db, config, smtp_server):
    import email
    from email import policy

    from db.cli_output import in_thread
    from tests.mail import configured

    controller, inbox = smtp_server
    admin, *_ = await last_month_books()
    closing, = await closings.close(admin, last_month(), secret=SECRET)
    with pytest.raises(DomainError, match='adresse e-mail du comptable'):
        await closings.send_report(admin, closing, config=config, run=in_thread)
    await configured(admin, controller.port)
    await closings.save_settings(admin, accountant_email='cabinet@expert-comptable.fr')
    log = await closings.send_report(admin, closing, config=config, run=in_thread)
    assert log.status == 'sent' and log.recipients == ['cabinet@expert-comptable.fr']
    message = email.message_from_bytes(inbox.messages[0][1], policy=policy.default)
    assert closing.fingerprint in message.get_body().get_content()
    report, = message.iter_attachments()
    assert report.get_content().startswith(b'%PDF-') and closing.label in message['Subject']


async def test_the_fiscal_year_start_cannot_change_once_a_fiscal_year_is_closed(db):
    admin = await set_up_company()
    this_month = date.today().month
    await settings.save_options(admin, {'fiscal_year_start': this_month})  # a fiscal year ended last month
    await validated_invoice(admin, await business_client(), issue_date=last_month().start)
    await closings.close_due(admin, secret=SECRET)
    assert await Closing.filter(kind='year').exists()
    with pytest.raises(DomainError, match='ne peut plus changer'):
        await settings.save_options(admin, {'fiscal_year_start': this_month % 12 + 1})
    await settings.save_options(admin, {'fiscal_year_start': this_month, 'quote_validity_days': 45})  # unchanged
