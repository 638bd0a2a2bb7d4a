from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logic.composite import composite_price, containers_in_order, find_cycle

D = Decimal


@pytest.mark.parametrize('edges, parent, parts, cycle', [
    ([], 1, [1], [1, 1]),                                   # itself
    ([(2, 1)], 1, [2], [1, 2, 1]),                         # directly
    ([(2, 3), (3, 1)], 1, [2], [1, 2, 3, 1]),              # through another composite
    ([(2, 3), (3, 4)], 1, [2], None),                      # a chain that never comes back
    ([(1, 2)], 1, [3], None),                              # the parent's old parts are replaced
    ([(2, 3), (3, 2)], 1, [2], None),                      # a cycle elsewhere is not this one's business
    ([(2, 4), (3, 4), (4, 1)], 1, [2, 3], [1, 2, 4, 1]),   # diamond
])
def test_a_cycle_is_found_with_its_path(edges, parent, parts, cycle):
    assert find_cycle(edges, parent=parent, parts=parts) == cycle


@given(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8)), max_size=20), st.integers(1, 8),
       st.lists(st.integers(1, 8), max_size=4))
def test_accepting_only_acyclic_additions_keeps_the_graph_acyclic(edges, parent, parts):
    graph: set[tuple[int, int]] = set()
    for composite, part in edges:  # build an acyclic graph edge by edge, as the database would
        if find_cycle(graph, parent=composite, parts=[part, *(p for c, p in graph if c == composite)]) is None:
            graph.add((composite, part))
    if find_cycle(graph, parent=parent, parts=parts) is None:
        new = {(c, p) for c, p in graph if c != parent} | {(parent, part) for part in parts}
        assert _acyclic(new)


def _acyclic(edges: set[tuple[int, int]]) -> bool:
    nodes = {node for edge in edges for node in edge}
    state: dict[int, int] = {}

    def visit(node: int) -> bool:
        state[node] = 1
        for composite, part in edges:
            if composite == node and (state.get(part) == 1 or (part not in state and not visit(part))):
                return False
        state[node] = 2
        return True

    return all(node in state or visit(node) for node in nodes)


def test_a_deep_chain_does_not_exhaust_the_stack():
    edges = [(n, n + 1) for n in range(5000)]
    assert find_cycle(edges, parent=5000, parts=[0]) == [5000, *range(5001)]


def test_the_price_is_the_sum_of_parts_rounded_half_up_to_six_decimals():
    assert composite_price([(D('3'), D('0.3333335'))]) == D('1.000001')
    assert composite_price([]) == D('0.000000')


@given(st.lists(st.tuples(st.decimals('0.0001', '1000', places=4), st.decimals('0', '10000', places=6)),
                max_size=10))
def test_the_price_is_within_half_a_millionth_of_the_exact_sum(parts):
    exact = sum((quantity * price for quantity, price in parts), D(0))
    assert abs(composite_price(parts) - exact) <= D('0.0000005')


def test_containers_are_repriced_after_their_parts():
    edges = [(10, 1), (20, 10), (20, 1), (30, 20), (40, 2)]
    assert containers_in_order(edges, 1) == [10, 20, 30]
    assert containers_in_order(edges, 2) == [40]
    assert containers_in_order(edges, 30) == []
