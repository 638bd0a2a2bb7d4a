"""A direct debit collection in a real browser (issue 16, PA5): a mandate added on the client's card, an invoice
payable by direct debit (validated through db/, it states the mandate), "Nouveau prélèvement" downloads a pain.008
file valid against its XSD, the collection is opened and confirmed: the invoice is "Réglée". Screenshots of the
collections page and of the new collection dialog land in screenshots/ at 1280 and 390 px."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By

from db import accounts, documents, engine, validation
from db.company import Company, PaymentMethod
from db.contact import Contact
from db.document import Document
from db.user import User
from tests.browser.helpers import fill, log_in, resize, screenshot, wait_for, wait_for_text
from tests.browser.test_deposit_walkthrough import click
from tests.db.documents_helpers import business_client, draft, line
from tests.db.test_sepa import ICS, transactions
from tests.issuing import issuer
from tests.personas import ADMIN_EMAIL

pytestmark = pytest.mark.browser


async def in_database(server, work):
    await engine.open_database(server.database_url, migrate=False)
    try:
        admin = accounts.actor_of(await User.get(email=ADMIN_EMAIL), '127.0.0.1')
        return await work(admin)
    finally:
        await engine.close_database()


async def a_client(admin) -> int:
    await Company.all().update(ics=ICS)
    return (await business_client(iban='FR7630006000011234567890189', bic='AGRIFRPP')).id


async def an_invoice(admin, client_id: int) -> Document:
    method = await PaymentMethod.get(kind='direct_debit')
    contact = await Contact.get(id=client_id)
    document = await documents.create_document(admin, draft(contact, line(price='100'),
                                                            payment_method_id=method.id))
    due = date.today() + timedelta(days=5)
    document = await documents.set_installments(admin, document.id, [(due, Decimal('240.00'))],
                                                document.version)
    return await validation.validate_invoice(admin, document.id, issuer=issuer())


async def test_a_mandate_an_invoice_a_collection_downloaded_and_confirmed(server, browser):
    client_id = await in_database(server, a_client)
    log_in(browser, server, path=f'/contacts/{client_id}')
    click(browser, '[data-tab=mandates]')
    click(browser, '[data-action=add-mandate]')
    fill(browser, '[data-field=reference]', 'RUM-BM-0001')
    click(browser, '[data-action=save-mandate]')
    wait_for_text(browser, 'Actif')

    invoice = await in_database(server, lambda admin: an_invoice(admin, client_id))
    assert invoice.snapshot['extra']['direct_debit']['mandate'] == 'RUM-BM-0001'

    browser.get(f'{server.url}/reglements/prelevements')
    wait_for_text(browser, 'Nouveau prélèvement')
    click(browser, '[data-action=new-collection]')
    wait_for_text(browser, '1 échéance(s) à prélever')
    for width in (1280, 390):
        screenshot(browser, 'sepa-new-collection', width)
    resize(browser)
    click(browser, '[data-action=build-collection]')
    files = wait_for(browser, lambda driver: [path for path in driver.downloads.glob('PRL-*.xml')], timeout=30)
    assert [row[0] for row in transactions(files[0].read_text(), '008')] == ['FRST']

    wait_for(browser, lambda driver: driver.find_elements(By.CSS_SELECTOR, '[data-table=collections] tbody tr td'))
    for width in (1280, 390):
        screenshot(browser, 'sepa-collections', width)
    resize(browser)
    click(browser, '[data-table=collections] tbody tr')
    click(browser, '[data-action=confirm-collection]')
    wait_for_text(browser, 'prélèvement(s) réglé(s)')

    async def state(_admin):
        return (await Document.get(id=invoice.id)).state

    assert await in_database(server, state) == 'paid'
