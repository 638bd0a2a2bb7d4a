"""The dialogs of orders and delivery notes (OR2, OR3): the quantities a delivery takes, the notes an invoice bills.

    DeliveryDialog(lines=progress, on_deliver=deliver, guard=ctx.handler).open()
    NotesDialog(notes=[(note_id, 'BL2026-00003 du 06/12/2026 — 120,00 €', checked)], on_invoice=..., guard=...)

They take values and callbacks and never query; the rules (what is left, what is refused) are in logic/delivery.py
and db/, which check again what the dialog sends.
"""
from collections.abc import Awaitable, Callable
from decimal import Decimal

from nicegui import ui

from components.dialog import ConfirmDialog, Guard, unguarded
from logic.delivery import LineProgress
from logic.errors import DomainError
from logic.money import format_decimal_fr, parse_decimal


class DeliveryDialog(ConfirmDialog):
    """One row per order line: ordered, already delivered, left, and the quantity to deliver now (the rest by
    default). `on_deliver({line id: Decimal})`."""

    def __init__(self, *, lines: list[LineProgress], on_deliver: Callable[[dict[int, Decimal]], Awaitable[None]],
                 guard: Guard = unguarded) -> None:
        super().__init__('Nouvelle livraison', 'Quantités livrées par ce bon ; une ligne à 0 n’y figure pas.',
                         confirm='Créer le bon de livraison', on_confirm=self._deliver, guard=guard,
                         action='confirm-deliver', color='primary', icon='local_shipping', width=640,
                         role='delivery-dialog')
        self.on_deliver = on_deliver
        self.inputs: dict[int, ui.input] = {}
        with self.body, ui.element('div').classes('app-delivery-grid w-full'):
            for label, extra in (('Désignation', False), ('Commandé', True), ('Déjà livré', True), ('Reste', False)):
                ui.label(label).classes('app-muted text-sm' + (' app-delivery-extra' if extra else ''))
            ui.label('À livrer').classes('app-muted text-sm')
            for line in lines:
                ui.label(line.designation).classes('app-delivery-name')
                for value, extra in ((line.ordered, True), (line.delivered, True), (line.left_to_deliver, False)):
                    ui.label(format_decimal_fr(value)).classes('text-right' + (' app-delivery-extra' if extra else ''))
                self.inputs[line.line_id] = ui.input(value=format_decimal_fr(line.left_to_deliver)) \
                    .props(f'dense outlined input-class=text-right data-line={line.line_id}') \
                    .classes('w-full').mark(f'deliver-{line.line_id}')
                if line.left_to_deliver == 0:
                    self.inputs[line.line_id].disable()

    async def _deliver(self) -> None:
        quantities = {}
        for line_id, field in self.inputs.items():
            if field.enabled:
                quantities[line_id] = parse_decimal(field.value or '0', places=4, minimum=Decimal(0),
                                                    label='Quantité à livrer')
        if not any(quantities.values()):
            raise DomainError('Indiquez au moins une quantité à livrer.')
        await self.on_deliver(quantities)


class NotesDialog(ConfirmDialog):
    """The client's delivered notes not yet invoiced, ticked ones billed together: `on_invoice([note ids])`."""

    def __init__(self, *, notes: list[tuple[int, str, bool]], on_invoice: Callable[[list[int]], Awaitable[None]],
                 guard: Guard = unguarded) -> None:
        super().__init__('Facturer des bons de livraison', 'Une seule facture pour les bons cochés (même client).',
                         confirm='Créer la facture', on_confirm=self._invoice, guard=guard, action='confirm-invoice',
                         color='primary', icon='receipt_long', width=560, role='notes-dialog')
        self.on_invoice = on_invoice
        self.boxes: dict[int, ui.checkbox] = {}
        with self.body:
            for note_id, label, checked in notes:
                self.boxes[note_id] = ui.checkbox(label, value=checked).props(f'data-note={note_id}') \
                    .mark(f'note-{note_id}')

    async def _invoice(self) -> None:
        chosen = [note_id for note_id, box in self.boxes.items() if box.value]
        if not chosen:
            raise DomainError('Cochez au moins un bon de livraison.')
        await self.on_invoice(chosen)
