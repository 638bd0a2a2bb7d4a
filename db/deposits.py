"""Deposits of a quote (QU4, DE1-DE5): the public API the pages call. Rules in logic/deposits.py.

A deposit is an Installment of kind 'deposit' on the QUOTE: 'planned' until the quote is accepted, then 'open' (in
Payments), 'paid' once settled (its deposit invoice made), 'cancelled' when given up. Each operation runs in ONE
short transaction with its audit entry; refusals raise `logic.errors.DomainError` and change nothing.

- `set_deposits(actor, quote_id, [DepositSpec(due_date, amount=None | percent=None, label='', id=None)],
  expected_version) -> Document` (QU4): the quote's whole list of deposits (`id` names an existing one), while the
  quote is draft, sent or accepted (not refused, not invoiced). Settled deposits must come back unchanged (they
  can't be changed nor removed). Together they never exceed the quote's TTC. Bumps the quote's version (DOC7).
- `settle_deposit(actor, installment_id, *, paid_on, method, amount, invoice_date, reference='', secret)
  -> Document` (DE3, DE4): the deposit invoice, created 'paid' in one transaction: numbered in the invoice series on
  `invoice_date` (not in the future, not before the series' last date), frozen (prices including VAT: it totals
  exactly `amount`; one line per VAT rate of the quote, in proportion), chained, its settlement recorded with
  `db.payments.settle_in_transaction`. `amount` must be the whole deposit (change the deposit first if the client
  paid another amount). Its mentions and its Factur-X XML (type 386) are checked first, outside the transaction
  (`MentionsMissing`, `EInvoiceInvalid`). A deposit whose settlement was cancelled without a credit note is settled
  again on its existing deposit invoice. `settle_deposit_and_publish(..., config, run)` also stores its PDF.
- `unsettle_deposit(actor, installment_id, *, secret, credit, reason='') -> Document | None`: cancel the settlement
  (reversal records, `db.payments.cancel_settlement`); with `credit=True` also the credit note that cancels the
  deposit invoice (returned; its refund is cancelled: the money was not kept), the deposit then has no deposit
  invoice and settling it again makes a new one. One transaction.
- `delete_deposit(actor, installment_id) -> None` (DE5 "supprimer"): an unpaid deposit given up: 'cancelled' (kept
  in Payments' history), or deleted when it was only planned.
- `deposit_request_pdf(installment_id, *, config, run) -> bytes`, `deposit_request_mail_defaults(installment_id)
  -> (recipients, subject, body, attachment name)`, `send_deposit_request(actor, installment_id, recipients,
  subject, body, *, config, run) -> MailLog` (DE2): the "Demande d'acompte", not an invoice: no number, no XML.
- `quote_deposits(quote_id) -> list[Installment]`: a quote's deposits in order, given-up ones included.
- `UnpaidDeposits` (from logic.deposits): raised by `validation.validate_invoice` on a balance invoice while a
  deposit of its quote is open; `.installments` lists them.
"""
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from decimal import Decimal

from tortoise.transactions import in_transaction

from db import changes, mailer, payments, publishing, templates_ops
from db.actor import Actor
from db.audit import record
from db.contact import Contact
from db.credit_notes import create_credit_note
from db.document import Document, DocumentLine, Installment, Payment
from db.documents import DraftConflict
from db.drafts import Checked, draft_of, line_rows, payment_method_for
from db.integrity import append_to_chain
from db.numbering import take_number
from db.settings import get_company
from db.validation import MentionsMissing, build_snapshot, party_of_contact
from logic.deposits import (DepositError, DepositSpec, UnpaidDeposits, check_total, deposit_amount, deposit_lines,
                            designation, vat_shares)
from logic.draft import Draft
from logic.errors import DomainError
from logic.facturx.checker import EInvoiceInvalid
from logic.mentions import missing_mentions
from logic.money import format_eur
from logic.payments import METHODS, check_date, check_method
from logic.render import service
from logic.render.mail_text import DEFAULT_BODY, DEFAULT_SUBJECT, fill, values_of
from logic.render.service import Runner
from logic.snapshot import PAYMENT_MEANS, DocumentSnapshot
from logic.totals import Totals

