"""The foundation in a real browser: first setup, login, settings, the shell at desktop and phone widths."""

from tests.browser.helpers import click, fill, log_in, resize, screenshot, wait_for, wait_for_text

DRAWER_RIGHT = "return document.querySelector('.q-drawer').getBoundingClientRect().right"


def test_the_first_visit_sets_up_the_company_and_lands_on_the_home_page(fresh_server, browser):
    browser.get(fresh_server.url)
    wait_for_text(browser, 'Bienvenue dans Facturier')
    screenshot(browser, 'setup', 1280)
    screenshot(browser, 'setup', 390)
    resize(browser)
    for key, value in {'name': 'Menuiserie Leroy', 'address': '8 chemin des Saules', 'postcode': '44000',
                       'city': 'Nantes', 'siren': '732829320', 'admin_name': 'Jeanne Leroy',
                       'admin_email': 'jeanne@menuiserie-leroy.fr', 'admin_password': 'copeaux de chêne massif',
                       'admin_confirm': 'copeaux de chêne massif'}.items():
        fill(browser, f'[data-field={key}]', value)
    click(browser, '[data-action=setup]')
    wait_for_text(browser, 'Bonjour Jeanne Leroy.', timeout=30)
    screenshot(browser, 'home', 1280)


def test_an_admin_logs_in_and_edits_the_company_settings(server, browser):
    log_in(browser, server, path='/parametres/societe')
    wait_for_text(browser, 'Mentions légales des factures aux professionnels')
    fill(browser, '[data-field=iban]', 'FR76 0000 0000 0000')
    click(browser, '[data-action=save]')
    wait_for_text(browser, 'IBAN invalide')
    fill(browser, '[data-field=iban]', 'FR14 2004 1010 0505 0001 3M02 606')
    click(browser, '[data-action=save]')
    wait_for_text(browser, 'Fiche société enregistrée.')
    browser.refresh()
    wait_for_text(browser, 'Mentions légales des factures aux professionnels')
    screenshot(browser, 'settings-company', 1280)
    screenshot(browser, 'settings-company', 390)


def test_on_a_phone_the_menu_is_a_drawer_behind_a_button(server, browser):
    resize(browser, 390, 844)
    log_in(browser, server)
    wait_for_text(browser, 'Bonjour Alice Durand.')
    wait_for(browser, lambda driver: driver.execute_script(DRAWER_RIGHT) <= 0)  # closed on first load
    screenshot(browser, 'home-phone', 390)
    resize(browser, 390, 844)
    click(browser, 'button[aria-label=Menu]')
    wait_for(browser, lambda driver: driver.execute_script(DRAWER_RIGHT) > 100)
    browser.save_screenshot(str(screenshot(browser, 'drawer-phone', 390).with_name('drawer-phone-open-390.png')))
