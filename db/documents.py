"""Document operations (issue 4): the public API the pages call. Each runs in ONE short transaction with its audit
entry, then publishes `changes.publish('documents', doc_id)` after the commit. Refusals a user can fix raise
`logic.errors.DomainError` (French message); a validated document raises its subclass `DocumentFrozen`.

Drafts and quotes (this module)
- `create_document(actor, draft: Draft) -> Document`: a new document of a type the registry declares `creatable`
  (logic/doctypes.py): a quote (numbered and dated today, validity from the options, QU1) or an invoice draft (no
  number, IN2), an order or a delivery note (numbered when created, OR1-OR2). Client required. Refused when the
  type's option is off (logic/doctypes.py `option`). `source_id`: what it is made from (db/orders.py,
  db/deliveries.py); lines linked to others (`source_line_id`) are checked against what those have left.
- `load_draft(doc_id) -> tuple[Document, Draft]`: the document and its editable form; pass `document.version`
  back to `save_draft`. Works for any document (a validated one shows its lines, read-only).
- `save_draft(actor, doc_id, draft, expected_version) -> Document`: replace a draft's content and cached totals;
  a stale `expected_version` raises `DraftConflict` (DOC7: someone else saved meanwhile, reload). A quote must be
  in draft (sent -> draft first); a validated invoice raises `DocumentFrozen`.
- `delete_draft(actor, doc_id) -> None`: a draft invoice, or a draft/refused quote. Never a validated document.
- `set_quote_state(actor, doc_id, target) -> Document`: 'sent' / 'accepted' / 'refused' / 'draft' (logic.states).
- `invoice_quote(actor, quote_id) -> Document`: "Facturer" an accepted quote: a draft invoice with the same client
  and lines, `source` = the quote, the quote becomes 'invoiced'. Deleting that draft puts the quote back to accepted.
- `duplicate_document(actor, doc_id, doc_type=None) -> Document`: DOC6, a new draft (or a new numbered quote); by
  default of `doctypes.copy_type` (a copy of a credit note or a deposit invoice is an invoice).
- `set_installments(actor, doc_id, [(due_date, amount), ...], expected_version) -> Document`: a draft invoice's
  schedule (IN5); amounts must sum to what is due (a balance invoice: its total less the deposit invoices of its
  quote). With no schedule, validation makes one installment. A quote's installments are its deposits (below).

Deposits of a quote (QU4, DE1-DE5: operations in db/deposits.py, read its docstring): installments of kind
'deposit' on the quote. The hooks here keep them in step: saving a draft quote recomputes its percentage deposits
(refused if the deposits would exceed the new total); accepting the quote opens its planned deposits (they enter
Payments with the quote's number and client); a refused quote's deposits stay planned; deleting a draft or refused
quote deletes its planned deposits with it. The balance invoice made by `invoice_quote` keeps `source` = the quote:
its validation deducts the deposit invoices (db/validation.py). Deposit invoices have `source` = the quote too, so
a quote with deposit invoices can't be deleted, and deleting its balance draft still reopens it.
- `get_document(doc_id) -> Document` with `.line_list` and `.installment_list` loaded, in order.
- `article_in_use(article_id) -> bool`: a document line names the article (then archive it, don't delete it).
- `last_saved(doc_id) -> LastChange | None`: who made the document's latest change and when (`.by`, `.at`), from
  its audit entry: what a tab holding unsaved edits tells its user when another user's save lands (DOC7).

Elsewhere
- db/document_list.py: `list_documents(DocumentQuery(family='invoice'|'quote', doc_types=(), states=(),
  date_from, date_to, client_id, search, sort_by='number'|'client'|'date'|'due'|'total'|'state', descending,
  offset, limit)) -> (rows as dicts, total)` for the paged lists (DOC5, IN6), oldest first by default.
- db/validation.py: `validate_invoice(actor, doc_id, *, secret, issue_date=None) -> Document` (IN2; the date is
  today unless given, never in the future nor before the series' last one; due date from the payment terms on that
  date, or the last installment's; `MentionsMissing` lists what is missing in `.missing`),
  `preview_snapshot(doc_id) -> DocumentSnapshot` (frozen copy, or what a draft would print).
- db/credit_notes.py: `credit_note_preview(invoice_id, *, mode, lines=None, amounts=None) -> (Draft, Totals)`,
  `create_credit_note(actor, invoice_id, *, secret, mode='full'|'lines'|'amounts', lines={line_id: qty},
  amounts={(category, rate): amount_ht}, reason='', issue_date=None) -> Document` (IN4, validated at once),
  `left_to_credit(invoice_id) -> Remaining`.
- db/numbering.py: `list_series()`, `save_series(actor, key, *, pattern, reset, version)` (admin),
  `preview_next(key) -> str`.
- db/integrity.py: `verify_integrity(secret, progress=None) -> list[SeriesReport]` (AC3: count, first_number,
  last_number, head, ok, broken_number, reason); about 40 s at 100,000 invoices: run it in a background task.
- db/changes.py: `subscribe('documents', callback) -> unsubscribe` (callback(doc_id), doc_id None = many).
The secret is `pages.runtime.config().secret` in pages, `config.secret` in the CLI.
"""
from datetime import date, timedelta
from decimal import Decimal

