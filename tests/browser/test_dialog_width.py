"""Cards fill the page but a dialog keeps the width its card asks for (Tailwind's layered w-[...] must win)."""
from tests.browser.helpers import click, log_in, resize, screenshot, wait_for, wait_for_text


async def test_a_dialog_keeps_its_width_while_page_cards_fill_the_page(server, browser):
    log_in(browser, server, path='/parametres/utilisateurs')
    wait_for_text(browser, 'Comptes')
    resize(browser)
    click(browser, '[data-action=new-user]')
    width = 'const found = document.querySelector(arguments[0]); return found ? found.getBoundingClientRect().width : 0'
    wait_for(browser, lambda driver: driver.execute_script(width, '.q-dialog .app-card') == 520)
    page_card = ("return [...document.querySelectorAll('.app-card')].find(card => !card.closest('.q-dialog'))"
                 '.getBoundingClientRect().width')
    assert browser.execute_script(page_card) > 900
    screenshot(browser, 'dialog', 1280)
    resize(browser, 390, 800)  # on a phone the dialog takes the screen's width
    wait_for(browser, lambda driver: driver.execute_script(width, '.q-dialog .app-card') < 390)
