"""Documents out (issue 5), wired to the document operations: validate then publish the Factur-X PDF, serve a
document's PDF, send it by e-mail.

Everything here runs outside the database transactions (rendering takes seconds). CPU work goes through `run`, the
caller's runner: `nicegui.run.cpu_bound` in pages, an `asyncio.to_thread` wrapper in the command line; db/ never
imports nicegui.

    document = await validate_and_publish(ctx.actor, doc_id, config=runtime.config(), run=run.cpu_bound)
    pdf, filename = await document_pdf(doc_id, config=config, run=run.cpu_bound)
    await send(ctx.actor, doc_id, 'compta@client.fr', subject, body, config=config, run=run.cpu_bound)

A validated document's PDF is generated once from its frozen copy and stored (logic.render.store, write-once); it is
produced right after the validation, or on first request when that failed (server stopped meanwhile...).
"""
import logging
from datetime import date

from db import mailer, templates_ops
from db.actor import Actor
from db.contact import Contact
from db.credit_notes import create_credit_note
from db.document import Document
from db.documents import set_quote_state
from db.settings import get_company
from db.validation import MentionsMissing, preview_snapshot, validate_invoice
from logic.facturx.checker import EInvoiceInvalid
from logic.mentions import missing_mentions
from logic.render import service, store
from logic.render.mail_text import DEFAULT_BODY, DEFAULT_SUBJECT, attachment_name, fill, values_of
from logic.render.service import Runner
from logic.snapshot import DocumentSnapshot

logger = logging.getLogger(__name__)
__all__ = ['EInvoiceInvalid', 'credit_and_publish', 'document_pdf', 'mail_defaults', 'send', 'validate_and_publish']


async def validate_and_publish(actor: Actor, doc_id: int, *, config, run: Runner,
                               issue_date: date | None = None) -> Document:
    """Check the mentions and the e-invoice first (refusal: MentionsMissing / EInvoiceInvalid, nothing validated),
    validate, then store the PDF."""
    snapshot = await preview_snapshot(doc_id)
    missing = missing_mentions(snapshot)
    if missing:  # the legal mentions first: they say what to fill in, in the user's words
        raise MentionsMissing(missing)
    result = await service.preflight(snapshot)
    if not result.ok:
        raise EInvoiceInvalid(result)
    document = await validate_invoice(actor, doc_id, secret=config.secret, issue_date=issue_date)
    await _publish(document, config=config, run=run)
    return document


async def credit_and_publish(actor: Actor, invoice_id: int, *, config, run: Runner, **options) -> Document:
    """`create_credit_note(...)` (options: mode, lines, amounts, reason, issue_date), then its stored PDF."""
    credit = await create_credit_note(actor, invoice_id, secret=config.secret, **options)
    await _publish(credit, config=config, run=run)
    return credit


async def document_pdf(doc_id: int, *, config, run: Runner) -> tuple[bytes, str]:
    """(PDF bytes, file name): the stored PDF of a validated document (made now if missing), else a preview."""
    document = await Document.get(id=doc_id)
    snapshot = await preview_snapshot(doc_id)
    if document.is_frozen:
        return await _stored(document, snapshot, config=config, run=run), attachment_name(snapshot)
    style = await _style(document)
    pdf = await service.render_preview(snapshot, style, run=run, uploads_dir=config.uploads_dir,
                                       draft=document.state == 'draft' and document.doc_type != 'quote')
    return pdf, attachment_name(snapshot)


async def mail_defaults(doc_id: int) -> tuple[list[str], str, str, str]:
    """(recipients, subject, body, attachment name) proposed by "Envoyer": the client's e-mail, the mail template."""
    document = await Document.get(id=doc_id)
    snapshot = await preview_snapshot(doc_id)
    contact = await Contact.get_or_none(id=document.client_id) if document.client_id else None
    settings = await mailer.get_settings()
    saved = (settings.templates or {}).get(document.doc_type, {})
    values = values_of(snapshot)
    return ([contact.email] if contact and contact.email else [],
            fill(saved.get('subject') or DEFAULT_SUBJECT, values), fill(saved.get('body') or DEFAULT_BODY, values),
            attachment_name(snapshot))


async def send(actor: Actor, doc_id: int, recipients: list[str] | str, subject: str, body: str, *, config,
               run: Runner):
    """Send the document's PDF; a draft quote is marked 'sent' once the message has left. Returns the MailLog."""
    mailer.parse_recipients(recipients)  # refuse a typo before rendering anything
    document = await Document.get(id=doc_id)
    pdf, filename = await document_pdf(doc_id, config=config, run=run)
    settings = await mailer.get_settings()
    label = f'{document.type_label} {document.number}'.strip()
    log = await mailer.send_document(actor, settings, recipients, subject, body,
                                     [mailer.Attachment(name=filename, data=pdf)], secret=config.secret,
                                     document_id=doc_id, document_label=label)
    if document.doc_type == 'quote' and document.state == 'draft':
        await set_quote_state(actor, doc_id, 'sent')
    return log


async def _publish(document: Document, *, config, run: Runner) -> None:
    """After the commit: a failure here doesn't undo the validation; the PDF is then made on first request."""
    try:
        await _stored(document, await preview_snapshot(document.id), config=config, run=run)
    except Exception as exc:  # noqa: BLE001 - logged; document_pdf retries and reports to the user
        logger.warning('PDF of document %s not stored after validation: %s', document.id, exc)


async def _stored(document: Document, snapshot: DocumentSnapshot, *, config, run: Runner) -> bytes:
    existing = store.load_pdf(config.files_dir, document.id)
    if existing is not None:
        return existing
    style = await _style(document)
    if service.is_einvoice(snapshot):
        pdf = (await service.produce_einvoice(snapshot, style, run=run, uploads_dir=config.uploads_dir)).pdf
    else:
        pdf = await service.render_preview(snapshot, style, run=run, uploads_dir=config.uploads_dir, draft=False)
    try:
        store.store_pdf(config.files_dir, document.id, pdf)
    except store.AlreadyStored:  # another request stored it meanwhile: that one is the original
        return store.load_pdf(config.files_dir, document.id)
    return pdf


async def _style(document: Document):
    contact = await Contact.get_or_none(id=document.client_id) if document.client_id else None
    client_template = None
    if contact is not None:
        client_template = contact.quote_template_id if document.doc_type == 'quote' else contact.invoice_template_id
    template = await templates_ops.choose_template(document.template_id, client_template, document.doc_type)
    return templates_ops.style_of(template, await get_company())


async def batch_print(doc_ids: list[int], path, *, config, run: Runner, progress=None) -> int:
    """DOC5 "Édition groupée": one PDF of the given documents, in order, each with its own page numbering.

    Validated documents come from their stored PDFs (made now if missing), the others are rendered as previews;
    documents are loaded one at a time and merged as they come, so memory follows the output file only.
    """
    from logic.render.batch import batch_pdf  # noqa: PLC0415

    async def pdfs():
        for doc_id in doc_ids:
            pdf, _ = await document_pdf(doc_id, config=config, run=run)
            yield pdf

    return await batch_pdf(pdfs(), path, progress, run=run)
