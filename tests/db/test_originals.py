"""Stored originals fingerprinted in the chain (issue 13): a deleted or altered stored PDF is reported, and a copy
rendered in its place is marked as such, never passed off as the original."""
import os
from types import SimpleNamespace

from db import documents, integrity, originals, publishing, validation
from db.cli_output import in_thread
from db.document import ChainEntry
from db.issuing import Issuer
from logic.render import store
from tests.db.documents_helpers import business_client, company, draft, validated_invoice
from tests.helpers import SECRET
from tests.issuing import issuer


def report_of(reports, series='original'):
    return next(report for report in reports if report.series == series)


async def test_the_original_is_fingerprinted_when_issued_and_a_deleted_one_is_reported(db, config):
    admin = await company()
    invoice = await validated_invoice(admin, await business_client())
    files = issuer().files_dir
    stored = store.load_pdf(files, invoice.id)
    seal = await originals.sealed(invoice.id)
    assert seal is not None and seal.label == invoice.number
    assert seal.pdf_sha256 == originals.fingerprint_of(stored).pdf_sha256 and len(seal.xml_sha256) == 64
    assert report_of(await integrity.verify_integrity(SECRET, files_dir=files)).ok
    store.pdf_path(files, invoice.id).unlink()
    report = report_of(await integrity.verify_integrity(SECRET, files_dir=files))
    assert not report.ok and f'Original manquant : le PDF stocké de {invoice.number}' in report.reason
    # Served again: a copy marked COPIE, without the Factur-X XML, and the original is still reported missing.
    served, _ = await publishing.document_pdf(
        invoice.id, config=SimpleNamespace(files_dir=files, uploads_dir=config.uploads_dir, secret=SECRET), run=in_thread)
    assert 'COPIE' in _text(served) and invoice.number in _text(served)
    assert store.xml_from_pdf(served) is None
    assert not store.pdf_path(files, invoice.id).exists()


async def test_an_altered_stored_original_is_reported(db):
    admin = await company()
    invoice = await validated_invoice(admin, await business_client())
    path = store.pdf_path(issuer().files_dir, invoice.id)
    os.chmod(path, 0o640)
    path.write_bytes(path.read_bytes().replace(b'%%EOF', b'%%EOF\n% changed'))
    report = report_of(await integrity.verify_integrity(SECRET, files_dir=issuer().files_dir))
    assert not report.ok and f'Original modifié : le PDF stocké de {invoice.number}' in report.reason


async def test_an_original_of_generated_data_is_fingerprinted_when_first_made(db, config):
    admin = await company()
    document = await documents.create_document(admin, draft(await business_client()))
    invoice = await validation.validate_invoice(admin, document.id, issuer=Issuer.for_generated_data(SECRET))
    assert await originals.sealed(invoice.id) is None  # nothing stored, nothing fingerprinted yet
    pdf, _ = await publishing.document_pdf(invoice.id, config=config, run=in_thread)
    seal = await originals.sealed(invoice.id)
    assert seal.pdf_sha256 == originals.fingerprint_of(pdf).pdf_sha256
    again, _ = await publishing.document_pdf(invoice.id, config=config, run=in_thread)
    assert again == pdf and await ChainEntry.filter(series='original').count() == 1
    assert all(report.ok for report in await integrity.verify_integrity(SECRET, files_dir=config.files_dir))


def _text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader
    return ' '.join(page.extract_text() or '' for page in PdfReader(io.BytesIO(pdf)).pages)