from db import changes
from db.actor import Actor
from db.audit import LastChange, changes as diff_of, last_change, record
from db.document import Document, DocumentFrozen, DocumentLine, Installment, type_columns
from db.drafts import check_draft, draft_of, header_values, line_rows, payment_method_for
from db.numbering import take_number
from db.order_links import affected, check_links, refresh
from db.payments import PAYMENTS
from db.settings import get_options
from db.situation import Contract
from db.unit_of_work import transaction
from db.validation import deposit_deduction, quote_deduction
from logic import doctypes
from logic.deposits import check_total, deposit_amount
from logic.draft import Draft
from logic.errors import DomainError
from logic.schedule import check_amounts
from logic.states import check_transition
from logic.terms import PaymentTerms, due_date as due_date_of

class DraftConflict(DomainError):
    """Someone else saved the document since it was opened (DOC7)."""

    def __init__(self) -> None:
        super().__init__('Ce document a été modifié par quelqu’un d’autre depuis son ouverture : rechargez-le pour '
                         'voir ses changements (les vôtres n’ont pas été enregistrés).')


async def create_document(actor: Actor, draft: Draft, *, source_id: int | None = None) -> Document:
    kind = doctypes.TYPES.get(draft.doc_type)
    if kind is None or not kind.creatable:
        raise DomainError('Ce type de document ne se crée pas ici.')
    options = await get_options()
    if kind.option and not getattr(options, kind.option):
        raise DomainError(f'Les {kind.plural.lower()} sont désactivés (Paramètres > Options).')
    today = date.today()
    checked = await check_draft(draft)
    method = await payment_method_for(draft.payment_method_id, checked.contact)
    values = header_values(draft, checked)
    values['payment_method_id'] = method.id if method else None
    values['source_id'] = source_id
    # A document numbered at creation is dated by its number (QU1); the others take their date at validation (IN2).
    values['issue_date'] = today if kind.numbered_at == 'creation' else (draft.issue_date or today)
    if draft.doc_type == 'quote' and not draft.validity_date:
        values['validity_date'] = today + timedelta(days=options.quote_validity_days)
    if method and not draft.due_date and kind.legal:  # a quote, an order, a delivery note fall due on nothing
        values['due_date'] = _due(values['issue_date'], method)
    async with transaction():
        if kind.numbered_at == 'creation':
            values['number'] = await take_number(kind.series, today)
        document = await Document.create(**type_columns(draft.doc_type), created_by_id=actor.user_id, **values)
        await check_links(document, checked.lines)  # a line that delivers or bills another one stays within it
        await DocumentLine.bulk_create(line_rows(document.id, checked))
        await record(f'{draft.doc_type}.create', actor, target=f'document:{document.id}',
                     details={'number': document.number, 'client': document.client_name,
                              'total_ttc': str(document.total_ttc), 'lines': len(checked.lines)})
    changes.publish(changes.DOCUMENTS, document.id)
    return document


