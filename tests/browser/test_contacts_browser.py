"""Contacts in a real browser: import a CSV through the dialog, filter the list, export the selection as listed;
screenshots of the list and of a contact at desktop and phone widths."""
import time

import openpyxl

from tests.browser.helpers import click, fill, log_in, resize, screenshot, wait_for, wait_for_text

CONTACTS = [
    ('Client', 'Société', 'Menuiserie Besson', '', '552100554', 'contact@menuiserie-besson.fr', '04 78 12 34 56',
     '8 rue Juliette Récamier', '69006', 'Lyon'),
    ('Client', 'Société', 'Boulangerie du Parc', '', '', 'bonjour@boulangerie-parc.fr', '04 72 00 11 22',
     '2 place Bellecour', '69002', 'Lyon'),
    ('Client', 'Particulier', 'Martin', 'Élise', '', 'elise.martin@example.fr', '06 12 34 56 78',
     '3 place du Marché', '35000', 'Rennes'),
    ('Prospect', 'Société', 'Atelier Nord', '', '', 'atelier@nord.example', '', '10 rue Nationale', '59000', 'Lille'),
    ('Fournisseur', 'Société', 'Bois et Scieries du Jura', '', '', 'commandes@bsj.example', '03 84 00 00 00',
     'Zone artisanale', '39000', 'Lons-le-Saunier'),
    ('Client', 'Société', 'Café des Arts', '', '', '', '04 78 98 76 54', '15 quai Saint-Antoine', '69002', 'Lyon'),
    ('Partenaire', 'Société', 'Cabinet Comptable Roux', '', '', 'roux@cabinet.example', '', '', '69003', 'Lyon'),
    ('Client', 'Particulier', 'Dubois', 'Jean', '', 'jean.dubois@example.fr', '', '', '13001', 'Marseille'),
]
def click_row(driver, text: str) -> bool:
    """Click the cell showing `text`; False (try again) while the table is being redrawn."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: PLC0415

    try:
        driver.find_element('xpath', f"//td[normalize-space()='{text}']").click()
        return True
    except (NoSuchElementException, StaleElementReferenceException):
        return False


def shows(driver, text: str) -> bool:
    """Like conftest's wait_for_text, but a page being replaced (stale <body>) means "not yet" rather than an
    error."""
    from selenium.common.exceptions import StaleElementReferenceException  # noqa: PLC0415

    try:
        return text in driver.find_element('tag name', 'body').text
    except StaleElementReferenceException:
        return False


def open_tab(driver, name: str) -> bool:
    from selenium.common.exceptions import WebDriverException  # noqa: PLC0415

    try:
        driver.find_element('css selector', f'[data-tab={name}]').click()
        return True
    except WebDriverException:  # not there yet, redrawn, or covered by a notification
        return False


HEADERS = 'Type;Société ou particulier;Raison sociale;Prénom;SIREN;E-mail;Téléphone;Adresse;Code postal;Ville'


def test_a_csv_is_imported_then_the_filtered_list_exported_as_shown(server, browser, tmp_path):
    csv = tmp_path / 'contacts.csv'
    csv.write_bytes(('\n'.join([HEADERS, *(';'.join(row) for row in CONTACTS)]) + '\n').encode('cp1252'))
    log_in(browser, server, path='/contacts')
    wait_for_text(browser, '0 contact(s)')
    click(browser, '[data-action=import]')
    wait_for_text(browser, 'Télécharger un fichier exemple')
    browser.find_element('css selector', '[data-field=import-file] input[type=file]').send_keys(str(csv))
    wait_for_text(browser, '8 contacts seront créés')
    screenshot(browser, 'contacts-import', 1280)
    resize(browser)
    click(browser, '[data-action=import-commit]')
    wait_for_text(browser, '8 contact(s)')
    screenshot(browser, 'contacts-list', 1280)
    screenshot(browser, 'contacts-list', 390)
    resize(browser)

    fill(browser, '[data-field=search]', 'lyon')
    wait_for_text(browser, '4 contact(s)')
    click(browser, 'th:nth-child(4)')  # sort by postcode
    wait_for(browser, lambda driver: 'sorted' in driver.find_element('css selector', 'th:nth-child(4)')
             .get_attribute('class'))
    time.sleep(0.5)
    click(browser, '[data-action=export]')
    click(browser, '[data-action=export-selection]')
    exported = wait_for(browser, lambda driver: next(iter(driver.downloads.glob('contacts-selection-*.xlsx')), None)
                        if not list(driver.downloads.glob('*.crdownload')) else None, timeout=30)
    click(browser, '[data-action=close-job]')  # the export's progress dialog (a job: issue 17), done
    rows = list(openpyxl.load_workbook(exported, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert [(row[1], row[3]) for row in rows] == [
        ('Nom', 'Code postal'), ('Boulangerie du Parc', '69002'), ('Café des Arts', '69002'),
        ('Cabinet Comptable Roux', '69003'), ('Menuiserie Besson', '69006')]

    wait_for(browser, lambda driver: click_row(driver, 'Menuiserie Besson'))
    wait_for(browser, lambda driver: '/contacts/' in driver.current_url)
    wait_for(browser, lambda driver: shows(driver, 'Adresse de facturation électronique'))
    wait_for_text(browser, 'Adresse de facturation électronique')
    screenshot(browser, 'contact-detail', 1280)
    screenshot(browser, 'contact-detail', 390)
    resize(browser)
    wait_for(browser, lambda driver: open_tab(driver, 'addresses') and shows(driver, 'Autres adresses'))
    screenshot(browser, 'contact-addresses', 390)


def test_articles_are_imported_and_shown_as_cards_on_a_phone(server, browser, tmp_path):
    from logic.article_fields import sample_csv  # noqa: PLC0415

    csv = tmp_path / 'articles.csv'
    csv.write_bytes(sample_csv())
    log_in(browser, server, path='/articles')
    wait_for_text(browser, '0 article(s)')
    click(browser, '[data-action=import]')
    wait_for_text(browser, 'Télécharger un fichier exemple')
    browser.find_element('css selector', '[data-field=import-file] input[type=file]').send_keys(str(csv))
    wait_for_text(browser, '3 articles seront créés')
    click(browser, '[data-action=import-commit]')
    wait_for_text(browser, '3 article(s)')
    screenshot(browser, 'articles-list', 1280)
    screenshot(browser, 'articles-list', 390)
    resize(browser)
    wait_for(browser, lambda driver: click_row(driver, 'Parquet chêne massif 14 mm'))
    wait_for(browser, lambda driver: shows(driver, 'Composition'))
    screenshot(browser, 'article-detail', 1280)
    screenshot(browser, 'article-detail', 390)
