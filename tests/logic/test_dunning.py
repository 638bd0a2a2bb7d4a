"""PA6: which reminder is due, and what a late client owes on top of the principal (C. com. L441-10, D441-5)."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logic import dunning as rules
from logic.dunning import PenaltyTerms, ReferenceRate

D = Decimal
# ECB main refinancing rate: 3.15 % from 18/12/2024, cut during the first half of 2025, 2.15 % from 11/06/2025.
RATES = [ReferenceRate(kind='ecb', valid_from=date(2024, 12, 18), rate=D('3.15')),
         ReferenceRate(kind='ecb', valid_from=date(2025, 4, 23), rate=D('2.40')),
         ReferenceRate(kind='ecb', valid_from=date(2025, 6, 11), rate=D('2.15'))]
THRESHOLDS = {1: 15, 2: 30, 3: 45}


def test_a_business_client_75_days_late_pays_each_half_years_rate():
    # Due 20/05/2025, 75 days late on 03/08/2025: 41 days of the first half at 3.15 + 10 (the rate of 1 January:
    # the April cut does not count), then 34 days of the second half at 2.15 + 10 (the rate of 1 July).
    due, today = date(2025, 5, 20), date(2025, 8, 3)
    assert rules.days_late(due, today) == 75
    periods = rules.penalty_periods(D('1000.00'), due, today, RATES, PenaltyTerms())
    assert [(p.start, p.end, p.days, p.rate) for p in periods] == [
        (date(2025, 5, 21), date(2025, 6, 30), 41, D('13.15')), (date(2025, 7, 1), date(2025, 8, 3), 34, D('12.15'))]
    # 1000 x 13.15 % x 41 / 365 = 14.7712 ; 1000 x 12.15 % x 34 / 365 = 11.3178
    assert [p.amount for p in periods] == [D('14.77'), D('11.32')]
    assert rules.late_penalties(D('1000.00'), due, today, RATES, PenaltyTerms(), business=True) == D('26.09')


def test_a_private_client_owes_no_penalties_and_no_indemnity():
    due, today = date(2025, 5, 20), date(2025, 8, 3)
    assert not rules.is_business(False, 'individual')
    assert rules.late_penalties(D('1000.00'), due, today, RATES, PenaltyTerms(), business=False) == D('0.00')
    assert rules.indemnities([1, 2], business=False) == [D('0.00'), D('0.00')]


def test_the_recovery_indemnity_is_40_euros_per_invoice_not_per_installment():
    assert rules.indemnities([5, 5, 5, 9], business=True) == [D('40.00'), D('0.00'), D('0.00'), D('40.00')]


def test_penalties_start_the_day_after_the_due_date():
    due = date(2025, 3, 10)
    assert rules.late_penalties(D('500.00'), due, due, RATES, PenaltyTerms(), business=True) == D('0.00')
    [period] = rules.penalty_periods(D('500.00'), due, date(2025, 3, 11), RATES, PenaltyTerms())
    assert (period.start, period.days) == (date(2025, 3, 11), 1)


def test_a_contractual_rate_replaces_the_ecb_rate_but_not_below_three_times_the_legal_rate():
    rates = [*RATES, ReferenceRate(kind='legal', valid_from=date(2025, 1, 1), rate=D('3.71'))]
    assert rules.semester_rate(date(2025, 1, 1), rates, PenaltyTerms(basis='fixed', fixed_rate=D('15'))) == D('15')
    assert rules.semester_rate(date(2025, 1, 1), rates, PenaltyTerms(basis='fixed', fixed_rate=D('5'))) == D('11.13')
    assert rules.semester_rate(date(2025, 1, 1), rates, PenaltyTerms(basis='legal_x3')) == D('11.13')


def test_a_half_year_without_a_known_rate_is_refused_rather_than_guessed():
    with pytest.raises(rules.RateMissing):
        rules.penalty_periods(D('100.00'), date(2024, 1, 10), date(2024, 2, 10), RATES, PenaltyTerms())


@pytest.mark.parametrize(('late', 'sent', 'expected'), [
    (14, 0, None), (15, 0, 1), (29, 1, None), (30, 1, 2), (200, 0, 1), (200, 1, 2), (200, 2, 3), (200, 3, None)])
def test_levels_come_in_order_once_their_delay_is_reached(late, sent, expected):
    assert rules.level_due(late, THRESHOLDS, sent, days_since_last=100) == expected


def test_the_next_level_waits_for_the_gap_between_the_levels_after_a_reminder():
    assert rules.level_due(200, THRESHOLDS, 1, days_since_last=14) is None
    assert rules.level_due(200, THRESHOLDS, 1, days_since_last=15) == 2


def test_the_levels_delays_must_grow():
    rules.check_thresholds({1: 10, 2: 20, 3: 30})
    with pytest.raises(ValueError, match='niveau 3'):
        rules.check_thresholds({1: 10, 2: 20, 3: 20})


def test_a_sum_paid_late_bears_penalties_until_the_day_it_was_paid():
    """1,000.00 due 20 May 2025, 400.00 paid 10 June, 600.00 still owed on 3 August: the 400.00 count until 10 June."""
    due, today, paid = date(2025, 5, 20), date(2025, 8, 3), [(date(2025, 6, 10), D('400.00'))]
    periods = rules.penalty_periods(D('600.00'), due, today, RATES, PenaltyTerms(), paid_late=paid)
    assert [(p.start, p.end, p.days, p.base, p.rate, p.amount) for p in periods] == [
        (date(2025, 5, 21), date(2025, 6, 10), 21, D('1000.00'), D('13.15'), D('7.57')),
        (date(2025, 6, 11), date(2025, 6, 30), 20, D('600.00'), D('13.15'), D('4.32')),
        (date(2025, 7, 1), date(2025, 8, 3), 34, D('600.00'), D('12.15'), D('6.79'))]
    assert rules.late_penalties(D('600.00'), due, today, RATES, PenaltyTerms(), business=True,
                                paid_late=paid) == D('18.68')
    # Paid on or before the due date: never late; paid today: owed until today, as if still owed.
    on_time = [(due, D('400.00'))]
    assert rules.late_penalties(D('600.00'), due, today, RATES, PenaltyTerms(), business=True,
                                paid_late=on_time) == D('15.65')
    assert rules.late_penalties(D('600.00'), due, today, RATES, PenaltyTerms(), business=True,
                                paid_late=[(today, D('400.00'))]) == D('26.09')


MEMO = {}  # one proposal's memo: kept across the examples, as across a proposal's installments


@given(amount=st.decimals(min_value=D('0.01'), max_value=D('999999.99'), places=2),
       due=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
       late=st.integers(min_value=0, max_value=900), paid=st.lists(st.tuples(
           st.integers(min_value=-30, max_value=900), st.decimals(min_value=D('0.00'), max_value=D('5000.00'),
                                                                 places=2)), max_size=3))
def test_the_memo_of_a_proposal_changes_no_penalty(amount, due, late, paid):
    """A proposal remembers the half-years of each due date (logic.dunning.late_penalties): to the cent what the
    periods give, paid late or not."""
    today = due + timedelta(days=late)
    paid_late = [(due + timedelta(days=offset), value) for offset, value in paid]
    expected = sum((p.amount for p in rules.penalty_periods(amount, due, today, RATES, PenaltyTerms(),
                                                            paid_late=paid_late)), D('0.00'))
    assert rules.late_penalties(amount, due, today, RATES, PenaltyTerms(), business=True, memo=MEMO,
                                paid_late=paid_late) == expected
