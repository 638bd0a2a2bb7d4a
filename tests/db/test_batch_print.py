"""Édition groupée (DOC5): one PDF of many documents, each keeping its own pages, stored copies reused."""
import io

from pypdf import PdfReader

from db import documents, publishing
from db.cli_output import in_thread
from logic.render import store
from logic.render.batch import AHEAD
from tests.db.documents_helpers import business_client, company, draft, line, validated_invoice


async def test_a_batch_holds_every_document_in_order_and_reuses_stored_pdfs(db, config):
    admin = await company()
    client = await business_client()
    invoices = [await validated_invoice(admin, client, line(designation=f'Chantier {n}')) for n in range(3)]
    first, _ = await publishing.document_pdf(invoices[0].id, config=config, run=in_thread)
    seen: list[int] = []
    path = config.files_dir / 'batch.pdf'
    count = await publishing.batch_print([doc.id for doc in invoices], path, config=config, run=in_thread,
                                         progress=seen.append)
    assert count == 3 and seen == [1, 2, 3]
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    assert len(pages) >= 3
    text = ''.join(page.extract_text() for page in pages)
    assert text.index(invoices[0].number) < text.index(invoices[1].number) < text.index(invoices[2].number)
    assert store.load_pdf(config.files_dir, invoices[0].id) == first


async def test_a_batch_of_drafts_renders_several_at_once_and_keeps_the_chosen_order(db, config, tmp_path):
    """The job's pool has two render processes: documents are loaded and rendered a few at a time (issue 17,
    logic.render.batch.AHEAD), not one after the other, and the file still follows the order chosen."""
    admin = await company()
    client = await business_client()
    drafts = [await documents.create_document(admin, draft(client, line(designation=f'Chantier {n}')))
              for n in range(5)]
    running, most = [0], [0]

    async def counting(function, *args):
        running[0] += 1
        most[0] = max(most[0], running[0])
        try:
            return await in_thread(function, *args)
        finally:
            running[0] -= 1

    seen: list[int] = []
    path = tmp_path / 'batch.pdf'
    order = [drafts[n].id for n in (3, 0, 4, 1, 2)]
    count = await publishing.batch_print(order, path, config=config, run=counting, progress=seen.append)
    assert count == 5 and seen == [1, 2, 3, 4, 5]
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages]
    assert [next(n for n in range(5) if f'Chantier {n}' in text) for text in texts] == [3, 0, 4, 1, 2]
    assert 2 <= most[0] <= AHEAD
