"""Factur-X: the XML of every sample passes the XSD, EN 16931 and BR-FR checks, and survives the trip in the PDF."""
import io
import re
from decimal import Decimal

import pytest
from lxml import etree
from pypdf import PdfReader

from logic.facturx import checker
from logic.facturx.cii import NS, build_cii
from logic.facturx.ubl import build_ubl
from logic.render.pdf import make_job, render_pdf
from logic.render.store import xml_from_pdf
from logic.render.style import TemplateStyle
from tests import samples

EINVOICES = ['invoice', 'credit_note', 'b2c_invoice', 'deposit_invoice']


@pytest.fixture(scope='module', autouse=True)
def _checker():
    yield
    checker.shutdown()


@pytest.mark.parametrize('name', EINVOICES)
def test_every_sample_passes_the_xsd_and_the_en16931_and_french_rules(name):
    result = checker.check_blocking(build_cii(samples.ALL[name]()))
    assert result.ok, result.summary()


@pytest.mark.parametrize('name', EINVOICES)
def test_the_ubl_of_every_sample_passes_the_same_rules(name):
    result = checker.check_blocking(build_ubl(samples.ALL[name]()), 'ubl')
    assert result.ok, result.summary()


def test_a_broken_invoice_is_refused_with_the_rule_ids_and_french_messages():
    xml = build_cii(samples.invoice_three_rates())
    xml = xml.replace(b'<ram:SubjectCode>PMT</ram:SubjectCode>', b'').replace(b'>600.00<', b'>601.00<')
    result = checker.check_blocking(xml)
    rules = {issue.rule for issue in result.errors}
    assert not result.ok
    assert 'BR-CO-10' in rules and 'BR-FR-05_BT-22_PMT' in rules
    messages = {issue.rule: issue.message for issue in result.errors}
    assert messages['BR-CO-10'] == 'Le total des lignes HT ne correspond pas à la somme des lignes.'
    assert 'frais de recouvrement' in messages['BR-FR-05_BT-22_PMT'] or 'PMT' in messages['BR-FR-05_BT-22_PMT']
    with pytest.raises(checker.EInvoiceInvalid, match='BR-CO-10'):
        raise checker.EInvoiceInvalid(result)


def test_an_xml_the_schema_refuses_is_reported_as_xsd():
    xml = build_cii(samples.invoice_three_rates()).replace(b'<ram:TypeCode>380</ram:TypeCode>', b'')
    result = checker.check_blocking(xml)
    assert [issue.source for issue in result.errors] and {issue.source for issue in result.errors} == {'xsd'}


def test_the_xml_carries_the_french_mandatory_data():
    snapshot = samples.invoice_three_rates()
    root = etree.fromstring(build_cii(snapshot))
    text = lambda path: root.xpath(path, namespaces=NS)  # noqa: E731
    assert text('//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID/text()') == ['M1']
    assert text('//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()') == ['urn:cen.eu:en16931:2017']
    assert text('//rsm:ExchangedDocument/ram:TypeCode/text()') == ['380']
    notes = dict(zip(text('//ram:IncludedNote/ram:SubjectCode/text()'),
                     text('//ram:IncludedNote[ram:SubjectCode]/ram:Content/text()')))
    assert notes['BAR'] == 'B2B'
    assert notes['PMD'] == snapshot.penalty_text and notes['PMT'] == snapshot.indemnity_text
    assert notes['AAB'] == snapshot.discount_text
    assert text('//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/text()') == ['732829320']
    assert text('//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/text()') == ['552081317']
    assert text('//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID/@schemeID') == ['0225']
    assert text('//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID/text()') == ['732829320']


def test_the_xml_amounts_are_the_snapshot_amounts_to_the_cent():
    snapshot = samples.invoice_three_rates()
    root = etree.fromstring(build_cii(snapshot))
    summary = root.xpath('//ram:SpecifiedTradeSettlementHeaderMonetarySummation', namespaces=NS)[0]
    value = lambda name: Decimal(summary.find(f'ram:{name}', NS).text)  # noqa: E731
    assert value('LineTotalAmount') == snapshot.lines_total
    assert value('AllowanceTotalAmount') == snapshot.allowance_total
    assert value('ChargeTotalAmount') == snapshot.charge_total
    assert value('TaxBasisTotalAmount') == snapshot.total_ht
    assert value('TaxTotalAmount') == snapshot.total_vat
    assert value('GrandTotalAmount') == snapshot.total_ttc
    assert value('DuePayableAmount') == snapshot.amount_due
    rates = root.xpath('//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent/text()',
                       namespaces=NS)
    assert rates == ['20.00', '10.00', '5.50']


