"""Deposits (QU4, DE3): amounts on a quote, and the deposit invoice's lines per VAT rate of the quote."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic.deposits import (DepositError, UnpaidDeposits, VatShare, check_total, deposit_amount, deposit_lines,
                            designation, vat_shares)
from logic.draft import Draft, DraftLine
from logic.render.mentions import mentions
from logic.snapshot import DocumentSnapshot, Party

D = Decimal


def test_a_percentage_deposit_is_truncated_to_the_cent() -> None:
    assert deposit_amount(D('1000.05'), percent=D(30)) == D('300.01')
    assert deposit_amount(D('1234.56'), percent=D(100)) == D('1234.56')
    assert deposit_amount(D('1234.56'), amount=D('500.00')) == D('500.00')


@pytest.mark.parametrize('kwargs, message', [
    ({'percent': D(0)}, 'compris entre 0'), ({'percent': D('100.01')}, 'compris entre 0'),
    ({'percent': D('-5')}, 'compris entre 0'), ({'amount': D('0')}, 'supérieur à zéro'),
    ({'amount': D('-10')}, 'supérieur à zéro'), ({'amount': D('10.005')}, 'au centime'),
    ({}, 'l’un des deux'), ({'amount': D(10), 'percent': D(10)}, 'l’un des deux'),
    ({'percent': D('0.0001')}, 'ne fait pas un centime'),
])
def test_it_refuses_deposits_that_make_no_sense_in_french(kwargs, message) -> None:
    with pytest.raises(DepositError, match=message):
        deposit_amount(D('100.00'), **kwargs)


def test_deposits_together_never_exceed_the_quote() -> None:
    check_total(D('1000.00'), [D('300.00'), D('700.00')])
    with pytest.raises(DepositError, match='plus que le total du devis'):
        check_total(D('1000.00'), [D('300.00'), D('700.01')])


@given(st.decimals(min_value=D('0.01'), max_value=D('999999.99'), places=2),
       st.lists(st.decimals(min_value=D('0.01'), max_value=D(100), places=2), min_size=1, max_size=5))
@settings(database=None, deadline=None)
def test_percentages_up_to_100_never_exceed_the_quote(total: Decimal, percents: list[Decimal]) -> None:
    if sum(percents) > 100:
        return
    amounts = [(total * p / 100).quantize(D('0.01'), 'ROUND_DOWN') for p in percents]
    if any(amount <= 0 for amount in amounts):
        return
    check_total(total, [deposit_amount(total, percent=p) for p in percents])


def test_the_designation_names_the_percentage_or_the_amount_and_the_quote() -> None:
    assert designation('D2026-00012', percent=D(30)) == 'Acompte de 30 % sur le devis n° D2026-00012'
    assert designation('D2026-00012', percent=D('12.5')) == 'Acompte de 12,5 % sur le devis n° D2026-00012'
    assert designation('D2026-00012', amount=D('1000.00')).replace('\u202f', ' ').replace('\xa0', ' ') == (
        'Acompte de 1 000,00 € sur le devis n° D2026-00012')


def test_the_deposit_takes_one_line_per_vat_rate_of_the_quote_in_proportion() -> None:
    quote = Draft(doc_type='quote', lines=[
        DraftLine(designation='Pose', quantity=D(1), unit_price=D('1000'), vat_rate=D(20)),
        DraftLine(designation='Isolation', quantity=D(1), unit_price=D('200'), vat_rate=D('5.5'), nature='good'),
        DraftLine(designation='Export', quantity=D(1), unit_price=D('100'), vat_rate=D(0), vat_category='E',
                  exemption_reason='Exonération de TVA, article 262 I du CGI'),
    ])
    totals = quote.totals()  # TTC per group: 1200,00 / 211,00 / 100,00 = 1511,00
    shares = vat_shares(totals.vat_groups, quote.lines, totals.line_nets)
    assert [(s.category, s.rate, s.ttc, s.nature) for s in shares] == [
        ('S', D('20.00'), D('1200.00'), 'service'), ('S', D('5.50'), D('211.00'), 'good'),
        ('E', D('0.00'), D('100.00'), 'service')]
    lines = deposit_lines(shares, D('453.30'), 'Acompte de 30 % sur le devis n° D2026-00012')
    # 453,30 x 1200 / 1511 = 360,00; x 211 / 1511 = 63,30; the last takes the rest: 30,00
    assert [line.unit_price for line in lines] == [D('360.00'), D('63.30'), D('30.00')]
    assert [line.designation.rsplit('– ', 1)[1] for line in lines] == ['TVA 20 %', 'TVA 5,5 %', 'TVA E']
    assert lines[2].exemption_reason.startswith('Exonération') and lines[1].nature == 'good'
    deposit = Draft(doc_type='deposit_invoice', vat_included=True, lines=lines).totals()
    assert deposit.total_ttc == D('453.30')
    assert [(g.base, g.vat) for g in deposit.vat_groups] == [(D('300.00'), D('60.00')), (D('60.00'), D('3.30')),
                                                             (D('30.00'), D('0.00'))]


@given(st.decimals(min_value=D('0.01'), max_value=D('99999.99'), places=2),
       st.lists(st.tuples(st.sampled_from(['20', '10', '5.5', '2.1']),
                          st.decimals(min_value=D('0.01'), max_value=D('99999.99'), places=2)),
                min_size=1, max_size=4, unique_by=lambda item: item[0]))
@settings(database=None, max_examples=300, deadline=None)
def test_a_deposit_invoice_always_totals_the_amount_received(amount: Decimal, groups) -> None:
    shares = [VatShare(category='S', rate=D(rate).quantize(D('0.01')), ttc=ttc) for rate, ttc in groups]
    lines = deposit_lines(shares, amount, 'Acompte')
    assert all(line.unit_price > 0 for line in lines)
    totals = Draft(doc_type='deposit_invoice', vat_included=True, lines=lines).totals()
    assert totals.total_ttc == amount


def test_a_quote_with_nothing_to_pay_gives_no_deposit_lines() -> None:
    with pytest.raises(DepositError, match='pas de montant'):
        deposit_lines([VatShare(category='S', rate=D(20), ttc=D('-10.00'))], D('5.00'), 'Acompte')


def test_unpaid_deposits_say_how_many_and_how_much() -> None:
    class Item:
        amount, paid_amount = D('300.00'), D('0.00')

    refusal = UnpaidDeposits([Item(), Item()])
    assert '2 acomptes du devis restent à régler' in str(refusal) and len(refusal.installments) == 2


def snapshot(doc_type: str, **extra) -> DocumentSnapshot:
    z = D('0.00')
    return DocumentSnapshot(doc_type=doc_type, number='F2026-00003', issue_date=date(2026, 3, 12),
                            seller=Party(name='Atelier Durand'), buyer=Party(name='Mme Petit', category='individual'),
                            lines=(), vat_lines=(), lines_total=z, allowance_total=z, charge_total=z, total_ht=z,
                            total_vat=z, total_ttc=z, amount_due=z, extra=extra)


def test_a_deposit_invoice_cites_its_quote_and_the_date_received_when_it_differs() -> None:
    texts = mentions(snapshot('deposit_invoice', quote_number='D2026-00012', quote_date='2026-03-05',
                              received_on='2026-03-10'))
    assert 'Acompte sur le devis n° D2026-00012 du 05/03/2026.' in texts
    assert 'Acompte encaissé le 10/03/2026.' in texts
    same_day = mentions(snapshot('deposit_invoice', quote_number='D2026-00012', quote_date='2026-03-05',
                                 received_on='2026-03-12'))
    assert not any(text.startswith('Acompte encaissé') for text in same_day)


def test_a_deposit_request_says_it_is_not_an_invoice() -> None:
    texts = mentions(snapshot('deposit_request', quote_number='D2026-00012', quote_date='2026-03-05'))
    assert any('pas une facture' in text for text in texts)
