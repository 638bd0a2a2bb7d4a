"""Customer orders ("bons de commande", OR1) and what is made from them: delivery notes (OR2) and invoices (OR3).

- `order_quote(actor, quote_id) -> Document`: "Commander" an accepted quote: a draft order with the quote's client,
  lines, discount and texts, `source` = the quote. One order per quote, and not for a quote already invoiced (its
  lines would be billed twice): the quote's invoice then comes from the order. Nor for a quote with deposits: its
  balance invoice deducts them (DE5), which the invoices of an order's deliveries don't do yet.
- `set_order_state(actor, order_id, target)`: 'confirmed' (Confirmer), 'draft' (back to draft while nothing was
  delivered nor invoiced) or 'cancelled' (Annuler: what was not delivered is freed, what was delivered stays and can
  still be invoiced from its delivery notes). The delivery states follow the quantities (db/order_links.py).
- `deliver_order(actor, order_id, quantities=None, delivery_date=None) -> Document`: a delivery note (a draft,
  numbered) of the given {order line id: quantity}, by default everything left to deliver; lines of quantity 0 are
  left out; beyond what is left: refused, nothing written.
- `invoice_order(actor, order_id) -> Document`: a draft invoice of what the order has not invoiced yet (through its
  delivery notes or directly), each line linked to its order line.

Every operation runs in one transaction that locks the order first (db/order_links.py `lock`), so two deliveries
typed at the same time can't deliver the same quantity twice.
"""
from datetime import date

from db import changes
from db.actor import Actor
from db.audit import record
from db.document import Document, DocumentLine, Installment
from db.documents import create_document, load_draft
from db.order_links import lock, order_progress, refresh
from db.situation import Contract
from db.unit_of_work import transaction
from logic.delivery import check_quantities
from logic.draft import Draft
from logic.errors import DomainError
from logic.states import check_transition


async def order_quote(actor: Actor, quote_id: int) -> Document:
    quote, draft = await load_draft(quote_id)
    if quote.doc_type != 'quote':
        raise DomainError('Seul un devis devient un bon de commande.')
    draft.doc_type, draft.issue_date, draft.due_date, draft.validity_date, draft.probability = (
        'order', None, None, None, None)
    async with transaction():
        await lock([quote_id])
        quote = await Document.get(id=quote_id)
        if quote.state != 'accepted':
            raise DomainError('Seul un devis accepté devient un bon de commande.')
        if await Document.filter(source_id=quote_id, doc_type__in=('order', 'invoice')).exists():
            raise DomainError('Ce devis a déjà son bon de commande ou sa facture.')
        if await Contract.filter(quote_id=quote_id).exists():  # IN8: billed by its situations
            raise DomainError('Ce devis est facturé en situations : il ne devient pas un bon de commande.')
        if await Installment.filter(document_id=quote_id, kind='deposit').exclude(status='cancelled').exists():
            # Its balance invoice deducts the deposit invoices (DE5); the invoices of an order's deliveries don't yet,
            # and several of them would each deduct the whole deposit: refused rather than billed twice.
            raise DomainError('Ce devis a des acomptes : facturez-le directement (la facture de solde déduit les '
                              'acomptes). Un bon de commande ne reprend pas encore les acomptes d’un devis.')
        order = await create_document(actor, draft, source_id=quote_id)
        await record('quote.order', actor, target=f'document:{quote_id}',
                     details={'number': quote.number, 'order': order.number, 'order_id': order.id})
    changes.publish(changes.DOCUMENTS, quote_id)
    return order


USER_TARGETS = ('confirmed', 'draft', 'cancelled')


async def set_order_state(actor: Actor, order_id: int, target: str) -> Document:
    if target not in USER_TARGETS:
        raise DomainError('Les états de livraison et de facturation suivent les bons de livraison et les factures.')
    async with transaction():
        order = await _order(order_id)
        check_transition('order', order.state, target)
        progress = await order_progress(order)
        if target == 'draft' and any(line.delivered or line.invoiced for line in progress):
            raise DomainError('Ce bon de commande a déjà des livraisons ou des factures : il ne redevient pas un '
                              'brouillon.')
        old, order.state = order.state, target
        order.version += 1
        await order.save(update_fields=['state', 'version', 'updated_at'])
        freed = {str(line.line_id): str(line.ordered - line.delivered) for line in progress
                 if target == 'cancelled' and line.ordered > line.delivered}
        await record('order.state', actor, target=f'document:{order_id}',
                     details={'number': order.number, 'state': [old, target], **({'freed': freed} if freed else {})})
        if target == 'confirmed':
            await refresh(actor, [order_id])  # confirmed again after a change: its quantities give its state
    changes.publish(changes.DOCUMENTS, order_id)
    return order


