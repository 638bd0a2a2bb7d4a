"""The UN/CEFACT CII D22B XML of an invoice, deposit invoice or credit note, Factur-X 1.09 profile EN 16931.

Built with lxml in the order of the Factur-X EN 16931 XSD, from the snapshot only: the PDF and the XML show the same
amounts to the cent. `build_cii(snapshot)` returns UTF-8 bytes.
"""
from datetime import date

from lxml import etree

from logic.dates import format_date
from logic.facturx.facts import (
    PROFILE_EN16931,
    SELLER_TAX_SCHEME,
    VAT_ON_DEBITS_CODE,
    Facts,
    exemption,
    facts,
    legal_description,
    money,
    plain,
    rate,
)
from logic.snapshot import DocumentSnapshot, Party, SnapshotLine, direct_debit

NS = {
    'rsm': 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
    'qdt': 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
    'ram': 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
    'udt': 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
}


def build_cii(snapshot: DocumentSnapshot) -> bytes:
    f = facts(snapshot)
    root = etree.Element(_q('rsm:CrossIndustryInvoice'), nsmap=NS)
    context = _el(root, 'rsm:ExchangedDocumentContext')
    _el(_el(context, 'ram:BusinessProcessSpecifiedDocumentContextParameter'), 'ram:ID', f.cadre)
    _el(_el(context, 'ram:GuidelineSpecifiedDocumentContextParameter'), 'ram:ID', PROFILE_EN16931)

    header = _el(root, 'rsm:ExchangedDocument')
    _el(header, 'ram:ID', snapshot.number)
    _el(header, 'ram:TypeCode', f.type_code)
    _date(_el(header, 'ram:IssueDateTime'), snapshot.issue_date)
    for subject, text in f.notes:
        note = _el(header, 'ram:IncludedNote')
        _el(note, 'ram:Content', text)
        if subject:
            _el(note, 'ram:SubjectCode', subject)

    transaction = _el(root, 'rsm:SupplyChainTradeTransaction')
    position = 0
    line_notes = f.line_notes
    for line in snapshot.lines:
        if line.kind == 'item':
            position += 1
            _line(transaction, line, position, f, line_notes[position - 1] if position <= len(line_notes) else '')
    _agreement(transaction, snapshot, f)
    _delivery(transaction, f)
    _settlement(transaction, snapshot, f)
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8', pretty_print=True)


def _line(transaction, line: SnapshotLine, position: int, f: Facts, note: str = '') -> None:
    item = _el(transaction, 'ram:IncludedSupplyChainTradeLineItem')
    document = _el(item, 'ram:AssociatedDocumentLineDocument')
    _el(document, 'ram:LineID', str(position))
    if note:  # BT-127: a progress invoice's line states the cumulative progress its amount (the delta) comes from
        _el(_el(document, 'ram:IncludedNote'), 'ram:Content', note)
    product = _el(item, 'ram:SpecifiedTradeProduct')
    if line.reference:
        _el(product, 'ram:SellerAssignedID', line.reference)
    _el(product, 'ram:Name', line.designation or '-')
    if line.description:
        _el(product, 'ram:Description', line.description)
    # EN 16931 wants a non-negative net price (BR-27): a negative price moves its sign to the quantity.
    quantity, price = line.quantity * f.sign, line.unit_price
    if price < 0:
        quantity, price = -quantity, -price
    agreement = _el(item, 'ram:SpecifiedLineTradeAgreement')
    _el(_el(agreement, 'ram:NetPriceProductTradePrice'), 'ram:ChargeAmount', plain(price))
    _el(_el(item, 'ram:SpecifiedLineTradeDelivery'), 'ram:BilledQuantity', plain(quantity), unitCode=line.unit_code)
    settlement = _el(item, 'ram:SpecifiedLineTradeSettlement')
    _tax(settlement, line.vat_category, line.vat_rate)
    if line.allowance:
        _allowance(settlement, False, f.amount(line.allowance), 'Remise')
    _el(_el(settlement, 'ram:SpecifiedTradeSettlementLineMonetarySummation'), 'ram:LineTotalAmount',
        f.amount(line.net))


