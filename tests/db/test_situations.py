"""Progress invoices (IN8, issue 20): a contract from an accepted quote billed in situations, with its holdback and
deposit; the guide's worked example to the cent, refusals that change nothing, the DGD closing the contract."""
import io
import os
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from db import credit_notes, deposits, documents, orders, situations
from db.deposits import DepositSpec
from db.document import ChainEntry, Document, DocumentLine, Installment
from db.situation import Contract, Situation, SituationLine
from logic.errors import DomainError
from logic.facturx import checker
from logic.facturx.cii import build_cii
from logic.facturx.ubl import build_ubl
from logic.render.pdf import make_job, render_pdf
from logic.render.style import TemplateStyle
from logic.situations import SituationError
from logic.snapshot import DocumentSnapshot
from tests.db.documents_helpers import D, business_client, company, draft, line
from tests.issuing import issuer


async def guide_contract(admin, *, deposit='30', category='S', rate='20', **settings):
    """The guide's three articles, 160 + 182,45 + 252,80 = 595,25 HT, accepted, with a 30 % deposit settled."""
    client = await business_client()
    extra = {'exemption_reason': 'Autoliquidation', 'vat_category': 'AE'} if category == 'AE' else {}
    quote = await documents.create_document(admin, draft(
        client, line('Béton dosé à 250 kg/m3', '1', '160', rate, reference='ART12', **extra),
        line('Ardoise pilée', '1', '182.45', rate, reference='ART15', **extra),
        line('Clôture en bois compo. ajourée', '1', '252.80', rate, reference='ART31', **extra), doc_type='quote'))
    today = date.today()
    if deposit:
        quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(percent=D(deposit), due_date=today)],
                                            quote.version)
    quote = await documents.set_quote_state(admin, quote.id, 'accepted')
    if deposit:
        item = (await deposits.quote_deposits(quote.id))[0]
        await deposits.settle_deposit(admin, item.id, paid_on=today, method='transfer', amount=item.amount,
                                      invoice_date=today, issuer=issuer())
    contract = await situations.open_contract(admin, quote.id, **settings)
    ids = await DocumentLine.filter(document_id=quote.id).order_by('position').values_list('id', flat=True)
    return contract, list(ids)


def everywhere(ids, percent):
    return {line_id: D(percent) for line_id in ids}


