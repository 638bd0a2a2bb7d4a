"""The dashboard's figures (DA1-DA4): turnover and margin as the accountant counts them, payments and quotes, and
every widget's count equal to the count of the list it opens."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from db import credit_notes, dashboard, deposits, documents, settings
from db.article import Article
from db.document import Document, Installment
from db.document_list import DocumentQuery, list_documents
from db.payment_list import RECEIVABLE, PaymentQuery, list_installments
from db.user import User
from logic import dashboard as rules
from logic.errors import DomainError
from tests.db.documents_helpers import D, business_client, draft, individual_client, line, validated_invoice
from tests.db.test_deposits import quote_with_deposit, settle
from tests.issuing import issuer
from tests.personas import set_up_company

ALL = list(rules.WIDGETS)


async def read(widgets=ALL):
    return await dashboard.read_dashboard(today=date.today(), options=await settings.get_options(), widgets=widgets)


async def article(reference: str, cost: str) -> Article:
    return await Article.create(reference=reference, designation=f'Article {reference}', sale_price=D('100'),
                                purchase_price=D(cost))


async def test_turnover_counts_invoices_less_credit_notes_and_leaves_deposits_and_drafts_out(db):
    admin = await set_up_company()
    client = await business_client()
    tile = await article('CAR', '40')
    first = await validated_invoice(admin, client, line('Carrelage', '3', '100', '20', article_id=tile.id))
    await validated_invoice(admin, client, line('Pose', '1', '250', '10'))
    await documents.create_document(admin, draft(client, line('Brouillon', '1', '999')))  # a draft: not turnover
    note = await credit_notes.create_credit_note(admin, first.id, issuer=issuer(), mode='lines', lines={
        (await first.lines.all())[0].id: D('1')})
    _, deposit = await quote_with_deposit(admin, client=client)
    deposit_invoice = await settle(admin, deposit)  # an advance received (4191), not a sale
    assert deposit_invoice.doc_type == 'deposit_invoice' and deposit_invoice.total_ht > 0

    figures = await read()
    assert figures.revenue_month.amount == D('300.00') + D('250.00') - D('100.00') == figures.revenue_year.amount
    assert figures.revenue_month.count == 3 and note.total_ht == D('-100.00')
    # The margin: 3 tiles sold at 100 cost 40 each; the credit note gives one back (its cost too); the service line
    # has no article, hence no cost.
    assert figures.cost_year == D('80.00')
    assert figures.revenue_year.amount - figures.cost_year == D('370.00')
    month = next(m for m in figures.months if m.first == date.today().replace(day=1))
    assert month.revenue == D('450.00') and month.count == 3

    rows, total = await list_documents(DocumentQuery(family='invoice', view='ca', date_from=figures.month.start,
                                                     date_to=figures.month.end))
    assert total == figures.revenue_month.count == 3
    assert {row['doc_type'] for row in rows} == {'invoice', 'credit_note'}


async def test_a_credit_note_of_a_deposit_invoice_is_not_turnover_either(db):
    admin = await set_up_company()
    _, deposit = await quote_with_deposit(admin)
    await settle(admin, deposit)
    note = await deposits.unsettle_deposit(admin, deposit.id, issuer=issuer(), credit=True, reason='Chèque impayé')
    assert note.doc_type == 'credit_note'
    figures = await read(['revenue'])
    assert figures.revenue_year.amount == D('0.00') and figures.revenue_year.count == 0
    _, total = await list_documents(DocumentQuery(family='invoice', view='ca'))
    assert total == 0


async def test_the_fiscal_year_starts_on_the_month_the_options_say(db):
    admin = await set_up_company()
    client = await individual_client()
    await validated_invoice(admin, client, line('Pose', '1', '100'))
    today = date.today()
    start = today.month % 12 + 1  # the fiscal year began 11 months ago: this month is its last
    await settings.save_options(admin, {'fiscal_year_start': start})
    figures = await dashboard.read_dashboard(today=today, options=await settings.get_options(), widgets=['revenue'])
    assert figures.year.start.month == start and figures.year.end >= today >= figures.year.start
    assert [m.first.month for m in figures.months][-1] == today.month
    assert figures.revenue_year.amount == D('100.00')
    with pytest.raises(DomainError, match='un mois'):
        await settings.save_options(admin, {'fiscal_year_start': 13})
    assert (await settings.get_options()).fiscal_year_start == start


async def test_payment_widgets_count_what_the_payments_list_shows(db):
    admin = await set_up_company()
    client = await business_client()
    today = date.today()
    late = await validated_invoice(admin, client, line('Pose', '1', '100'), issue_date=today - timedelta(days=40))
    await Installment.filter(document_id=late.id).update(due_date=today - timedelta(days=10))
    await validated_invoice(admin, client, line('Pose', '2', '100'))
    figures = await read(['payments', 'payments_chart', 'oldest_installments'])
    assert (figures.overdue.amount, figures.overdue.count) == (D('120.00'), 1)
    assert figures.oldest_due == today - timedelta(days=10)
    assert figures.upcoming.count == 1 and figures.upcoming.amount == D('240.00')
    for status, start, count in (('overdue', None, 1), ('open', today, 1)):
        _, total = await list_installments(PaymentQuery(status=status, kind=RECEIVABLE, date_from=start, today=today))
        assert total == count
    assert sum(amount for _, amount in figures.weeks) == D('240.00')  # due within the 8 weeks
    assert len(figures.oldest_installments) == 2 and figures.oldest_installments[0]['document_id'] == late.id


async def test_quote_widgets_split_expired_from_valid_with_the_weighted_amount(db):
    admin = await set_up_company()
    client = await business_client()
    valid = await documents.create_document(admin, draft(client, line('Pose', '10', '100'), doc_type='quote',
                                                         probability=50))
    expired = await documents.create_document(admin, draft(client, line('Pose', '3', '100'), doc_type='quote',
                                                           probability=80))
    await Document.filter(id=expired.id).update(validity_date=date.today() - timedelta(days=1))
    accepted = await documents.create_document(admin, draft(client, line('Pose', '1', '100'), doc_type='quote'))
    await documents.set_quote_state(admin, accepted.id, 'accepted')  # answered: in neither
    figures = await read(['quotes', 'pipeline_chart'])
    assert (figures.quotes_pending.count, figures.quotes_pending.amount) == (1, D('1000.00'))
    assert figures.quotes_pending.weighted == D('500.00')
    assert figures.quotes_pending.bands['50-74'].amount == D('1000.00')
    assert (figures.quotes_expired.count, figures.quotes_expired.weighted) == (1, D('240.00'))
    for view, count, doc_id in (('en-cours', 1, valid.id), ('expires', 1, expired.id)):
        rows, total = await list_documents(DocumentQuery(family='quote', view=view))
        assert total == count and rows[0]['id'] == doc_id


async def test_recent_documents_and_top_clients_and_articles(db):
    admin = await set_up_company()
    martin, petit = await business_client(), await individual_client()
    tile = await article('CAR', '40')
    await validated_invoice(admin, martin, line('Carrelage', '5', '100', article_id=tile.id))
    await validated_invoice(admin, petit, line('Pose', '1', '100'))
    last = await documents.create_document(admin, draft(petit, line('Pose', '1', '50')))
    figures = await read(['recent', 'top_clients', 'top_articles'])
    assert figures.recent['invoice'][0]['id'] == last.id and figures.recent['invoice'][0]['number'] is None
    assert [row['client_id'] for row in figures.top_clients] == [martin.id, petit.id]
    assert [(row['article_id'], row['ht']) for row in figures.top_articles] == [(tile.id, D('500.00'))]


async def test_a_user_keeps_their_choice_of_widgets_and_can_not_choose_what_options_switch_off(db):
    admin = await set_up_company()
    options = await settings.get_options()
    assert await dashboard.save_widgets(admin, ['payments', 'revenue'], options) == ['payments', 'revenue']
    assert (await User.get(id=admin.user_id)).dashboard_widgets == ['payments', 'revenue']
    no_margin = SimpleNamespace(margin=False, quotes=True, deal_tracking=True)
    with pytest.raises(DomainError):
        await dashboard.save_widgets(admin, ['margin'], no_margin)
    with pytest.raises(DomainError):
        await dashboard.save_widgets(admin, ['revenue', 'revenue'], options)
    assert (await User.get(id=admin.user_id)).dashboard_widgets == ['payments', 'revenue']
    assert await dashboard.save_widgets(admin, None, options) == rules.default_widgets(options)
    assert (await User.get(id=admin.user_id)).dashboard_widgets is None
