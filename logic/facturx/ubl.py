"""The UBL 2.1 XML of an invoice, deposit invoice or credit note (EN 16931 and French CIUS), for download.

Same facts as the CII (logic.facturx.facts): notes carry their subject as '#PMD#text', BT-23 is cbc:ProfileID, a
credit note is a <CreditNote> with CreditedQuantity and its due date in PaymentMeans.
"""
from lxml import etree

from logic.facturx.facts import (
    PROFILE_EN16931,
    SELLER_TAX_SCHEME,
    Facts,
    exemption,
    facts,
    legal_description,
    plain,
    rate,
)
from logic.snapshot import DocumentSnapshot, Party, direct_debit

CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2'
CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'
ROOTS = {'Invoice': 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
         'CreditNote': 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2'}


def build_ubl(snapshot: DocumentSnapshot) -> bytes:
    f = facts(snapshot)
    kind = 'CreditNote' if f.type_code == '381' else 'Invoice'
    root = etree.Element(f'{{{ROOTS[kind]}}}{kind}', nsmap={None: ROOTS[kind], 'cac': CAC, 'cbc': CBC})
    currency = {'currencyID': snapshot.currency}
    _b(root, 'CustomizationID', PROFILE_EN16931)
    _b(root, 'ProfileID', f.cadre)
    _b(root, 'ID', snapshot.number)
    _b(root, 'IssueDate', snapshot.issue_date.isoformat())
    if kind == 'Invoice' and snapshot.due_date:
        _b(root, 'DueDate', snapshot.due_date.isoformat())
    _b(root, f'{kind}TypeCode', f.type_code)
    for subject, text in f.notes:
        _b(root, 'Note', f'#{subject}#{text}' if subject else text)
    _b(root, 'DocumentCurrencyCode', snapshot.currency)
    if snapshot.buyer_reference:
        _b(root, 'BuyerReference', snapshot.buyer_reference)
    if f.vat_on_debits:  # BT-8 in UBL: UNTDID 2005 code 3, VAT due on the invoice date (CII: 2475 code 5)
        _b(_a(root, 'InvoicePeriod'), 'DescriptionCode', '3')
    if snapshot.purchase_order:
        _b(_a(root, 'OrderReference'), 'ID', snapshot.purchase_order)
    for reference in snapshot.references:
        cited = _a(_a(root, 'BillingReference'), 'InvoiceDocumentReference')
        _b(cited, 'ID', reference.number)
        _b(cited, 'IssueDate', reference.issue_date.isoformat())
    debit = direct_debit(snapshot)
    _party(_a(root, 'AccountingSupplierParty'), snapshot.seller, f.seller_endpoint, seller=True,
           tax_id=f.seller_tax_id, creditor_id=debit.creditor_id if debit else '')
    _party(_a(root, 'AccountingCustomerParty'), snapshot.buyer, f.buyer_endpoint, seller=False)
    _delivery(root, f)
    means = _a(root, 'PaymentMeans')
    _b(means, 'PaymentMeansCode', snapshot.payment_means or '1')
    if kind == 'CreditNote' and snapshot.due_date:
        _b(means, 'PaymentDueDate', snapshot.due_date.isoformat())
    if snapshot.number:
        _b(means, 'PaymentID', snapshot.number)
    if snapshot.payment_means in ('30', '58') and snapshot.seller.iban:
        account = _a(means, 'PayeeFinancialAccount')
        _b(account, 'ID', snapshot.seller.iban)
        if snapshot.seller.bic:
            _b(_a(account, 'FinancialInstitutionBranch'), 'ID', snapshot.seller.bic)
    if debit:  # BT-89 and BT-91 (BT-90 is the seller's SEPA identification, in _party)
        mandate = _a(means, 'PaymentMandate')
        _b(mandate, 'ID', debit.mandate)
        _b(_a(mandate, 'PayerFinancialAccount'), 'ID', debit.iban)
    if snapshot.payment_terms:
        _b(_a(root, 'PaymentTerms'), 'Note', snapshot.payment_terms)
    for group in f.groups:
        for is_charge, amount, reason in ((False, group.allowance, 'Remise globale'),
                                          (True, group.charge, 'Frais de port')):
            if amount:
                _allowance(root, is_charge, f.amount(amount), reason, currency, group.category, group.rate)
    tax_total = _a(root, 'TaxTotal')
    _b(tax_total, 'TaxAmount', f.amount(snapshot.total_vat), **currency)
    for vat in snapshot.vat_lines:
        subtotal = _a(tax_total, 'TaxSubtotal')
        _b(subtotal, 'TaxableAmount', f.amount(vat.base), **currency)
        _b(subtotal, 'TaxAmount', f.amount(vat.vat), **currency)
        _category(subtotal, 'TaxCategory', vat.category, vat.rate, *exemption(vat, snapshot))
    _totals(root, snapshot, f, currency)
    position = 0
    for line in snapshot.lines:
        if line.kind == 'item':
            position += 1
            _line(root, kind, line, position, f, currency)
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8', pretty_print=True)


def _party(parent, party: Party, endpoint, *, seller: bool, tax_id: str = '', creditor_id: str = '') -> None:
    node = _a(parent, 'Party')
    if endpoint:
        _b(node, 'EndpointID', endpoint.id, schemeID=endpoint.scheme)
    if party.siret:
        _b(_a(node, 'PartyIdentification'), 'ID', party.siret, schemeID='0009')
    if creditor_id:  # BT-90, the SEPA creditor identifier
        _b(_a(node, 'PartyIdentification'), 'ID', creditor_id, schemeID='SEPA')
    address = _a(node, 'PostalAddress')
    for child, value in (('StreetName', party.address), ('AdditionalStreetName', party.address2),
                         ('CityName', party.city), ('PostalZone', party.postcode)):
        if value:
            _b(address, child, value)
    _b(_a(address, 'Country'), 'IdentificationCode', party.country or 'FR')
    if party.vat_number:
        scheme = _a(node, 'PartyTaxScheme')
        _b(scheme, 'CompanyID', party.vat_number)
        _b(_a(scheme, 'TaxScheme'), 'ID', 'VAT')
    if tax_id:  # BT-32: a tax scheme other than VAT
        scheme = _a(node, 'PartyTaxScheme')
        _b(scheme, 'CompanyID', tax_id)
        _b(_a(scheme, 'TaxScheme'), 'ID', SELLER_TAX_SCHEME)
    legal = _a(node, 'PartyLegalEntity')
    _b(legal, 'RegistrationName', party.name)
    if party.siren:
        _b(legal, 'CompanyID', party.siren, schemeID='0002')
    if seller and legal_description(party):
        _b(legal, 'CompanyLegalForm', legal_description(party))


def _delivery(root, f: Facts) -> None:
    """BT-72 always (as in the CII), and the deliver-to address and name (BG-13/BG-15) when there is one."""
    delivery = _a(root, 'Delivery')
    _b(delivery, 'ActualDeliveryDate', f.delivery_date.isoformat())
    if f.ship_to:
        address = _a(_a(delivery, 'DeliveryLocation'), 'Address')
        for child, value in (('StreetName', f.ship_to.address), ('AdditionalStreetName', f.ship_to.address2),
                             ('CityName', f.ship_to.city), ('PostalZone', f.ship_to.postcode)):
            if value:
                _b(address, child, value)
        _b(_a(address, 'Country'), 'IdentificationCode', f.ship_to.country or 'FR')
        if f.ship_to.name:
            _b(_a(_a(delivery, 'DeliveryParty'), 'PartyName'), 'Name', f.ship_to.name)


def _totals(root, snapshot: DocumentSnapshot, f: Facts, currency: dict) -> None:
    totals = _a(root, 'LegalMonetaryTotal')
    _b(totals, 'LineExtensionAmount', f.amount(snapshot.lines_total), **currency)
    _b(totals, 'TaxExclusiveAmount', f.amount(snapshot.total_ht), **currency)
    _b(totals, 'TaxInclusiveAmount', f.amount(snapshot.total_ttc), **currency)
    _b(totals, 'AllowanceTotalAmount', f.amount(snapshot.allowance_total), **currency)
    _b(totals, 'ChargeTotalAmount', f.amount(snapshot.charge_total), **currency)
    if snapshot.prepaid:
        _b(totals, 'PrepaidAmount', f.amount(snapshot.prepaid), **currency)
    _b(totals, 'PayableAmount', f.amount(snapshot.amount_due), **currency)


def _line(root, kind: str, line, position: int, f: Facts, currency: dict) -> None:
    node = _a(root, f'{kind}Line')
    _b(node, 'ID', str(position))
    if position <= len(f.line_notes) and f.line_notes[position - 1]:  # BT-127 (a progress invoice's cumulative)
        _b(node, 'Note', f.line_notes[position - 1])
    quantity, price = line.quantity * f.sign, line.unit_price
    if price < 0:
        quantity, price = -quantity, -price
    _b(node, 'CreditedQuantity' if kind == 'CreditNote' else 'InvoicedQuantity', plain(quantity),
       unitCode=line.unit_code)
    _b(node, 'LineExtensionAmount', f.amount(line.net), **currency)
    if line.allowance:
        allowance = _a(node, 'AllowanceCharge')
        _b(allowance, 'ChargeIndicator', 'false')
        _b(allowance, 'AllowanceChargeReasonCode', '95')
        _b(allowance, 'AllowanceChargeReason', 'Remise')
        _b(allowance, 'Amount', f.amount(line.allowance), **currency)
    item = _a(node, 'Item')
    if line.description:
        _b(item, 'Description', line.description)
    _b(item, 'Name', line.designation or '-')
    if line.reference:
        _b(_a(item, 'SellersItemIdentification'), 'ID', line.reference)
    _category(item, 'ClassifiedTaxCategory', line.vat_category, line.vat_rate)
    _b(_a(node, 'Price'), 'PriceAmount', plain(price), **currency)


def _allowance(root, is_charge: bool, amount: str, reason: str, currency: dict, category: str, vat_rate) -> None:
    node = _a(root, 'AllowanceCharge')
    _b(node, 'ChargeIndicator', 'true' if is_charge else 'false')
    _b(node, 'AllowanceChargeReasonCode', 'FC' if is_charge else '95')
    _b(node, 'AllowanceChargeReason', reason)
    _b(node, 'Amount', amount, **currency)
    _category(node, 'TaxCategory', category, vat_rate)


def _category(parent, tag: str, category: str, vat_rate, reason: str = '', code: str = '') -> None:
    node = _a(parent, tag)
    _b(node, 'ID', category)
    if category != 'O':  # "not subject to VAT" has no rate at all (BR-O-05, BR-O-06, BR-O-09)
        _b(node, 'Percent', rate(vat_rate))
    if code:
        _b(node, 'TaxExemptionReasonCode', code)
    if reason:
        _b(node, 'TaxExemptionReason', reason)
    _b(_a(node, 'TaxScheme'), 'ID', 'VAT')


def _a(parent, name: str):
    return etree.SubElement(parent, f'{{{CAC}}}{name}')


def _b(parent, name: str, text: str, **attributes):
    node = etree.SubElement(parent, f'{{{CBC}}}{name}', **attributes)
    node.text = text
    return node