logger = logging.getLogger(__name__)
__all__ = ['DepositError', 'DepositSpec', 'UnpaidDeposits', 'delete_deposit', 'deposit_request_mail_defaults',
           'deposit_request_pdf', 'quote_deposits', 'send_deposit_request', 'set_deposits', 'settle_deposit',
           'settle_deposit_and_publish', 'unsettle_deposit']
EDITABLE_QUOTE_STATES = ('draft', 'sent', 'accepted')
LABEL_MAX = 100


async def quote_deposits(quote_id: int) -> list[Installment]:
    return await Installment.filter(document_id=quote_id, kind='deposit').order_by('position', 'id')


async def set_deposits(actor: Actor, quote_id: int, deposits: list[DepositSpec], expected_version: int) -> Document:
    async with in_transaction():
        quote = await _lock_quote(quote_id)
        if quote.version != expected_version:
            raise DraftConflict()
        if quote.state not in EDITABLE_QUOTE_STATES:
            raise DepositError('Le devis est facturé : ses acomptes ne se modifient plus.' if quote.state == 'invoiced'
                               else 'Le devis est refusé : repassez-le en brouillon pour modifier ses acomptes.')
        existing = {item.id: item for item in await Installment.filter(document_id=quote_id, kind='deposit').exclude(
            status='cancelled').select_for_update()}
        wanted = {spec.id for spec in deposits if spec.id is not None}
        if len(wanted) != len([spec for spec in deposits if spec.id is not None]) or wanted - existing.keys():
            raise DepositError('Un acompte modifié n’existe plus : rechargez le devis.')
        for item in existing.values():
            if _settled(item) and item.id not in wanted:
                raise DepositError(f'L’acompte réglé de {_amount_text(item)} ne peut pas être retiré.')
        status = 'open' if quote.state == 'accepted' else 'planned'
        rows, amounts = [], []
        for position, spec in enumerate(deposits):
            label = (spec.label or '').strip()
            if len(label) > LABEL_MAX:
                raise DepositError(f'Le libellé d’un acompte fait {LABEL_MAX} caractères au plus.')
            if not isinstance(spec.due_date, date):
                raise DepositError('Indiquez la date d’échéance de chaque acompte.')
            item = existing.get(spec.id)
            if item is not None and _settled(item):
                if (spec.percent, spec.due_date, label) != (item.percent, item.due_date, item.label) or (
                        spec.percent is None and spec.amount != item.amount):
                    raise DepositError(f'L’acompte de {_amount_text(item)} est réglé : il ne se modifie plus.')
                amounts.append(item.amount)
                rows.append((position, item, None))
                continue
            amount = deposit_amount(quote.total_ttc, amount=spec.amount, percent=spec.percent)
            amounts.append(amount)
            rows.append((position, item, dict(amount=amount, percent=spec.percent, due_date=spec.due_date,
                                              label=label)))
        check_total(quote.total_ttc, amounts)
        for item in existing.values():
            if item.id not in wanted:
                await _give_up(item)
        for position, item, values in rows:
            if values is None:
                if item.position != position:
                    await Installment.filter(id=item.id).update(position=position, version=item.version + 1)
                continue
            values.update(position=position, number=quote.number or '', client_id=quote.client_id,
                          client_name=quote.client_name)
            if item is None:
                await Installment.create(document_id=quote_id, kind='deposit', status=status, **values)
            else:
                item.update_from_dict(values)
                item.version += 1
                await item.save()
        quote.version += 1
        await quote.save(update_fields=['version', 'updated_at'])
        await record('quote.deposits', actor, target=f'document:{quote_id}', details={
            'number': quote.number, 'deposits': [[str(spec.due_date), str(amount), str(spec.percent or '')]
                                                 for spec, amount in zip(deposits, amounts)]})
    _publish(quote_id)
    return quote


