"""The links between the lines of an order, its delivery notes and their invoices (OR2, OR3): quantities and states.

Nothing delivered or invoiced is stored as a figure: a delivery note's line points at the order line it delivers, an
invoice line at the delivery-note line (or the order line) it bills, through `DocumentLine.source_line_id`; the sums
of those links are the truth, read here inside the transaction that writes, after `lock()`:

- on PostgreSQL `lock()` takes the rows of the order and its notes FOR UPDATE, in id order: two deliveries of one
  order (or two invoices of one note) queue there and the second one sees the first one's lines; SQLite serialises
  the transactions anyway;
- delivery notes count in every state (a draft holds its quantities), invoices in every state but cancelled (a fully
  credited invoice frees what it billed; a partial credit note frees nothing);
- `refresh()` derives the states of the orders and notes a change touched (logic/delivery.py), with an audit entry
  per change, in the same transaction.
"""
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from db import changes
from db.actor import Actor
from db.audit import record
from db.document import Document, DocumentLine
from logic.delivery import ZERO, LineProgress, check_quantities, delivery_note_state, order_state
from logic.draft import DraftLine
from logic.errors import DomainError
from logic.states import check_transition

BILLING_TYPES = ('invoice',)  # the types whose lines bill order and delivery-note lines


async def lock(doc_ids: Iterable[int]) -> list[Document]:
    """The documents, locked for the rest of the transaction, in id order (the same order everywhere: no deadlock)."""
    ids = sorted(set(doc_ids))
    return await Document.filter(id__in=ids).order_by('id').select_for_update() if ids else []


async def billed(source_ids: Iterable[int], *, exclude_document: int | None = None) -> dict[int, Decimal]:
    """{line id: quantity billed} by invoices not cancelled (`exclude_document`: the draft being saved)."""
    rows = await linked_lines(source_ids, exclude_document, kind='item')
    billing = await documents_of(rows, exclude={'state': 'cancelled'}, doc_type__in=BILLING_TYPES)
    return _sums((source, quantity) for _, source, quantity, doc_id in rows if doc_id in billing)


async def order_progress(order: Document, *, exclude_document: int | None = None) -> list[LineProgress]:
    """What each item line of `order` had delivered and invoiced (directly or through its delivery notes)."""
    lines = await DocumentLine.filter(document_id=order.id, kind='item').order_by('position')
    ids = [line.id for line in lines]
    rows = await linked_lines(ids, exclude_document)
    notes = await documents_of(rows, doc_type='delivery_note')
    note_lines = [(line_id, source, quantity) for line_id, source, quantity, doc_id in rows if doc_id in notes]
    delivered = _sums((source, quantity) for _, source, quantity in note_lines)
    direct = await billed(ids, exclude_document=exclude_document)
    through = await billed([line_id for line_id, _, _ in note_lines], exclude_document=exclude_document)
    invoiced = defaultdict(lambda: ZERO, direct)
    for line_id, source, _ in note_lines:
        invoiced[source] += through.get(line_id, ZERO)
    cancelled = order.state == 'cancelled'
    return [LineProgress(line_id=line.id, designation=line.designation, ordered=line.quantity,
                         delivered=delivered.get(line.id, ZERO), invoiced=invoiced[line.id], cancelled=cancelled)
            for line in lines]


async def note_progress(note: Document, *, exclude_document: int | None = None) -> list[LineProgress]:
    """What each item line of a delivery note had invoiced (its `ordered` is the quantity delivered)."""
    lines = await DocumentLine.filter(document_id=note.id, kind='item').order_by('position')
    invoiced = await billed([line.id for line in lines], exclude_document=exclude_document)
    return [LineProgress(line_id=line.id, designation=line.designation, ordered=line.quantity,
                         delivered=line.quantity, invoiced=invoiced.get(line.id, ZERO)) for line in lines]


async def check_links(document: Document, lines: list[DraftLine]) -> None:
    """A draft delivery note or invoice being saved: its linked lines stay within what their sources have left.

    Call it inside the saving transaction; the draft's own stored lines are not counted (they are being replaced).
    """
    wanted = _sums((line.source_line_id, line.quantity) for line in lines
                   if line.source_line_id is not None and line.kind == 'item')
    if not wanted:
        return
    sources = await DocumentLine.filter(id__in=list(wanted)).values_list('id', 'document_id')
    owners = {doc_id for _, doc_id in sources}
    if len(sources) != len(wanted):
        raise DomainError('Une ligne ne correspond plus au document d’origine : retirez-la ou rechargez la page.')
    documents = {doc.id: doc for doc in await lock(owners)}
    expected = 'order' if document.doc_type == 'delivery_note' else None
    verb = 'livrer' if document.doc_type == 'delivery_note' else 'facturer'
    for doc_id, owner in documents.items():
        if expected and owner.doc_type != expected or owner.doc_type not in ('order', 'delivery_note'):
            raise DomainError('Une ligne ne correspond plus au document d’origine : retirez-la ou rechargez la page.')
        mine = {line_id: wanted[line_id] for line_id, owner_id in sources if owner_id == doc_id}
        if owner.doc_type == 'order':
            check_quantities(mine, await order_progress(owner, exclude_document=document.id), verb)
        else:
            check_quantities(mine, await note_progress(owner, exclude_document=document.id), verb)
            await check_order_billing(mine, exclude_document=document.id)


