"""A cheque remittance in a real browser (issue 16, PA4): three invoices settled by cheque from Règlements with the
drawer, bank and number typed in the settle dialog, a slip of the three made from "Remises de chèques", its PDF read
back with pdftotext. Screenshots of the slips list (computer and phone) land in screenshots/."""
import subprocess
import urllib.request
from datetime import date

import pytest
from selenium.webdriver.common.by import By

from db import accounts, engine
from db.company import PaymentMethod
from db.document import Installment
from db.user import User
from tests.browser.helpers import click, expect_text, fill, log_in, screenshot, wait_for, wait_for_text
from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.personas import ADMIN_EMAIL

pytestmark = pytest.mark.browser
CHEQUES = [('Boulangerie Martin', 'Crédit Agricole', '0001001'), ('M. Paul Martin', 'CIC', '0001002'),
           ('SCI du Marché', 'La Banque Postale', '0001003')]


async def prepare(server) -> tuple[list[int], list[str]]:
    """Three invoices payable by cheque (their payment method preselects "Chèque"); (installment ids, numbers)."""
    await engine.open_database(server.database_url, migrate=False)
    try:
        admin = accounts.actor_of(await User.get(email=ADMIN_EMAIL), '127.0.0.1')
        method = await PaymentMethod.filter(kind='cheque').first() or await PaymentMethod.create(
            name='Chèque à réception (remises)', kind='cheque', days=0)
        client = await business_client()
        invoices = [await validated_invoice(admin, client, line(price=price), payment_method_id=method.id)
                    for price in ('100', '50', '12.50')]
        ids = [(await Installment.get(document_id=invoice.id)).id for invoice in invoices]
        return ids, [invoice.number for invoice in invoices]
    finally:
        await engine.close_database()


async def test_three_cheques_settled_then_remitted_on_one_slip(server, browser, tmp_path):
    installments, numbers = await prepare(server)
    log_in(browser, server, path='/reglements')
    wait_for_text(browser, numbers[0])
    for installment_id, (drawer, bank, number) in zip(installments, CHEQUES):
        click(browser, f'[data-toggle="{installment_id}"]')
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.q-dialog [data-field=drawer]'))
        fill(browser, '.q-dialog [data-field=reference]', number)
        fill(browser, '.q-dialog [data-field=drawer]', drawer)
        fill(browser, '.q-dialog [data-field=bank]', bank)
        click(browser, '.q-dialog [data-action=confirm-settle]')
        wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, '.q-dialog [data-action=confirm-settle]'),
                 timeout=30)

    browser.get(f'{server.url}/reglements/cheques')
    wait_for_text(browser, '3 chèque(s) à remettre')
    expect_text(browser, '[data-tab=cheques]', equals='account_balance Remises de chèques')
    click(browser, '[data-action=new-slip]')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '.q-dialog tbody tr')) == 3)
    wait_for(browser, lambda d: '3 chèque(s) sélectionné(s) · total 390,00 €'
             in d.find_element(By.CSS_SELECTOR, '.q-dialog').text)
    tabs = len(browser.window_handles)
    click(browser, '.q-dialog [data-action=confirm-remittance]')
    wait_for_text(browser, f'RC{date.today().year}-00001', timeout=30)
    wait_for(browser, lambda d: len(d.window_handles) > tabs)  # the slip's PDF opens beside the list
    browser.switch_to.window(browser.window_handles[0])
    wait_for_text(browser, 'Aucun chèque à remettre.')
    # The list re-renders once more as the change is published: read the link through a wait, which retries a
    # link that went stale between finding it and reading it (PostgreSQL in CI).
    link = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, '[data-pdf]').get_attribute('href'))

    cookies = '; '.join(f'{cookie["name"]}={cookie["value"]}' for cookie in browser.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(link, headers={'Cookie': cookies}), timeout=60) as response:
        pdf = response.read()
    assert pdf.startswith(b'%PDF-')
    (tmp_path / 'slip.pdf').write_bytes(pdf)
    slip = subprocess.run(['pdftotext', '-layout', str(tmp_path / 'slip.pdf'), '-'], capture_output=True, text=True,
                          check=True).stdout
    assert f'RC{date.today().year}-00001' in slip and 'Nombre de chèques : 3' in slip and '390,00 €' in slip
    for (drawer, bank, number), invoice in zip(CHEQUES, numbers):
        assert drawer in slip and bank in slip and number in slip and invoice in slip
    with pytest.raises(urllib.error.HTTPError):  # not without a session
        urllib.request.urlopen(link, timeout=30)

    screenshot(browser, 'cheque-slips', 1280)
    screenshot(browser, 'cheque-slips', 390)
    assert browser.find_elements(By.CSS_SELECTOR, '[data-slip]')  # cards on a phone
