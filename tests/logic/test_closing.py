"""Closings, the pure part (issue 13): periods and fiscal years, due periods, totals, perpetual totals, fingerprint."""
from datetime import date
from decimal import Decimal

from logic.closing import (
    DocumentRow,
    PaymentRow,
    compute_totals,
    due_periods,
    fingerprint,
    fiscal_year,
    fiscal_year_of,
    month,
    months_of,
    payload,
    perpetual_after,
)

D = Decimal


def test_fiscal_years_are_named_after_the_year_they_end_in():
    assert fiscal_year(2026, 1) == fiscal_year_of(date(2026, 6, 1), 1)
    assert (fiscal_year(2026, 1).start, fiscal_year(2026, 1).end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert fiscal_year_of(date(2026, 12, 6), 12).end == date(2027, 11, 30)
    assert fiscal_year(2026, 12).label == 'Exercice 01/12/2025 – 30/11/2026'
    assert len(months_of(fiscal_year(2026, 7))) == 12


def test_due_periods_are_the_months_over_then_the_years_over():
    due = due_periods(date(2025, 11, 20), None, set(), today=date(2026, 1, 3), start_month=1)
    assert [period.key for period in due] == [f'2025-{number:02d}' for number in range(1, 13)] + ['2025']
    assert due_periods(date(2025, 11, 20), date(2025, 12, 31), {date(2025, 1, 1)}, today=date(2026, 1, 3),
                       start_month=1) == []
    assert due_periods(None, None, set(), today=date(2026, 1, 3), start_month=1) == []
    assert due_periods(date(2026, 1, 5), None, set(), today=date(2026, 1, 31), start_month=1) == []


def test_totals_sum_per_type_rate_method_and_series():
    invoice = DocumentRow(doc_type='invoice', series='invoice', number='F2026-00010', total_ht=D('100.00'),
                          total_vat=D('20.00'), total_ttc=D('120.00'),
                          vat_lines=(('S', D('20'), D('100.00'), D('20.00')),))
    note = DocumentRow(doc_type='credit_note', series='credit_note', number='AV2026-00001', total_ht=D('-50.00'),
                       total_vat=D('-10.00'), total_ttc=D('-60.00'), vat_lines=(('S', D('20'), D('-50.00'), D('-10.00')),))
    second = DocumentRow(doc_type='invoice', series='invoice', number='F2026-00009', total_ht=D('10.00'),
                         total_vat=D('0.55'), total_ttc=D('10.55'), vat_lines=(('S', D('5.5'), D('10.00'), D('0.55')),))
    totals = compute_totals([invoice, note, second], [
        PaymentRow(label='REG2026-000002', position=2, kind='reversal', method='cash', amount=D('-5.00')),
        PaymentRow(label='REG2026-000001', position=1, kind='settlement', method='cash', amount=D('5.00')),
        PaymentRow(label='REG2026-000003', position=3, kind='write_off', method='', amount=D('30.00'))])
    assert totals['documents'] == {'count': 3, 'total_ht': '60.00', 'total_vat': '10.55', 'total_ttc': '70.55',
                                   'absolute_ttc': '190.55'}
    assert totals['by_type']['credit_note']['total_ttc'] == '-60.00'
    assert totals['by_vat_rate'] == [{'category': 'S', 'rate': '5.50', 'base': '10.00', 'vat': '0.55'},
                                     {'category': 'S', 'rate': '20.00', 'base': '50.00', 'vat': '10.00'}]
    assert totals['by_method'] == {'cash': {'count': 2, 'total': '0.00'}, 'write_off': {'count': 1, 'total': '30.00'}}
    assert totals['series']['invoice'] == {'count': 2, 'first': 'F2026-00009', 'last': 'F2026-00010'}
    assert totals['series']['payment'] == {'count': 3, 'first': 'REG2026-000001', 'last': 'REG2026-000003'}
    assert perpetual_after({'total_ttc': '1000.00', 'absolute_ttc': '1000.00', 'payments': '0.00'}, totals) == {
        'total_ttc': '1070.55', 'absolute_ttc': '1190.55', 'payments': '30.00'}


def test_the_fingerprint_changes_with_any_figure_and_survives_a_json_round_trip():
    import json

    data = payload(period=month(2026, 11), totals=compute_totals([], []), perpetual={'total_ttc': '1.00'},
                   chains={'invoice': {'position': 3, 'label': 'F2026-00003', 'hash': 'a' * 64}},
                   states={'count': 0}, previous_fingerprint='', company={'name': 'Atelier'}, public_key='b' * 64,
                   closed_at='2026-12-01T08:00:00+00:00', closed_by='Alice')
    assert fingerprint(json.loads(json.dumps(data))) == fingerprint(data)
    assert fingerprint(dict(data, perpetual={'total_ttc': '1.01'})) != fingerprint(data)
