"""Accueil (DA1-DA5): the getting-started tiles until the first invoice, widgets that open their list with the same
filters and count, a choice of widgets kept per user, and figures that follow other users' changes live."""
from datetime import date

from nicegui.testing import User

from components.document_list import DocumentList
from db import documents, settings, validation
from db.user import User as Account
from logic import dashboard as rules
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from tests.helpers import until
from tests.issuing import issuer
from tests.pages.helpers import elements, log_in, shown


async def test_a_new_instance_shows_where_to_start_and_the_empty_widgets(user: User, admin):
    await log_in(user)
    await user.should_see(marker='dashboard', retries=100)
    assert shown(user, 'home-intro') == 'Pour bien démarrer :'
    await user.should_see(marker='widget-revenue')
    assert elements(user, 'revenue-month')[0].props['href'] == rules.revenue_url(rules.month_of(date.today()))


async def test_the_turnover_widget_opens_the_invoice_list_with_its_filter_and_count(user: User, admin):
    client = await business_client()
    for price in ('100', '250', '80'):
        await validated_invoice(admin, client, line(quantity='1', price=price))
    await documents.create_document(admin, draft(client, line(quantity='1', price='999')))  # a draft: not counted
    await log_in(user)
    await user.should_see(marker='widget-revenue', retries=100)
    await user.should_not_see(marker='home-intro')  # the business runs: no more getting-started tiles
    figure = elements(user, 'revenue-month')[0]
    assert figure.default_slot.children[1].text == '430,00\u00a0€'
    assert figure.default_slot.children[2].text == '3 factures et avoirs'
    url = figure.props['href']
    await user.open(url)
    await user.should_see(marker='view', retries=100)
    listed = next(e for e in user.client.layout.descendants() if isinstance(e, DocumentList))
    await until(lambda: listed.table.pagination.get('rowsNumber') == 3)
    assert listed.view == 'ca' and len(listed.table.rows) == 3


async def test_a_user_chooses_their_widgets_and_keeps_them(user: User, admin):
    await log_in(user)
    await user.should_see(marker='customize', retries=100)
    user.find(marker='customize').click()
    await user.should_see(marker='save-widgets')
    for key in rules.default_widgets(await settings.get_options()):
        if key not in ('payments', 'revenue'):
            user.find(marker=f'choose-{key}').click()  # untick
    user.find(marker='save-widgets').click()
    await until(lambda: Account.get(id=admin.user_id).values_list('dashboard_widgets', flat=True))
    assert await Account.get(id=admin.user_id).values_list('dashboard_widgets', flat=True) == ['revenue', 'payments']
    await user.should_not_see(marker='widget-margin')
    await user.open('/')
    await user.should_see(marker='widget-payments', retries=100)
    await user.should_not_see(marker='widget-quotes')


async def test_the_dashboard_follows_a_validation_made_elsewhere(user: User, admin):
    client = await business_client()
    await validated_invoice(admin, client, line(quantity='1', price='100'))
    await log_in(user)
    await user.should_see(marker='revenue-month', retries=100)
    assert elements(user, 'revenue-month')[0].default_slot.children[1].text == '100,00\u00a0€'
    other = await documents.create_document(admin, draft(client, line(quantity='1', price='50')))
    await validation.validate_invoice(admin, other.id, issuer=issuer())  # another user, another browser
    await until(lambda: elements(user, 'revenue-month')[0].default_slot.children[1].text == '150,00\u00a0€')
