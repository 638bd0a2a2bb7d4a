from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic.schedule import ScheduleError, check_amounts, split_by_percentages, split_evenly

D = Decimal
totals = st.decimals(min_value=D('-99999999.99'), max_value=D('99999999.99'), places=2)


@pytest.mark.parametrize(('total', 'count', 'parts'), [
    ('100.00', 3, ['33.33', '33.33', '33.34']),
    ('200.00', 3, ['66.66', '66.66', '66.68']),
    ('-100.00', 3, ['-33.33', '-33.33', '-33.34']),
    ('0.01', 3, ['0.00', '0.00', '0.01']),
    ('714.30', 1, ['714.30']),
    ('0.00', 2, ['0.00', '0.00']),
])
def test_it_splits_evenly_and_the_last_part_takes_the_remainder(total: str, count: int, parts: list[str]) -> None:
    assert [str(part) for part in split_evenly(D(total), count)] == parts


@pytest.mark.parametrize('count', [0, -1, 121])
def test_it_refuses_an_absurd_number_of_installments(count: int) -> None:
    with pytest.raises(ScheduleError, match="^Le nombre d'échéances doit être compris entre 1 et 120.$"):
        split_evenly(D('100.00'), count)


@pytest.mark.parametrize(('total', 'percentages', 'parts'), [
    ('1000.05', ['30', '70'], ['300.01', '700.04']),
    ('-1000.05', ['30', '70'], ['-300.01', '-700.04']),
    ('100.00', ['33.33', '33.33', '33.34'], ['33.33', '33.33', '33.34']),
    ('0.02', ['25', '25', '25', '25'], ['0.00', '0.00', '0.00', '0.02']),
])
def test_it_splits_by_percentages(total: str, percentages: list[str], parts: list[str]) -> None:
    assert [str(part) for part in split_by_percentages(D(total), [D(p) for p in percentages])] == parts


@pytest.mark.parametrize(('percentages', 'message'), [
    (['30', '60'], 'Les pourcentages doivent totaliser 100 % (total actuel : 90 %).'),
    (['50', '50.5'], 'Les pourcentages doivent totaliser 100 % (total actuel : 100,5 %).'),
    (['110', '-10'], 'Chaque pourcentage doit être supérieur à 0 %.'),
    ([], 'Indiquez au moins une échéance.'),
])
def test_it_refuses_percentages_that_do_not_make_a_whole(percentages: list[str], message: str) -> None:
    with pytest.raises(ScheduleError) as error:
        split_by_percentages(D('100.00'), [D(p) for p in percentages])
    assert str(error.value) == message


def test_it_accepts_amounts_that_sum_exactly_to_the_total() -> None:
    check_amounts(D('714.30'), [D('300.00'), D('414.30')])
    check_amounts(D('-714.30'), [D('-300.00'), D('-414.30')])
    check_amounts(D('0.00'), [D('0.00')])


@pytest.mark.parametrize(('total', 'amounts', 'message'), [
    ('714.30', ['300.00', '400.00'],
     'Les échéances totalisent 700,00\u00a0€ au lieu de 714,30\u00a0€ (écart : 14,30\u00a0€).'),
    ('714.30', [], 'Indiquez au moins une échéance.'),
    ('714.30', ['714.295', '0.005'], 'Le montant de chaque échéance doit être au centime près.'),
    ('100.00', ['150.00', '-50.00'], "Chaque échéance d'une facture doit être positive ou nulle."),
    ('-100.00', ['-150.00', '50.00'], "Chaque échéance d'un avoir doit être négative ou nulle."),
])
def test_it_refuses_amounts_that_do_not_make_the_total(total: str, amounts: list[str], message: str) -> None:
    with pytest.raises(ScheduleError) as error:
        check_amounts(D(total), [D(a) for a in amounts])
    assert str(error.value) == message


def test_it_refuses_a_total_that_is_not_at_the_cent() -> None:
    with pytest.raises(ValueError):
        split_evenly(D('10.005'), 2)


@given(totals, st.integers(min_value=1, max_value=120))
@settings(database=None)
def test_even_parts_always_sum_to_the_total_and_keep_its_sign(total: Decimal, count: int) -> None:
    parts = split_evenly(total, count)
    assert len(parts) == count and sum(parts) == total
    assert all(part * total >= 0 and part.as_tuple().exponent == -2 for part in parts)
    check_amounts(total, parts)
    assert split_evenly(-total, count) == [-part for part in parts]


@given(totals, st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=12))
@settings(database=None)
def test_percentage_parts_always_sum_to_the_total_and_keep_its_sign(total: Decimal, weights: list[int]) -> None:
    # Percentages with two decimals summing to exactly 100 (each at least 0,08 %): the last takes what is left.
    scale = sum(weights)
    percentages = [(D(w) * 100 / scale).quantize(D('0.01'), 'ROUND_DOWN') for w in weights[:-1]]
    percentages.append(D(100) - sum(percentages, D(0)))
    parts = split_by_percentages(total, percentages)
    assert sum(parts) == total
    assert all(part * total >= 0 for part in parts)
    check_amounts(total, parts)
