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
- The "Demande d'acompte" (DE2) of a deposit is in db/deposit_requests.py.
- `quote_deposits(quote_id) -> list[Installment]`: a quote's deposits in order, given-up ones included.
- `UnpaidDeposits` (from logic.deposits): raised by `validation.validate_invoice` on a balance invoice while a
  deposit of its quote is open; `.installments` lists them.
"""
import logging
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from db import changes, payments
from db.actor import Actor
from db.audit import record
from db.contact import Contact
from db.credit_notes import credit_note_operation
from db.document import Document, DocumentLine, Installment, Payment
from db.documents import DraftConflict
from db.drafts import draft_of
from db.settings import get_company
from db.issuing import Issue, Issuer, NewLine, issue
from db.unit_of_work import transaction
from db.validation import build_snapshot, party_of_contact
from logic.cheques import ChequeDetails
from logic.dates import format_date
from logic.deposits import (DepositError, DepositSpec, UnpaidDeposits, check_total, deposit_amount, deposit_lines,
                            designation, vat_shares)
from logic.draft import Draft
from logic.errors import DomainError
from logic.money import format_eur
from logic.payments import METHODS, check_date, check_method
from logic.render.service import Runner
from logic.snapshot import PAYMENT_MEANS, DocumentSnapshot
from logic.totals import Totals

logger = logging.getLogger(__name__)
__all__ = ['DepositError', 'DepositSpec', 'UnpaidDeposits', 'delete_deposit', 'deposit_draft', 'deposit_of',
           'quote_deposits', 'quote_extra', 'quote_of', 'set_deposits', 'settle_deposit', 'settle_deposit_and_publish',
           'unsettle_deposit']
EDITABLE_QUOTE_STATES = ('draft', 'sent', 'accepted')
LABEL_MAX = 100


async def quote_deposits(quote_id: int) -> list[Installment]:
    return await Installment.filter(document_id=quote_id, kind='deposit').order_by('position', 'id')


async def set_deposits(actor: Actor, quote_id: int, deposits: list[DepositSpec], expected_version: int) -> Document:
    async with transaction():
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
                         invoice_date: date, reference: str = '', issuer: Issuer,
                         cheque: ChequeDetails | None = None) -> Document:
    today = date.today()
    check_date(paid_on, today=today)  # the cheap refusals first: making the original takes a while
    check_method(method)
    if invoice_date is None or invoice_date > today:
        raise DepositError('La date d’une facture ne peut pas être dans le futur.' if invoice_date else
                           'Indiquez la date de la facture d’acompte.')
    settle = dict(paid_on=paid_on, method=method, amount=amount, reference=reference, secret=issuer.secret,
                  cheque=cheque)  # a cheque's drawer, bank and number, for its remittance slip (PA4)
    locked: dict = {}

    async def lock() -> tuple[Document, Installment, Document | None]:
        quote = await _lock_quote((await deposit_of(installment_id)).document_id)
        installment = await Installment.filter(id=installment_id).select_for_update().first()
        _check_settleable(installment, quote, amount)
        if await Document.filter(source_id=quote.id, doc_type='invoice').exclude(state='draft').exists():
            raise DepositError('La facture de solde du devis est validée : ce devis ne prend plus d’acompte.')
        locked.update(quote=quote, installment=installment)
        return quote, installment, await _reusable_invoice(installment)

    async def prepare() -> list[Issue]:
        quote, installment, reusable = await lock()
        if reusable is not None:
            raise _Reusable()
        return [await _deposit_issue(actor, installment, quote, paid_on=paid_on, method=method, amount=amount,
                                     invoice_date=invoice_date)]

    async def complete(documents: list[Document]) -> None:
        installment = locked['installment']
        installment.deposit_invoice_id = documents[0].id
        await Installment.filter(id=installment.id).update(deposit_invoice_id=documents[0].id)
        await payments.settle_in_transaction(actor, installment, **settle)
        _publish(locked['quote'].id)

    try:
        return (await issue(actor, prepare, issuer=issuer, complete=complete))[0]
    except _Reusable:
        pass
    # Settled again on the deposit invoice it already has (its settlement was cancelled without a credit note).
    async with transaction():
        quote, installment, invoice = await lock()
        if invoice is None:
            raise DepositError('Cet acompte a changé entre-temps : réessayez.')
        if invoice.total_ttc != amount:
            raise DepositError(f'La facture d’acompte {invoice.number} est de {format_eur(invoice.total_ttc)} : le '
                               'règlement doit être de ce montant.')
        await payments.settle_in_transaction(actor, installment, **settle)
        _publish(quote.id, invoice.id)
    return await Document.get(id=invoice.id)


class _Reusable(Exception):
    """The deposit already has its deposit invoice: nothing to issue."""


async def settle_deposit_and_publish(actor: Actor, installment_id: int, *, config, run: Runner, paid_on: date,
                                     method: str, amount: Decimal, invoice_date: date,
                                     reference: str = '', cheque: ChequeDetails | None = None) -> Document:
    """`settle_deposit` with the instance's issuer (the pages' call)."""
    return await settle_deposit(actor, installment_id, paid_on=paid_on, method=method, amount=amount,
                                invoice_date=invoice_date, reference=reference, issuer=Issuer.of(config, run),
                                cheque=cheque)


async def unsettle_deposit(actor: Actor, installment_id: int, *, issuer: Issuer, credit: bool,
                           reason: str = '') -> Document | None:
    found: dict = {}

    async def cancel() -> tuple[Installment, Document | None]:
        """Inside the transaction: the locks, the checks and the settlement's reversal."""
        await _lock_quote((await deposit_of(installment_id)).document_id)
        installment = await Installment.filter(id=installment_id).select_for_update().first()
        invoice = await Document.get_or_none(id=installment.deposit_invoice_id) if installment.deposit_invoice_id \
            else None
        settled = await _has_settlement(installment.id)
        if not settled and not (credit and invoice is not None and invoice.state != 'cancelled'):
            raise DepositError('Cet acompte n’a pas de règlement à annuler.')
        if settled:
            await payments.cancel_settlement(actor, installment_id, secret=issuer.secret, reason=reason)
        found.update(installment=installment, invoice=invoice)
        _publish(installment.document_id, *([invoice.id] if invoice is not None else []))
        return installment, invoice

    if not credit:
        async with transaction():
            await cancel()
        return None
    note_operation: dict = {}

    async def prepare() -> list[Issue]:
        _, invoice = await cancel()
        if invoice is None or invoice.state == 'cancelled':
            return []
        operation = credit_note_operation(actor, invoice.id, secret=issuer.secret, mode='full',
                                          reason=reason or 'Annulation de l’acompte')
        note_operation['complete'] = operation.complete
        return await operation.prepare()

    async def complete(documents: list[Document]) -> None:
        note, installment = documents[0], found['installment']
        await note_operation['complete'](documents)
        # The deposit was not kept (its settlement is reversed): the credit note leaves nothing to refund.
        await Installment.filter(document_id=note.id, kind='refund', status='open').update(status='cancelled')
        current = await Installment.get(id=installment_id)  # cancel_settlement moved its version on
        await Installment.filter(id=installment_id).update(deposit_invoice_id=None, version=current.version + 1)
        await record('deposit.unsettle', actor, target=f'installment:{installment_id}',
                     details={'number': installment.number, 'deposit_invoice': found['invoice'].number,
                              'credit_note': note.number})

    documents = await issue(actor, prepare, issuer=issuer, complete=complete)
    return documents[0] if documents else None


