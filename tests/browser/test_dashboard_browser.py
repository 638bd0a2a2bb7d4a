"""Accueil in Chromium (DA1-DA5) at 1280 and 390 px: the widgets and their charts are drawn, and a widget's click
lands on the list behind it with the same filter and count. Screenshots: screenshots/dashboard-1280.png and
dashboard-390.png."""
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By

from db import accounts, documents, engine
from db.user import User
from tests.browser.helpers import click, log_in, resize, screenshot, wait_for
from tests.db.documents_helpers import business_client, draft, individual_client, line, validated_invoice
from tests.personas import ADMIN_EMAIL

pytestmark = pytest.mark.browser


async def prepare(server) -> None:
    """Three validated invoices (one to a private client), a draft invoice and a quote waiting for an answer."""
    await engine.open_database(server.database_url, migrate=False)
    try:
        admin = accounts.actor_of(await User.get(email=ADMIN_EMAIL), '127.0.0.1')
        martin, petit = await business_client(), await individual_client()
        for client, price in ((martin, '100'), (martin, '250'), (petit, '80')):
            await validated_invoice(admin, client, line('Pose de carrelage', quantity='1', price=price))
        await documents.create_document(admin, draft(martin, line('Dépose', quantity='1', price='999')))
        await documents.create_document(admin, draft(petit, line('Salle de bains', quantity='1', price='4200'),
                                                     doc_type='quote', probability=60))
    finally:
        await engine.close_database()


def charts_drawn(browser) -> bool:
    return len(browser.find_elements(By.CSS_SELECTOR, '.app-dash-chart canvas')) >= 3


async def test_the_dashboard_draws_its_widgets_and_a_click_opens_the_list_with_its_count(server, browser):
    await prepare(server)
    resize(browser)
    log_in(browser, server)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-widget=revenue] .app-dash-figure'))
    wait_for(browser, charts_drawn)
    amount = browser.find_element(By.CSS_SELECTOR, '[data-widget=revenue] .app-dash-figure .app-dash-amount')
    assert amount.text.replace('\u202f', ' ') == '430,00 €'
    assert not browser.find_elements(By.CSS_SELECTOR, '.app-tiles')  # invoices exist: no getting-started tiles
    screenshot(browser, 'dashboard', 1280)

    click(browser, '[data-widget=revenue] .app-dash-figure')
    wait_for(browser, lambda d: '/factures' in d.current_url)
    query = parse_qs(urlsplit(browser.current_url).query)
    assert query['vue'] == ['ca'] and query['du'][0].endswith('-01')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-table=invoices] tbody tr')) == 3)
    assert browser.find_elements(By.CSS_SELECTOR, '[data-role=view]')  # the list says what it is restricted to

    resize(browser, 390, 900)
    browser.get(server.url + '/')
    wait_for(browser, charts_drawn)
    widths = browser.execute_script(
        'return [...document.querySelectorAll(".app-dash-card")].map(e => e.getBoundingClientRect().right)')
    assert max(widths) <= 390, 'a widget runs off a phone screen'
    screenshot(browser, 'dashboard', 390)
