"""The "Demande d'acompte" of a quote's deposit (DE2): a request for payment, not an invoice: no number is taken,
no e-invoice is made. The deposit invoice comes when the money does (db/deposits.py: `settle_deposit`).

- `deposit_request_pdf(installment_id, *, config, run) -> bytes`
- `deposit_request_mail_defaults(installment_id) -> (recipients, subject, body, attachment name)`
- `send_deposit_request(actor, installment_id, recipients, subject, body, *, config, run) -> MailLog`
"""
from dataclasses import replace
from datetime import date

from db import mailer, templates_ops
from db.actor import Actor
from db.contact import Contact
from db.deposits import deposit_draft, deposit_of, quote_extra, quote_of
from db.document import Document, Installment
from db.drafts import payment_method_for
from db.settings import get_company
from db.validation import build_snapshot, party_of_contact
from logic.dates import format_date
from logic.deposits import DepositError
from logic.filenames import deposit_request_file
from logic.payments import METHODS
from logic.render import service
from logic.render.mail_text import DEFAULT_BODY, DEFAULT_SUBJECT, fill, values_of
from logic.render.service import Runner
from logic.snapshot import DocumentSnapshot


async def deposit_request_pdf(installment_id: int, *, config, run: Runner) -> bytes:
    """DE2: the "Demande d'acompte" PDF (a request, not an invoice: no number is taken, no XML)."""
    installment = await deposit_of(installment_id)
    quote = await quote_of(installment)
    snapshot = await _request_snapshot(installment, quote)
    contact = await Contact.get_or_none(id=quote.client_id) if quote.client_id else None
    template = await templates_ops.choose_template(
        None, templates_ops.client_template_id(contact, 'deposit_request'), 'deposit_request')
    style = templates_ops.style_of(template, await get_company())
    return await service.render_preview(snapshot, style, run=run, uploads_dir=config.uploads_dir, draft=False)


async def deposit_request_mail_defaults(installment_id: int) -> tuple[list[str], str, str, str]:
    """(recipients, subject, body, attachment name) proposed for sending a deposit request."""
    installment = await deposit_of(installment_id)
    quote = await quote_of(installment)
    snapshot = await _request_snapshot(installment, quote)
    contact = await Contact.get_or_none(id=quote.client_id) if quote.client_id else None
    settings = await mailer.get_settings()
    saved = (settings.templates or {}).get('deposit_request', {})
    values = {**values_of(snapshot), 'numero': quote.number or ''}
    return ([contact.email] if contact and contact.email else [],
            fill(saved.get('subject') or DEFAULT_SUBJECT, values), fill(saved.get('body') or DEFAULT_BODY, values),
            _request_name(quote))


async def send_deposit_request(actor: Actor, installment_id: int, recipients: list[str] | str, subject: str,
                               body: str, *, config, run: Runner):
    """Send the deposit request by e-mail (logged against the quote). Returns the MailLog."""
    mailer.parse_recipients(recipients)  # refuse a typo before rendering anything
    installment = await deposit_of(installment_id)
    quote = await quote_of(installment)
    pdf = await deposit_request_pdf(installment_id, config=config, run=run)
    settings = await mailer.get_settings()
    return await mailer.send_document(actor, settings, recipients, subject, body,
                                      [mailer.Attachment(name=_request_name(quote), data=pdf)], secret=config.secret,
                                      document_id=quote.id, document_label=f'Demande d’acompte {quote.number}')


async def _request_snapshot(installment: Installment, quote: Document) -> DocumentSnapshot:
    if installment.status not in ('planned', 'open'):
        raise DepositError('Cet acompte est réglé ou supprimé : il n’y a plus rien à demander.')
    draft, totals, contact = await deposit_draft(installment, quote, installment.left_to_pay)
    method = await payment_method_for(quote.payment_method_id, contact)
    snapshot = build_snapshot(draft, totals, doc_type='deposit_request', number='', on=date.today(),
                              due=installment.due_date, company=await get_company(),
                              buyer=party_of_contact(contact), method=method)
    # The method's name carries its terms ("Virement à 30 jours"): a request is due on the deposit's own date.
    means = METHODS.get(method.kind, method.name) if method else ''
    return replace(snapshot, payment_method=means, payment_terms=f'À régler au plus tard le '
                   f'{format_date(installment.due_date)}', extra=quote_extra(quote))


def _request_name(quote: Document) -> str:
    return deposit_request_file(quote.number or '')