async def delete_deposit(actor: Actor, installment_id: int) -> None:
    installment = await deposit_of(installment_id)
    async with transaction():
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
    draft, totals, contact = await deposit_draft(installment, quote, amount)
    draft.issue_date, draft.due_date = invoice_date, paid_on
    snapshot = build_snapshot(draft, totals, doc_type='deposit_invoice', number='', on=invoice_date, due=paid_on,
                              company=await get_company(), buyer=party_of_contact(contact), method=None)
    label = METHODS.get(method, method)
    # Issued already paid: the printout and the e-invoice show what was received and 0 left to pay (BT-113/BT-115).
    snapshot = replace(snapshot, prepaid=snapshot.total_ttc, amount_due=snapshot.amount_due - snapshot.total_ttc,
                       payment_method=label, payment_means=PAYMENT_MEANS.get(method, '1'),
                       payment_terms=f'Acompte reçu le {format_date(paid_on)} ({label.lower()})',
                       extra=quote_extra(quote, received_on=paid_on))
    return _Built(draft=draft, totals=totals, snapshot=snapshot, contact=contact)


async def deposit_draft(installment: Installment, quote: Document, amount: Decimal) -> tuple[Draft, Totals, Contact]:
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


async def _deposit_issue(actor: Actor, installment: Installment, quote: Document, *, paid_on: date, method: str,
                         amount: Decimal, invoice_date: date) -> Issue:
    """Inside the transaction: the deposit invoice to issue, 'paid' at once (it is made when the money comes in)."""
    built = await _deposit_invoice(installment, quote, paid_on=paid_on, method=method, amount=amount,
                                   invoice_date=invoice_date)
    totals, draft = built.totals, built.draft
    invoice = Document(
        doc_type='deposit_invoice', source_id=quote.id, client_id=quote.client_id,
        client_name=built.contact.display_name[:255], purchase_order=draft.purchase_order, vat_included=True,
        total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc, prepaid=totals.prepaid,
        amount_due=totals.amount_due, created_by_id=actor.user_id)
    return Issue(document=invoice, snapshot=built.snapshot, state='paid',
                 lines=[NewLine(line=line, net=net) for line, net in zip(draft.lines, totals.line_nets)],
                 audit={'quote': quote.number, 'installment': installment.id})


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


def quote_extra(quote: Document, *, received_on: date | None = None) -> dict:
    """What the deposit documents cite of their quote (logic.render.mentions prints it)."""
    extra = {'quote_number': quote.number or '', 'quote_date': quote.issue_date.isoformat() if quote.issue_date
             else ''}
    if received_on is not None:
        extra['received_on'] = received_on.isoformat()
    return extra


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


async def deposit_of(installment_id: int) -> Installment:
    installment = await Installment.get_or_none(id=installment_id, kind='deposit')
    if installment is None:
        raise DomainError('Acompte introuvable (il a peut-être été supprimé).')
    return installment


async def quote_of(installment: Installment) -> Document:
    return await Document.get(id=installment.document_id)


async def _lock_quote(quote_id: int) -> Document:
    quote = await Document.get_or_none(id=quote_id, doc_type='quote').select_for_update()
    if quote is None:
        raise DomainError('Devis introuvable (il a peut-être été supprimé).')
    return quote


def _amount_text(item: Installment) -> str:
    return f'{format_eur(item.amount)} du {format_date(item.due_date)}'


def _publish(*doc_ids: int) -> None:
    for doc_id in doc_ids:
        changes.publish(changes.DOCUMENTS, doc_id)
    changes.publish(payments.PAYMENTS, doc_ids[0])
