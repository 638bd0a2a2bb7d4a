"""Édition groupée from the invoices list: runs in the background with a progress bar, then offers the file."""
import os
import time

from nicegui.testing import User

from pages import runtime

from tests.db.documents_helpers import business_client, line, validated_invoice
from tests.pages.helpers import log_in


async def test_the_invoices_list_prints_the_filtered_documents_into_one_pdf(user: User, admin):
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
    await user.should_see('2 documents prêts.', retries=600)
    download = user.find(marker='download').elements.pop()
    assert download.visible
    files = list(folder.glob('invoice-*.pdf'))
    assert len(files) == 1 and files[0].read_bytes().startswith(b'%PDF')  # yesterday's batch was cleaned away


async def test_an_empty_selection_is_refused_in_french(user: User, admin):
    await log_in(user, next_path='/factures')
    await user.should_see(marker='batch', retries=100)
    user.find(marker='batch').click()
    await user.should_see(marker='start-batch', retries=50)
    user.find(marker='start-batch').click()
    await user.should_see('Aucun document ne correspond à ces critères.', retries=50)