def test_a_credit_note_is_type_381_with_positive_amounts_and_cites_the_invoice():
    snapshot = samples.credit_note()
    assert snapshot.total_ttc < 0
    root = etree.fromstring(build_cii(snapshot))
    assert root.xpath('//rsm:ExchangedDocument/ram:TypeCode/text()', namespaces=NS) == ['381']
    grand = root.xpath('//ram:GrandTotalAmount/text()', namespaces=NS)[0]
    assert Decimal(grand) == -snapshot.total_ttc
    assert root.xpath('//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()', namespaces=NS) == ['F2026-00042']
    assert root.xpath('//ram:InvoiceReferencedDocument//qdt:DateTimeString/text()', namespaces=NS) == ['20261128']


def test_a_deposit_invoice_is_type_386():
    root = etree.fromstring(build_cii(samples.deposit_invoice()))
    assert root.xpath('//rsm:ExchangedDocument/ram:TypeCode/text()', namespaces=NS) == ['386']


def test_the_pdf_embeds_the_xml_which_extracts_back_and_still_passes():
    snapshot = samples.invoice_three_rates()
    xml = build_cii(snapshot)
    pdf = render_pdf(make_job(snapshot, TemplateStyle(), facturx_xml=xml))
    extracted = xml_from_pdf(pdf)
    assert extracted == xml
    assert checker.check_blocking(extracted).ok


def test_the_pdf_is_pdfa_3b_with_an_alternative_factur_x_attachment_and_one_xmp_packet():
    snapshot = samples.credit_note()
    pdf = render_pdf(make_job(snapshot, TemplateStyle(layout='moderne', font='open-sans'),
                              facturx_xml=build_cii(snapshot)))
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer['/Root']
    xmp = root['/Metadata'].get_object().get_data().decode('utf-8')
    assert xmp.count('<rdf:RDF') == 1
    assert re.search(r'pdfaid:part="3"', xmp) and re.search(r'pdfaid:conformance="B"', xmp)
    assert '<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>' in xmp
    assert '<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>' in xmp
    assert '<pdfaSchema:prefix>fx</pdfaSchema:prefix>' in xmp
    info = reader.metadata
    assert f'pdf:Producer="{info["/Producer"]}"' in xmp
    assert f'<rdf:li xml:lang="x-default">{info["/Title"]}</rdf:li>' in xmp
    intents = root['/OutputIntents']
    assert intents[0].get_object()['/S'] == '/GTS_PDFA1' and '/DestOutputProfile' in intents[0].get_object()
    attachments = root['/AF']
    assert len(attachments) == 1
    spec = attachments[0].get_object()
    assert spec['/F'] == 'factur-x.xml' and spec['/UF'] == 'factur-x.xml'
    assert spec['/AFRelationship'] == '/Alternative'
    assert spec['/EF']['/F'].get_object()['/Subtype'] == '/text/xml'
    assert not root.get('/Encrypt') and '/Encrypt' not in reader.trailer


def test_every_font_of_the_pdf_is_embedded_and_no_image_is_interpolated():
    snapshot = samples.long_invoice(40)
    reader = PdfReader(io.BytesIO(render_pdf(make_job(snapshot, TemplateStyle(font='liberation-sans')))))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        resources = page['/Resources']
        for font in resources['/Font'].values():
            font = font.get_object()
            base = font['/DescendantFonts'][0].get_object() if '/DescendantFonts' in font else font
            descriptor = base['/FontDescriptor']
            assert any(key in descriptor for key in ('/FontFile', '/FontFile2', '/FontFile3')), font['/BaseFont']
            assert 'Facturier' in font['/BaseFont']
        for image in (resources.get('/XObject') or {}).values():
            assert image.get_object().get('/Interpolate') in (None, False)