async def settle_deposit(actor: Actor, installment_id: int, *, paid_on: date, method: str, amount: Decimal,
                         invoice_date: date, reference: str = '', secret: str | bytes) -> Document:
    today = date.today()
    check_date(paid_on, today=today)  # the cheap refusals first: the e-invoice check takes a while
    check_method(method)
    if invoice_date is None or invoice_date > today:
        raise DepositError('La date d’une facture ne peut pas être dans le futur.' if invoice_date else
                           'Indiquez la date de la facture d’acompte.')
    installment = await _installment(installment_id)
    reuse = await _reusable_invoice(installment)
    if reuse is None:  # check the mentions and the e-invoice before taking anything (publishing does the same)
        preview = await _deposit_invoice(installment, await _quote_of(installment), paid_on=paid_on, method=method,
                                         amount=amount, invoice_date=invoice_date)
        missing = missing_mentions(preview.snapshot)
        if missing:
            raise MentionsMissing(missing)
        result = await service.preflight(preview.snapshot)
        if not result.ok:
            raise EInvoiceInvalid(result)
    async with in_transaction():
        quote = await _lock_quote(installment.document_id)
        installment = await Installment.filter(id=installment_id).select_for_update().first()
        _check_settleable(installment, quote, amount)
        if await Document.filter(source_id=quote.id, doc_type='invoice').exclude(state='draft').exists():
            raise DepositError('La facture de solde du devis est validée : ce devis ne prend plus d’acompte.')
        invoice = await _reusable_invoice(installment)
        if invoice is None:
            invoice = await _issue(actor, installment, quote, paid_on=paid_on, method=method, amount=amount,
                                   invoice_date=invoice_date, secret=secret)
            installment.deposit_invoice_id = invoice.id
            await Installment.filter(id=installment.id).update(deposit_invoice_id=invoice.id)
        elif invoice.total_ttc != amount:
            raise DepositError(f'La facture d’acompte {invoice.number} est de {format_eur(invoice.total_ttc)} : le '
                               'règlement doit être de ce montant.')
        await payments.settle_in_transaction(actor, installment, paid_on=paid_on, method=method, amount=amount,
                                             reference=reference, secret=secret)
        invoice = await Document.get(id=invoice.id)
    _publish(quote.id, invoice.id)
    return invoice


async def settle_deposit_and_publish(actor: Actor, installment_id: int, *, config, run: Runner, paid_on: date,
                                     method: str, amount: Decimal, invoice_date: date,
                                     reference: str = '') -> Document:
    """`settle_deposit`, then the deposit invoice's Factur-X PDF stored (made on first request if this fails)."""
    invoice = await settle_deposit(actor, installment_id, paid_on=paid_on, method=method, amount=amount,
                                   invoice_date=invoice_date, reference=reference, secret=config.secret)
    try:
        await publishing.document_pdf(invoice.id, config=config, run=run)
    except Exception as exc:  # noqa: BLE001 - logged; document_pdf retries on the next request
        logger.warning('PDF of deposit invoice %s not stored: %s', invoice.id, exc)
    return invoice


