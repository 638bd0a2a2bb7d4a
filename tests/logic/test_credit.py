from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logic.credit import CreditError, amount_lines, check_within, chosen_lines, full_lines, remaining
from logic.draft import Draft, DraftLine

D = Decimal
S20, S10 = ('S', D('20.00')), ('S', D('10.00'))


def invoice(**extra) -> Draft:
    """Line 11: 2 x 100 at 20 %, line 12: 4 x 25 at 10 %: 300.00 HT, 350.00 TTC."""
    return Draft(lines=[DraftLine(designation='Pose', quantity=D(2), unit_price=D(100), vat_rate=D(20)),
                        DraftLine(designation='Plinthes', quantity=D(4), unit_price=D(25), vat_rate=D(10))], **extra)


def left_of(draft: Draft, *credits: Draft, credited: dict | None = None):
    totals = draft.totals()
    credit_totals = [credit.totals() for credit in credits]
    return remaining(invoice_ttc=totals.total_ttc, invoice_groups=totals.vat_groups,
                     invoice_quantities={11: D(2), 12: D(4)}, credit_ttc=[t.total_ttc for t in credit_totals],
                     credit_groups=[group for t in credit_totals for group in t.vat_groups],
                     credited_quantities=credited or {})


def test_nothing_credited_leaves_the_whole_invoice() -> None:
    left = left_of(invoice())
    assert left.total_ttc == D('350.00') and left.bases == {S20: D('200.00'), S10: D('100.00')}
    assert not left.already_credited


def test_a_full_credit_note_is_the_exact_negation_and_fits_exactly() -> None:
    original = invoice(global_discount_kind='percent', global_discount_value=D('7.5'), shipping=D('12.34'))
    credit = full_lines(original)
    totals, credit_totals = original.totals(), credit.totals()
    assert credit_totals.total_ttc == -totals.total_ttc and credit_totals.total_vat == -totals.total_vat
    check_within(left_of(original), credit_totals)
    assert left_of(original, credit).total_ttc == 0


def test_what_is_left_goes_down_with_each_credit_note() -> None:
    first = Draft(lines=amount_lines({S20: D('50.00')}, label='Geste'))
    left = left_of(invoice(), first, credited={})
    assert left.total_ttc == D('290.00') and left.bases[S20] == D('150.00') and left.already_credited


def test_chosen_lines_credit_a_quantity_at_most_what_is_left_of_each_line() -> None:
    left = left_of(invoice(), credited={12: D(-3)})
    draft, sources = chosen_lines(invoice(), [11, 12], {12: D(1)}, left)
    assert [line.quantity for line in draft.lines] == [D(-1)] and sources == [12]
    with pytest.raises(CreditError, match='il reste 1 à créditer'):
        chosen_lines(invoice(), [11, 12], {12: D(2)}, left)
    with pytest.raises(CreditError, match='au moins une ligne'):
        chosen_lines(invoice(), [11, 12], {}, left)
    with pytest.raises(CreditError, match='n’appartient pas'):
        chosen_lines(invoice(), [11, 12], {99: D(1)}, left)


def test_the_credited_lines_take_back_their_share_of_the_global_discount() -> None:
    percent = invoice(global_discount_kind='percent', global_discount_value=D(10))
    draft, _ = chosen_lines(percent, [11, 12], {11: D(2)}, left_of(percent))
    assert (draft.global_discount_kind, draft.global_discount_value) == ('amount', D('20.00'))
    assert draft.totals().total_ht == D('-180.00')
    amount = invoice(global_discount_kind='amount', global_discount_value=D(30))
    draft, _ = chosen_lines(amount, [11, 12], {12: D(4)}, left_of(amount))
    assert draft.totals().total_ht == D('-90.00')  # 100 less its third of 30


def test_partial_credit_notes_take_back_exactly_the_invoices_discount_when_they_add_up() -> None:
    cents = Draft(lines=[DraftLine(designation='A', quantity=D(1), unit_price=D('0.05'), vat_rate=D(20)),
                         DraftLine(designation='B', quantity=D(1), unit_price=D('0.05'), vat_rate=D(20))],
                  global_discount_kind='percent', global_discount_value=D(10))
    assert cents.totals().allowance_total == D('0.01')  # 10 % of 0.10, while 10 % of each line rounds to 0.01
    quantities = {11: D(1), 12: D(1)}

    def left(*credits, credited=None):
        totals = cents.totals()
        return remaining(invoice_ttc=totals.total_ttc, invoice_groups=totals.vat_groups,
                         invoice_quantities=quantities, credit_ttc=[c.totals().total_ttc for c in credits],
                         credit_groups=[g for c in credits for g in c.totals().vat_groups],
                         credited_quantities=credited)

    first, _ = chosen_lines(cents, [11, 12], {11: D(1)}, left())
    second, _ = chosen_lines(cents, [11, 12], {12: D(1)}, left(first, credited={11: D(-1)}))
    check_within(left(first, credited={11: D(-1)}), second.totals())
    assert first.global_discount_value + second.global_discount_value == D('0.01')
    assert left(first, second, credited={11: D(-1), 12: D(-1)}).total_ttc == 0


def test_amount_lines_make_one_line_per_rate_with_its_exemption_reason() -> None:
    lines = amount_lines({S20: D('10.00'), ('E', D('0.00')): D('5.00'), S10: D('0')}, label='Avoir',
                         reasons={('E', D('0.00')): 'TVA non applicable, art. 293 B du CGI'})
    assert [(line.designation, line.quantity, line.unit_price) for line in lines] == [
        ('Avoir – TVA 20 %', D(-1), D('10.00')), ('Avoir – TVA E', D(-1), D('5.00'))]
    assert lines[1].exemption_reason.startswith('TVA non applicable')
    with pytest.raises(CreditError, match='centime'):
        amount_lines({S20: D('1.001')}, label='Avoir')
    with pytest.raises(CreditError, match='au moins un montant'):
        amount_lines({}, label='Avoir')


def test_it_refuses_a_credit_note_beyond_a_rates_base_or_the_total() -> None:
    left = left_of(invoice())
    with pytest.raises(CreditError, match='TVA 10 %'):
        check_within(left, Draft(lines=amount_lines({S10: D('100.01')}, label='A')).totals())
    with pytest.raises(CreditError, match='négatif et non nul'):
        check_within(left, Draft(lines=[]).totals())


@given(st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=6))
def test_credit_notes_by_amount_never_add_up_beyond_the_invoice(amounts_in_cents) -> None:
    original = invoice()
    credits: list[Draft] = []
    for cents in amounts_in_cents:
        credit = Draft(lines=amount_lines({S20: D(cents) / 100}, label='A'))
        try:
            check_within(left_of(original, *credits), credit.totals())
        except CreditError:
            continue
        credits.append(credit)
    left = left_of(original, *credits)
    assert left.total_ttc >= 0 and left.bases[S20] >= 0
