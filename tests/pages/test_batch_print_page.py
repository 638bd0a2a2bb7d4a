"""The files of the invoices list: the Édition groupée runs in the background with a progress bar, then downloads
by itself; the file names are French and dated."""
import asyncio
import os
import time
from datetime import date
from pathlib import Path

from nicegui.testing import User

from pages import runtime
from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.pages.helpers import log_in


async def test_the_invoices_list_prints_the_filtered_documents_into_one_pdf_and_downloads_it(user: User, admin,
                                                                                              monkeypatch):
    downloads = record_downloads(user, monkeypatch)
    client = await business_client()
    for n in range(2):
        await validated_invoice(admin, client, line(designation=f'Chantier {n}'))
    folder = runtime.config().files_dir / 'batches'
    folder.mkdir(exist_ok=True)
    yesterday = folder / 'invoice-yesterday.pdf'
    yesterday.write_bytes(b'%PDF old')
    os.utime(yesterday, (time.time() - 25 * 3600,) * 2)
    await log_in(user, next_path='/factures')
    await user.should_see(marker='batch', retries=100)
    user.find(marker='batch').click()
    await user.should_see(marker='start-batch', retries=50)
    user.find(marker='start-batch').click()
    await user.should_see(marker='batch-status', content='2 documents prêts', retries=600)
    download = user.find(marker='download').elements.pop()
    assert download.visible  # kept for a browser that blocked the download
    await started(downloads)
    assert downloads == [(str(files_of(folder)[0]), f'factures-{date.today().isoformat()}.pdf')]
    files = files_of(folder)
    assert len(files) == 1 and files[0].read_bytes().startswith(b'%PDF')  # yesterday's batch was cleaned away


async def test_an_empty_selection_is_refused_in_french(user: User, admin):
    await log_in(user, next_path='/factures')
    await user.should_see(marker='batch', retries=100)
    user.find(marker='batch').click()
    await user.should_see(marker='start-batch', retries=50)
    user.find(marker='start-batch').click()
    await user.should_see('Aucun document ne correspond à ces critères.', retries=50)


async def test_the_invoices_list_exports_a_dated_french_file(user: User, admin, monkeypatch):
    downloads = record_downloads(user, monkeypatch)
    await validated_invoice(admin, await business_client())
    await log_in(user, next_path='/factures')
    await user.should_see(marker='export', retries=100)
    user.find(marker='export').click()
    await user.download.next(timeout=30)
    assert downloads == [('bytes', f'factures-{date.today().isoformat()}.xlsx')]


def files_of(folder: Path) -> list[Path]:
    return list(folder.glob('invoice-*.pdf'))


def record_downloads(user: User, monkeypatch) -> list[tuple[str, str | None]]:
    """(what, file name) of each download the page starts: the simulated browser keeps no file name."""
    downloads: list[tuple[str, str | None]] = []
    for method in ('file', 'content'):
        real = getattr(user.download, method)

        def spy(src, filename=None, media_type='', _real=real):
            downloads.append((str(src) if not isinstance(src, bytes) else 'bytes', filename))
            _real(src, filename, media_type)

        monkeypatch.setattr(user.download, method, spy)
    return downloads


async def started(downloads: list, seconds: float = 5) -> None:
    """The page starts its download just after it shows the status: wait for it a moment."""
    for _ in range(int(seconds * 10)):
        if downloads:
            return
        await asyncio.sleep(0.1)
