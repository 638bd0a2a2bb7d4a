"""PA5 rules: mandates lapse after 36 months unused, the collection date respects the pre-notification and TARGET2
days, and an invoice paid by direct debit carries BT-89/90/91 in a Factur-X XML that still passes every check."""
from dataclasses import replace
from datetime import date

import pytest
from lxml import etree

from logic import sepa
from logic.facturx import checker
from logic.facturx.cii import NS, build_cii
from logic.facturx.ubl import build_ubl
from logic.render.mentions import mentions
from logic.sepa import SepaError
from tests import samples

DEBIT = {'mandate': 'RUM-BM-0001', 'creditor_id': 'FR72ZZZ123456', 'iban': 'FR7630006000011234567890189'}


def debited_invoice():
    return replace(samples.invoice_three_rates(), payment_means='59', payment_method='Prélèvement à 30 jours',
                   extra={'direct_debit': DEBIT})


@pytest.fixture(scope='module', autouse=True)
def _checker():
    yield
    checker.shutdown()


def test_a_mandate_unused_for_36_months_lapses_and_a_use_renews_it():
    signed = date(2023, 3, 15)
    assert sepa.mandate_state('active', 'recurrent', signed, None, today=date(2026, 3, 14)) == 'active'
    assert sepa.mandate_state('active', 'recurrent', signed, None, today=date(2026, 3, 15)) == 'lapsed'
    assert sepa.mandate_state('active', 'recurrent', signed, date(2025, 1, 5), today=date(2026, 3, 15)) == 'active'
    assert sepa.mandate_state('active', 'one_off', signed, date(2024, 1, 5), today=date(2024, 2, 1)) == 'closed'
    assert sepa.mandate_state('revoked', 'recurrent', signed, None, today=date(2023, 4, 1)) == 'revoked'


def test_the_collection_date_respects_the_prenotification_and_business_days():
    today = date(2026, 3, 23)  # a Monday: 14 days later is Monday 6 April 2026, Easter Monday
    assert sepa.earliest_collection_date(today, 14) == date(2026, 4, 7)
    with pytest.raises(SepaError, match='au plus tôt le 07/04/2026'):
        sepa.check_collection_date(date(2026, 4, 3), today=today, prenotification_days=14)
    with pytest.raises(SepaError, match='jour ouvré'):
        sepa.check_collection_date(date(2026, 4, 11), today=today, prenotification_days=14)
    assert sepa.check_collection_date(date(2026, 4, 8), today=today, prenotification_days=14) == date(2026, 4, 8)


def test_the_creditor_identifier_and_the_rum_are_checked():
    assert sepa.check_ics('FR72 ZZZ 123456') == 'FR72ZZZ123456'
    with pytest.raises(SepaError, match='ICS'):
        sepa.check_ics('FR73ZZZ123456')
    with pytest.raises(SepaError, match='RUM'):
        sepa.check_rum('RUM 0001')
    with pytest.raises(SepaError, match='motif'):
        sepa.check_reason('XX99')


def test_the_cii_of_an_invoice_paid_by_direct_debit_carries_bt_89_90_91_and_passes_every_rule():
    xml = build_cii(debited_invoice())
    tree = etree.fromstring(xml)
    settlement = './/ram:ApplicableHeaderTradeSettlement'
    assert tree.findtext(f'{settlement}/ram:CreditorReferenceID', namespaces=NS) == 'FR72ZZZ123456'
    assert tree.findtext(f'{settlement}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID',
                         namespaces=NS) == 'RUM-BM-0001'
    assert tree.findtext(f'{settlement}/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount'
                         '/ram:IBANID', namespaces=NS) == 'FR7630006000011234567890189'
    assert tree.findtext(f'{settlement}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode', namespaces=NS) == '59'
    result = checker.check_blocking(xml)
    assert result.ok, result.summary()


def test_the_ubl_of_an_invoice_paid_by_direct_debit_carries_them_too():
    xml = build_ubl(debited_invoice())
    assert b'<cbc:ID schemeID="SEPA">FR72ZZZ123456</cbc:ID>' in xml
    assert b'<cac:PaymentMandate>' in xml and b'RUM-BM-0001' in xml
    result = checker.check_blocking(xml, 'ubl')
    assert result.ok, result.summary()


def test_the_printed_invoice_says_the_amount_will_be_debited():
    text = ' '.join(mentions(debited_invoice()))
    assert 'prélevé' in text and 'RUM-BM-0001' in text and 'FR72ZZZ123456' in text
    assert 'prélevé' not in ' '.join(mentions(samples.invoice_three_rates()))
