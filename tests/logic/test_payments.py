"""The pure payment rules: statuses, the checks and their French messages, the chained payload, the summary buckets."""
import doctest
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

import logic.payments
from logic.errors import DomainError
from logic.integrity import canonical
from logic.payments import (DISPLAY_LABELS, PaymentError, chain_payload, check_date, check_method, check_settlement,
                            classify, direction, installment_display, label_of, open_amount, status_of, type_of)

D = Decimal
TODAY = date(2026, 3, 9)
cents = st.integers(min_value=1, max_value=10**9).map(lambda value: Decimal(value) / 100)


def test_the_examples_of_the_module_hold():
    results = doctest.testmod(logic.payments)
    assert results.attempted and not results.failed


def test_an_installment_is_paid_only_when_settled_to_the_cent():
    assert status_of(D('240.00'), D('0.00')) == 'open'
    assert status_of(D('240.00'), D('239.99')) == 'open'
    assert status_of(D('240.00'), D('240.00')) == 'paid'
    assert status_of(D('-72.00'), D('-72.00')) == 'paid'


@pytest.mark.parametrize('amount, message', [
    (D('0'), 'supérieur à 0'),
    (D('-1'), 'supérieur à 0'),
    (D('0.001'), 'au centime'),
    (D('100.01'), 'Le montant dépasse le reste à payer (100,00'),
    (D('NaN'), 'Indiquez le montant'),
    (12, 'Indiquez le montant'),
])
def test_it_refuses_a_wrong_amount_with_a_french_message(amount, message):
    with pytest.raises(PaymentError, match=message.replace('(', r'\(')):
        check_settlement(amount, left=D('100.00'), paid_on=TODAY, today=TODAY)


def test_a_refusal_is_a_domain_error_the_page_shows():
    assert issubclass(PaymentError, DomainError)


def test_it_refuses_a_future_or_missing_date_but_takes_today_and_the_past():
    with pytest.raises(PaymentError, match='futur'):
        check_date(date(2026, 3, 10), today=TODAY)
    with pytest.raises(PaymentError, match='date'):
        check_date(None, today=TODAY)
    assert check_date(date(2020, 1, 1), today=TODAY) == date(2020, 1, 1)


def test_a_credit_note_imputation_is_not_a_method_a_user_can_pick():
    assert check_method('cheque') == 'cheque'
    with pytest.raises(PaymentError, match='mode de règlement'):
        check_method('credit_note')
    assert check_method('credit_note', allowed=('credit_note',)) == 'credit_note'


@given(left=cents, amount=cents)
def test_what_is_accepted_never_exceeds_what_is_left(left, amount):
    try:
        accepted = check_settlement(amount, left=left, paid_on=TODAY, today=TODAY)
    except PaymentError:
        assert amount > left
    else:
        assert accepted == amount and 0 < accepted <= left and accepted.as_tuple().exponent == -2


def test_a_refund_goes_the_other_way():
    assert (direction(D('240.00')), direction(D('-72.00'))) == (1, -1)
    assert open_amount(D('-72.00'), D('-30.00')) == D('42.00')


def test_labels_sort_in_the_order_payments_were_recorded():
    assert label_of(2026, 1) == 'REG2026-000001'
    assert sorted([label_of(2026, 10), label_of(2026, 9)]) == [label_of(2026, 9), label_of(2026, 10)]
    assert len(label_of(2026, 999_999)) <= 35


def test_the_chained_payload_is_canonical_and_covers_every_stored_figure():
    values = dict(id=7, installment_id=3, document_id=2, kind='reversal', amount=D('-12.5'), paid_on=TODAY,
                  method='cheque', reference='0012345', reason='Sans provision', reverses_id=6,
                  label='REG2026-000007', client_name='Camille Petit', created_by_id=1)
    payload = chain_payload(**values)
    assert payload['amount'] == D('-12.50') and payload['payload_version'] == 1
    assert b'"amount":"-12.50"' in canonical(payload)
    for name, other in [('amount', D('12.50')), ('paid_on', date(2026, 3, 8)), ('method', 'cash'),
                        ('installment_id', 4), ('reverses_id', None), ('client_name', 'X')]:
        assert canonical(chain_payload(**{**values, name: other})) != canonical(payload)


@pytest.mark.parametrize('status, due, bucket', [
    ('open', date(2026, 3, 8), 'overdue'),
    ('open', TODAY, 'not_due'),          # due today is not late yet
    ('open', date(2026, 4, 1), 'not_due'),
    ('paid', date(2026, 1, 1), 'paid'),
    ('irrecoverable', date(2026, 1, 1), 'irrecoverable'),
])
def test_each_installment_falls_in_one_summary_bucket(status, due, bucket):
    assert classify(status, due, today=TODAY) == bucket


