"""The demos show French law at work (issue #12): the examples of db/demo_cases.py, the micro-entrepreneur of
`--company micro`, every legal document of both a valid e-invoice, and the printed mentions."""
import subprocess
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from db import demo, demo_cases, integrity
from db.company import Company
from db.contact import Address, Contact
from db.document import Document
from logic.facturx import checker
from logic.facturx.cii import build_cii
from logic.render.pdf import make_job, render_pdf
from logic.render.style import TemplateStyle
from logic.snapshot import DocumentSnapshot
from tests.helpers import SECRET

LEGAL = ('invoice', 'deposit_invoice', 'credit_note')


def pdf_text(snapshot: DocumentSnapshot, tmp_path) -> str:
    """The rendered PDF read back with pdftotext (poppler), spaces normalised."""
    path = tmp_path / f'{snapshot.number.replace("/", "_")}.pdf'
    path.write_bytes(render_pdf(make_job(snapshot, TemplateStyle())))
    text = subprocess.run(['pdftotext', str(path), '-'], check=True, capture_output=True, text=True).stdout
    return ' '.join(text.replace('\u202f', ' ').replace('\xa0', ' ').split())


async def _example(name: str) -> DocumentSnapshot:
    """The validated invoice of the example client `name` (db/demo_cases.py CLIENTS)."""
    contact = await Contact.get(name=demo_cases.CLIENTS[name]['name'])
    document = await Document.get(client_id=contact.id, doc_type='invoice')
    return DocumentSnapshot.from_dict(document.snapshot)


async def test_the_demo_holds_one_validated_example_of_each_case(db, tmp_path):
    summary = await demo.fill_demo(secret=SECRET, invoices=20, seed=11)
    today = date.today()
    assert summary.examples == 8
    goods, services, export, private, mixed = [await _example(name) for name in (
        'intra_eu_goods', 'intra_eu_services', 'export', 'private', 'mixed_rates')]
    assert {(vat.category, vat.exemption_code) for vat in goods.vat_lines} == {('K', 'VATEX-EU-IC')}
    assert goods.buyer.vat_number == 'DE129273398' and goods.delivery_date == today - timedelta(days=2)
    assert (goods.delivery_address.country, goods.delivery_address.city) == ('DE', 'Saarbrücken')
    assert {(vat.category, vat.exemption_code) for vat in services.vat_lines} == {('AE', 'VATEX-EU-AE')}
    assert services.buyer.country == 'BE' and services.buyer.vat_number and services.operation_nature == 'S'
    assert {(vat.category, vat.exemption_code) for vat in export.vat_lines} == {('G', 'VATEX-EU-G')}
    assert export.buyer.country == 'CH' and export.total_vat == 0
    assert private.buyer.category == 'individual' and not private.penalty_text and private.operation_nature == 'M'
    # mixed rates, delivered on a given day to the client's building site: a delivery address of its card, copied
    assert {vat.rate for vat in mixed.vat_lines} == {Decimal('20.00'), Decimal('10.00'), Decimal('5.50')}
    site = await Address.get(contact__name=demo_cases.CLIENTS['mixed_rates']['name'], kind='delivery')
    assert (mixed.delivery_address.address, mixed.delivery_address.city) == (site.address, site.city)
    assert mixed.delivery_address.address != mixed.buyer.address and mixed.delivery_date is not None
    # the credit note cites the private client's invoice; the balance invoice deducts its paid deposit invoice
    note = await Document.get(doc_type='credit_note', client_name='Camille Rousseau')
    assert [ref.number for ref in DocumentSnapshot.from_dict(note.snapshot).references] == [private.number]
    deposit = await Document.get(doc_type='deposit_invoice', client_name='Antoine Garnier')
    balance = await Document.get(doc_type='invoice', client_name='Antoine Garnier')
    assert deposit.state == 'paid' and balance.prepaid == deposit.total_ttc > 0
    assert balance.amount_due == balance.total_ttc - balance.prepaid
    assert [ref.number for ref in DocumentSnapshot.from_dict(balance.snapshot).references] == [deposit.number]
    # dated today, after every generated document: the numbers stay in order
    assert {document.issue_date for document in (note, deposit, balance)} == {today}
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    # what the paper says
    printed = pdf_text(goods, tmp_path)
    assert 'Exonération de TVA, article 262 ter I du CGI' in printed and 'Adresse de livraison' in printed
    assert 'Am Staden 18' in printed and 'DE129273398' in printed
    assert 'Autoliquidation' in pdf_text(services, tmp_path)
    assert 'Exonération de TVA, article 262 I du CGI' in pdf_text(export, tmp_path)
    printed = pdf_text(mixed, tmp_path)
    assert 'Adresse de livraison' in printed and '112 boulevard de Chantenay' in printed
    assert 'Date de livraison' in printed or 'Date de la prestation' in printed
    assert 'SARL' in printed and 'RCS Nantes' in printed


