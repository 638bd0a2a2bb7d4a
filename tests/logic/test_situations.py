"""The arithmetic of progress invoices (IN8): cumulative, previous and delta per line, deposits and holdback."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic import situations as rules
from logic.draft import Draft
from logic.situations import Amounts, ContractLine, SituationError

D = Decimal
GUIDE = [ContractLine(line_id=i, designation=name, quantity=D(1), amount=D(amount), vat_rate=D(20))
         for i, (name, amount) in enumerate([('Béton dosé à 250 kg/m3', '160.00'), ('Ardoise pilée', '182.45'),
                                             ('Clôture en bois compo. ajourée', '252.80')], start=1)]


def bill(lines, steps):
    """The situations of `steps` (cumulative percent on every line), as lists of LineProgress."""
    previous, out = {}, []
    for percent in steps:
        situation = rules.progress(lines, previous, {line.line_id: D(percent) for line in lines})
        out.append(situation)
        previous = rules.previous_of(situation)
    return out


def test_the_guide_example_bills_30_then_45_then_25_percent_and_sums_to_the_contract():
    first, second, third = bill(GUIDE, ['30', '75', '100'])
    deltas = [sum(line.delta_amount for line in situation) for situation in (first, second, third)]
    assert deltas == [D('178.58'), D('267.86'), D('148.81')]
    assert sum(deltas) == D('595.25')
    assert [line.delta_amount for line in third] == [D('40.00'), D('45.61'), D('63.20')]
    assert [line.delta_percent for line in third] == [D(25)] * 3
    vat = [Draft(doc_type='progress_invoice', lines=rules.invoice_lines(situation, n)).totals().total_vat
           for n, situation in enumerate((first, second, third), start=1)]
    assert vat == [D('35.72'), D('53.57'), D('29.76')] and sum(vat) == D('119.05')


def test_deposits_are_deducted_in_proportion_and_the_last_situation_takes_the_rest():
    cumulative = [D('178.58'), D('446.44'), D('595.25')]
    already, parts = D('0.00'), []
    for step, value in enumerate(cumulative):
        part = rules.deposit_deduction(deposits=D('214.29'), already=already, contract_ht=D('595.25'),
                                       cumulative_ht=value, mode='proportional', final=step == 2)
        parts.append(part)
        already += part
    assert parts == [D('64.29'), D('96.43'), D('53.57')] and sum(parts) == D('214.29')
    at_end = [rules.deposit_deduction(deposits=D('214.29'), already=D(0), contract_ht=D('595.25'),
                                      cumulative_ht=value, mode='end', final=step == 2)
              for step, value in enumerate(cumulative)]
    assert at_end == [D(0), D(0), D('214.29')]


def test_the_holdback_is_kept_from_what_is_paid_not_from_the_taxable_base():
    amounts = Amounts(total_ttc=D('214.30'), deposit=D('64.29'),
                      holdback=rules.holdback(D('214.30'), rate=D(5), guarantee='holdback'))
    assert (amounts.holdback, amounts.amount_due, amounts.pay_now) == (D('10.72'), D('150.01'), D('139.29'))
    assert rules.holdback(D('214.30'), rate=D(5), guarantee='bank') == D(0)


@pytest.mark.parametrize(('rate', 'guarantee', 'message'), [
    (D('5.01'), 'holdback', '5 % au plus'), (D(-1), 'holdback', 'positif'), (D(0), 'holdback', 'taux'),
    (D(5), 'insurance', 'garantie')])
def test_it_refuses_a_holdback_above_the_legal_5_percent_and_unknown_guarantees(rate, guarantee, message):
    with pytest.raises(SituationError, match=message):
        rules.check_settings(holdback_rate=rate, guarantee=guarantee, deposit_mode='proportional')


def test_it_refuses_more_than_100_percent_a_step_back_and_nothing_billed():
    (first,) = bill(GUIDE, ['50'])
    with pytest.raises(SituationError, match='entre 0 et 100'):
        rules.progress(GUIDE, rules.previous_of(first), {1: D('100.01')})
    with pytest.raises(SituationError, match='avoir'):
        rules.progress(GUIDE, rules.previous_of(first), {1: D(40)})
    with pytest.raises(SituationError, match='Rien à facturer'):
        rules.invoice_lines(rules.progress(GUIDE, rules.previous_of(first), {}), 2)


def test_a_quantity_done_gives_the_percent_and_the_whole_line_at_the_full_quantity():
    line = ContractLine(line_id=1, designation='Enduit', quantity=D(3), amount=D('100.00'))
    (first,) = rules.progress([line], {}, {}, {1: D(1)})
    assert (first.cumulative_percent, first.cumulative_amount) == (D('33.3333'), D('33.33'))
    (last,) = rules.progress([line], rules.previous_of([first]), {}, {1: D(3)})
    assert (last.cumulative_percent, last.delta_amount) == (D(100), D('66.67'))
    with pytest.raises(SituationError, match='dépasse'):
        rules.progress([line], {}, {}, {1: D(4)})


def test_the_holdback_is_released_one_year_after_the_acceptance_of_the_works():
    assert rules.release_date(date(2026, 6, 30)) == date(2027, 6, 30)
    assert rules.release_date(date(2028, 2, 29)) == date(2029, 2, 28)


@settings(max_examples=150, deadline=None)
@given(amounts=st.lists(st.integers(min_value=1, max_value=10_000_000), min_size=1, max_size=6),
       steps=st.lists(st.integers(min_value=0, max_value=1_000_000), min_size=1, max_size=6))
def test_whatever_the_steps_the_situations_of_a_line_add_up_to_its_contract_amount(amounts, steps):
    lines = [ContractLine(line_id=i, designation='x', quantity=D(1), amount=D(cents) / 100)
             for i, cents in enumerate(amounts)]
    cumulative = sorted(D(step) / 10_000 for step in steps) + [D(100)]
    situations = bill(lines, [str(value) for value in cumulative])
    for index, line in enumerate(lines):
        assert sum(situation[index].delta_amount for situation in situations) == line.amount
        assert all(situation[index].delta_amount >= 0 for situation in situations)
