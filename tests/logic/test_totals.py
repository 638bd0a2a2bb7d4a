from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic.money import round_cents
from logic.totals import Document, Line, TotalsError, VatGroup, compute, negate, split_proportionally
from tests.logic.totals_helpers import amounts_of, documents, negated

D = Decimal


def item(quantity: str, price: str, rate: str = '20', **more: object) -> Line:
    return Line(kind='item', quantity=D(quantity), unit_price=D(price), vat_rate=D(rate), **more)


def test_it_totals_the_user_guide_quote() -> None:
    """The guide's situation example: 160 + 182,45 + 252,80 = 595,25 HT, 20 % VAT."""
    doc = Document(lines=(item('1', '160'), item('1', '182.45'), item('1', '252.80')))
    totals = compute(doc)
    assert totals.line_nets == (D('160.00'), D('182.45'), D('252.80'))
    assert (totals.lines_total, totals.total_ht, totals.total_vat, totals.total_ttc, totals.amount_due) == (
        D('595.25'), D('595.25'), D('119.05'), D('714.30'), D('714.30'))
    assert totals.vat_groups == (VatGroup(category='S', rate=D('20.00'), items_base=D('595.25'), allowance=D('0.00'),
                                          charge=D('0.00'), base=D('595.25'), vat=D('119.05')),)


def test_it_totals_three_rates_with_a_global_discount_shipping_and_a_deposit() -> None:
    """Checked by hand.

    Line nets: 3 x 45,50 = 136,50 - 10 % (13,65) = 122,85 at 20 %; 1,5 x 33,31 = 49,965 -> 49,97 at 10 %
    (half-even would give 49,96); 4 x 12,35 = 49,40 - 4,40 = 45,00 at 5,5 %; 1 x 80 = 80,00 at 20 %.
    BT-106 = 297,82. Global discount 5 % = 14,891 -> 14,89 = 1489 cents, split by items base
    (S20 202,85, S10 49,97, S5.5 45,00 of 297,82):
        S20 1489 x 20285 / 29782 = 1014,18   S10 1489 x 4997 / 29782 = 249,83   S5.5 1489 x 4500 / 29782 = 224,98
    floors 1014 + 249 + 224 = 1487, the 2 cents left go to the largest remainders (S5.5, S10):
    parts 10,14 / 2,50 / 2,25. Shipping 15,00 = 1500 cents follows the lines' VAT, split by items base alike:
        S20 1500 x 20285 / 29782 = 1021,674   S10 1500 x 4997 / 29782 = 251,679   S5.5 1500 x 4500 / 29782 = 226,647
    floors 1021 + 251 + 226 = 1498, the 2 cents left go to S10 then S20: parts 10,22 / 2,52 / 2,26.
        S20  202,85 - 10,14 + 10,22 = 202,93   VAT 40,586   -> 40,59
        S10   49,97 -  2,50 +  2,52 =  49,99   VAT  4,999   ->  5,00
        S5.5  45,00 -  2,25 +  2,26 =  45,01   VAT  2,47555 ->  2,48
    BT-109 = 297,82 - 14,89 + 15,00 = 297,93, BT-110 = 48,07, BT-112 = 346,00, deposit 100,00, BT-115 = 246,00.
    """
    doc = Document(
        lines=(
            Line(kind='title'),
            item('3', '45.50', discount_kind='percent', discount_value=D('10')),
            item('1.5', '33.31', '10'),
            Line(kind='subtotal'),
            item('4', '12.35', '5.5', discount_kind='amount', discount_value=D('4.40')),
            Line(kind='text'),
            item('1', '80'),
        ),
        global_discount_kind='percent', global_discount_value=D('5'),
        shipping=D('15.00'), shipping_vat_rate=D('20'), prepaid=D('100.00'),
    )
    totals = compute(doc)
    assert totals.line_nets == (None, D('122.85'), D('49.97'), D('172.82'), D('45.00'), None, D('80.00'))
    assert totals.line_allowances == (None, D('13.65'), D('0.00'), None, D('4.40'), None, D('0.00'))
    assert [(g.rate, g.items_base, g.allowance, g.charge, g.base, g.vat) for g in totals.vat_groups] == [
        (D('20'), D('202.85'), D('10.14'), D('10.22'), D('202.93'), D('40.59')),
        (D('10'), D('49.97'), D('2.50'), D('2.52'), D('49.99'), D('5.00')),
        (D('5.5'), D('45.00'), D('2.25'), D('2.26'), D('45.01'), D('2.48')),
    ]
    assert (totals.lines_total, totals.allowance_total, totals.charge_total, totals.total_ht, totals.total_vat,
            totals.total_ttc, totals.prepaid, totals.amount_due) == (
        D('297.82'), D('14.89'), D('15.00'), D('297.93'), D('48.07'), D('346.00'), D('100.00'), D('246.00'))


