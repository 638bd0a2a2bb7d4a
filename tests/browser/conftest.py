"""Real-browser tests: a Facturier server subprocess on a free port, driven by Debian's headless Chromium.

Fixtures:
- `server`: a running instance with the company and the admin already set up (tests.personas); `.url`,
  `.data_dir`, `.database_url`. Use `fresh_server` for an instance that still shows the setup page.
- `browser`: a selenium Chrome driver (never downloads a browser: /usr/bin/chromium + /usr/bin/chromedriver).
- helpers: `log_in(browser, server)`, `screenshot(browser, name, width)`, `wait_for_text(browser, text)`.
In CI a missing Chromium fails the tests; on a bare developer machine they are skipped.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from db import engine
from tests.conftest import IN_CI, SECRET
from tests.personas import ADMIN_EMAIL, ADMIN_PASSWORD, set_up_company

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / 'screenshots'
CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'


@dataclass
class Server:
    url: str
    data_dir: Path
    database_url: str
    process: subprocess.Popen
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


async def _start(tmp_path: Path, database_url: str, *, set_up: bool) -> Server:
    if set_up:
        await engine.open_database(database_url, migrate=False)
        try:
            await set_up_company()
        finally:
            await engine.close_database()
    port = _free_port()
    data_dir = tmp_path / 'data'
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    env.update(FACTURIER_DATA_DIR=str(data_dir), FACTURIER_DATABASE_URL=database_url, FACTURIER_PORT=str(port),
               FACTURIER_HOST='127.0.0.1', FACTURIER_SECRET=SECRET)
    log = tmp_path / 'server.log'
    process = subprocess.Popen([sys.executable, str(ROOT / 'main.py')], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=log.open('w'), stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'server exited early:\n{log.read_text()}')
        try:
            with urllib.request.urlopen(f'{url}/healthz', timeout=2) as response:
                if response.status == 200:
                    return Server(url=url, data_dir=data_dir, database_url=database_url, process=process, log=log)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f'server did not start:\n{log.read_text()}')


def _stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
async def server(tmp_path, database_url):
    running = await _start(tmp_path, database_url, set_up=True)
    yield running
    _stop(running)


@pytest.fixture
async def fresh_server(tmp_path, database_url):
    running = await _start(tmp_path, database_url, set_up=False)
    yield running
    _stop(running)


@pytest.fixture
def browser(tmp_path):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if IN_CI:
            pytest.fail('Chromium and chromedriver are required in CI (Debian packages chromium, chromium-driver).')
        pytest.skip('Chromium not installed (apt-get install chromium chromium-driver, or ./facturier test as root)')
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                     '--disable-background-networking', '--disable-component-update', '--disable-sync',
                     '--no-first-run', '--disable-quic', '--window-size=1280,900', '--lang=fr-FR',
                     f'--user-data-dir={tmp_path / "chrome-profile"}'):
        options.add_argument(argument)
    downloads = tmp_path / 'downloads'
    downloads.mkdir()
    options.add_experimental_option('prefs', {'download.default_directory': str(downloads),
                                              'download.prompt_for_download': False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.downloads = downloads
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait_for(browser, condition, timeout: float = 15):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: PLC0415
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    # The page re-renders while we wait: an element found a moment ago may be gone, which is not a failure.
    return WebDriverWait(browser, timeout, ignored_exceptions=(NoSuchElementException,
                                                               StaleElementReferenceException)).until(condition)


def wait_for_text(browser, text: str, timeout: float = 15) -> None:
    """Wait for visible text, then for NiceGUI's websocket handshake: events sent before it would be lost."""
    wait_for(browser, lambda driver: text in driver.find_element('tag name', 'body').text, timeout)
    wait_for(browser, lambda driver: driver.execute_script('return window.did_handshake === true'), timeout)


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
    """Click once the element is there, enabled and not covered (a dialog may still be animating in)."""
    from selenium.common.exceptions import ElementClickInterceptedException  # noqa: PLC0415

    def clicked(driver) -> bool:
        element = driver.find_element('css selector', selector)
        if not element.is_enabled():
            return False
        try:
            element.click()
        except ElementClickInterceptedException:
            return False
        return True

    wait_for(browser, clicked)


def log_in(browser, server: Server, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, path: str = '/') -> None:
    browser.get(f'{server.url}/login?next={path}')
    wait_for_text(browser, 'Se connecter')
    fill(browser, '[data-field=email]', email)
    fill(browser, '[data-field=password]', password)
    click(browser, '[data-action=login]')
    wait_for(browser, lambda driver: '/login' not in driver.current_url)
    wait_for(browser, lambda driver: driver.execute_script('return window.did_handshake === true'))


def screenshot(browser, name: str, width: int) -> Path:
    """A full-page PNG at the given width, in screenshots/ (look at it: a page that works but looks careless is
    not done)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.set_window_size(width, 900)
    time.sleep(0.4)
    height = browser.execute_script('return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)')
    browser.set_window_size(width, min(max(height + 120, 700), 5000))
    time.sleep(0.4)
    path = SCREENSHOTS / f'{name}-{width}.png'
    browser.save_screenshot(str(path))
    return path


def has_chromium() -> bool:
    return shutil.which('chromium') is not None
