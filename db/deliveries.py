"""Delivery notes ("bons de livraison", OR2), their invoice (IN1, OR3) and the chain a document belongs to.

- `set_delivery_state(actor, note_id, target)`: 'delivered' ("Marquer livré": the goods left, the note can be
  invoiced) or 'draft' (back to editing while nothing of it is invoiced). 'invoiced' follows the invoices.
- `invoice_deliveries(actor, note_ids) -> Document`: ONE draft invoice of one or several delivered notes of the same
  client: per note a title line ("Bon de livraison BL… du …, livré à …") then what is left to invoice of each of its
  lines, each linked to the note's line (`source_line_id`). The delivery date and address of the notes flow into the
  invoice (the latest date; the address when they all share it). Nothing is invoiced twice: each note line, and the
  order line behind it, is checked under lock (db/order_links.py), in French, nothing written.
- `document_chain(doc_id) -> list[Document]`: quote -> order -> delivery notes -> invoices the document belongs to
  (through `source` and the line links), oldest first, the document itself included.
"""
from decimal import Decimal

from db import changes
from db.actor import Actor
from db.audit import record
from db.contact import Contact
from db.document import Document, DocumentLine
from db.documents import create_document, load_draft
from db.order_links import check_order_billing, documents_of, linked_lines, lock, note_progress, refresh
from db.unit_of_work import transaction
from logic.dates import format_date
from logic.delivery import check_quantities
from logic.draft import Draft, DraftLine, address_line
from logic.errors import DomainError
from logic.states import check_transition

MAX_NOTES = 100  # notes in one invoice
CHAIN_LIMIT = 60  # documents shown in one chain


async def set_delivery_state(actor: Actor, note_id: int, target: str) -> Document:
    if target not in ('delivered', 'draft'):
        raise DomainError('Un bon de livraison devient « Facturé » par sa facture.')
    async with transaction():
        found = [doc for doc in await lock([note_id]) if doc.doc_type == 'delivery_note']
        if not found:
            raise DomainError('Bon de livraison introuvable (il a peut-être été supprimé).')
        note = found[0]
        check_transition('delivery_note', note.state, target)
        if target == 'draft' and any(line.invoiced for line in await note_progress(note)):
            raise DomainError('Ce bon de livraison est déjà en partie facturé : il ne redevient pas un brouillon.')
        old, note.state = note.state, target
        note.version += 1
        await note.save(update_fields=['state', 'version', 'updated_at'])
        await record('delivery_note.state', actor, target=f'document:{note_id}',
                     details={'number': note.number, 'state': [old, target]})
    changes.publish(changes.DOCUMENTS, note_id)
    return note


async def invoice_deliveries(actor: Actor, note_ids: list[int]) -> Document:
    ids = sorted({int(note_id) for note_id in note_ids})
    if not ids:
        raise DomainError('Choisissez au moins un bon de livraison.')
    if len(ids) > MAX_NOTES:
        raise DomainError(f'Une facture reprend {MAX_NOTES} bons de livraison au plus.')
    drafts = {note_id: (await load_draft(note_id))[1] for note_id in ids}
    async with transaction():
        notes = [doc for doc in await lock(ids) if doc.doc_type == 'delivery_note']
        if len(notes) != len(ids):
            raise DomainError('Un des bons de livraison n’existe plus : rechargez la page.')
        if len({note.client_id for note in notes}) > 1:
            raise DomainError('Une facture reprend les bons de livraison d’un seul client.')
        for note in notes:
            if note.state != 'delivered':
                raise DomainError(f'Le bon de livraison {note.number} est '
                                  f'{"encore un brouillon" if note.state == "draft" else "déjà facturé"} : '
                                  'seul un bon livré se facture.')
        lines: list[DraftLine] = []
        billed: dict[int, Decimal] = {}
        for note in notes:
            progress = {line.line_id: line for line in await note_progress(note)}
            stored = await DocumentLine.filter(document_id=note.id).order_by('position')
            lines.append(DraftLine(kind='title', designation=_title(note)[:255]))
            for line, row in zip(drafts[note.id].lines, stored):
                if line.kind == 'item' and progress[row.id].left_to_invoice > 0:
                    line.quantity, line.source_line_id = progress[row.id].left_to_invoice, row.id
                    billed[row.id] = line.quantity
                    lines.append(line)
            check_quantities({key: value for key, value in billed.items() if key in progress},
                             list(progress.values()), 'facturer')
        if not billed:
            raise DomainError('Tout est déjà facturé sur ces bons de livraison : rien n’a été créé.')
        await check_order_billing(billed)  # an order invoiced directly meanwhile bills nothing twice either
        first = drafts[notes[0].id]
        addresses = {repr(note.delivery_address) for note in notes}
        contact = await Contact.get(id=notes[0].client_id)
        invoice = Draft(doc_type='invoice', client_id=contact.id, lines=lines,
                        delivery_date=max((note.delivery_date for note in notes if note.delivery_date), default=None),
                        delivery_address=notes[0].delivery_address if len(addresses) == 1 else None,
                        purchase_order=', '.join(dict.fromkeys(n.purchase_order for n in notes if n.purchase_order))[:100],
                        payment_method_id=notes[0].payment_method_id,
                        **({'global_discount_kind': 'percent', 'global_discount_value': first.global_discount_value}
                           if all(drafts[n.id].global_discount_kind == 'percent' and drafts[n.id].global_discount_value
                                  == first.global_discount_value for n in notes) else {}))
        created = await create_document(actor, invoice, source_id=notes[0].id)
        for note in notes:
            await record('delivery_note.invoice', actor, target=f'document:{note.id}',
                         details={'number': note.number, 'invoice_id': created.id})
        orders = set(await Document.filter(id__in=[n.source_id for n in notes if n.source_id], doc_type='order')
                     .values_list('id', flat=True))
        await refresh(actor, orders, ids)
    return created


async def document_chain(doc_id: int) -> list[Document]:
    """Every document linked to `doc_id` by a source or a line link, through any number of steps, oldest first."""
    seen: dict[int, Document] = {}
    todo = [doc_id]
    while todo and len(seen) < CHAIN_LIMIT:
        batch = [key for key in dict.fromkeys(todo) if key not in seen]
        todo = []
        if not batch:
            break
        for document in await Document.filter(id__in=batch):
            seen[document.id] = document
        todo += [doc.source_id for doc in seen.values() if doc.id in batch and doc.source_id]
        todo += await Document.filter(source_id__in=batch).exclude(doc_type='credit_note') \
            .values_list('id', flat=True)
        sources = await DocumentLine.filter(document_id__in=batch, source_line_id__not_isnull=True) \
            .values_list('source_line_id', flat=True)
        if sources:
            todo += await DocumentLine.filter(id__in=list(set(sources))).values_list('document_id', flat=True)
        line_ids = await DocumentLine.filter(document_id__in=batch).values_list('id', flat=True)
        todo += await documents_of(await linked_lines(line_ids), exclude={'doc_type': 'credit_note'})
    chain = [doc for doc in seen.values() if doc.doc_type != 'credit_note']
    return sorted(chain, key=lambda doc: doc.id) if len(chain) > 1 else []


def _title(note: Document) -> str:
    """'Bon de livraison BL2026-00003 du 06/12/2026, livré à 3 rue X, 69002 Lyon' (the invoice's title line)."""
    text = f'Bon de livraison {note.number}'
    if note.delivery_date:
        text += f' du {format_date(note.delivery_date)}'
    if note.delivery_address:
        text += f', livré à {address_line(note.delivery_address)}'
    return text