async def article_in_use(article_id: int) -> bool:
    return await DocumentLine.filter(article_id=article_id).exists()


async def get_document(doc_id: int) -> Document:
    document = await Document.get_or_none(id=doc_id)
    if document is None:
        raise DomainError('Document introuvable (il a peut-être été supprimé).')
    document.line_list = await DocumentLine.filter(document_id=doc_id).order_by('position')
    document.installment_list = await Installment.filter(document_id=doc_id).order_by('position', 'id')
    return document


async def load_draft(doc_id: int) -> tuple[Document, Draft]:
    document = await get_document(doc_id)
    return document, draft_of(document, document.line_list)


async def save_draft(actor: Actor, doc_id: int, draft: Draft, expected_version: int) -> Document:
    checked = await check_draft(draft)
    values = header_values(draft, checked)
    method = await payment_method_for(draft.payment_method_id, checked.contact)
    async with transaction():
        document = await _editable(doc_id, expected_version)
        if draft.doc_type != document.doc_type:
            raise DomainError('Le type d’un document ne change pas : dupliquez-le plutôt.')
        values['payment_method_id'] = method.id if method else None
        if document.doc_type == 'quote' or values['issue_date'] is None:  # a quote keeps its creation date (QU1)
            values['issue_date'] = document.issue_date
        if method and values['due_date'] is None and doctypes.is_legal(document.doc_type):
            values['due_date'] = _due(values['issue_date'] or date.today(), method)
        if document.doc_type == 'quote':
            await _follow_quote_total(doc_id, values['total_ttc'])
        elif document.doc_type == 'invoice' and document.source_id:
            await _deduct_deposits(document.source_id, values)
        keys = ('client_name', 'issue_date', 'due_date', 'total_ht', 'total_ttc', 'purchase_order')
        diff = diff_of({key: getattr(document, key) for key in keys}, {k: values[k] for k in keys if k in values})
        document.update_from_dict(values)
        document.version += 1
        await document.save()
        await check_links(document, checked.lines)
        await DocumentLine.filter(document_id=doc_id).delete()
        await DocumentLine.bulk_create(line_rows(doc_id, checked))
        await refresh(actor, *await affected(doc_id))  # a delivery note's quantities give its order's state
        await record(f'{document.doc_type}.save', actor, target=f'document:{doc_id}',
                     details={**diff, 'number': document.number, 'lines': len(checked.lines)})
    changes.publish(changes.DOCUMENTS, doc_id)
    return document


async def last_saved(doc_id: int) -> LastChange | None:
    """Who made the latest change of the document (a save, a state change...) and when: its audit entry (DOC7)."""
    return await last_change(f'document:{doc_id}')


async def delete_draft(actor: Actor, doc_id: int) -> None:
    async with transaction():
        document = await Document.get_or_none(id=doc_id).select_for_update()
        if document is None:
            raise DomainError('Document introuvable (il a peut-être été supprimé).')
        if document.is_frozen:
            raise DocumentFrozen(f'{document.type_label} {document.number} est validée : elle ne peut pas être '
                                 'supprimée (établissez un avoir pour l’annuler).')
        if document.state not in ('draft', 'refused'):
            raise DomainError('Seuls les brouillons (et les devis refusés) peuvent être supprimés.')
        if await Document.filter(source_id=doc_id).exists():
            raise DomainError('Ce document a servi à en établir d’autres : il ne peut plus être supprimé.')
        source_id = document.source_id
        orders, notes = await affected(doc_id)
        await document.delete()
        await refresh(actor, orders - {doc_id}, notes - {doc_id})  # what it delivered or billed is free again
        reopened = source_id and document.doc_type == 'invoice' and await _reopen_quote(actor, source_id)
        await record(f'{document.doc_type}.delete', actor, target=f'document:{doc_id}',
                     details={'number': document.number, 'client': document.client_name,
                              'total_ttc': str(document.total_ttc)})
    changes.publish(changes.DOCUMENTS, doc_id)
    if reopened:
        changes.publish(changes.DOCUMENTS, source_id)


