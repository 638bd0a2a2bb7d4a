"""Orders, delivery notes and their invoices (OR1-OR3): what is delivered, what is left, what may still be billed.

Nothing here is stored: db/ reads the links between lines (a delivery note's line points at the order line it
delivers, an invoice line at the delivery-note line or the order line it bills, `source_line_id`) and sums them
into `LineProgress`; these functions decide from those sums, the same way for every caller.

>>> line = LineProgress(line_id=7, designation='Parpaings', ordered=Decimal(10), delivered=Decimal(4))
>>> line.left_to_deliver, line.left_to_invoice
(Decimal('6'), Decimal('10'))
>>> order_state('confirmed', [line])
'part_delivered'
>>> check_quantities({7: Decimal(7)}, [line], 'livrer')
Traceback (most recent call last):
...
logic.errors.DomainError: Parpaings : 6 à livrer au plus, 7 demandé(s). Rien n’a été enregistré.
"""
from dataclasses import dataclass
from decimal import Decimal

from logic.errors import DomainError

ZERO = Decimal(0)


@dataclass(kw_only=True, slots=True)
class LineProgress:
    """One item line of an order (or of a delivery note) and what was done of it."""

    line_id: int
    designation: str
    ordered: Decimal  # the line's quantity
    delivered: Decimal = ZERO  # on the delivery notes of the order (drafts included: they hold their quantities)
    invoiced: Decimal = ZERO  # on invoices not cancelled, directly or through a delivery note
    cancelled: bool = False  # the order is cancelled: nothing more is delivered

    @property
    def left_to_deliver(self) -> Decimal:
        if self.cancelled:
            return ZERO
        return max(self.ordered - self.delivered, ZERO)

    @property
    def left_to_invoice(self) -> Decimal:
        """What may still be billed: what was ordered, or only what was delivered once the order is cancelled."""
        ceiling = self.delivered if self.cancelled else self.ordered
        return max(ceiling - self.invoiced, ZERO)


def order_state(current: str, lines: list[LineProgress]) -> str:
    """The state an order's quantities give it; a draft or a cancelled order keeps its state (the user's choice).

    >>> done = LineProgress(line_id=1, designation='A', ordered=Decimal(2), delivered=Decimal(2))
    >>> order_state('confirmed', [done]), order_state('delivered', [LineProgress(line_id=1, designation='A',
    ...                                                                           ordered=Decimal(2))])
    ('delivered', 'confirmed')
    >>> done.invoiced = Decimal(2)
    >>> order_state('delivered', [done]), order_state('cancelled', [done])
    ('invoiced', 'cancelled')
    """
    if current in ('draft', 'cancelled'):
        return current
    items = [line for line in lines if line.ordered > 0]
    if items and all(line.invoiced >= line.ordered for line in items):
        return 'invoiced'
    if items and all(line.delivered >= line.ordered for line in items):
        return 'delivered'
    if any(line.delivered > 0 for line in items):
        return 'part_delivered'
    return 'confirmed'


def delivery_note_state(current: str, lines: list[LineProgress]) -> str:
    """A delivered note becomes invoiced once each of its lines is billed in full, and back if a bill goes away."""
    if current == 'draft':
        return current
    items = [line for line in lines if line.ordered > 0]
    return 'invoiced' if items and all(line.invoiced >= line.ordered for line in items) else 'delivered'


def check_quantities(wanted: dict[int, Decimal], lines: list[LineProgress], verb: str) -> None:
    """Refuse, in French, a quantity beyond what is left (`verb`: 'livrer' or 'facturer'), or a negative one.

    `wanted` is {line id: quantity}, summed over the lines of the document being written.
    """
    by_id = {line.line_id: line for line in lines}
    for line_id, quantity in wanted.items():
        line = by_id.get(line_id)
        if line is None:
            raise DomainError('Une ligne ne correspond plus au document d’origine : rechargez la page.')
        if quantity < 0:
            raise DomainError(f'{line.designation} : la quantité ne peut pas être négative.')
        left = line.left_to_deliver if verb == 'livrer' else line.left_to_invoice
        if quantity > left:
            if verb == 'livrer' and line.cancelled:
                raise DomainError(f'{line.designation} : le bon de commande est annulé, plus rien n’est à livrer.')
            if left == 0:
                raise DomainError(f'{line.designation} : il ne reste rien à {verb} '
                                  f'({"déjà livré" if verb == "livrer" else "déjà facturé"}). Rien n’a été enregistré.')
            raise DomainError(f'{line.designation} : {_qty(left)} à {verb} au plus, {_qty(quantity)} demandé(s). '
                              'Rien n’a été enregistré.')


def _qty(value: Decimal) -> str:
    """'2,5' for Decimal('2.5000'): a quantity as a French reader writes it."""
    return format(value.normalize(), 'f').replace('.', ',')
