"""Composite articles (AR4): made of other articles with quantities, never containing themselves.

The parts form a directed graph, article -> part. A new edge parent -> part makes a cycle when the part already
contains the parent, directly or through other composites:

>>> edges = [(1, 2), (2, 3)]              # 1 contains 2, which contains 3
>>> find_cycle(edges, parent=3, parts=[1])  # 3 may not contain 1: 1 -> 2 -> 3 already
[3, 1, 2, 3]
>>> find_cycle(edges, parent=1, parts=[3]) is None
True

A composite's price is the sum of its parts (quantity x unit price), rounded half-up to the unit-price precision:

>>> composite_price([(Decimal('2'), Decimal('1.125')), (Decimal('0.5'), Decimal('10'))])
Decimal('7.250000')
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

PRICE_QUANTUM = Decimal('0.000001')


def find_cycle(edges: Iterable[tuple[int, int]], *, parent: int, parts: Iterable[int]) -> list[int] | None:
    """The cycle [parent, part, ..., parent] that giving `parent` these parts would create, or None.

    `edges` are the current (composite, part) pairs; the parent's own current parts are ignored, since the new
    list replaces them.
    """
    children: dict[int, list[int]] = defaultdict(list)
    for composite, part in edges:
        if composite != parent:
            children[composite].append(part)
    for part in parts:
        path = _path(children, part, parent)
        if path is not None:
            return [parent, *path]
    return None


def _path(children: dict[int, list[int]], start: int, goal: int) -> list[int] | None:
    """A path start -> ... -> goal following `children`, depth first without recursion (graphs can be deep)."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((child, [*path, child]) for child in children.get(node, ()) if child not in seen)
    return None


def composite_price(parts: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Sum of quantity x unit price over the parts, rounded half-up to 6 decimals (a unit price's precision)."""
    total = sum((quantity * price for quantity, price in parts), Decimal(0))
    rounded = total.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def containers_in_order(edges: Iterable[tuple[int, int]], changed: int) -> list[int]:
    """Every composite that contains `changed`, directly or not, each listed after all of its own parts that are
    in the list: recomputing their prices in this order sees up-to-date parts.

    >>> containers_in_order([(10, 1), (20, 10), (20, 1), (30, 20)], 1)
    [10, 20, 30]
    """
    parents: dict[int, set[int]] = defaultdict(set)
    pairs = list(edges)
    for composite, part in pairs:
        parents[part].add(composite)
    affected: set[int] = set()
    stack = [changed]
    while stack:
        for composite in parents.get(stack.pop(), ()):
            if composite not in affected:
                affected.add(composite)
                stack.append(composite)
    # Kahn's algorithm restricted to the affected composites: a composite comes once its affected parts are done.
    waiting = {node: {part for composite, part in pairs if composite == node and part in affected}
               for node in affected}
    order: list[int] = []
    ready = sorted(node for node, parts in waiting.items() if not parts)
    while ready:
        node = ready.pop(0)
        order.append(node)
        for composite in sorted(parents.get(node, ())):
            if composite in waiting and node in waiting[composite]:
                waiting[composite].discard(node)
                if not waiting[composite]:
                    ready.append(composite)
    return order