async def unsettle_deposit(actor: Actor, installment_id: int, *, secret: str | bytes, credit: bool,
                           reason: str = '') -> Document | None:
    installment = await _installment(installment_id)
    note = None
    async with in_transaction():
        await _lock_quote(installment.document_id)
        installment = await Installment.filter(id=installment_id).select_for_update().first()
        invoice = await Document.get_or_none(id=installment.deposit_invoice_id) if installment.deposit_invoice_id \
            else None
        settled = await _has_settlement(installment.id)
        if not settled and not (credit and invoice is not None and invoice.state != 'cancelled'):
            raise DepositError('Cet acompte n’a pas de règlement à annuler.')
        if settled:
            await payments.cancel_settlement(actor, installment_id, secret=secret, reason=reason)
        if credit and invoice is not None and invoice.state != 'cancelled':
            note = await create_credit_note(actor, invoice.id, secret=secret, mode='full',
                                            reason=reason or 'Annulation de l’acompte')
            # The deposit was not kept (its settlement is reversed): the credit note leaves nothing to refund.
            await Installment.filter(document_id=note.id, kind='refund', status='open').update(status='cancelled')
            current = await Installment.get(id=installment_id)  # cancel_settlement moved its version on
            await Installment.filter(id=installment_id).update(deposit_invoice_id=None, version=current.version + 1)
            await record('deposit.unsettle', actor, target=f'installment:{installment_id}',
                         details={'number': installment.number, 'deposit_invoice': invoice.number,
                                  'credit_note': note.number})
    _publish(installment.document_id, *(doc.id for doc in (invoice, note) if doc is not None))
    return note


async def delete_deposit(actor: Actor, installment_id: int) -> None:
    installment = await _installment(installment_id)
    async with in_transaction():
        quote = await _lock_quote(installment.document_id)
        installment = await Installment.filter(id=installment_id).select_for_update().first()
        if installment.status not in ('planned', 'open') or installment.paid_amount:
            raise DepositError('Seul un acompte non réglé peut être supprimé.' if installment.status != 'cancelled'
                               else 'Cet acompte est déjà supprimé.')
        if await _reusable_invoice(installment) is not None:
            raise DepositError('Cet acompte a une facture d’acompte : annulez-la d’abord par un avoir (décochez le '
                               'règlement en établissant l’avoir).')
        await _give_up(installment)
        quote.version += 1
        await quote.save(update_fields=['version', 'updated_at'])
        await record('deposit.delete', actor, target=f'installment:{installment_id}',
                     details={'number': quote.number, 'amount': str(installment.amount),
                              'due_date': installment.due_date.isoformat()})
    _publish(quote.id)


async def deposit_request_pdf(installment_id: int, *, config, run: Runner) -> bytes:
    """DE2: the "Demande d'acompte" PDF (a request, not an invoice: no number is taken, no XML)."""
    installment = await _installment(installment_id)
    quote = await _quote_of(installment)
    snapshot = await _request_snapshot(installment, quote)
    contact = await Contact.get_or_none(id=quote.client_id) if quote.client_id else None
    template = await templates_ops.choose_template(None, contact.invoice_template_id if contact else None,
                                                   'deposit_request')
    style = templates_ops.style_of(template, await get_company())
    return await service.render_preview(snapshot, style, run=run, uploads_dir=config.uploads_dir, draft=False)


async def deposit_request_mail_defaults(installment_id: int) -> tuple[list[str], str, str, str]:
    """(recipients, subject, body, attachment name) proposed for sending a deposit request."""
    installment = await _installment(installment_id)
    quote = await _quote_of(installment)
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
    installment = await _installment(installment_id)
    quote = await _quote_of(installment)
    pdf = await deposit_request_pdf(installment_id, config=config, run=run)
    settings = await mailer.get_settings()
    return await mailer.send_document(actor, settings, recipients, subject, body,
                                      [mailer.Attachment(name=_request_name(quote), data=pdf)], secret=config.secret,
                                      document_id=quote.id, document_label=f'Demande d’acompte {quote.number}')


# --- the deposit invoice ---------------------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True, frozen=True)
class _Built:
    draft: Draft
    totals: Totals
    snapshot: DocumentSnapshot
    contact: Contact


async def _deposit_invoice(installment: Installment, quote: Document, *, paid_on: date, method: str,
                           amount: Decimal, invoice_date: date) -> _Built:
    """The deposit invoice's draft, totals and frozen copy (without its number)."""
    _check_settleable(installment, quote, amount)
    draft, totals, contact = await _deposit_draft(installment, quote, amount)
    draft.issue_date, draft.due_date = invoice_date, paid_on
    snapshot = build_snapshot(draft, totals, doc_type='deposit_invoice', number='', on=invoice_date, due=paid_on,
                              company=await get_company(), buyer=party_of_contact(contact), method=None)
    label = METHODS.get(method, method)
    snapshot = replace(snapshot, payment_method=label, payment_means=PAYMENT_MEANS.get(method, '1'),
                       payment_terms=f'Acompte reçu le {paid_on:%d/%m/%Y} ({label.lower()})',
                       extra=_quote_extra(quote, received_on=paid_on))
    return _Built(draft=draft, totals=totals, snapshot=snapshot, contact=contact)


