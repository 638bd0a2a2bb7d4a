"""A phone walk-through at 390 px (issue 19): every row action of Règlements and of the document editor is tapped,
each tap lands (its effect is checked), and each tap target is at least 44 × 44 px. Dates read jj/mm/aaaa even
in an English browser. Screenshots: screenshots/phone-reglements-390.png, phone-settle-390.png,
phone-editor-390.png."""
import time
from datetime import date

import pytest
from selenium.webdriver.common.by import By

from db import accounts, documents, engine
from db.document import Installment
from db.user import User
from tests.browser.helpers import click, fill, log_in, resize, screenshot, wait_for
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from tests.personas import ADMIN_EMAIL

pytestmark = pytest.mark.browser
PHONE = 390
TAP = 44  # px, the smallest box a finger hits reliably (WCAG 2.5.5)


async def prepare(server) -> tuple[int, int]:
    """A validated invoice with one installment to settle, and a draft invoice of three lines; returns their ids
    (the installment's, the draft's)."""
    await engine.open_database(server.database_url, migrate=False)
    try:
        admin = accounts.actor_of(await User.get(email=ADMIN_EMAIL), '127.0.0.1')
        client = await business_client()
        invoice = await validated_invoice(admin, client, line('Pose de carrelage', quantity='2', price='100'))
        installment = await Installment.get(document_id=invoice.id)
        editing = await documents.create_document(admin, draft(
            client, line('Dépose'), line('Fourniture'), line('Nettoyage')))
        return installment.id, editing.id
    finally:
        await engine.close_database()


def size(browser, selector: str) -> tuple[float, float]:
    """The box that takes the tap (getBoundingClientRect), of the first visible element matching `selector`, once
    it stands still: a dialog scales in, and a box measured during the animation is too small."""
    def measure() -> tuple[float, float]:
        return tuple(browser.execute_script(
            'const e = [...document.querySelectorAll(arguments[0])].find(e => e.offsetParent !== null);'
            'const r = e.getBoundingClientRect(); return [r.width, r.height];', selector))

    def still(_driver) -> tuple[float, float] | None:
        before = measure()
        time.sleep(0.1)
        return before if measure() == before else None

    return wait_for(browser, still)


def assert_tappable(browser, *selectors: str) -> None:
    small = {selector: size(browser, selector) for selector in selectors}
    small = {selector: box for selector, box in small.items() if min(box) < TAP}
    assert not small, f'tap targets under {TAP} × {TAP} px: {small}'


def designations(browser) -> list[str]:
    return [element.get_attribute('value') for element in
            browser.find_elements(By.CSS_SELECTOR, '.app-line input[data-field=designation]')]


async def test_every_row_action_of_payments_and_of_the_editor_is_tappable_on_a_phone(server, browser):
    installment_id, draft_id = await prepare(server)
    resize(browser, PHONE, 900)
    log_in(browser, server, path='/reglements')
    toggle, detail = f'[data-toggle="{installment_id}"]', f'[data-detail="{installment_id}"]'
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f'.app-pay-card {toggle}'))  # phone cards
    screenshot(browser, 'phone-reglements', PHONE)
    assert_tappable(browser, toggle, detail)

    # "Réglé": the settle dialog, its date typed and picked as jj/mm/aaaa, then the row paid.
    click(browser, toggle)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-action=confirm-settle]'))
    paid_on = '.q-dialog input[data-field=paid_on]'  # Quasar hands the attribute to the <input>
    today = date.today()
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, paid_on).get_attribute('value')
             == today.strftime('%d/%m/%Y'))
    assert_tappable(browser, '.q-dialog [data-action=pick-date]')
    click(browser, '.q-dialog [data-action=pick-date]')
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '.q-menu .q-date'))
    screenshot(browser, 'phone-settle', PHONE)
    click(browser, '.q-menu .q-date__calendar-item--in button')  # the first day of the month shown
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, paid_on).get_attribute('value')
             == today.replace(day=1).strftime('%d/%m/%Y'))
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, '.q-menu .q-date'))  # closed once picked
    fill(browser, paid_on, today.strftime('%d/%m/%Y'))
    click(browser, '[data-action=confirm-settle]')
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-action=confirm-settle]'))
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, f'.app-pay-card {toggle}')
             .get_attribute('aria-checked') == 'true')

    # The history button: the row's detail, closed with its own button.
    click(browser, detail)
    wait_for(browser, lambda d: any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, '.q-dialog')))
    close = '.q-dialog [aria-label=Fermer]'
    assert_tappable(browser, close)
    click(browser, close)
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, '.q-dialog'))

    # The editor's lines: up, down, the menu and its items, delete.
    browser.get(f'{server.url}/factures/{draft_id}')
    wait_for(browser, lambda d: designations(d) == ['Dépose', 'Fourniture', 'Nettoyage'])
    wait_for(browser, lambda d: d.execute_script('return window.did_handshake === true'))
    first, second = '.app-line[data-position="1"]', '.app-line[data-position="2"]'
    screenshot(browser, 'phone-editor', PHONE)
    assert_tappable(browser, *(f'{first} [data-action={action}]' for action in ('line-down', 'line-more',
                                                                               'line-delete')),
                    f'{second} [data-action=line-up]', '.q-field:has([data-field=due_date]) [data-action=pick-date]')
    click(browser, f'{first} [data-action=line-down]')
    wait_for(browser, lambda d: designations(d) == ['Fourniture', 'Dépose', 'Nettoyage'])
    click(browser, f'{second} [data-action=line-up]')
    wait_for(browser, lambda d: designations(d) == ['Dépose', 'Fourniture', 'Nettoyage'])
    click(browser, f'{first} [data-action=line-more]')
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-role=line-menu]'))
    assert_tappable(browser, '[data-role=line-menu] [data-action=line-duplicate]')
    click(browser, '[data-role=line-menu] [data-action=line-duplicate]')
    wait_for(browser, lambda d: designations(d) == ['Dépose', 'Dépose', 'Fourniture', 'Nettoyage'])
    click(browser, '.app-line[data-position="4"] [data-action=line-delete]')
    wait_for(browser, lambda d: designations(d) == ['Dépose', 'Dépose', 'Fourniture'])

    # A date typed the French way is kept as such.
    fill(browser, '[data-field=due_date]', '15/06/2030')
    browser.find_element(By.CSS_SELECTOR, 'input[data-field=due_date]').send_keys('\t')
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'input[data-field=due_date]')
             .get_attribute('value') == '15/06/2030')