async def test_the_guide_example_bills_30_45_25_percent_with_holdback_and_deposit_to_the_cent(db):
    admin = await company()
    contract, ids = await guide_contract(admin)
    issued = []
    today = date.today()
    for cumulative in ('30', '75', '100'):
        issued.append(await situations.issue_situation(admin, contract.id, percents=everywhere(ids, cumulative),
                                                       reception_date=today, issuer=issuer()))
    assert [doc.doc_type for doc in issued] == ['progress_invoice'] * 3
    assert [doc.total_ht for doc in issued] == [D('178.58'), D('267.86'), D('148.81')]
    assert [doc.total_vat for doc in issued] == [D('35.72'), D('53.57'), D('29.76')]
    assert [doc.total_ttc for doc in issued] == [D('214.30'), D('321.43'), D('178.57')]
    assert [doc.prepaid for doc in issued] == [D('64.29'), D('96.43'), D('53.57')]  # the 214,29 deposit, prorata
    # each cites the deposit invoice with the part it deducts (BT-25, the page's "Acomptes déduits")
    assert [[ref.amount for ref in DocumentSnapshot.from_dict(doc.snapshot).references] for doc in issued] == [
        [D('64.29')], [D('96.43')], [D('53.57')]]
    rows = await Situation.filter(contract_id=contract.id).order_by('seq')
    assert [row.holdback for row in rows] == [D('10.72'), D('16.07'), D('8.93')]
    assert [row.final for row in rows] == [False, False, True]
    # The sums equal the contract: 595,25 HT, 119,05 VAT, 714,30 TTC, the whole deposit, 5 % held back.
    assert sum(doc.total_ht for doc in issued) == D('595.25')
    assert sum(doc.total_ttc for doc in issued) == D('714.30')
    assert sum(doc.prepaid for doc in issued) == D('214.29')
    assert sum(row.holdback for row in rows) == D('35.72')
    # Each line's stored rows: cumulative, previous, delta, never rebuilt.
    second = await SituationLine.filter(situation_id=rows[1].id).order_by('position')
    assert [(r.cumulative_percent, r.delta_percent, r.cumulative_amount, r.previous_amount, r.delta_amount)
            for r in second] == [(D(75), D(45), D('120.00'), D('48.00'), D('72.00')),
                                 (D(75), D(45), D('136.84'), D('54.74'), D('82.10')),
                                 (D(75), D(45), D('189.60'), D('75.84'), D('113.76'))]
    # What each situation asks now, and the holdback kept as its own receivable, due a year after reception.
    due = await Installment.filter(document_id__in=[doc.id for doc in issued]).order_by('document_id', 'position')
    assert [(item.amount, item.status, item.label) for item in due] == [
        (D('139.29'), 'open', ''), (D('10.72'), 'open', 'Retenue de garantie'),
        (D('208.93'), 'open', ''), (D('16.07'), 'open', 'Retenue de garantie'),
        (D('116.07'), 'open', ''), (D('8.93'), 'open', 'Retenue de garantie')]
    release = today.replace(year=today.year + 1) if (today.month, today.day) != (2, 29) else date(today.year + 1, 2, 28)
    assert {item.due_date for item in due if item.label} == {release}
    closed = await Contract.get(id=contract.id)
    assert (closed.state, closed.billed_ht, closed.holdback_total, closed.situations) == (
        'closed', D('595.25'), D('35.72'), 3)
    assert (await Document.get(id=closed.quote_id)).state == 'invoiced'
    # Invoice series, chained, and the frozen copy carries the progress table.
    assert all(doc.series == 'invoice' and doc.number for doc in issued)
    assert await ChainEntry.filter(series='invoice', document_id__in=[doc.id for doc in issued]).count() == 3
    table = DocumentSnapshot.from_dict(issued[1].snapshot).extra['situation']
    assert (table['seq'], table['cumulative_ht'], table['previous_ht'], table['delta_ht']) == (
        2, '446.44', '178.58', '267.86')
    # Its PDF prints the progress table, the deposit deducted, the holdback and what is to pay now.
    pdf = render_pdf(make_job(DocumentSnapshot.from_dict(issued[1].snapshot), TemplateStyle()))
    if os.environ.get('SITUATION_PDF'):  # to look at it: SITUATION_PDF=/tmp/situation.pdf pytest -k guide
        Path(os.environ['SITUATION_PDF']).write_bytes(pdf)
        Path(os.environ['SITUATION_PDF'] + '.dgd.pdf').write_bytes(render_pdf(make_job(
            DocumentSnapshot.from_dict(issued[2].snapshot), TemplateStyle())))
    text = ' '.join(' '.join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    dgd = DocumentSnapshot.from_dict(issued[2].snapshot).extra['situation']['holdback_text']
    assert 'totale du marché : 35,72' in dgd.replace('\u202f', ' ').replace('\xa0', ' ')
    deposit_number = DocumentSnapshot.from_dict(issued[1].snapshot).references[0].number
    for printed in ('Situation n° 2 du marché', '446,44', '267,86', f'Acomptes déduits ({deposit_number}) -96,43',
                    'Retenue de garantie 5 % -16,07', 'Net à payer 208,93', 'un an après la réception'):
        assert printed.replace(' ', '') in text.replace(' ', '').replace('\u202f', '').replace('\xa0', ''), printed


async def test_a_situation_is_a_valid_factur_x_invoice_with_the_cumulative_in_line_notes(db):
    admin = await company()
    contract, ids = await guide_contract(admin)
    document = await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '30'), issuer=issuer())
    xml = build_cii(DocumentSnapshot.from_dict(document.snapshot))
    result = checker.check_blocking(xml)
    assert result.ok, result.summary()
    assert b'<ram:TypeCode>380</ram:TypeCode>' in xml
    assert b'cumul 30 % = 48.00 EUR' in xml
    assert b'<ram:TotalPrepaidAmount>64.29</ram:TotalPrepaidAmount>' in xml
    ubl = build_ubl(DocumentSnapshot.from_dict(document.snapshot))
    assert checker.check_blocking(ubl, 'ubl').ok
    assert b'cumul 30 % = 48.00 EUR' in ubl


