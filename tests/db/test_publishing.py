"""Documents out wired to the document operations (issue 5): validate then publish, serve, send."""
import email
from email import policy

import pytest

from db import documents, publishing, validation
from db.cli_output import in_thread
from db.company import Company
from db.document import Document
from db.issuing import Issuer
from logic.errors import DomainError
from logic.facturx import checker
from logic.render import store
from tests.db.documents_helpers import business_client, company, draft, line, validated_invoice
from tests.mail import configured


async def test_validating_publishes_a_facturx_pdf_once(db, config):
    admin = await company()
    client = await business_client(email='compta@boulangerie-martin.fr')
    document = await documents.create_document(admin, draft(client, line()))
    validated = await publishing.validate_and_publish(admin, document.id, config=config, run=in_thread)
    assert validated.state == 'validated' and validated.number
    stored = store.load_pdf(config.files_dir, document.id)
    assert stored is not None and stored.startswith(b'%PDF-')
    xml = store.xml_from_pdf(stored)
    assert xml is not None and checker.check_blocking(xml).ok
    pdf, name = await publishing.document_pdf(document.id, config=config, run=in_thread)
    assert pdf == stored and validated.number.replace('-', '') in name.replace('-', '')
    again, _ = await publishing.document_pdf(document.id, config=config, run=in_thread)
    assert again == pdf


async def test_a_missing_pdf_is_made_and_stored_on_first_request(db, config):
    admin = await company()
    # Generated data (the demo) is issued without its original: made and stored on first request. A stored original
    # lost later is never made again in its place (tests/db/test_originals.py).
    document = await documents.create_document(admin, draft(await business_client(), line()))
    invoice = await validation.validate_invoice(admin, document.id, issuer=Issuer.for_generated_data(config.secret))
    assert store.load_pdf(config.files_dir, invoice.id) is None
    pdf, _ = await publishing.document_pdf(invoice.id, config=config, run=in_thread)
    assert store.load_pdf(config.files_dir, invoice.id) == pdf


async def test_a_preflight_failure_validates_nothing(db, config, monkeypatch):
    admin = await company()
    document = await documents.create_document(admin, draft(await business_client(), line()))
    failing = checker.CheckResult(errors=(checker.Issue(rule='BR-FR-01', message='Le SIREN du vendeur manque.',
                                                        flag='fatal', source='br-fr'),), warnings=())

    async def refuse(_xml):
        return failing

    monkeypatch.setattr(checker, 'check', refuse)  # the check of the original, made before the number is taken
    with pytest.raises(checker.EInvoiceInvalid) as refused:
        await publishing.validate_and_publish(admin, document.id, config=config, run=in_thread)
    assert 'BR-FR-01' in str(refused.value) and isinstance(refused.value, DomainError)
    after = await Document.get(id=document.id)
    assert after.state == 'draft' and after.number is None
    assert store.load_pdf(config.files_dir, document.id) is None
    assert not list(config.files_dir.rglob('*.pdf'))  # nothing staged either


async def test_an_empty_siren_is_refused_before_validating(db, config):
    admin = await company()
    document = await documents.create_document(admin, draft(await business_client(), line()))
    await Company.all().update(siren='')
    with pytest.raises(DomainError):
        await publishing.validate_and_publish(admin, document.id, config=config, run=in_thread)
    assert (await Document.get(id=document.id)).state == 'draft'


async def test_a_credit_note_is_published_at_once(db, config):
    admin = await company()
    invoice = await validated_invoice(admin, await business_client())
    credit = await publishing.credit_and_publish(admin, invoice.id, config=config, run=in_thread, mode='full')
    stored = store.load_pdf(config.files_dir, credit.id)
    assert stored is not None and checker.check_blocking(store.xml_from_pdf(stored)).ok


async def test_a_draft_quote_is_sent_with_its_pdf_then_marked_sent(db, config, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    admin = await company()
    await configured(admin, controller.port)
    client = await business_client(email='achats@boulangerie-martin.fr')
    quote = await documents.create_document(admin, draft(client, line(), doc_type='quote'))
    recipients, subject, body, attachment = await publishing.mail_defaults(quote.id)
    assert recipients == ['achats@boulangerie-martin.fr'] and quote.number in subject and quote.number in body
    log = await publishing.send(admin, quote.id, recipients, subject, body, config=config, run=in_thread)
    assert log.status == 'sent'
    assert (await Document.get(id=quote.id)).state == 'sent'
    message = email.message_from_bytes(inbox.messages[0][1], policy=policy.default)
    parts = [part for part in message.iter_attachments()]
    assert parts[0].get_filename() == attachment and parts[0].get_content().startswith(b'%PDF-')


async def test_a_failed_send_leaves_the_quote_in_draft(db, config, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    inbox.refuse = True
    admin = await company()
    await configured(admin, controller.port)
    quote = await documents.create_document(admin, draft(await business_client(), line(), doc_type='quote'))
    with pytest.raises(DomainError):
        await publishing.send(admin, quote.id, 'x@example.fr', 'Devis', 'Bonjour', config=config, run=in_thread)
    assert (await Document.get(id=quote.id)).state == 'draft'
