from datetime import date, timedelta

import pytest

from logic.terms import (
    DEFAULT_TERMS,
    PaymentTerms,
    TermsError,
    b2b_ceiling,
    b2b_due_date_problem,
    describe,
    due_date,
    legal_warning,
)


@pytest.mark.parametrize(('issue', 'days', 'end_of_month', 'due'), [
    (date(2026, 3, 9), 0, False, date(2026, 3, 9)),
    (date(2026, 3, 9), 30, False, date(2026, 4, 8)),
    (date(2026, 1, 31), 30, False, date(2026, 3, 2)),
    (date(2026, 1, 31), 30, True, date(2026, 3, 31)),
    (date(2026, 1, 20), 45, True, date(2026, 3, 31)),
    (date(2026, 1, 10), 30, True, date(2026, 2, 28)),
    (date(2028, 1, 10), 30, True, date(2028, 2, 29)),  # leap year
    (date(2028, 1, 30), 30, True, date(2028, 2, 29)),
    (date(2024, 2, 10), 0, True, date(2024, 2, 29)),
    (date(2100, 2, 1), 0, True, date(2100, 2, 28)),  # not a leap year: divisible by 100, not by 400
    (date(2026, 12, 15), 30, True, date(2027, 1, 31)),  # across the new year
    (date(2026, 2, 28), 60, False, date(2026, 4, 29)),
])
def test_it_computes_due_dates_including_month_ends_and_leap_years(issue: date, days: int, end_of_month: bool,
                                                                      due: date) -> None:
    assert due_date(issue, PaymentTerms(days=days, end_of_month=end_of_month)) == due


@pytest.mark.parametrize(('terms', 'text'), [
    (PaymentTerms(days=0), 'À réception'),
    (PaymentTerms(days=0, end_of_month=True), 'Fin de mois'),
    (PaymentTerms(days=1), '1 jour'),
    (PaymentTerms(days=30), '30 jours'),
    (PaymentTerms(days=45, end_of_month=True), '45 jours fin de mois'),
    (PaymentTerms(days=30, label=' Comptant '), 'Comptant'),
])
def test_it_describes_terms_in_french(terms: PaymentTerms, text: str) -> None:
    assert describe(terms) == text


@pytest.mark.parametrize(('days', 'end_of_month'), [(0, False), (60, False), (0, True), (45, True)])
def test_it_stays_quiet_within_the_legal_ceilings(days: int, end_of_month: bool) -> None:
    assert legal_warning(PaymentTerms(days=days, end_of_month=end_of_month)) is None


def test_it_warns_beyond_sixty_days_from_the_invoice_date() -> None:
    warning = legal_warning(PaymentTerms(days=61))
    assert warning and '60 jours' in warning and 'L441-10' in warning


def test_it_warns_beyond_forty_five_days_end_of_month() -> None:
    warning = legal_warning(PaymentTerms(days=46, end_of_month=True))
    assert warning and '45 jours fin de mois' in warning and 'L441-10' in warning


@pytest.mark.parametrize('days', [-1, 366])
def test_it_refuses_terms_out_of_range_with_a_french_message(days: int) -> None:
    with pytest.raises(TermsError, match='^Le délai de paiement doit être compris entre 0 et 365 jours.$'):
        PaymentTerms(days=days)


def test_it_refuses_days_that_are_not_integers() -> None:
    with pytest.raises(TypeError):
        PaymentTerms(days=30.0)


def test_its_default_terms_are_distinct_and_all_legal() -> None:
    assert [describe(terms) for terms in DEFAULT_TERMS] == [
        'À réception', '30 jours', '30 jours fin de mois', '45 jours fin de mois', '60 jours']
    assert all(legal_warning(terms) is None for terms in DEFAULT_TERMS)


@pytest.mark.parametrize(('issue', 'ceiling'), [
    (date(2026, 1, 1), date(2026, 3, 2)),     # 60 days (45 days end of month: 28 February)
    (date(2026, 1, 20), date(2026, 3, 31)),   # 45 days end of month: 6 March, then 31 March (60 days: 21 March)
    (date(2026, 3, 9), date(2026, 5, 8)),     # 60 days (45 days end of month: 23 April, then 30 April)
    (date(2026, 12, 31), date(2027, 3, 1)),   # 60 days; 45 days is 14 February, end of month 28 February
    (date(2027, 12, 31), date(2028, 2, 29)),  # leap year: both readings give 29 February
])
def test_the_business_ceiling_is_the_later_of_sixty_days_and_forty_five_days_end_of_month(issue, ceiling) -> None:
    assert b2b_ceiling(issue) == ceiling
    assert b2b_due_date_problem(issue, ceiling) is None
    problem = b2b_due_date_problem(issue, ceiling + timedelta(days=1))
    assert problem and 'article L441-10 du Code de commerce' in problem


def test_every_default_terms_gives_a_due_date_within_the_business_ceiling() -> None:
    for issue in (date(2026, 1, 1) + timedelta(days=n) for n in range(366)):
        assert all(due_date(issue, terms) <= b2b_ceiling(issue) for terms in DEFAULT_TERMS)
