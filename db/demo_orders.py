"""The demo's orders and delivery notes (OR1-OR3): about one invoice in five comes from a delivery note.

`add_orders` turns every DELIVERED_SHARE-th generated invoice not made from a quote into the end of a chain: an order
(dated a few days before the delivery), its delivery note (the day of the delivery, a few days before the invoice), both
"Facturé(e)", the invoice's lines linked to the note's lines and the note's lines to the order's, exactly as
db/orders.py and db/deliveries.py link them. Orders and notes are not legal documents: like the demo's quotes they are
inserted directly, numbered in date order in their own series, inside the demo's one transaction.
`add_open_orders` then makes a few recent ones through the operations themselves: a confirmed order, one delivered in
part, one delivered but not yet invoiced.
"""
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from db import deliveries, documents, orders, settings
from db.actor import Actor
from db.bulk import BulkInvoice
from db.bulk_rows import LINE_COLUMNS, insert_lines, line_row
from db.contact import Contact
from db.document import Document, DocumentLine, type_columns
from db.numbering import take_numbers
from logic.draft import Draft, DraftLine
from logic.totals import Totals

DELIVERED_SHARE = 4  # of the invoices not made from a quote (about 4 in 5 of all): one in five of all, roughly
CHUNK = 2000
_SOURCE = LINE_COLUMNS.index('source_line_id')


async def add_orders(actor: Actor, rng: random.Random, bulk: list[BulkInvoice]) -> int:
    """Chain every DELIVERED_SHARE-th invoice without a quote to an order and a delivery note; returns how many.

    Numbered in date order in each series over all of them, then written CHUNK invoices at a time: the content of
    a million invoices' orders, all at once, would not fit in memory."""
    await settings.save_options(actor, {'orders': True, 'delivery_notes': True})
    chosen = [item for item in bulk if item.source_id is None][::DELIVERED_SHARE]
    if not chosen:
        return 0
    plans = [(item, item.issue_date - timedelta(days=rng.randint(0, 4))) for item in chosen]
    plans = [(item, delivered, delivered - timedelta(days=rng.randint(1, 15))) for item, delivered in plans]
    purchase_orders = [f'CMD-{rng.randint(10000, 99999)}' for _ in plans]
    order_numbers = await _numbers('order', [ordered for _, _, ordered in plans])
    note_numbers = await _numbers('delivery_note', [delivered for _, delivered, _ in plans])
    for start in range(0, len(plans), CHUNK):
        part = plans[start:start + CHUNK]
        contents = [_Content.of(item) for item, _, _ in part]  # an order and its note carry the invoice's content
        order_ids, order_lines = await _insert(actor, 'order', [(ordered, item, None) for item, _, ordered in part],
                                               contents, order_numbers[start:start + CHUNK],
                                               purchase_orders=purchase_orders[start:start + CHUNK])
        note_ids, note_lines = await _insert(actor, 'delivery_note',
                                             [(delivered, item, order_id) for (item, delivered, _), order_id
                                              in zip(part, order_ids)],
                                             contents, note_numbers[start:start + CHUNK], sources=order_lines,
                                             delivered=[delivered for _, delivered, _ in part])
        for (item, delivered, _), note_id, lines, content in zip(part, note_ids, note_lines, contents):
            item.links = tuple(lines.get(position) for position in range(len(content.rows)))
            item.draft.delivery_date, item.source_id = delivered, note_id
    return len(plans)


async def add_open_orders(actor: Actor, rng: random.Random, contacts: list[Contact], lines: list[list[DraftLine]]):
    """Work in progress, today: a confirmed order, one delivered in part, one delivered and not yet invoiced."""
    made = []
    for index, (contact, items) in enumerate(zip(contacts, lines)):
        items = [replace(line, quantity=max(line.quantity, Decimal(2))) for line in items]
        order = await documents.create_document(actor, Draft(doc_type='order', client_id=contact.id, lines=items,
                                                             purchase_order=f'CMD-{rng.randint(10000, 99999)}'))
        await orders.set_order_state(actor, order.id, 'confirmed')
        if index:
            first = await DocumentLine.filter(document_id=order.id, kind='item').order_by('position')
            wanted = None if index == 2 else {first[0].id: first[0].quantity / 2}
            note = await orders.deliver_order(actor, order.id, wanted)
            await deliveries.set_delivery_state(actor, note.id, 'delivered')
        made.append(order.id)
    return made


