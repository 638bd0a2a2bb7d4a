"""Édition groupée (DOC5): one PDF of many documents, each keeping its own pages, stored copies reused."""
import io

from pypdf import PdfReader

from db import publishing
from db.cli_output import in_thread
from logic.render import store
from tests.db.documents_helpers import business_client, company, line, validated_invoice


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