async def _deposit_draft(installment: Installment, quote: Document, amount: Decimal) -> tuple[Draft, Totals, Contact]:
    quote_lines = await DocumentLine.filter(document_id=quote.id).order_by('position')
    quote_draft = draft_of(quote, quote_lines)
    quote_totals = quote_draft.totals()
    label = installment.label or designation(quote.number or '', percent=installment.percent,
                                             amount=installment.amount)
    lines = deposit_lines(vat_shares(quote_totals.vat_groups, quote_draft.lines, quote_totals.line_nets), amount,
                          label)
    draft = Draft(doc_type='deposit_invoice', client_id=quote.client_id, purchase_order=quote.purchase_order,
                  vat_included=True, lines=lines)
    totals = draft.totals()
    if totals.total_ttc != amount:  # the point of prices including VAT: never a cent away from what was received
        raise AssertionError(f'deposit invoice totals {totals.total_ttc}, not {amount}')
    contact = await Contact.get(id=quote.client_id)
    return draft, totals, contact


async def _issue(actor: Actor, installment: Installment, quote: Document, *, paid_on: date, method: str,
                 amount: Decimal, invoice_date: date, secret: str | bytes) -> Document:
    """Inside the transaction: the numbered, frozen, chained deposit invoice in state 'paid'."""
    built = await _deposit_invoice(installment, quote, paid_on=paid_on, method=method, amount=amount,
                                   invoice_date=invoice_date)
    missing = missing_mentions(built.snapshot)
    if missing:
        raise MentionsMissing(missing)
    totals, draft = built.totals, built.draft
    invoice = await Document.create(
        doc_type='deposit_invoice', family='invoice', series='invoice', source_id=quote.id,
        client_id=quote.client_id, client_name=built.contact.display_name[:255], purchase_order=draft.purchase_order,
        vat_included=True, total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc,
        prepaid=totals.prepaid, amount_due=totals.amount_due, created_by_id=actor.user_id)
    await DocumentLine.bulk_create(line_rows(invoice.id, Checked(contact=built.contact, lines=draft.lines,
                                                                 totals=totals)))
    number = await take_number('invoice', invoice_date)
    invoice.update_from_dict({
        'state': 'paid', 'number': number, 'issue_date': invoice_date, 'due_date': paid_on,
        'snapshot': replace(built.snapshot, number=number).to_dict(), 'validated_at': datetime.now(timezone.utc),
        'version': invoice.version + 1})
    await invoice.save()
    await append_to_chain(invoice, secret)
    await record('deposit_invoice.validate', actor, target=f'document:{invoice.id}',
                 details={'number': number, 'issue_date': invoice_date.isoformat(), 'client': invoice.client_name,
                          'total_ttc': str(invoice.total_ttc), 'quote': quote.number, 'installment': installment.id,
                          'state': ['draft', 'paid']})
    return invoice


def _check_settleable(installment: Installment, quote: Document, amount: Decimal) -> None:
    if installment.status == 'planned' or quote.state not in ('accepted', 'invoiced'):
        raise DepositError('Cet acompte n’est pas encore dû : le devis doit d’abord être accepté.')
    if installment.status != 'open':
        raise DepositError({'paid': 'Cet acompte est déjà réglé.', 'cancelled': 'Cet acompte a été supprimé.'}.get(
            installment.status, 'Cet acompte ne peut pas être réglé.'))
    if amount != installment.left_to_pay:
        raise DepositError(f'Un acompte se règle en une fois : le montant reçu doit être celui de l’acompte '
                           f'({format_eur(installment.left_to_pay)}). Si le client a versé un autre montant, modifiez '
                           'd’abord l’acompte.')


