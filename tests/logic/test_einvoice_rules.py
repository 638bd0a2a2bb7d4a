"""E-invoice rules of issue #12, each test named after the EN 16931 / PEPPOL / French rule it proves, and each checked
with the offline validator (XSD + EN 16931 + BR-FR schematrons) in both syntaxes, CII and UBL."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from db.settings import DEFAULT_VAT_RATES
from logic.facturx import checker
from logic.facturx.cii import NS, build_cii
from logic.facturx.ubl import CAC, CBC, build_ubl
from logic.snapshot import DocumentSnapshot, Party
from logic.totals import Document, Line, compute
from tests import samples

UBL = {'cac': CAC, 'cbc': CBC}
BUILDERS = {'cii': build_cii, 'ubl': build_ubl}
EU_BUYER = Party(name='Bäckerei Müller GmbH', address='Hauptstraße 5', postcode='10115', city='Berlin', country='DE',
                 vat_number='DE129273398', email='buchhaltung@mueller.example', category='eu_business', code='C0009')
NO_VAT_SELLER = replace(samples.SELLER, vat_number='')


@pytest.fixture(scope='module', autouse=True)
def _checker():
    yield
    checker.shutdown()


def exempt(category: str, *, reason: str = '', code: str = '', nature: str = 'good', **extra) -> DocumentSnapshot:
    """A one-line invoice at 0 % in `category`, the rate's text and VATEX code carried as validation carries them."""
    snap = samples.snapshot('invoice', 'F2026-00070', [samples.line('Article', '2', '50.00', '0', nature=nature)],
                            **extra)
    lines = tuple(replace(line, vat_category=category, exemption_reason=reason, exemption_code=code)
                  for line in snap.lines)
    vat_lines = tuple(replace(vat, category=category, exemption_reason=reason, exemption_code=code)
                      for vat in snap.vat_lines)
    return replace(snap, lines=lines, vat_lines=vat_lines)


def franchise() -> DocumentSnapshot:
    return exempt('E', reason='TVA non applicable, art. 293 B du CGI', nature='service', seller=NO_VAT_SELLER,
                  vat_regime='franchise')


def intra_eu(**extra) -> DocumentSnapshot:
    return exempt('K', reason='Exonération de TVA, article 262 ter I du CGI', code='VATEX-EU-IC', buyer=EU_BUYER,
                  **extra)


def assert_valid(snapshot: DocumentSnapshot, syntax: str) -> etree._Element:
    xml = BUILDERS[syntax](snapshot)
    result = checker.check_blocking(xml, syntax)
    assert result.ok, result.summary()
    return etree.fromstring(xml)


def cii_exemption(root) -> tuple[list[str], list[str]]:
    tax = '//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/'
    return root.xpath(tax + 'ram:ExemptionReason/text()', namespaces=NS), \
        root.xpath(tax + 'ram:ExemptionReasonCode/text()', namespaces=NS)


def ubl_exemption(root) -> tuple[list[str], list[str]]:
    category = '//cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/'
    return root.xpath(category + 'cbc:TaxExemptionReason/text()', namespaces=UBL), \
        root.xpath(category + 'cbc:TaxExemptionReasonCode/text()', namespaces=UBL)


@pytest.mark.parametrize('syntax', ['cii', 'ubl'])
def test_br_e_02_a_franchise_seller_without_vat_number_is_identified_by_its_siren_as_bt_32(syntax):
    root = assert_valid(franchise(), syntax)
    if syntax == 'cii':
        ids = root.xpath('//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID', namespaces=NS)
        assert [(node.get('schemeID'), node.text) for node in ids] == [('FC', '732829320')]
    else:
        schemes = root.xpath('//cac:AccountingSupplierParty//cac:PartyTaxScheme', namespaces=UBL)
        assert [(s.findtext(f'{{{CAC}}}TaxScheme/{{{CBC}}}ID'), s.findtext(f'{{{CBC}}}CompanyID'))
                for s in schemes] == [('FC', '732829320')]