async def test_reverse_charge_situations_carry_no_vat_and_pass_the_checks(db):
    admin = await company()
    contract, ids = await guide_contract(admin, deposit=None, category='AE', rate='0', guarantee='bank',
                                         holdback_rate=D(0))
    document = await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '45'), issuer=issuer())
    assert (document.total_ht, document.total_vat, document.total_ttc) == (D('267.86'), D(0), D('267.86'))
    snapshot = DocumentSnapshot.from_dict(document.snapshot)
    assert 'caution bancaire' in snapshot.extra['situation']['holdback_text']
    result = checker.check_blocking(build_cii(snapshot))
    assert result.ok, result.summary()
    assert not await Installment.filter(document_id=document.id, label='Retenue de garantie').exists()


async def test_it_refuses_to_go_back_or_beyond_100_percent_and_changes_nothing(db):
    admin = await company()
    contract, ids = await guide_contract(admin, deposit=None)
    await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '50'), issuer=issuer())
    before = (await Document.all().count(), await Situation.all().count(), await SituationLine.all().count())
    with pytest.raises(SituationError, match='avoir'):
        await situations.issue_situation(admin, contract.id, percents={ids[0]: D(40)}, issuer=issuer())
    with pytest.raises(SituationError, match='100 %'):
        await situations.issue_situation(admin, contract.id, percents={ids[0]: D('100.5')}, issuer=issuer())
    with pytest.raises(SituationError, match='Rien à facturer'):
        await situations.issue_situation(admin, contract.id, percents={}, issuer=issuer())
    with pytest.raises(SituationError, match='réception'):  # the DGD needs the date the works were accepted
        await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '100'), issuer=issuer())
    assert (await Document.all().count(), await Situation.all().count(),
            await SituationLine.all().count()) == before


async def test_a_credit_note_is_the_way_back_the_next_situation_starts_from_the_one_before(db):
    admin = await company()
    contract, ids = await guide_contract(admin, deposit=None)
    await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '30'), issuer=issuer())
    wrong = await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '90'), issuer=issuer())
    with pytest.raises(SituationError, match='avoir'):
        await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '60'), issuer=issuer())
    await credit_notes.create_credit_note(admin, wrong.id, issuer=issuer())
    third = await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '60'), issuer=issuer())
    # 60 % is 96,00 + 109,47 + 151,68 = 357,15; the 30 % situation billed 178,58: the credited 90 % counts no more.
    assert third.total_ht == D('178.57')
    assert (await Contract.get(id=contract.id)).billed_ht == D('357.15')
    last = await situations.issue_situation(admin, contract.id, percents=everywhere(ids, '100'),
                                            reception_date=date.today(), issuer=issuer())
    holdbacks = await Installment.filter(label='Retenue de garantie').order_by('document_id')
    assert [(item.document_id == wrong.id, item.status) for item in holdbacks] == [
        (False, 'open'), (True, 'cancelled'), (False, 'open'), (False, 'open')]
    assert (await Contract.get(id=contract.id)).holdback_total == sum(
        item.amount for item in holdbacks if item.status == 'open')
    assert last.total_ht == D('595.25') - D('357.15')


async def test_a_contract_s_quote_is_never_invoiced_nor_ordered_besides_its_situations(db):
    admin = await company()
    contract, _ = await guide_contract(admin, deposit=None)
    with pytest.raises(DomainError, match='situations'):
        await documents.invoice_quote(admin, contract.quote_id)
    with pytest.raises(DomainError, match='situations'):
        await orders.order_quote(admin, contract.quote_id)
    assert await situations.open_contract(admin, contract.quote_id) == contract  # one contract per quote
    client = await business_client(code='C0009')
    discounted = await documents.create_document(admin, draft(client, line(), doc_type='quote',
                                                              global_discount_kind='percent',
                                                              global_discount_value=D(5)))
    await documents.set_quote_state(admin, discounted.id, 'accepted')
    with pytest.raises(SituationError, match='remise globale'):
        await situations.open_contract(admin, discounted.id)
    with pytest.raises(SituationError, match='5 % au plus'):
        await situations.set_contract(admin, contract.id, holdback_rate=D(10), guarantee='holdback',
                                      deposit_mode='proportional')