def _agreement(transaction, snapshot: DocumentSnapshot, f: Facts) -> None:
    agreement = _el(transaction, 'ram:ApplicableHeaderTradeAgreement')
    if snapshot.buyer_reference:
        _el(agreement, 'ram:BuyerReference', snapshot.buyer_reference)
    _party(agreement, 'ram:SellerTradeParty', snapshot.seller, f.seller_endpoint, seller=True,
           tax_id=f.seller_tax_id)
    _party(agreement, 'ram:BuyerTradeParty', snapshot.buyer, f.buyer_endpoint, seller=False)
    if snapshot.purchase_order:
        _el(_el(agreement, 'ram:BuyerOrderReferencedDocument'), 'ram:IssuerAssignedID', snapshot.purchase_order)


def _party(parent, tag: str, party: Party, endpoint, *, seller: bool, tax_id: str = '') -> None:
    node = _el(parent, tag)
    if party.siret:
        _el(node, 'ram:GlobalID', party.siret, schemeID='0009')
    _el(node, 'ram:Name', party.name)
    if seller and legal_description(party):
        _el(node, 'ram:Description', legal_description(party))
    if party.siren:
        _el(_el(node, 'ram:SpecifiedLegalOrganization'), 'ram:ID', party.siren, schemeID='0002')
    address = _el(node, 'ram:PostalTradeAddress')
    for child, value in (('ram:PostcodeCode', party.postcode), ('ram:LineOne', party.address),
                         ('ram:LineTwo', party.address2), ('ram:CityName', party.city)):
        if value:
            _el(address, child, value)
    _el(address, 'ram:CountryID', party.country or 'FR')
    if endpoint:
        _el(_el(node, 'ram:URIUniversalCommunication'), 'ram:URIID', endpoint.id, schemeID=endpoint.scheme)
    if party.vat_number:
        _el(_el(node, 'ram:SpecifiedTaxRegistration'), 'ram:ID', party.vat_number, schemeID='VA')
    if tax_id:
        _el(_el(node, 'ram:SpecifiedTaxRegistration'), 'ram:ID', tax_id, schemeID=SELLER_TAX_SCHEME)


def _delivery(transaction, f: Facts) -> None:
    """Mandatory in the XSD and never left empty (an empty element is a PEPPOL warning): BT-72 is always stated."""
    delivery = _el(transaction, 'ram:ApplicableHeaderTradeDelivery')
    if f.ship_to:
        ship = _el(delivery, 'ram:ShipToTradeParty')
        if f.ship_to.name:
            _el(ship, 'ram:Name', f.ship_to.name)
        address = _el(ship, 'ram:PostalTradeAddress')
        for child, value in (('ram:PostcodeCode', f.ship_to.postcode), ('ram:LineOne', f.ship_to.address),
                             ('ram:LineTwo', f.ship_to.address2), ('ram:CityName', f.ship_to.city)):
            if value:
                _el(address, child, value)
        _el(address, 'ram:CountryID', f.ship_to.country or 'FR')
    _date(_el(_el(delivery, 'ram:ActualDeliverySupplyChainEvent'), 'ram:OccurrenceDateTime'), f.delivery_date)