def test_the_type_of_a_written_off_installment_is_irrecoverable():
    assert [type_of('installment', 'open'), type_of('deposit', 'paid'), type_of('deposit', 'irrecoverable')] == [
        'installment', 'deposit', 'irrecoverable']


@pytest.mark.parametrize('status, amount, paid, due, kind, shown', [
    ('planned', D('100.00'), D('0.00'), date(2026, 1, 1), 'installment', ('planned', 'Prévue')),
    ('open', D('100.00'), D('0.00'), TODAY, 'installment', ('open', 'En attente')),  # due today is not late yet
    ('open', D('100.00'), D('0.01'), date(2026, 4, 1), 'installment', ('partial', 'Réglée en partie')),
    ('open', D('100.00'), D('0.00'), date(2026, 3, 8), 'installment', ('overdue', 'En retard')),
    ('open', D('100.00'), D('60.00'), date(2026, 3, 8), 'installment', ('overdue', 'En retard, réglée en partie')),
    ('paid', D('100.00'), D('100.00'), date(2026, 1, 1), 'installment', ('paid', 'Réglée')),  # late but paid
    ('irrecoverable', D('100.00'), D('30.00'), date(2026, 1, 1), 'installment', ('irrecoverable', 'Irrécouvrable')),
    ('cancelled', D('100.00'), D('0.00'), date(2026, 1, 1), 'installment', ('cancelled', 'Annulée')),
    ('planned', D('300.00'), D('0.00'), date(2026, 4, 1), 'deposit', ('planned', 'Prévu')),
    ('open', D('300.00'), D('100.00'), date(2026, 4, 1), 'deposit', ('partial', 'Réglé en partie')),
    ('open', D('300.00'), D('100.00'), date(2026, 3, 1), 'deposit', ('overdue', 'En retard, réglé en partie')),
    ('paid', D('300.00'), D('300.00'), date(2026, 4, 1), 'deposit', ('paid', 'Réglé')),
    ('open', D('-80.00'), D('-30.00'), date(2026, 4, 1), 'refund', ('partial', 'Remboursé en partie')),  # money back
    ('open', D('-80.00'), D('0.00'), date(2026, 1, 1), 'refund', ('open', 'À rembourser')),  # owed, never "late"
    ('paid', D('-80.00'), D('-80.00'), date(2026, 4, 1), 'refund', ('paid', 'Remboursé')),
])
def test_an_installment_shows_one_state_whatever_the_screen(status, amount, paid, due, kind, shown):
    assert installment_display(status, amount, paid, due, TODAY, kind) == shown


@given(paid=cents, late=st.booleans())
def test_a_partly_paid_installment_always_says_so(paid, late):
    amount = paid + D('0.01')
    due = date(2026, 3, 1) if late else date(2026, 4, 1)
    key, label = installment_display('open', amount, paid, due, TODAY)
    assert key == ('overdue' if late else 'partial') and label.endswith('églée en partie')


def test_every_display_key_has_a_label_and_an_unknown_status_is_a_bug():
    assert set(DISPLAY_LABELS) == {'planned', 'open', 'partial', 'overdue', 'debited', 'paid', 'credited',
                                   'irrecoverable', 'cancelled'}
    with pytest.raises(ValueError):
        installment_display('lost', D('1.00'), D('0.00'), TODAY, TODAY)


@pytest.mark.parametrize('status, amount, paid, imputed, kind, shown', [
    # A credit note wholly imputed on its invoice: nothing was refunded.
    ('paid', D('-54.00'), D('-54.00'), D('-54.00'), 'refund', ('imputed', 'Imputé')),
    ('paid', D('-54.00'), D('-54.00'), D('-20.00'), 'refund', ('paid', 'Remboursé')),
    ('open', D('-54.00'), D('-20.00'), D('-20.00'), 'refund', ('open', 'À rembourser')),
    # An installment a credit note reduced: nothing received is not "Réglée en partie".
    ('open', D('228.00'), D('54.00'), D('54.00'), 'installment', ('open', 'En attente')),
    ('open', D('228.00'), D('104.00'), D('54.00'), 'installment', ('partial', 'Réglée en partie')),
    ('paid', D('240.00'), D('240.00'), D('240.00'), 'installment', ('credited', 'Soldée par avoir')),
])
def test_a_credit_note_imputation_is_not_shown_as_money(status, amount, paid, imputed, kind, shown):
    assert installment_display(status, amount, paid, date(2026, 4, 1), TODAY, kind, imputed) == shown