def test_br_e_02_a_seller_with_a_vat_number_sends_it_alone():
    root = etree.fromstring(build_cii(samples.invoice_three_rates()))
    ids = root.xpath('//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/@schemeID', namespaces=NS)
    assert ids == ['VA']


@pytest.mark.parametrize('syntax', ['cii', 'ubl'])
def test_br_cl_22_the_franchise_exemption_is_coded_vatex_fr_franchise(syntax):
    root = assert_valid(franchise(), syntax)
    reasons, codes = (cii_exemption if syntax == 'cii' else ubl_exemption)(root)
    assert reasons == ['TVA non applicable, art. 293 B du CGI'] and codes == ['VATEX-FR-FRANCHISE']


CATEGORY_CASES = [
    ('E', 'Exonération de TVA, article 261-4 du CGI', 'VATEX-FR-CGI261-4', {}, 'VATEX-FR-CGI261-4'),
    ('K', 'Exonération de TVA, article 262 ter I du CGI', '', {'buyer': EU_BUYER}, 'VATEX-EU-IC'),
    ('AE', 'Autoliquidation', '', {}, 'VATEX-EU-AE'),
    ('G', 'Exonération de TVA, article 262 I du CGI', '', {}, 'VATEX-EU-G'),
    ('O', 'Hors champ d’application de la TVA', '', {'seller': NO_VAT_SELLER,
                                                     'buyer': replace(samples.BUSINESS, vat_number='')}, 'VATEX-EU-O'),
]


@pytest.mark.parametrize('syntax', ['cii', 'ubl'])
@pytest.mark.parametrize('category, reason, code, parties, expected', CATEGORY_CASES,
                         ids=[case[0] for case in CATEGORY_CASES])
def test_br_cl_22_every_exempt_vat_breakdown_carries_its_vatex_code(syntax, category, reason, code, parties,
                                                                     expected):
    root = assert_valid(exempt(category, reason=reason, code=code, **parties), syntax)
    reasons, codes = (cii_exemption if syntax == 'cii' else ubl_exemption)(root)
    assert reasons == [reason] and codes == [expected]


@pytest.mark.parametrize('syntax', ['cii', 'ubl'])
def test_br_ae_10_reverse_charge_reads_autoliquidation_never_an_exemption(syntax):
    root = assert_valid(exempt('AE'), syntax)  # a rate saved without its text: the XML's own wording
    reasons, codes = (cii_exemption if syntax == 'cii' else ubl_exemption)(root)
    assert reasons == ['Autoliquidation'] and codes == ['VATEX-EU-AE']
    seeded = [row for row in DEFAULT_VAT_RATES if row[1] == 'AE']
    assert [(label, reason, code) for _, _, label, reason, code, _ in seeded] == [
        ('Autoliquidation', 'Autoliquidation', 'VATEX-EU-AE')]


EVERY_SNAPSHOT = {**{name: samples.ALL[name] for name in ('invoice', 'credit_note', 'b2c_invoice', 'deposit_invoice')},
                  'franchise': franchise, 'intra_eu': intra_eu,
                  'intra_eu_without_delivery_date': lambda: intra_eu(delivery_date=None)}


@pytest.mark.parametrize('syntax', ['cii', 'ubl'])
@pytest.mark.parametrize('name', list(EVERY_SNAPSHOT))
def test_peppol_en16931_r008_no_element_of_the_xml_is_empty(syntax, name):
    root = etree.fromstring(BUILDERS[syntax](EVERY_SNAPSHOT[name]()))
    empty = [root.getroottree().getpath(node) for node in root.iter()
             if len(node) == 0 and not (node.text or '').strip()]
    assert empty == []


def test_bt_72_without_a_delivery_date_the_operation_is_dated_the_issue_date_or_the_deposit_receipt():
    root = etree.fromstring(build_cii(samples.deposit_invoice()))
    path = '//ram:ApplicableHeaderTradeDelivery//udt:DateTimeString/text()'
    assert root.xpath(path, namespaces=NS) == ['20261128']
    received = replace(samples.deposit_invoice(), extra={'received_on': '2026-11-25'})
    assert etree.fromstring(build_cii(received)).xpath(path, namespaces=NS) == ['20261125']