@dataclass(kw_only=True, slots=True)
class _Content:
    """What an order, its delivery note and their invoice share, computed once: the totals engine's result for the
    invoice's lines, their cost and their line rows (document and source line ids left to fill)."""

    totals: Totals
    cost: Decimal
    rows: list[tuple]

    @classmethod
    def of(cls, item: BulkInvoice) -> '_Content':
        draft = item.full_draft()
        totals = draft.totals()
        return cls(totals=totals, cost=draft.cost(),
                   rows=[line_row(0, position, line, totals.line_nets[position])
                         for position, line in enumerate(draft.lines)])


async def _insert(actor: Actor, doc_type: str, specs: list[tuple[date, BulkInvoice, int | None]],
                  contents: list[_Content], numbers: list[str], *, purchase_orders: list[str] | None = None,
                  sources: list[dict[int, int]] | None = None,
                  delivered: list[date] | None = None) -> tuple[list[int], list[dict[int, int]]]:
    """Insert one `doc_type` document per spec (dated, with the invoice's content, numbered `numbers`), state
    'invoiced'; returns their ids and, per document, {position: line id} of its item lines, in the specs' order."""
    columns = type_columns(doc_type)
    rows = []
    client_ids = list({item.draft.client_id for _, item, _ in specs})
    names = {contact.id: contact.display_name[:255] for contact in await Contact.filter(id__in=client_ids)}
    for index, ((day, item, source_id), number, content) in enumerate(zip(specs, numbers, contents)):
        draft, totals = item.draft, content.totals
        rows.append(Document(
            **columns, state='invoiced', number=number, issue_date=day, client_id=draft.client_id,
            client_name=names[draft.client_id], source_id=source_id, global_discount_kind=draft.global_discount_kind,
            global_discount_value=draft.global_discount_value, shipping=draft.shipping,
            purchase_order=(purchase_orders[index] if purchase_orders else draft.purchase_order) or '',
            delivery_date=delivered[index] if delivered else None,
            total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc,
            amount_due=totals.amount_due, total_cost=content.cost, created_by_id=actor.user_id))
        if purchase_orders:
            draft.purchase_order = purchase_orders[index]
    await Document.bulk_create(rows, batch_size=CHUNK)
    ids_by_number = dict(await Document.filter(series=columns['series'], number__in=numbers)
                         .values_list('number', 'id'))
    ids = [ids_by_number[number] for number in numbers]
    await insert_lines([(doc_id, *row[1:_SOURCE], sources[index].get(position) if sources else None,
                         *row[_SOURCE + 1:])
                        for index, (doc_id, content) in enumerate(zip(ids, contents))
                        for position, row in enumerate(content.rows)])
    positions: dict[int, dict[int, int]] = {doc_id: {} for doc_id in ids}
    for start in range(0, len(ids), CHUNK):
        for doc_id, position, line_id in await DocumentLine.filter(document_id__in=ids[start:start + CHUNK],
                                                                    kind='item') \
                .values_list('document_id', 'position', 'id'):
            positions[doc_id][position] = line_id
    return ids, [positions[doc_id] for doc_id in ids]


async def _numbers(doc_type: str, dates: list[date]) -> list[str]:
    """Numbers for documents dated `dates` (any order), given in date order (stable), CHUNK at a time: `take_numbers`
    checks every number it gives in one statement, and PostgreSQL's driver binds at most 32,767 values in one (there
    are 200,000 orders at a million invoices)."""
    series = type_columns(doc_type)['series']
    order = sorted(range(len(dates)), key=lambda index: dates[index])
    numbers = [''] * len(dates)
    for start in range(0, len(order), CHUNK):
        part = order[start:start + CHUNK]
        for index, number in zip(part, await take_numbers(series, [dates[index] for index in part])):
            numbers[index] = number
    return numbers
