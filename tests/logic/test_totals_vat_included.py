"""Prices including VAT (deposit invoices, docs/legal.md 2.3): the invoice totals exactly the amount received."""
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic.money import round_cents
from logic.totals import Document, Line, compute, negate
from tests.logic.totals_helpers import amounts_of, documents, negated

D = Decimal
RATES = ['20', '10', '5.5', '2.1']


def ttc_line(amount: str | Decimal, rate: str = '20', **more) -> Line:
    return Line(quantity=D(1), unit_price=D(amount), vat_rate=D(rate), **more)


def test_it_reaches_a_ttc_amount_that_vat_on_the_base_cannot() -> None:
    """At 20 %, one TTC cent value in six is the TTC of no HT base: find one, the deposit invoice still totals it."""
    def ttc_of(base_cents: int) -> Decimal:
        return D(base_cents) / 100 + round_cents(D(base_cents) / 100 * D('0.2'))

    unreachable = next(cents for cents in range(10000, 10100)
                       if all(ttc_of(base) != D(cents) / 100
                              for base in range(cents * 10 // 12 - 3, cents * 10 // 12 + 3)))
    amount = D(unreachable) / 100
    totals = compute(Document(lines=(ttc_line(amount),), vat_included=True))
    assert totals.total_ttc == amount
    assert totals.total_ht + totals.total_vat == amount
    assert abs(totals.vat_groups[0].vat - round_cents(totals.total_ht * D('0.2'))) <= D('0.01')  # BR-CO-17 tolerance


def test_it_splits_the_group_base_over_its_lines_in_proportion() -> None:
    totals = compute(Document(lines=(ttc_line('120.00'), ttc_line('60.00'), ttc_line('55.00', '10')),
                              vat_included=True))
    assert [(g.rate, g.base, g.vat) for g in totals.vat_groups] == [(D('20.00'), D('150.00'), D('30.00')),
                                                                   (D('10.00'), D('50.00'), D('5.00'))]
    assert totals.line_nets == (D('100.00'), D('50.00'), D('50.00'))
    assert totals.total_ttc == D('235.00') and totals.total_ht == D('200.00')


def test_the_current_mode_is_unchanged() -> None:
    doc = Document(lines=(ttc_line('100.00'),))
    assert compute(doc).total_ttc == D('120.00')
    assert compute(replace(doc, vat_included=True)).total_ttc == D('100.00')


@pytest.mark.parametrize('doc', [
    Document(lines=(ttc_line('10'),), vat_included=True, shipping=D('5')),
    Document(lines=(ttc_line('10'),), vat_included=True, global_discount_kind='percent', global_discount_value=D(5)),
    Document(lines=(ttc_line('10', discount_kind='percent', discount_value=D(5)),), vat_included=True),
])
def test_it_refuses_discounts_and_shipping_with_prices_including_vat(doc: Document) -> None:
    with pytest.raises(ValueError, match='deposit invoices only'):
        compute(doc)


amounts = st.decimals(min_value=D('0.01'), max_value=D('9999999.99'), places=2)


@given(amounts, st.sampled_from(RATES))
@settings(database=None, max_examples=500, deadline=None)
def test_a_deposit_invoice_totals_exactly_the_amount_received_at_any_rate(amount: Decimal, rate: str) -> None:
    totals = compute(Document(lines=(ttc_line(amount, rate),), vat_included=True))
    group = totals.vat_groups[0]
    assert totals.total_ttc == amount == totals.amount_due
    assert totals.total_ht == group.base == totals.line_nets[0] and totals.total_vat == group.vat
    assert abs(group.vat - round_cents(group.base * D(rate) / 100)) <= D('0.01')
    assert compute(negate(Document(lines=(ttc_line(amount, rate),), vat_included=True))) == negated(totals)


@given(st.lists(st.tuples(amounts, st.sampled_from(RATES + ['0'])), min_size=1, max_size=6))
@settings(database=None, max_examples=300, deadline=None)
def test_several_rates_total_exactly_and_negate_exactly(parts: list[tuple[Decimal, str]]) -> None:
    doc = Document(lines=tuple(ttc_line(amount, rate, vat_category='S' if rate != '0' else 'Z')
                               for amount, rate in parts), vat_included=True)
    totals = compute(doc)
    assert totals.total_ttc == sum(amount for amount, _ in parts)
    assert totals.lines_total == totals.total_ht == sum(totals.line_nets)  # BR-CO-10, BR-CO-13
    assert totals.total_ht == sum(g.base for g in totals.vat_groups)
    assert totals.total_vat == sum(g.vat for g in totals.vat_groups)  # BR-CO-14
    for group in totals.vat_groups:
        assert abs(group.vat - round_cents(group.base * group.rate / 100)) <= D('0.01')  # BR-CO-17, tolerated
    assert compute(negate(doc)) == negated(totals)


@given(documents(vat_included=True))
@settings(database=None, max_examples=300, deadline=None)
def test_every_document_including_vat_totals_its_line_amounts_and_meets_the_en16931_rules(doc: Document) -> None:
    """Any mix of rates, categories, signs, fractional quantities, titles, subtotals, text lines and a prepaid part."""
    totals = compute(doc)
    groups = totals.vat_groups
    items = [(line, net) for line, net in zip(doc.lines, totals.line_nets) if line.kind == 'item']
    received = sum((round_cents(line.quantity * line.unit_price) for line, _ in items), D('0.00'))
    assert totals.total_ttc == received  # the amounts received, to the cent
    # The flag moves VAT inside the line amounts: read as prices excluding VAT, the same lines total what was received.
    assert compute(replace(doc, vat_included=False)).lines_total == received
    assert totals.lines_total == totals.total_ht == sum((net for _, net in items), D(0))  # BR-CO-10, BR-CO-13
    assert totals.total_vat == sum(g.vat for g in groups)  # BR-CO-14
    assert totals.total_ttc == totals.total_ht + totals.total_vat  # BR-CO-15
    assert totals.amount_due == totals.total_ttc - totals.prepaid  # BR-CO-16
    for group in groups:
        members = [(line, net) for line, net in items if (line.vat_category, line.vat_rate) == (group.category,
                                                                                                group.rate)]
        assert group.base == group.items_base == sum(net for _, net in members)
        assert group.base + group.vat == sum(round_cents(line.quantity * line.unit_price) for line, _ in members)
        assert abs(group.vat - round_cents(group.base * group.rate / 100)) <= D('0.01')  # BR-CO-17, tolerated
        assert group.category == 'S' or group.vat == 0
    running = D(0)
    for line, net in zip(doc.lines, totals.line_nets):
        if line.kind == 'subtotal':
            assert net == running  # the items since the previous title or subtotal
        running = D(0) if line.kind in ('title', 'subtotal') else running + (net if line.kind == 'item' else 0)
    assert all(amount.as_tuple().exponent == -2 for amount in amounts_of(totals))
    assert compute(negate(doc)) == negated(totals)


@given(st.lists(st.tuples(st.decimals(min_value=D('-99999.99'), max_value=D('99999.99'), places=2),
                          st.sampled_from(RATES)), min_size=1, max_size=8))
@settings(database=None, max_examples=300, deadline=None)
def test_signed_lines_sharing_a_rate_still_add_up_to_the_cent(parts: list[tuple[Decimal, str]]) -> None:
    doc = Document(lines=tuple(ttc_line(amount, rate) for amount, rate in parts), vat_included=True)
    totals = compute(doc)
    assert totals.total_ttc == sum((amount for amount, _ in parts), D('0.00'))
    assert totals.total_ht == sum(totals.line_nets)
    for group in totals.vat_groups:
        nets = [net for (amount, rate), net in zip(parts, totals.line_nets) if D(rate) == group.rate]
        assert sum(nets) == group.base
    assert compute(negate(doc)) == negated(totals)