def test_shipping_follows_the_vat_of_the_lines_it_accompanies() -> None:
    """CGI art. 267 I 2°: an accessory cost is taxed like what it accompanies, whatever rate was picked for it."""
    one_rate = compute(Document(lines=(item('2', '50', '10'),), shipping=D('8.00'), shipping_vat_rate=D('20')))
    assert [(g.rate, g.charge, g.vat) for g in one_rate.vat_groups] == [(D('10'), D('8.00'), D('10.80'))]
    alone = compute(Document(lines=(), shipping=D('8.00'), shipping_vat_rate=D('20')))
    assert [(g.rate, g.charge) for g in alone.vat_groups] == [(D('20'), D('8.00'))]


def test_it_computes_vat_once_per_rate_not_per_line() -> None:
    # Per line: 3 x round(0,006) = 0,03; EN 16931 taxes the rate's base: 0,09 x 20 % = 0,018 -> 0,02.
    totals = compute(Document(lines=(item('1', '0.03'),) * 3))
    assert totals.total_vat == D('0.02')


def test_it_rounds_line_nets_half_up() -> None:
    totals = compute(Document(lines=(item('3', '10.005'), item('-3', '10.005'))))
    assert totals.line_nets == (D('30.02'), D('-30.02'))


def test_it_restarts_subtotals_after_each_title_or_subtotal() -> None:
    lines = (item('1', '10'), Line(kind='subtotal'), item('1', '5'), Line(kind='title'), item('1', '7'),
             item('1', '1'), Line(kind='subtotal'), Line(kind='subtotal'))
    assert compute(Document(lines=lines)).line_nets == (
        D('10.00'), D('10.00'), D('5.00'), None, D('7.00'), D('1.00'), D('8.00'), D('0.00'))


def test_shipping_never_opens_a_vat_group_of_its_own_beside_the_lines() -> None:
    totals = compute(Document(lines=(item('1', '100', '5.5'),), shipping=D('10'), shipping_vat_rate=D('20')))
    assert [(g.rate, g.items_base, g.charge, g.base, g.vat) for g in totals.vat_groups] == [
        (D('5.5'), D('100.00'), D('10.00'), D('110.00'), D('6.05'))]


def test_it_sorts_groups_standard_first_then_by_rate_descending_and_keeps_the_exemption_reason() -> None:
    reason = 'Exonération de TVA, article 262 ter I du CGI'
    lines = (item('1', '1', '0', vat_category='E', exemption_reason=reason), item('1', '1', '5.5'),
             item('1', '1', '0', vat_category='AE', exemption_reason='Autoliquidation'), item('1', '1', '20.00'),
             item('1', '1', '20'), item('1', '1', '0', vat_category='Z'))
    groups = compute(Document(lines=lines)).vat_groups
    assert [(g.category, g.rate) for g in groups] == [('S', 20), ('S', 5.5), ('Z', 0), ('E', 0), ('AE', 0)]
    assert [g.exemption_reason for g in groups] == ['', '', '', reason, 'Autoliquidation']
    assert groups[0].items_base == D('2.00')


def test_it_splits_a_global_amount_discount_in_proportion_to_each_rate() -> None:
    totals = compute(Document(lines=(item('1', '100'), item('1', '50', '10')), global_discount_kind='amount',
                              global_discount_value=D('15.00')))
    assert [g.allowance for g in totals.vat_groups] == [D('10.00'), D('5.00')]
    assert (totals.total_ht, totals.total_vat) == (D('135.00'), D('22.50'))


def test_it_lets_a_full_discount_bring_the_invoice_to_zero() -> None:
    totals = compute(Document(lines=(item('2', '9.99'),), global_discount_kind='percent',
                              global_discount_value=D('100')))
    assert (totals.total_ht, totals.total_ttc) == (D('0.00'), D('0.00'))


def test_it_totals_an_empty_document_to_zero() -> None:
    totals = compute(Document(lines=(Line(kind='title'), Line(kind='text'))))
    assert (totals.vat_groups, totals.total_ttc, totals.amount_due) == ((), D('0.00'), D('0.00'))