async def test_the_micro_demo_is_a_sole_trader_under_the_franchise(db, tmp_path):
    summary = await demo.fill_demo(secret=SECRET, invoices=30, seed=12, company='micro')
    today = date.today()
    assert summary.invoices == 30 and summary.examples == 0 and summary.admin_email == demo.MICRO_ADMIN[0]
    company = await Company.get()
    assert (company.legal_kind, company.trade_register, company.vat_regime, company.vat_number, company.capital) == (
        'sole_trader', 'none', 'franchise', '', '')
    documents = await Document.filter(doc_type__in=LEGAL).exclude(state='draft')
    assert Counter(document.doc_type for document in documents)['invoice'] == 30
    for document in documents:  # within a year, no VAT, every line under the franchise
        snapshot = DocumentSnapshot.from_dict(document.snapshot)
        assert today - timedelta(days=366) <= document.issue_date <= today and document.total_vat == 0
        assert {(vat.category, vat.exemption_reason) for vat in snapshot.vat_lines} == {
            ('E', 'TVA non applicable, art. 293 B du CGI')}, document.number
        assert {vat.exemption_code for vat in snapshot.vat_lines} == {'VATEX-FR-FRANCHISE'}, document.number
    categories = Counter(await Contact.all().values_list('category', flat=True))
    assert categories['individual'] and categories['fr_business']
    invoice = next(document for document in documents if document.doc_type == 'invoice')
    printed = pdf_text(DocumentSnapshot.from_dict(invoice.snapshot), tmp_path)
    assert 'TVA non applicable, art. 293 B du CGI' in printed and 'Julie Moreau EI' in printed
    assert 'RCS' not in printed and 'Capital' not in printed


async def test_a_micro_deposit_invoice_keeps_the_franchise_vatex_code(db):
    await demo.fill_demo(secret=SECRET, invoices=30, seed=12, company='micro')
    deposit = await Document.filter(doc_type='deposit_invoice').first()
    codes = {vat.exemption_code for vat in DocumentSnapshot.from_dict(deposit.snapshot).vat_lines}
    assert codes == {'VATEX-FR-FRANCHISE'}


@pytest.mark.parametrize('company,invoices', [('sarl', 15), ('micro', 30)])
async def test_every_legal_document_of_each_demo_passes_the_factur_x_checks(db, company, invoices):
    await demo.fill_demo(secret=SECRET, invoices=invoices, seed=12, company=company)
    snapshots = [DocumentSnapshot.from_dict(data) for data in await Document.filter(doc_type__in=LEGAL).exclude(
        state='draft').order_by('id').values_list('snapshot', flat=True)]
    kinds = Counter(snapshot.doc_type for snapshot in snapshots)
    assert kinds['invoice'] and kinds['credit_note'] and kinds['deposit_invoice'], kinds
    try:
        for snapshot in snapshots:
            result = checker.check_blocking(build_cii(snapshot))
            assert result.ok, (snapshot.number, result.summary())
    finally:
        checker.shutdown()