@pytest.mark.parametrize('syntax', ['cii', 'ubl'])
def test_br_ic_11_br_ic_12_an_intra_eu_supply_states_its_delivery_date_and_the_buyers_country(syntax):
    root = assert_valid(intra_eu(), syntax)
    if syntax == 'cii':
        delivery = root.xpath('//ram:ApplicableHeaderTradeDelivery', namespaces=NS)[0]
        assert delivery.xpath('.//udt:DateTimeString/text()', namespaces=NS) == ['20261120']
        assert delivery.xpath('ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID/text()',
                              namespaces=NS) == ['DE']
    else:
        assert root.xpath('//cac:Delivery/cbc:ActualDeliveryDate/text()', namespaces=UBL) == ['2026-11-20']
        assert root.xpath('//cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode/text()',
                          namespaces=UBL) == ['DE']


@pytest.mark.parametrize('syntax', ['cii', 'ubl'])
def test_br_ic_12_an_intra_eu_supply_to_another_address_states_that_addresss_country(syntax):
    warehouse = Party(name='Lager Wien', address='Lagerstraße 1', postcode='1010', city='Wien', country='AT')
    root = assert_valid(intra_eu(delivery_address=warehouse), syntax)
    path = ('//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID/text()' if syntax == 'cii' else
            '//cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode/text()')
    assert root.xpath(path, namespaces=NS if syntax == 'cii' else UBL) == ['AT']


def test_bt_8_the_vat_on_debits_option_applies_to_service_lines_only():
    goods = samples.snapshot('invoice', 'F2026-00071', [samples.line('Carrelage', '2', '30.00', '20')],
                             vat_on_debits=True)
    root = etree.fromstring(build_cii(goods))
    assert root.xpath('//ram:DueDateTypeCode', namespaces=NS) == []
    assert 'AAI' not in root.xpath('//ram:IncludedNote/ram:SubjectCode/text()', namespaces=NS)
    assert etree.fromstring(build_ubl(goods)).xpath('//cac:InvoicePeriod', namespaces=UBL) == []

    mixed = replace(samples.invoice_three_rates(), vat_on_debits=True)
    root = assert_valid(mixed, 'cii')
    assert root.xpath('//ram:DueDateTypeCode/text()', namespaces=NS) == ['5', '5', '5']
    assert 'AAI' in root.xpath('//ram:IncludedNote/ram:SubjectCode/text()', namespaces=NS)
    ubl = assert_valid(mixed, 'ubl')
    assert ubl.xpath('//cac:InvoicePeriod/cbc:DescriptionCode/text()', namespaces=UBL) == ['3']


def test_bt_121_the_totals_carry_each_vat_groups_vatex_code_with_its_reason():
    line = Line(quantity=Decimal(1), unit_price=Decimal(10), vat_category='E', exemption_reason='Art. 261-4',
                exemption_code='VATEX-FR-CGI261-4')
    for vat_included in (False, True):
        group, = compute(Document(lines=(line, replace(line, exemption_code='')), vat_included=vat_included)).vat_groups
        assert (group.exemption_reason, group.exemption_code) == ('Art. 261-4', 'VATEX-FR-CGI261-4')


def test_bt_121_a_snapshot_frozen_before_the_vatex_codes_still_reads():
    data = intra_eu().to_dict()
    for row in (*data['lines'], *data['vat_lines']):
        del row['exemption_code']
    old = DocumentSnapshot.from_dict(data)
    assert old.vat_lines[0].exemption_code == '' and old.lines[0].exemption_code == ''
    assert cii_exemption(etree.fromstring(build_cii(old)))[1] == ['VATEX-EU-IC']
    assert intra_eu().issue_date == date(2026, 11, 28)
