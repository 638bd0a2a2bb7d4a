"""Random documents for the totals properties (hypothesis), and the exact negation of a document's totals."""
from dataclasses import replace
from decimal import ROUND_DOWN, Decimal

from hypothesis import strategies as st

from logic.totals import Document, Line, Totals, compute

D = Decimal
# Items at the French rates, with the VAT category each rate goes with.
RATES = [('S', '20'), ('S', '10'), ('S', '5.5'), ('S', '2.1'), ('Z', '0'), ('E', '0'), ('AE', '0'), ('K', '0')]
fractions = st.decimals(min_value=0, max_value=1, places=3)


@st.composite
def items(draw: st.DrawFn, *, discounts: bool = True) -> Line:
    category, rate = draw(st.sampled_from(RATES))
    quantity = draw(st.decimals(min_value=-500, max_value=1000, places=4))
    price = draw(st.decimals(min_value=-1000, max_value=50000, places=6))
    kind = draw(st.sampled_from([None, 'percent', 'amount'] if discounts else [None]))
    value = D(0)
    if kind == 'percent':
        value = draw(st.decimals(min_value=0, max_value=100, places=2))
    elif kind == 'amount':
        value = (abs(quantity * price) * draw(fractions)).quantize(D('0.01'), ROUND_DOWN)
    return Line(kind='item', quantity=quantity, unit_price=price, discount_kind=kind, discount_value=value,
                vat_rate=D(rate), vat_category=category, exemption_reason='' if category == 'S' else 'Motif')


@st.composite
def documents(draw: st.DrawFn, *, vat_included: bool = False) -> Document:
    """Items at any rate and sign among title, subtotal and text lines, with a prepaid part of the total.

    Prices excluding VAT (the default) also draw line and global discounts and shipping; prices including VAT
    (`vat_included=True`, deposit invoices) take none of those, as `compute` requires.
    """
    others = st.builds(Line, kind=st.sampled_from(['title', 'subtotal', 'text']))
    item = items(discounts=not vat_included)
    lines = tuple(draw(st.lists(st.one_of(item, item, others), max_size=12)))
    if vat_included:
        doc = Document(lines=lines, vat_included=True)
    else:
        doc = Document(lines=lines, shipping=draw(st.decimals(min_value=-50, max_value=500, places=2)),
                       shipping_vat_rate=D(draw(st.sampled_from(['20', '10', '5.5']))))
        kind = draw(st.sampled_from([None, 'percent', 'amount']))
        if kind == 'percent':
            doc = replace(doc, global_discount_kind=kind,
                          global_discount_value=draw(st.decimals(min_value=0, max_value=100, places=2)))
        elif kind == 'amount':
            lines_total = compute(doc).lines_total
            amount = (abs(lines_total) * draw(fractions)).quantize(D('0.01'), ROUND_DOWN)
            doc = replace(doc, global_discount_kind=kind, global_discount_value=amount)
    return replace(doc, prepaid=(compute(doc).total_ttc * draw(fractions)).quantize(D('0.01'), ROUND_DOWN))


def negated(totals: Totals) -> Totals:
    """The totals a credit note of the document must have: every amount with the opposite sign."""
    def neg(value: Decimal | None) -> Decimal | None:
        return None if value is None else -value

    groups = tuple(replace(g, items_base=-g.items_base, allowance=-g.allowance, charge=-g.charge, base=-g.base,
                           vat=-g.vat) for g in totals.vat_groups)
    return Totals(line_nets=tuple(map(neg, totals.line_nets)), line_allowances=tuple(map(neg, totals.line_allowances)),
                  vat_groups=groups, lines_total=-totals.lines_total, allowance_total=-totals.allowance_total,
                  charge_total=-totals.charge_total, total_ht=-totals.total_ht, total_vat=-totals.total_vat,
                  total_ttc=-totals.total_ttc, prepaid=-totals.prepaid, amount_due=-totals.amount_due)


def amounts_of(totals: Totals) -> list[Decimal]:
    """Every amount of the totals, to check they are all at the cent."""
    amounts = [value for value in totals.line_nets + totals.line_allowances if value is not None]
    for group in totals.vat_groups:
        amounts += [group.items_base, group.allowance, group.charge, group.base, group.vat]
    return amounts + [totals.lines_total, totals.allowance_total, totals.charge_total, totals.total_ht,
                      totals.total_vat, totals.total_ttc, totals.prepaid, totals.amount_due]
