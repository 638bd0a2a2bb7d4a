"""A quote's whole life in a real browser: created with a new client, accepted, invoiced, the invoice validated,
then credited. Screenshots of the editor and of the lists at desktop and phone widths land in screenshots/."""
import re
from datetime import date

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.browser.helpers import click as click_at
from tests.browser.helpers import expect_text, fill, log_in, resize, screenshot, text, wait_for, wait_for_text

pytestmark = pytest.mark.browser


def test_a_quote_is_accepted_invoiced_validated_and_credited(server, browser):
    log_in(browser, server, path='/devis/nouveau')
    wait_for_text(browser, 'le client est obligatoire')

    quick_create_client(browser, email='compta@boulangerie-martin.fr')

    click(browser, '[data-action=add-title]')
    fill(browser, '[data-line-kind=title] [data-field=designation]', 'Salle de bains')
    add_line(browser, 'Dépose de l’ancienne faïence', '12,5', '18,40')
    add_line(browser, 'Pose de faïence murale', '12,5', '42')
    Select(browser.find_element(By.CSS_SELECTOR, '[data-position="3"] select[data-field=discount_kind]')) \
        .select_by_value('percent')
    fill(browser, '[data-position="3"] [data-field=discount_value]', '10')
    wait_for(browser, lambda d: text(d, '[data-position="3"] [data-field=net]') == '472,50 €')
    click(browser, '[data-action=add-subtotal]')
    wait_for(browser, lambda d: text(d, '[data-total=total-ht]') == '702,50 €')
    expect_text(browser, '[data-total=total-ttc]', equals='843,00 €')
    screenshot(browser, 'quote-editor-new', 1280)
    screenshot(browser, 'quote-editor-new', 390)
    resize(browser)

    click(browser, '[data-action=save]')
    wait_for(browser, lambda d: re.search(r'/devis/\d+$', d.current_url))
    wait_for_text(browser, f'Devis D{date.today().year}-00001')
    click(browser, '[data-action=state-accepted]')
    wait_for_text(browser, 'Devis accepté.')
    screenshot(browser, 'quote-accepted', 1280)
    resize(browser)
    click(browser, '[data-action=invoice]')
    wait_for(browser, lambda d: re.search(r'/factures/\d+$', d.current_url))
    wait_for_text(browser, 'Facture (brouillon)')
    wait_for(browser, lambda d: text(d, '[data-total=total-ttc]') == '843,00 €')

    click(browser, '[data-action=validate]')
    click(browser, '[data-action=confirm-validate]')
    wait_for_text(browser, f'Facture F{date.today().year}-00001')
    expect_text(browser, '[data-state]', equals='Validée')
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-table=installments]'))
    screenshot(browser, 'invoice-validated', 1280)
    screenshot(browser, 'invoice-validated', 390)
    resize(browser)

    click(browser, '[data-action=credit]')
    wait_for_text(browser, 'Montant de l’avoir : -843,00')
    click(browser, '[data-action=confirm-credit]')
    wait_for_text(browser, f'Avoir AV{date.today().year}-00001')
    expect_text(browser, '[data-state]', equals='Validé')

    browser.get(f'{server.url}/factures')
    wait_for_text(browser, 'Annulée')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-table=invoices] tbody tr')) == 2)
    screenshot(browser, 'invoices-list', 1280)
    screenshot(browser, 'invoices-list', 390)
    resize(browser)
    browser.get(f'{server.url}/devis')
    wait_for_text(browser, 'Facturé')
    screenshot(browser, 'quotes-list', 1280)
    screenshot(browser, 'quotes-list', 390)


def quick_create_client(browser, **extra: str) -> None:
    """From the editor's client picker: Boulangerie Martin SAS created in the quick dialog, with `extra` fields."""
    fill(browser, '[data-field=contact-search]', 'Boulangerie Martin SAS')
    click(browser, '[data-action=quick-create]')
    wait_for_text(browser, 'Créer le contact')
    for key, value in {'siren': '552081317', 'address': '3 place du Marché', 'postcode': '35000',
                       'city': 'Rennes', **extra}.items():
        fill(browser, f'.q-dialog [data-field={key}]', value)
    click(browser, '[data-action=create-contact]')
    wait_for_text(browser, 'Client Boulangerie Martin SAS créé.')


def add_line(browser, designation: str, quantity: str, price: str) -> None:
    before = len(browser.find_elements(By.CSS_SELECTOR, '[data-line-kind]'))
    click(browser, '[data-action=add-item]')
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-line-kind]')) == before + 1)
    row = f'[data-position="{before + 1}"]'
    fill(browser, f'{row} [data-field=designation]', designation)
    # The company does goods and services: a free line's nature is the user's choice (docs/legal.md 1).
    Select(browser.find_element(By.CSS_SELECTOR, f'{row} select[data-field=nature]')).select_by_value('service')
    fill(browser, f'{row} [data-field=quantity]', quantity)
    fill(browser, f'{row} [data-field=unit_price]', price)
    browser.find_element(By.CSS_SELECTOR, f'{row} input[data-field=unit_price]').send_keys(Keys.TAB)


def click(browser, selector: str) -> None:
    """Click after scrolling the element to the middle of the window, clear of the notifications at the bottom."""
    element = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, selector))
    browser.execute_script('arguments[0].scrollIntoView({block: "center"})', element)
    click_at(browser, selector)