async def check_order_billing(note_quantities: dict[int, Decimal], *, exclude_document: int | None = None) -> None:
    """Billing delivery-note lines also bills their order's lines: refused beyond what the order has left to bill
    (an order invoiced directly, then its delivery notes)."""
    rows = await DocumentLine.filter(id__in=list(note_quantities)).values_list('id', 'source_line_id')
    per_order_line = _sums((source, note_quantities[line_id]) for line_id, source in rows if source is not None)
    if not per_order_line:
        return
    owners = await DocumentLine.filter(id__in=list(per_order_line)).values_list('document_id', flat=True)
    for order in await lock(owners):
        progress = await order_progress(order, exclude_document=exclude_document)
        # The note's own quantities are already part of `delivered`: what the order can still bill is its ordered
        # quantity (or what was delivered of a cancelled order) less what was invoiced.
        mine = {line.line_id: per_order_line[line.line_id] for line in progress if line.line_id in per_order_line}
        check_quantities(mine, progress, 'facturer')


async def affected(doc_id: int) -> tuple[set[int], set[int]]:
    """(order ids, delivery-note ids) whose quantities the document's lines count in: refresh them after a change."""
    document = await Document.get_or_none(id=doc_id)
    if document is None:
        return set(), set()
    if document.doc_type == 'order':
        return {doc_id}, set()
    sources = await DocumentLine.filter(document_id=doc_id, source_line_id__not_isnull=True) \
        .values_list('source_line_id', flat=True)
    if not sources:
        return set(), ({doc_id} if document.doc_type == 'delivery_note' else set())
    owners = await Document.filter(id__in=await _owners(sources)).values_list('id', 'doc_type')
    orders = {owner for owner, kind in owners if kind == 'order'}
    notes = {owner for owner, kind in owners if kind == 'delivery_note'}
    if notes:
        note_sources = await DocumentLine.filter(document_id__in=list(notes), source_line_id__not_isnull=True) \
            .values_list('source_line_id', flat=True)
        if note_sources:
            orders |= set(await Document.filter(id__in=await _owners(note_sources), doc_type='order')
                          .values_list('id', flat=True))
    if document.doc_type == 'delivery_note':
        notes.add(doc_id)
    return orders, notes


async def _owners(line_ids: Iterable[int]) -> list[int]:
    """The documents of these lines (by the lines' primary key, then the documents': see `linked_lines`)."""
    return list(set(await DocumentLine.filter(id__in=list(set(line_ids))).values_list('document_id', flat=True)))


async def refresh(actor: Actor, order_ids: Iterable[int], note_ids: Iterable[int] = ()) -> None:
    """Derive the states of these orders and notes from their quantities; each change audited and published."""
    for note in await lock(note_ids):
        target = delivery_note_state(note.state, await note_progress(note))
        await _move(actor, note, target)
    for order in await lock(order_ids):
        if order.doc_type == 'order':
            await _move(actor, order, order_state(order.state, await order_progress(order)))


async def _move(actor: Actor, document: Document, target: str) -> None:
    if target == document.state:
        return
    check_transition(document.doc_type, document.state, target)
    old, document.state = document.state, target
    document.version += 1  # an open screen of it reloads (pages/document_page.py)
    await document.save(update_fields=['state', 'version', 'updated_at'])
    await record(f'{document.doc_type}.state', actor, target=f'document:{document.id}',
                 details={'number': document.number, 'state': [old, target]})
    changes.publish(changes.DOCUMENTS, document.id)


# The lines linked to some lines are read from the source_line_id index first, then their documents by primary key:
# never a join that the planner could start from the documents (all delivery notes by type, then their lines),
# which SQLite does without statistics, e.g. while the demo loads (minutes at a million invoices).
async def linked_lines(source_ids: Iterable[int], exclude_document: int | None = None, **filters) \
        -> list[tuple[int, int, Decimal, int]]:
    """(line id, source line id, quantity, document id) of the lines linked to `source_ids`."""
    ids = list(set(source_ids))
    if not ids:
        return []
    return await DocumentLine.filter(source_line_id__in=ids, **filters).exclude(document_id=exclude_document or 0) \
        .values_list('id', 'source_line_id', 'quantity', 'document_id')


async def documents_of(rows: list[tuple], *, exclude: dict | None = None, **filters) -> set[int]:
    """The ids of the rows' documents (the last value of each row) that match `filters` and not `exclude`."""
    ids = list({row[-1] for row in rows})
    if not ids:
        return set()
    query = Document.filter(id__in=ids, **filters)
    if exclude:
        query = query.exclude(**exclude)
    return set(await query.values_list('id', flat=True))


def _sums(pairs) -> dict[int, Decimal]:
    sums: dict[int, Decimal] = {}
    for key, quantity in pairs:
        sums[key] = sums.get(key, ZERO) + quantity
    return sums
