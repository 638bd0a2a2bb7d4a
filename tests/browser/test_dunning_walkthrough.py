"""A dunning run in a real browser (PA6, issue 16 "done when"): Règlements > Relances proposes a business client
90 days late (penalties and the 40 EUR indemnity shown) and a private client (none); the business client's letter
goes by e-mail to the local SMTP server, the private client's is printed into the PDF for the post (read back with
pdftotext), both by the server's job worker (issue 17) with their progress in the dialog; both are recorded, the PDF
downloads by itself, and the invoice's page shows its reminder. Screenshots at 1280 and 390 px, the run's dialog
included."""
import email
import shutil
import subprocess
from datetime import date, timedelta
from email import policy

import pytest
from selenium.webdriver.common.by import By

from db import accounts, engine, mailer
from db.reminder import Reminder
from db.user import User
from tests.browser.helpers import click, expect_text, log_in, resize, screenshot, text, wait_for, wait_for_text
from tests.db.documents_helpers import business_client, individual_client, line, validated_invoice
from tests.helpers import SECRET, free_port
from tests.mail import Inbox
from tests.personas import ADMIN_EMAIL

pytestmark = pytest.mark.browser
CLIENT_EMAIL = 'compta@boulangerie-martin.fr'


@pytest.fixture
def inbox():
    from aiosmtpd.controller import Controller  # noqa: PLC0415

    received = Inbox()
    controller = Controller(received, hostname='127.0.0.1', port=free_port())
    controller.start()
    received.port = controller.port
    try:
        yield received
    finally:
        controller.stop()


async def prepare(server, port: int):
    await engine.open_database(server.database_url, migrate=False)
    try:
        admin = accounts.actor_of(await User.get(email=ADMIN_EMAIL), '127.0.0.1')
        await mailer.save_settings(admin, {'host': '127.0.0.1', 'port': port, 'security': 'none',
                                           'sender': 'factures@atelier-durand.fr', 'username': ''}, secret=SECRET)
        business = await business_client(email=CLIENT_EMAIL)
        private = await individual_client()
        today = date.today()
        invoice = await validated_invoice(admin, business, line(price='1000'), issue_date=today - timedelta(days=90))
        await validated_invoice(admin, private, line(price='50'), issue_date=today - timedelta(days=60))
        return business.id, private.id, invoice.id
    finally:
        await engine.close_database()


async def reminders(server) -> list[tuple[int, str, int]]:
    await engine.open_database(server.database_url, migrate=False)
    try:
        return await Reminder.all().order_by('id').values_list('level', 'channel', 'client_id')
    finally:
        await engine.close_database()


def run_letters(browser, client_ids: list[int], action: str, done: str, shot: str) -> str:
    """Choose the clients, run, wait for `done`, take the dialog's screenshots and close it; returns its text."""
    for client_id in client_ids:
        selector = f'[data-choose-client="{client_id}"]'
        click(browser, selector)
        # The choice reaches the server before the run is started (a quick second click was lost once in CI).
        wait_for(browser, lambda d, selector=selector: d.find_element(By.CSS_SELECTOR, selector).get_attribute(
            'aria-checked') == 'true' or d.find_elements(By.CSS_SELECTOR, f'{selector} .q-checkbox__inner--truthy'))
    click(browser, f'[data-action={action}]')
    click(browser, '.q-dialog [data-action=start-run]')
    wait_for_text(browser, done, timeout=90)
    shown = text(browser, '.q-dialog [data-role=dunning-run]')
    for width in (1280, 390):
        screenshot(browser, shot, width)
    resize(browser)
    click(browser, '.q-dialog [data-action=close-run]')
    wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, '.q-dialog [data-action=start-run]'))
    return shown


async def test_a_dunning_run_by_email_and_by_post(server, browser, inbox):
    business_id, private_id, invoice_id = await prepare(server, inbox.port)
    log_in(browser, server, path='/reglements/relances')
    wait_for_text(browser, 'Boulangerie Martin SAS')
    business = f'[data-client="{business_id}"]'
    expect_text(browser, f'{business} [data-level]', contains='Niveau 1')
    expect_text(browser, f'{business} [data-role=indemnity]', equals='Indemnité 40,00 €')
    expect_text(browser, f'{business} [data-role=penalties]', starts='Pénalités ', differs='Pénalités 0,00 €')
    assert not browser.find_elements(By.CSS_SELECTOR, f'[data-client="{private_id}"] [data-role=penalties]')
    for width in (1280, 390):
        screenshot(browser, 'dunning-proposal', width)
    resize(browser)

    # Both chosen for e-mail: the private client has no address, is reported in the dialog and stays proposed.
    shown = run_letters(browser, [business_id, private_id], 'send-email', 'Camille Petit : pas d’adresse e-mail',
                        'dunning-run-email')
    assert '1 lettre(s) envoyée(s) sur 2. Camille Petit : pas d’adresse e-mail' in shown
    [(recipients, raw)] = inbox.messages
    message = email.message_from_bytes(raw, policy=policy.default)
    assert recipients == [CLIENT_EMAIL] and message['Subject'].startswith('Rappel : règlement en attente')
    body = message.get_content()
    assert 'Indemnité forfaitaire pour frais de recouvrement : 40 € par facture' in body

    # The proposal read again once the run ended: the private client is still there, still chosen.
    wait_for_text(browser, '1 client(s), 1 échéance(s)')
    wait_for_text(browser, '1 choisie(s)')
    run_letters(browser, [], 'print-post', '1 lettre(s) prête(s)', 'dunning-run-post')
    pdf = browser.downloads / f'relances-{date.today().isoformat()}.pdf'  # downloaded by itself once ready
    wait_for(browser, lambda _: pdf.is_file(), timeout=30)
    if shutil.which('pdftotext'):
        printed = subprocess.run(['pdftotext', '-layout', str(pdf), '-'], capture_output=True, text=True,
                                 check=True).stdout
        assert 'Camille Petit' in printed and 'Relance amiable' in printed
        assert 'Pénalités de retard' not in printed and 'Indemnité forfaitaire' not in printed
    assert await reminders(server) == [(1, 'email', business_id), (1, 'post', private_id)]
    wait_for_text(browser, 'Aucune échéance à relancer aujourd’hui.')

    browser.get(f'{server.url}/factures/{invoice_id}')
    wait_for_text(browser, 'Historique des relances (1)')
