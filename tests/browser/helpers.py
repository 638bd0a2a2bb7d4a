"""What the real-browser tests do: start a Facturier server subprocess, and drive Chromium like a person.

Every wait goes through tests.helpers.wait_until (blocking: the server and the browser live in other processes).
"""
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from db import engine
from tests.helpers import SECRET, TimedOut, described, free_port, wait_until
from tests.personas import ADMIN_EMAIL, ADMIN_PASSWORD, set_up_company

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / 'screenshots'


@dataclass
class Server:
    url: str
    data_dir: Path
    database_url: str
    process: subprocess.Popen
    log: Path


async def start_server(tmp_path: Path, database_url: str, *, set_up: bool) -> Server:
    """`python main.py` on a free port against `database_url`, with the company set up unless `set_up` is False."""
    if set_up:
        await engine.open_database(database_url, migrate=False)
        try:
            await set_up_company()
        finally:
            await engine.close_database()
    port = free_port()
    data_dir = tmp_path / 'data'
    # A subprocess must not inherit PYTEST_CURRENT_TEST (nor NiceGUI's test settings): it would think it is a test.
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    env.update(FACTURIER_DATA_DIR=str(data_dir), FACTURIER_DATABASE_URL=database_url, FACTURIER_PORT=str(port),
               FACTURIER_HOST='127.0.0.1', FACTURIER_SECRET=SECRET)
    log = tmp_path / 'server.log'
    process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=log.open('w'), stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f'server exited early:\n{log.read_text()}')
        try:
            with urllib.request.urlopen(f'{url}/healthz', timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, timeout=60, interval=0.2)
    except TimedOut:
        process.kill()
        raise RuntimeError(f'server did not start:\n{log.read_text()}') from None
    return Server(url=url, data_dir=data_dir, database_url=database_url, process=process, log=log)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def wait_for(browser, condition, timeout: float = 15):
    """Wait until `condition(browser)` is truthy and return it; raises tests.helpers.TimedOut."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: PLC0415

    # The page re-renders while we wait: an element found a moment ago may be gone, which is not a failure.
    return wait_until(lambda: condition(browser), timeout=timeout, label=described(condition),
                      ignoring=(NoSuchElementException, StaleElementReferenceException))


def wait_for_text(browser, text: str, timeout: float = 15) -> None:
    """Wait for visible text, then for NiceGUI's websocket handshake: events sent before it would be lost."""
    wait_for(browser, lambda driver: text in driver.find_element('tag name', 'body').text, timeout)
    wait_for(browser, lambda driver: driver.execute_script('return window.did_handshake === true'), timeout)


def text(browser, selector: str) -> str:
    """The element's visible text; WebDriver turns the no-break spaces of French amounts into plain spaces."""
    from selenium.common.exceptions import StaleElementReferenceException  # noqa: PLC0415

    for _attempt in range(5):  # an element re-rendered between finding and reading it is read again
        try:
            elements = browser.find_elements('css selector', selector)
            return ' '.join(elements[0].text.split()) if elements else ''
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise AssertionError(f'{selector} kept re-rendering while being read')


def expect_text(browser, selector: str, *, equals: str | None = None, contains: str | None = None,
                starts: str | None = None, differs: str | None = None, timeout: float = 15) -> str:
    """Wait until the element's text (as `text` reads it) matches, and return it: the page may still be drawing
    what an earlier wait did not cover. On timeout, an AssertionError names the text last seen."""
    def matches(value: str) -> bool:
        return ((equals is None or value == equals) and (contains is None or contains in value)
                and (starts is None or value.startswith(starts)) and (differs is None or value != differs))

    seen = {'text': ''}

    def shown(driver) -> bool:
        seen['text'] = text(driver, selector)
        return matches(seen['text'])

    try:
        wait_for(browser, shown, timeout)
    except TimedOut:
        raise AssertionError(f'{selector}: {seen["text"]!r} (expected {equals=}, {contains=}, {starts=}, '
                             f'{differs=})') from None
    return seen['text']


def fill(browser, selector: str, value: str) -> None:
    """Type into the <input> inside the element matched by a CSS selector (Quasar wraps inputs)."""
    element = wait_for(browser, lambda driver: driver.find_element('css selector', selector))
    target = element if element.tag_name in ('input', 'textarea') else element.find_element('css selector',
                                                                                            'input, textarea')
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

    # clear() doesn't fire the input event Vue listens to: select and delete like a person would.
    target.send_keys(Keys.CONTROL, 'a')
    target.send_keys(Keys.DELETE)
    target.send_keys(value)


def click(browser, selector: str) -> None:
    """Click once the element is there, enabled, not covered (a dialog may still be animating in) and standing
    still: after a resize the layout slides (the drawer comes back), and a click aimed at a moving button lands
    beside it without any error."""
    from selenium.common.exceptions import ElementClickInterceptedException  # noqa: PLC0415

    def clicked(driver) -> bool:
        element = driver.find_element('css selector', selector)
        if not element.is_enabled() or not stands_still(element):
            return False
        try:
            element.click()
        except ElementClickInterceptedException:
            return False
        return True

    wait_for(browser, clicked)


def stands_still(element) -> bool:
    """Whether the element is where it was 50 ms ago: a dialog zooming in or a layout sliding back after a resize
    moves a button, and a click aimed at it then lands beside it without any error."""
    before = element.rect
    time.sleep(0.05)
    return element.rect == before


def log_in(browser, server: Server, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, path: str = '/') -> None:
    browser.get(f'{server.url}/login?next={path}')
    wait_for_text(browser, 'Se connecter')
    fill(browser, '[data-field=email]', email)
    fill(browser, '[data-field=password]', password)
    click(browser, '[data-action=login]')
    wait_for(browser, lambda driver: '/login' not in driver.current_url)
    wait_for(browser, lambda driver: driver.execute_script('return window.did_handshake === true'))


def resize(browser, width: int = 1280, height: int = 900) -> None:
    """Resize the window (by default back to a desktop after a phone-width screenshot), then wait for the layout to
    settle: the drawer comes or goes and the page slides a moment after the resize, and a click aimed at an element
    before that lands beside it (seen in CI: a checkbox's click landed on its card, a button's beside it)."""
    browser.set_window_size(width, height)
    script = ('const page = document.querySelector(".q-page-container") || document.body;'
              'const box = page.getBoundingClientRect();'
              'const moving = document.getAnimations().filter(a => a.effect.getTiming().iterations !== Infinity);'
              'return [window.innerWidth, box.left, box.width, moving.length];')
    samples: list = []

    def settled(driver) -> bool:
        samples.append(driver.execute_script(script))
        time.sleep(0.1)
        last = samples[-3:]
        return len(last) == 3 and last[0][0] == width and all(sample == last[0] for sample in last) \
            and not last[0][3]

    wait_for(browser, settled)


def screenshot(browser, name: str, width: int) -> Path:
    """A full-page PNG at the given width, in screenshots/ (look at it: a page that works but looks careless is
    not done)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.set_window_size(width, 900)
    time.sleep(0.4)
    height = browser.execute_script(
        'return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)')
    browser.set_window_size(width, min(max(height + 120, 700), 5000))
    time.sleep(0.4)
    path = SCREENSHOTS / f'{name}-{width}.png'
    browser.save_screenshot(str(path))
    return path