async def set_quote_state(actor: Actor, doc_id: int, target: str) -> Document:
    if target == 'invoiced':
        raise DomainError('Pour facturer un devis accepté, utilisez « Facturer ».')
    async with transaction():
        quote = await _quote(doc_id)
        check_transition('quote', quote.state, target)
        if quote.state == 'invoiced':
            raise DomainError('Un devis facturé redevient « Accepté » quand sa facture brouillon est supprimée.')
        old, quote.state = quote.state, target
        quote.version += 1
        await quote.save(update_fields=['state', 'version', 'updated_at'])
        opened = 0
        if target == 'accepted':  # DE1: the deposits become due and enter Payments
            opened = await Installment.filter(document_id=doc_id, kind='deposit', status='planned').update(
                status='open', number=quote.number or '', client_id=quote.client_id, client_name=quote.client_name)
        await record('quote.state', actor, target=f'document:{doc_id}',
                     details={'number': quote.number, 'state': [old, target],
                              **({'deposits_opened': opened} if opened else {})})
    changes.publish(changes.DOCUMENTS, doc_id)
    if opened:
        changes.publish(PAYMENTS, doc_id)
    return quote


async def invoice_quote(actor: Actor, quote_id: int) -> Document:
    quote, draft = await load_draft(quote_id)
    if quote.doc_type != 'quote':
        raise DomainError('Seul un devis peut être facturé.')
    check_transition('quote', quote.state, 'invoiced')
    draft.doc_type, draft.issue_date, draft.due_date, draft.validity_date, draft.probability = (
        'invoice', None, None, None, None)
    checked = await check_draft(draft)
    method = await payment_method_for(draft.payment_method_id, checked.contact)
    values = header_values(draft, checked)
    values.update(issue_date=date.today(), payment_method_id=method.id if method else None, source_id=quote_id)
    async with transaction():
        quote = await _quote(quote_id)
        check_transition('quote', quote.state, 'invoiced')  # again, under the lock: two clicks make one invoice
        if await Document.filter(source_id=quote_id, doc_type='order').exists():
            raise DomainError('Ce devis a un bon de commande : facturez à partir de la commande ou de ses livraisons.')
        if await Contract.filter(quote_id=quote_id).exists():  # IN8: billed by its situations, never twice
            raise DomainError('Ce devis est facturé en situations : émettez la situation suivante depuis son marché '
                              '(bouton « Situations »).')
        await _deduct_deposits(quote_id, values)
        invoice = await Document.create(**type_columns('invoice'), created_by_id=actor.user_id, **values)
        await DocumentLine.bulk_create(line_rows(invoice.id, checked))
        quote.state = 'invoiced'
        quote.version += 1
        await quote.save(update_fields=['state', 'version', 'updated_at'])
        await record('quote.invoice', actor, target=f'document:{quote_id}',
                     details={'number': quote.number, 'state': ['accepted', 'invoiced'], 'invoice_id': invoice.id})
    changes.publish(changes.DOCUMENTS, quote_id)
    changes.publish(changes.DOCUMENTS, invoice.id)
    return invoice


async def duplicate_document(actor: Actor, doc_id: int, doc_type: str | None = None) -> Document:
    _, draft = await load_draft(doc_id)
    draft.doc_type = doc_type or doctypes.copy_type(draft.doc_type)
    draft.issue_date = draft.due_date = draft.validity_date = None
    for line in draft.lines:  # a copy delivers or bills nothing of what the original did
        line.source_line_id = None
    return await create_document(actor, draft)


