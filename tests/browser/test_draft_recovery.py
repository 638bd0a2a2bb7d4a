"""Unsaved edits survive a reload in a real browser (issue 21: a page failing over to another app process reloads):
Chromium's local storage keeps them, the page offers them back, and only "Enregistrer" saves them."""
import re

import pytest

from tests.browser.helpers import expect_text, fill, log_in, resize, screenshot, text, wait_for, wait_for_text
from tests.browser.test_document_lifecycle import add_line, click, quick_create_client

pytestmark = pytest.mark.browser


def test_unsaved_edits_come_back_after_a_reload(server, browser):
    log_in(browser, server, path='/devis/nouveau')
    wait_for_text(browser, 'le client est obligatoire')
    quick_create_client(browser)
    add_line(browser, 'Pose de faïence murale', '10', '42')
    wait_for(browser, lambda d: text(d, '[data-total=total-ht]') == '420,00 €')
    click(browser, '[data-action=save]')
    wait_for(browser, lambda d: re.search(r'/devis/\d+$', d.current_url))
    address = browser.current_url

    fill(browser, '[data-position="1"] [data-field=quantity]', '12')
    wait_for(browser, lambda d: text(d, '[data-total=total-ht]') == '504,00 €')
    key = f'facturier-draft-{address.rsplit("/", 1)[-1]}'
    wait_for(browser, lambda d: d.execute_script(f'return localStorage.getItem("{key}")'))  # kept a second later
    browser.execute_script('window.onbeforeunload = null')  # what a failover does: the page loads again
    browser.get(address)

    wait_for_text(browser, 'n’ont pas été enregistrées')
    expect_text(browser, '[data-total=total-ht]', equals='420,00 €')  # the saved version, until the user takes them
    screenshot(browser, 'kept-draft-offer', 1280)
    screenshot(browser, 'kept-draft-offer', 390)
    resize(browser)
    click(browser, '[data-action=restore-kept]')
    wait_for(browser, lambda d: text(d, '[data-total=total-ht]') == '504,00 €')
    wait_for_text(browser, 'Modifications non enregistrées')
    click(browser, '[data-action=save]')
    wait_for(browser, lambda d: d.execute_script(f'return localStorage.getItem("{key}")') is None)
    browser.execute_script('window.onbeforeunload = null')
    browser.get(address)
    wait_for(browser, lambda d: text(d, '[data-total=total-ht]') == '504,00 €')  # saved, and nothing more offered
    assert 'n’ont pas été enregistrées' not in browser.find_element('css selector', 'body').text
