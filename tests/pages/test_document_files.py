"""A document's files over HTTP: signed-in users only, the stored PDF of a validated invoice, its XML."""
from nicegui.testing import User

from db import documents
from db.cli_output import in_thread
from db.issuing import Issuer
from db.validation import validate_invoice
from db.company import Company
from logic.facturx import checker
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from pages import runtime
from tests.pages.helpers import log_in


async def test_the_pdf_route_needs_a_session(user: User, admin):
    invoice = await validated_invoice(admin, await business_client())
    response = await user.http_client.get(f'/documents/{invoice.id}/pdf')
    assert response.status_code == 404
    response = await user.http_client.get(f'/documents/{invoice.id}/factur-x.xml')
    assert response.status_code == 404


async def test_a_signed_in_user_downloads_a_validated_invoice_and_its_xml(user: User, admin):
    await Company.all().update(iban='FR7630006000011234567890189')
    # Issued by the app itself: its original is in the app's data dir (one the app can't find is served as a copy).
    document = await documents.create_document(admin, draft(await business_client(), line()))
    invoice = await validate_invoice(admin, document.id, issuer=Issuer.of(runtime.config(), in_thread))
    quote = await documents.create_document(admin, draft(await business_client(code='C0009'), line(),
                                                         doc_type='quote'))
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='pdf', retries=100)
    await user.should_see(marker='facturx-xml')
    await user.should_see(marker='send-mail')
    try:
        response = await user.http_client.get(f'/documents/{invoice.id}/pdf')
        assert response.status_code == 200, response.text
        assert response.headers['content-type'] == 'application/pdf'
        assert response.content.startswith(b'%PDF-')
        assert response.headers['content-disposition'] == f'attachment; filename="{invoice.number}.pdf"'
        again = await user.http_client.get(f'/documents/{invoice.id}/pdf')
        assert again.content == response.content  # the stored original
        xml = await user.http_client.get(f'/documents/{invoice.id}/factur-x.xml')
        assert xml.status_code == 200 and xml.headers['content-type'].startswith('application/xml')
        ubl = await user.http_client.get(f'/documents/{invoice.id}/ubl.xml')
        assert ubl.status_code == 200 and b'Invoice' in ubl.content
        preview = await user.http_client.get(f'/documents/{quote.id}/pdf')
        assert preview.status_code == 200 and preview.content.startswith(b'%PDF-')
        assert (await user.http_client.get(f'/documents/{quote.id}/ubl.xml')).status_code == 404
        assert (await user.http_client.get('/documents/999999/pdf')).status_code == 404
    finally:
        checker.shutdown()


async def test_a_draft_pdf_is_named_in_french_after_its_type(user: User, admin):
    invoice = await documents.create_document(admin, draft(await business_client(), line()))
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='pdf', retries=100)
    response = await user.http_client.get(f'/documents/{invoice.id}/pdf')
    assert response.status_code == 200, response.text
    assert response.headers['content-disposition'] == f'attachment; filename="facture-brouillon-{invoice.id}.pdf"'