@pytest.mark.parametrize(('doc', 'message'), [
    (Document(lines=(item('1', '10'),), global_discount_kind='amount', global_discount_value=D('10.01')),
     'Remise globale : la remise de 10,01\u00a0€ dépasse le montant de 10,00\u00a0€.'),
    (Document(lines=(), global_discount_kind='amount', global_discount_value=D('1')),
     'Remise globale : la remise de 1,00\u00a0€ dépasse le montant de 0,00\u00a0€.'),
    (Document(lines=(item('1', '10'),), global_discount_kind='percent', global_discount_value=D('100.01')),
     'Remise globale : la remise ne peut pas dépasser 100 %.'),
    (Document(lines=(item('1', '10', discount_kind='percent', discount_value=D('-1')),)),
     'Ligne 1 : la remise ne peut pas être négative.'),
    (Document(lines=(Line(kind='title'), item('2', '3', discount_kind='amount', discount_value=D('6.01')))),
     'Ligne 2 : la remise de 6,01\u00a0€ dépasse le montant de 6,00\u00a0€.'),
    (Document(lines=(item('1', '10', discount_kind='amount', discount_value=D('0.001')),)),
     'Ligne 1 : la remise doit être un montant au centime près.'),
    (Document(lines=(item('1', '10', '20', vat_category='E'),)),
     'Une ligne exonérée ou hors champ (catégorie E) doit avoir un taux de TVA de 0 %, pas de 20 %.'),
])
def test_it_refuses_figures_that_make_no_invoice_with_a_french_message(doc: Document, message: str) -> None:
    with pytest.raises(TotalsError) as error:
        compute(doc)
    assert str(error.value) == message


def test_it_applies_line_amount_discounts_towards_zero_on_negative_lines() -> None:
    # A discount always reduces what it applies to: on a returned item (-2 x 50) a 10 EUR discount gives -90.
    totals = compute(Document(lines=(item('-2', '50', discount_kind='amount', discount_value=D('10')),)))
    assert (totals.line_allowances, totals.line_nets) == ((D('-10.00'),), (D('-90.00'),))


def test_it_makes_a_credit_note_the_exact_negation_of_the_invoice() -> None:
    doc = Document(lines=(item('3', '33.335', discount_kind='percent', discount_value=D('12.5')),
                          item('1', '0.05', '5.5')),
                   global_discount_kind='amount', global_discount_value=D('7.77'), shipping=D('4.99'),
                   prepaid=D('20'))
    credit = negate(doc)
    assert credit.lines[0].quantity == D('-3') and credit.shipping == D('-4.99') and credit.prepaid == D('-20')
    assert compute(credit) == negated(compute(doc))


def test_it_splits_proportionally_with_ties_to_the_first_weight() -> None:
    assert split_proportionally(D('0.02'), [D(1), D(1), D(1)]) == [D('0.01'), D('0.01'), D('0.00')]
    assert split_proportionally(D('-10.00'), [D(-1)] * 3) == [D('-3.34'), D('-3.33'), D('-3.33')]
    assert split_proportionally(D('0.00'), [D(0), D(0)]) == [D('0.00'), D('0.00')]


@given(documents())
@settings(database=None, max_examples=300, deadline=None)
def test_every_document_meets_the_en16931_arithmetic_rules_to_the_cent(doc: Document) -> None:
    totals = compute(doc)
    item_nets = [net for line, net in zip(doc.lines, totals.line_nets) if line.kind == 'item']
    groups = totals.vat_groups
    assert totals.lines_total == sum(item_nets, D(0))  # BR-CO-10
    assert totals.total_ht == totals.lines_total - totals.allowance_total + totals.charge_total  # BR-CO-13
    assert totals.total_vat == sum(g.vat for g in groups)  # BR-CO-14
    assert totals.total_ttc == totals.total_ht + totals.total_vat  # BR-CO-15
    assert totals.amount_due == totals.total_ttc - totals.prepaid  # BR-CO-16
    for group in groups:
        assert group.vat == round_cents(group.base * group.rate / 100)  # BR-CO-17
        assert group.base == group.items_base - group.allowance + group.charge
        assert group.category == 'S' or group.vat == 0
    assert sum(g.allowance for g in groups) == totals.allowance_total
    assert sum(g.charge for g in groups) == totals.charge_total
    assert sum(g.base for g in groups) == totals.total_ht
    assert {(line.vat_category, line.vat_rate) for line in doc.lines if line.kind == 'item'} <= {
        (g.category, g.rate) for g in groups}
    assert all(amount.as_tuple().exponent == -2 for amount in amounts_of(totals))


@given(documents())
@settings(database=None, max_examples=300, deadline=None)
def test_a_credit_note_is_exactly_the_negated_invoice(doc: Document) -> None:
    assert compute(negate(doc)) == negated(compute(doc))


@given(st.decimals(min_value=-10000, max_value=10000, places=2),
       st.lists(st.decimals(min_value=-5000, max_value=100000, places=2), min_size=1, max_size=8))
@settings(database=None)
def test_the_parts_of_a_split_always_sum_exactly_to_the_amount(amount: Decimal, weights: list[Decimal]) -> None:
    if sum(weights) == 0:
        amount = D('0.00')
    parts = split_proportionally(amount, weights)
    assert sum(parts) == amount and len(parts) == len(weights)
    assert split_proportionally(-amount, [-w for w in weights]) == [-p for p in parts]