def _settlement(transaction, snapshot: DocumentSnapshot, f: Facts) -> None:
    settlement = _el(transaction, 'ram:ApplicableHeaderTradeSettlement')
    debit = direct_debit(snapshot)
    if debit:  # BT-90, first in the group
        _el(settlement, 'ram:CreditorReferenceID', debit.creditor_id)
    if snapshot.number:
        _el(settlement, 'ram:PaymentReference', snapshot.number)
    _el(settlement, 'ram:InvoiceCurrencyCode', snapshot.currency)
    means = _el(settlement, 'ram:SpecifiedTradeSettlementPaymentMeans')
    _el(means, 'ram:TypeCode', snapshot.payment_means or '1')
    if snapshot.payment_method:
        _el(means, 'ram:Information', snapshot.payment_method)
    if debit:  # BT-91
        _el(_el(means, 'ram:PayerPartyDebtorFinancialAccount'), 'ram:IBANID', debit.iban)
    if snapshot.payment_means in ('30', '58') and snapshot.seller.iban:
        _el(_el(means, 'ram:PayeePartyCreditorFinancialAccount'), 'ram:IBANID', snapshot.seller.iban)
        if snapshot.seller.bic:
            _el(_el(means, 'ram:PayeeSpecifiedCreditorFinancialInstitution'), 'ram:BICID', snapshot.seller.bic)
    for vat in snapshot.vat_lines:
        tax = _el(settlement, 'ram:ApplicableTradeTax')
        _el(tax, 'ram:CalculatedAmount', f.amount(vat.vat))
        _el(tax, 'ram:TypeCode', 'VAT')
        reason, code = exemption(vat, snapshot)
        if reason:
            _el(tax, 'ram:ExemptionReason', reason)
        _el(tax, 'ram:BasisAmount', f.amount(vat.base))
        _el(tax, 'ram:CategoryCode', vat.category)
        if code:
            _el(tax, 'ram:ExemptionReasonCode', code)
        if f.vat_on_debits and vat.category == 'S':
            _el(tax, 'ram:DueDateTypeCode', VAT_ON_DEBITS_CODE)
        if vat.category != 'O':  # "not subject to VAT" has no rate at all (BR-O-05, BR-O-06, BR-O-09)
            _el(tax, 'ram:RateApplicablePercent', rate(vat.rate))
    for group in f.groups:
        if group.allowance:
            _allowance(settlement, False, f.amount(group.allowance), 'Remise globale', group)
    for group in f.groups:
        if group.charge:
            _allowance(settlement, True, f.amount(group.charge), 'Frais de port', group)
    terms_text = _terms_text(snapshot)
    if terms_text or snapshot.due_date or debit:
        terms = _el(settlement, 'ram:SpecifiedTradePaymentTerms')
        if terms_text:
            _el(terms, 'ram:Description', terms_text)
        if snapshot.due_date:
            _date(_el(terms, 'ram:DueDateDateTime'), snapshot.due_date)
        if debit:  # BT-89
            _el(terms, 'ram:DirectDebitMandateID', debit.mandate)
    totals = _el(settlement, 'ram:SpecifiedTradeSettlementHeaderMonetarySummation')
    _el(totals, 'ram:LineTotalAmount', f.amount(snapshot.lines_total))
    _el(totals, 'ram:ChargeTotalAmount', f.amount(snapshot.charge_total))
    _el(totals, 'ram:AllowanceTotalAmount', f.amount(snapshot.allowance_total))
    _el(totals, 'ram:TaxBasisTotalAmount', f.amount(snapshot.total_ht))
    _el(totals, 'ram:TaxTotalAmount', f.amount(snapshot.total_vat), currencyID=snapshot.currency)
    _el(totals, 'ram:GrandTotalAmount', f.amount(snapshot.total_ttc))
    if snapshot.prepaid:
        _el(totals, 'ram:TotalPrepaidAmount', f.amount(snapshot.prepaid))
    _el(totals, 'ram:DuePayableAmount', f.amount(snapshot.amount_due))
    for reference in snapshot.references:
        cited = _el(settlement, 'ram:InvoiceReferencedDocument')
        _el(cited, 'ram:IssuerAssignedID', reference.number)
        _date(_el(cited, 'ram:FormattedIssueDateTime'), reference.issue_date, 'qdt')


def _terms_text(snapshot: DocumentSnapshot) -> str:
    parts = [snapshot.payment_terms.strip()] if snapshot.payment_terms.strip() else []
    if snapshot.installments:
        parts.append('Échéances : ' + ', '.join(f'{format_date(item.due_date)} {money(item.amount)} EUR'
                                               for item in snapshot.installments))
    return ' — '.join(parts)


def _tax(parent, category: str, vat_rate, tag: str = 'ram:ApplicableTradeTax') -> None:
    tax = _el(parent, tag)
    _el(tax, 'ram:TypeCode', 'VAT')
    _el(tax, 'ram:CategoryCode', category)
    if category != 'O':
        _el(tax, 'ram:RateApplicablePercent', rate(vat_rate))


def _allowance(parent, is_charge: bool, amount: str, reason: str, group=None) -> None:
    node = _el(parent, 'ram:SpecifiedTradeAllowanceCharge')
    _el(_el(node, 'ram:ChargeIndicator'), 'udt:Indicator', 'true' if is_charge else 'false')
    _el(node, 'ram:ActualAmount', amount)
    _el(node, 'ram:ReasonCode', 'FC' if is_charge else '95')
    _el(node, 'ram:Reason', reason)
    if group is not None:
        _tax(node, group.category, group.rate, 'ram:CategoryTradeTax')


def _date(parent, value: date, prefix: str = 'udt') -> None:
    _el(parent, f'{prefix}:DateTimeString', value.strftime('%Y%m%d'), format='102')


def _q(name: str) -> str:
    prefix, local = name.split(':')
    return f'{{{NS[prefix]}}}{local}'


def _el(parent, name: str, text: str | None = None, **attributes):
    node = etree.SubElement(parent, _q(name), **attributes)
    if text is not None:
        node.text = text
    return node
