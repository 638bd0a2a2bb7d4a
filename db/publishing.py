"""Documents out (issue 5), wired to the document operations: validate then publish the Factur-X PDF, serve a
document's PDF, send it by e-mail.

Everything here runs outside the database transactions (rendering takes seconds). CPU work goes through `run`, the
caller's runner: `nicegui.run.cpu_bound` in pages, an `asyncio.to_thread` wrapper in the command line; db/ never
imports nicegui.

    document = await validate_and_publish(ctx.actor, doc_id, config=runtime.config(), run=run.cpu_bound)
    pdf, filename = await document_pdf(doc_id, config=config, run=run.cpu_bound)
    await send(ctx.actor, doc_id, 'compta@client.fr', subject, body, config=config, run=run.cpu_bound)

A validated document's PDF is its original: made and checked by db/issuing.py before its number is committed,
then stored write-once (logic.render.store). `document_pdf` serves it ever after; it promotes an original staged by
a process that stopped right after the commit, and makes the originals of generated data on first request.
"""
import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

from db import mailer, originals
from db.actor import Actor
from db.contact import Contact
from db.credit_notes import create_credit_note
from db.document import Document
from db.documents import set_quote_state
from db.issuing import DiskFull, Issuer, MentionsMissing, document_style, is_disk_full, make_original
from db.validation import preview_snapshot, validate_invoice
from logic import doctypes
from logic.facturx.checker import EInvoiceInvalid
from logic.render import service, store
from logic.render.copy_mark import render_copy
from logic.render.pdf import make_job
from logic.render.mail_text import DEFAULT_BODY, DEFAULT_SUBJECT, attachment_name, fill, values_of
from logic.render.service import Runner
from logic.snapshot import DocumentSnapshot

logger = logging.getLogger(__name__)
__all__ = ['DiskFull', 'EInvoiceInvalid', 'MentionsMissing', 'credit_and_publish', 'document_pdf', 'mail_defaults',
           'send', 'validate_and_publish']


async def validate_and_publish(actor: Actor, doc_id: int, *, config, run: Runner,
                               issue_date: date | None = None) -> Document:
    """`validation.validate_invoice` with the instance's issuer: the original is made and checked before the number
    is taken (refusal: MentionsMissing / EInvoiceInvalid, nothing validated) and stored with the document."""
    return await validate_invoice(actor, doc_id, issuer=Issuer.of(config, run), issue_date=issue_date)


async def credit_and_publish(actor: Actor, invoice_id: int, *, config, run: Runner, **options) -> Document:
    """`create_credit_note(...)` (options: mode, lines, amounts, reason, issue_date) with the instance's issuer."""
    return await create_credit_note(actor, invoice_id, issuer=Issuer.of(config, run), **options)


async def document_pdf(doc_id: int, *, config, run: Runner, prices: bool = True) -> tuple[bytes, str]:
    """(PDF bytes, file name): the stored PDF of a validated document (made now if missing), else a preview.
    `prices=False`: without prices nor totals, for the types the registry prints so (a delivery note, OR2)."""
    document = await Document.get(id=doc_id)
    snapshot = await preview_snapshot(doc_id)
    if document.is_frozen:
        return await _stored(document, snapshot, config=config, run=run), attachment_name(snapshot)
    style = await document_style(document)
    if not prices and doctypes.doc_type(document.doc_type).receipt:
        style = replace(style, show_prices=False)
    # A document numbered when created (a quote, an order, a delivery note) prints as it is, without BROUILLON.
    pdf = await service.render_preview(snapshot, style, run=run, uploads_dir=config.uploads_dir,
                                       draft=document.state == 'draft'
                                       and doctypes.doc_type(document.doc_type).numbered_at != 'creation')
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


async def _stored(document: Document, snapshot: DocumentSnapshot, *, config, run: Runner) -> bytes:
    existing = store.load_pdf(config.files_dir, document.id)
    if existing is None and store.promote(config.files_dir, document.series, document.number, document.id):
        existing = store.load_pdf(config.files_dir, document.id)  # made before its commit, not yet promoted
    sealed = await originals.sealed(document.id)
    if existing is not None:
        if sealed is None:  # stored before fingerprints existed, or by a process stopped before sealing it
            await originals.seal_once(document, existing, config.secret)
        return existing
    style = await document_style(document)
    if sealed is not None:
        # The original was stored and fingerprinted, then lost: never made again in its place (the integrity check
        # reports it), only a copy marked as such, without the XML (issue 13).
        logger.warning('original of document %s is missing: a marked copy is served', document.id)
        return await run(render_copy, make_job(snapshot, style, uploads_dir=config.uploads_dir))
    # Documents of generated data (demo, benchmark) and those issued before originals were made up front: made now,
    # and fingerprinted when first stored (db/originals.py).
    pdf = await make_original(snapshot, style, run=run, uploads_dir=config.uploads_dir)
    try:
        store.store_pdf(config.files_dir, document.id, pdf)
    except store.AlreadyStored:  # another request stored it meanwhile: that one is the original
        return store.load_pdf(config.files_dir, document.id)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        # The same bytes are made again from the frozen copy next time: serve them now, store them then.
        logger.warning('disk full: the original of document %s is served but not stored yet', document.id)
        return pdf
    await originals.seal_once(document, pdf, config.secret)
    return pdf


async def batch_print(doc_ids: list[int], path, *, config, run: Runner, progress=None) -> int:
    """DOC5 "Édition groupée": one PDF of the given documents, in order, each with its own page numbering.

    Validated documents come from their stored PDFs (made now if missing), the others are rendered as previews;
    a few documents are loaded and rendered at once (logic.render.batch.AHEAD, so that every render process of the
    pool has work) and merged in order as they come, so memory follows the output file only.
    """
    from logic.render.batch import batch_pdf  # noqa: PLC0415

    async def pdf_of(doc_id: int) -> bytes:
        pdf, _ = await document_pdf(doc_id, config=config, run=run)
        return pdf

    try:
        return await batch_pdf((pdf_of(doc_id) for doc_id in doc_ids), path, progress, run=run)
    except BaseException as exc:
        # A half-written file must never be offered: batch_pdf writes `.part`, then renames it.
        for leftover in (Path(path).with_suffix('.part'), Path(path)):
            leftover.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFull('l’édition groupée n’a pas été écrite') from None
        raise
