"""Real-browser tests: a Facturier server subprocess on a free port, driven by Debian's headless Chromium.

Fixtures:
- `server`: a running instance with the company and the admin already set up (tests.personas); `.url`,
  `.data_dir`, `.database_url`. Use `fresh_server` for an instance that still shows the setup page.
- `browser`: a selenium Chrome driver (never downloads a browser: /usr/bin/chromium + /usr/bin/chromedriver).
- helpers (tests.browser.helpers): `log_in(browser, server)`, `screenshot(browser, name, width)`,
  `wait_for_text(browser, text)`.
In CI a missing Chromium fails the tests; on a bare developer machine they are skipped.
"""
from pathlib import Path

import pytest

from tests.browser.helpers import start_server, stop_server
from tests.helpers import IN_CI

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'


@pytest.fixture
async def server(tmp_path, database_url):
    running = await start_server(tmp_path, database_url, set_up=True)
    yield running
    stop_server(running)


@pytest.fixture
async def fresh_server(tmp_path, database_url):
    running = await start_server(tmp_path, database_url, set_up=False)
    yield running
    stop_server(running)


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