async def _request_snapshot(installment: Installment, quote: Document) -> DocumentSnapshot:
    if installment.status not in ('planned', 'open'):
        raise DepositError('Cet acompte est réglé ou supprimé : il n’y a plus rien à demander.')
    draft, totals, contact = await _deposit_draft(installment, quote, installment.left_to_pay)
    method = await payment_method_for(quote.payment_method_id, contact)
    snapshot = build_snapshot(draft, totals, doc_type='deposit_request', number='', on=date.today(),
                              due=installment.due_date, company=await get_company(),
                              buyer=party_of_contact(contact), method=method)
    # The method's name carries its terms ("Virement à 30 jours"): a request is due on the deposit's own date.
    means = METHODS.get(method.kind, method.name) if method else ''
    return replace(snapshot, payment_method=means, payment_terms=f'À régler au plus tard le '
                   f'{installment.due_date:%d/%m/%Y}', extra=_quote_extra(quote))


def _quote_extra(quote: Document, *, received_on: date | None = None) -> dict:
    """What the deposit documents cite of their quote (logic.render.mentions prints it)."""
    extra = {'quote_number': quote.number or '', 'quote_date': quote.issue_date.isoformat() if quote.issue_date
             else ''}
    if received_on is not None:
        extra['received_on'] = received_on.isoformat()
    return extra


def _request_name(quote: Document) -> str:
    return f'Demande_acompte_{quote.number or "devis"}.pdf'


# --- helpers ---------------------------------------------------------------------------------------------------


def _settled(item: Installment) -> bool:
    """A deposit that money or an invoice froze: it can't be changed nor removed."""
    return item.status in ('paid', 'irrecoverable') or bool(item.paid_amount) or item.deposit_invoice_id is not None


async def _give_up(item: Installment) -> None:
    """A deposit removed: deleted while only planned, else kept as 'cancelled' (Payments shows its history)."""
    if item.status == 'planned' and not await Payment.filter(installment_id=item.id).exists():
        await item.delete()
    else:
        await Installment.filter(id=item.id).update(status='cancelled', version=item.version + 1)


async def _reusable_invoice(installment: Installment) -> Document | None:
    """The deposit invoice of a deposit whose settlement was cancelled without a credit note."""
    if installment.deposit_invoice_id is None:
        return None
    invoice = await Document.get_or_none(id=installment.deposit_invoice_id)
    return invoice if invoice is not None and invoice.state != 'cancelled' else None


async def _has_settlement(installment_id: int) -> bool:
    records = await Payment.filter(installment_id=installment_id).values_list('id', 'kind', 'reverses_id', 'method')
    reversed_ids = {reverses for _, kind, reverses, _ in records if kind == 'reversal'}
    return any(kind == 'settlement' and pid not in reversed_ids and method != 'credit_note'
               for pid, kind, _, method in records)


async def _installment(installment_id: int) -> Installment:
    installment = await Installment.get_or_none(id=installment_id, kind='deposit')
    if installment is None:
        raise DomainError('Acompte introuvable (il a peut-être été supprimé).')
    return installment


async def _quote_of(installment: Installment) -> Document:
    return await Document.get(id=installment.document_id)


async def _lock_quote(quote_id: int) -> Document:
    quote = await Document.get_or_none(id=quote_id, doc_type='quote').select_for_update()
    if quote is None:
        raise DomainError('Devis introuvable (il a peut-être été supprimé).')
    return quote


def _amount_text(item: Installment) -> str:
    return f'{format_eur(item.amount)} du {item.due_date:%d/%m/%Y}'


def _publish(*doc_ids: int) -> None:
    for doc_id in doc_ids:
        changes.publish(changes.DOCUMENTS, doc_id)
    changes.publish(payments.PAYMENTS, doc_ids[0])