async def deliver_order(actor: Actor, order_id: int, quantities: dict[int, object] | None = None,
                        delivery_date: date | None = None) -> Document:
    order, draft = await load_draft(order_id)
    if order.doc_type != 'order':
        raise DomainError('Seul un bon de commande se livre.')
    stored = await DocumentLine.filter(document_id=order_id).order_by('position')
    async with transaction():
        order = await _order(order_id)
        if order.state == 'draft':
            raise DomainError('Confirmez d’abord le bon de commande.')
        if order.state == 'cancelled':
            raise DomainError('Le bon de commande est annulé : plus rien n’est à livrer.')
        progress = await order_progress(order)
        wanted = {line.line_id: line.left_to_deliver for line in progress} if quantities is None else \
            {int(line_id): quantity for line_id, quantity in quantities.items()}
        check_quantities(wanted, progress, 'livrer')
        lines = []
        for line, row in zip(draft.lines, stored):
            if line.kind != 'item':
                lines.append(line)
            elif wanted.get(row.id):
                line.quantity, line.source_line_id = wanted[row.id], row.id
                lines.append(line)
        if not any(line.kind == 'item' for line in lines):
            raise DomainError('Indiquez au moins une quantité à livrer.')
        note = Draft(doc_type='delivery_note', client_id=order.client_id, lines=lines,
                     delivery_date=delivery_date or order.delivery_date or date.today(),
                     delivery_address=order.delivery_address, purchase_order=order.purchase_order,
                     header_text=draft.header_text, payment_method_id=order.payment_method_id,
                     # A percentage applies to any part of the order; an amount would be given again on each part.
                     **({'global_discount_kind': 'percent', 'global_discount_value': draft.global_discount_value}
                        if draft.global_discount_kind == 'percent' else {}))
        created = await create_document(actor, note, source_id=order_id)
        await record('order.deliver', actor, target=f'document:{order_id}',
                     details={'number': order.number, 'delivery_note': created.number,
                              'quantities': {str(key): str(value) for key, value in wanted.items() if value}})
        await refresh(actor, [order_id])
    return created


async def invoice_order(actor: Actor, order_id: int) -> Document:
    """What the order has left to invoice, as a draft invoice (an order billed without delivery notes, or the rest)."""
    order, draft = await load_draft(order_id)
    if order.doc_type != 'order':
        raise DomainError('Seul un bon de commande se facture ici.')
    stored = await DocumentLine.filter(document_id=order_id).order_by('position')
    async with transaction():
        order = await _order(order_id)
        if order.state in ('draft', 'cancelled'):
            raise DomainError('Seul un bon de commande confirmé se facture (celui-ci est '
                              f'{"un brouillon" if order.state == "draft" else "annulé"}).')
        progress = {line.line_id: line for line in await order_progress(order)}
        lines = []
        for line, row in zip(draft.lines, stored):
            if line.kind != 'item':
                lines.append(line)
            elif progress[row.id].left_to_invoice > 0:
                line.quantity, line.source_line_id = progress[row.id].left_to_invoice, row.id
                lines.append(line)
        if not any(line.kind == 'item' for line in lines):
            raise DomainError('Tout est déjà facturé sur ce bon de commande : rien n’a été créé.')
        draft.doc_type, draft.lines = 'invoice', lines
        draft.issue_date = draft.due_date = draft.validity_date = None
        draft.probability = None
        invoice = await create_document(actor, draft, source_id=order_id)
        await record('order.invoice', actor, target=f'document:{order_id}',
                     details={'number': order.number, 'invoice_id': invoice.id})
        await refresh(actor, [order_id])
    return invoice


async def _order(order_id: int) -> Document:
    found = [doc for doc in await lock([order_id]) if doc.doc_type == 'order']
    if not found:
        raise DomainError('Bon de commande introuvable (il a peut-être été supprimé).')
    return found[0]
