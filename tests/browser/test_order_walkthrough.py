"""Orders and delivery notes in a real browser (OR1-OR3): an accepted quote ordered, the order delivered in two
notes (the first one partial, its PDF without prices), both notes invoiced in one invoice, validated, with the chain
shown on it and its PDF naming both notes. Screenshots of the order, the delivery list and the invoice land in
screenshots/ at desktop and phone widths."""
import io
import time
from datetime import date

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By

from db import accounts, documents, engine, settings
from db.document import Document
from db.user import User
from tests.browser.helpers import expect_text, fill, log_in, resize, text, wait_for, wait_for_text
from tests.browser.test_deposit_walkthrough import clean_screenshot, click
from tests.db.documents_helpers import business_client, draft, line
from tests.personas import ADMIN_EMAIL

pytestmark = pytest.mark.browser


async def prepare(server) -> int:
    """Both options on and an accepted quote of 63,00 € HT (10 parpaings, 4 sacs de ciment); returns its id."""
    await engine.open_database(server.database_url, migrate=False)
    try:
        admin = accounts.actor_of(await User.get(email=ADMIN_EMAIL), '127.0.0.1')
        await settings.save_options(admin, {'orders': True, 'delivery_notes': True})
        client = await business_client()
        quote = await documents.create_document(admin, draft(
            client, line('Parpaings', '10', '2.5', nature='good'), line('Ciment (sac)', '4', '9.5', nature='good'),
            doc_type='quote'))
        await documents.set_quote_state(admin, quote.id, 'accepted')
        return quote.id
    finally:
        await engine.close_database()


def downloaded(browser, before: set) -> str:
    """The text of the PDF the last click downloaded, spaces normalised."""
    def new_pdf(driver):
        if list(driver.downloads.glob('*.crdownload')):
            return None
        return next((path for path in driver.downloads.glob('*.pdf') if path.name not in before), None)

    path = wait_for(browser, new_pdf, timeout=60)
    time.sleep(0.2)
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    return ' '.join(' '.join(page.extract_text().split()) for page in pages)


def pdf_names(browser) -> set:
    return {path.name for path in browser.downloads.glob('*.pdf')}


async def test_a_quote_is_ordered_delivered_twice_and_invoiced_once(server, browser):
    quote_id = await prepare(server)
    year = date.today().year
    log_in(browser, server, path=f'/devis/{quote_id}')
    wait_for_text(browser, 'Commander')

    click(browser, '[data-action=order]')
    wait_for(browser, lambda d: '/commandes/' in d.current_url, timeout=60)
    wait_for_text(browser, 'Confirmer')
    expect_text(browser, '[data-role=document-head] .app-subtitle', equals=f'Bon de commande BC{year}-00001')
    click(browser, '[data-action=state-confirmed]')
    wait_for_text(browser, 'Bon de commande confirmé.', timeout=60)
    order_url = browser.current_url

    # First delivery: 6 parpaings, no cement (typed at a phone's width).
    resize(browser, 390, 900)
    click(browser, '[data-action=deliver]')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '.q-dialog [data-line]')) == 2)
    inputs = browser.find_elements(By.CSS_SELECTOR, '.q-dialog [data-line]')
    fill(browser, f'.q-dialog [data-line="{inputs[0].get_attribute("data-line")}"]', '6')
    fill(browser, f'.q-dialog [data-line="{inputs[1].get_attribute("data-line")}"]', '0')
    clean_screenshot(browser, 'delivery-dialog', 390)
    clean_screenshot(browser, 'delivery-dialog', 1280)
    click(browser, '[data-action=confirm-deliver]')
    wait_for(browser, lambda d: '/livraisons/' in d.current_url, timeout=60)
    wait_for_text(browser, f'BL{year}-00001')
    click(browser, '[data-action=state-delivered]')
    wait_for_text(browser, 'Bon de livraison marqué livré.', timeout=60)
    before = pdf_names(browser)
    click(browser, '[data-action=pdf-priceless]')
    receipt = downloaded(browser, before)
    assert f'BL{year}-00001' in receipt and 'Parpaings' in receipt and 'Bon pour réception' in receipt
    assert 'Ciment' not in receipt and '€' not in receipt.split('Client')[1].split('Bon pour réception')[0]
    expect_text(browser, '[data-role=chain]', contains='livrée en partie')
    clean_screenshot(browser, 'delivery-note', 1280)
    clean_screenshot(browser, 'delivery-note', 390)
    resize(browser)

    # Second delivery: the rest, as the dialog proposes it.
    browser.get(order_url)
    wait_for_text(browser, 'Suivi des livraisons')
    clean_screenshot(browser, 'order-partly-delivered', 1280)
    clean_screenshot(browser, 'order-partly-delivered', 390)
    resize(browser)
    click(browser, '[data-action=deliver]')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '.q-dialog [data-line]')) == 2)
    click(browser, '[data-action=confirm-deliver]')
    wait_for_text(browser, f'BL{year}-00002', timeout=60)
    click(browser, '[data-action=state-delivered]')
    wait_for_text(browser, 'Bon de livraison marqué livré.', timeout=60)

    # One invoice of both notes, from the second one.
    click(browser, '[data-action=invoice]')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '.q-dialog [data-note]')) == 2)
    click(browser, '.q-dialog [data-note]:not([aria-checked=true])')
    click(browser, '[data-action=confirm-invoice]')
    wait_for(browser, lambda d: '/factures/' in d.current_url, timeout=60)
    wait_for(browser, lambda d: text(d, '[data-total=total-ht]') == '63,00 €', timeout=30)
    click(browser, '[data-action=validate]')
    click(browser, '[data-action=confirm-validate]')
    wait_for(browser, lambda d: text(d, '[data-role=document-head] .app-subtitle') == f'Facture F{year}-00001',
             timeout=90)
    # The chain of documents is drawn after the heading (the page re-renders once validated): waited for.
    numbers = (f'D{year}-00001', f'BC{year}-00001', f'BL{year}-00001', f'BL{year}-00002')
    wait_for(browser, lambda d: all(number in text(d, '[data-role=chain]') for number in numbers), timeout=30)
    expect_text(browser, '[data-role=chain]', contains='facturée')  # the order
    before = pdf_names(browser)
    click(browser, '[data-action=pdf]')
    invoice = downloaded(browser, before)
    assert f'Bon de livraison BL{year}-00001' in invoice and f'Bon de livraison BL{year}-00002' in invoice
    assert '75,60 €' in invoice and f'F{year}-00001' in invoice
    clean_screenshot(browser, 'invoice-from-deliveries', 1280)
    clean_screenshot(browser, 'invoice-from-deliveries', 390)
    resize(browser)

    browser.get(f'{server.url}/livraisons')
    wait_for_text(browser, f'BL{year}-00002')
    clean_screenshot(browser, 'delivery-note-list', 1280)
    clean_screenshot(browser, 'delivery-note-list', 390)
    await _check_stored(server)


async def _check_stored(server) -> None:
    await engine.open_database(server.database_url, migrate=False)
    try:
        states = dict(await Document.all().values_list('doc_type', 'state'))
        notes = await Document.filter(doc_type='delivery_note').values_list('state', flat=True)
    finally:
        await engine.close_database()
    assert states['order'] == 'invoiced' and states['invoice'] == 'validated' and notes == ['invoiced', 'invoiced']