async def set_installments(actor: Actor, doc_id: int, installments: list[tuple[date, Decimal]],
                           expected_version: int) -> Document:
    """Replace a draft's schedule; the amounts must sum to what is due (IN5). An empty list removes it."""
    async with transaction():
        document = await _editable(doc_id, expected_version)
        if document.doc_type == 'quote':
            raise DomainError('Les échéances d’un devis sont ses acomptes : modifiez-les dans le bloc « Acomptes ».')
        if installments:
            due = document.total_ttc - (await deposit_deduction(document)).prepaid
            check_amounts(due, [amount for _, amount in installments])
        await Installment.filter(document_id=doc_id).delete()
        await Installment.bulk_create([Installment(document_id=doc_id, position=index, due_date=due, amount=amount,
                                                           status='planned')
                                       for index, (due, amount) in enumerate(sorted(installments))])
        document.version += 1
        await document.save(update_fields=['version', 'updated_at'])
        await record('document.installments', actor, target=f'document:{doc_id}',
                     details={'installments': [[str(due), str(amount)] for due, amount in sorted(installments)]})
    changes.publish(changes.DOCUMENTS, doc_id)
    return document


def _due(issued: date, method) -> date:
    """The provisional due date a draft shows; validation computes it again from the invoice date (IN5)."""
    return due_date_of(issued, PaymentTerms(days=method.days, end_of_month=method.end_of_month))


async def _editable(doc_id: int, expected_version: int) -> Document:
    document = await Document.get_or_none(id=doc_id).select_for_update()
    if document is None:
        raise DomainError('Document introuvable (il a peut-être été supprimé).')
    if document.state != 'draft':
        if document.is_frozen:
            raise DocumentFrozen(f'{document.type_label} {document.number} est validée : elle ne peut plus être '
                                 'modifiée (pour la corriger, établissez un avoir).')
        raise DomainError('Seul un brouillon se modifie : repassez le devis en brouillon pour le modifier.')
    if document.version != expected_version:
        raise DraftConflict()
    return document


async def _follow_quote_total(quote_id: int, total_ttc: Decimal) -> None:
    """QU4: percentage deposits follow the quote's total; the deposits together never exceed it."""
    deposits = await Installment.filter(document_id=quote_id, kind='deposit').exclude(status='cancelled').order_by(
        'position', 'id').select_for_update()
    if not deposits:
        return
    for deposit in deposits:
        if deposit.percent is not None and deposit.status == 'planned':
            deposit.amount = deposit_amount(total_ttc, percent=deposit.percent)
    check_total(total_ttc, [deposit.amount for deposit in deposits])
    for deposit in deposits:
        if deposit.percent is not None and deposit.status == 'planned':
            deposit.version += 1
            await deposit.save(update_fields=['amount', 'version'])


async def _deduct_deposits(quote_id: int, values: dict) -> None:
    """A balance invoice's draft shows what is left to pay once its quote's deposit invoices are deducted."""
    deduction = await quote_deduction(quote_id)
    if deduction.prepaid:
        values['prepaid'] = deduction.prepaid
        values['amount_due'] = values['total_ttc'] - deduction.prepaid


async def _quote(doc_id: int) -> Document:
    quote = await Document.get_or_none(id=doc_id, doc_type='quote').select_for_update()
    if quote is None:
        raise DomainError('Devis introuvable (il a peut-être été supprimé).')
    return quote


async def _reopen_quote(actor: Actor, quote_id: int) -> bool:
    """A quote's draft invoice was deleted: the quote can be invoiced again if no other invoice came from it."""
    quote = await Document.get_or_none(id=quote_id, doc_type='quote').select_for_update()
    # Deposit invoices come from the quote too: only another invoice of the quote keeps it invoiced.
    if quote is None or quote.state != 'invoiced' or await Document.filter(source_id=quote_id,
                                                                           doc_type='invoice').exists():
        return False
    check_transition('quote', 'invoiced', 'accepted')
    quote.state = 'accepted'
    quote.version += 1
    await quote.save(update_fields=['state', 'version', 'updated_at'])
    await record('quote.state', actor, target=f'document:{quote_id}',
                 details={'number': quote.number, 'state': ['invoiced', 'accepted']})
    return True

