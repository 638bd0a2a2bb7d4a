"""The FEC of a period (AC1): every entry balanced, totals per account equal to the documents' frozen totals, the deposit
VAT reversed on the balance invoice, cheques through 5112 until remitted, the checker run on every export."""
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from db import cheques, credit_notes, demo, documents, fec, payments, validation
from db.accounting import RateAccount, load_accounts, save_settings
from db.cheque import Cheque
from db.company import Company
from db.contact import Contact
from db.document import Document, Installment
from logic.accounting import DEFAULTS
from logic.cheques import ChequeDetails
from logic.contact import FieldsInvalid
from logic.fec import COLUMNS
from logic.fec_check import check_bytes
from tests.db.documents_helpers import D, business_client, individual_client, line, validated_invoice
from tests.db.test_deposits import quote_with_deposit, settle
from tests.helpers import SECRET
from tests.issuing import issuer
from tests.personas import add_clerk, set_up_company


def parsed(data: bytes) -> list[dict]:
    """The file's lines as dicts, read the way an auditor's tool would (ISO-8859-15, tab, header first)."""
    text = data.decode('iso-8859-15')
    rows = [row.split('\t') for row in text.split('\r\n') if row]
    assert rows[0] == list(COLUMNS)
    return [dict(zip(COLUMNS, row)) for row in rows[1:]]


def amount(text: str) -> Decimal:
    return Decimal(text.replace(',', '.'))


def net_by_account(rows: list[dict], journal: str | None = None) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: D('0.00'))
    for row in rows:
        if journal is None or row['JournalCode'] == journal:
            totals[row['CompteNum']] += amount(row['Debit']) - amount(row['Credit'])
    return {account: total for account, total in totals.items() if total}


def entries(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row['EcritureNum']].append(row)
    return grouped


async def export(date_from=None, date_to=None) -> tuple[fec.FecSummary, list[dict], bytes]:
    """The FEC of the period, this year by default."""
    year = date.today().year
    out = io.BytesIO()
    summary = await fec.write_fec(date_from or date(year, 1, 1), date_to or date(year, 12, 31), out)
    return summary, parsed(out.getvalue()), out.getvalue()


async def test_a_year_of_sales_payments_and_write_offs_balances_and_matches_the_frozen_totals(db):
    admin = await set_up_company()
    # A deposit invoice (30 % of 1 411,00: 300 + 60 at 20 %, 60 + 3,30 at 5,5 %), then its balance invoice.
    quote, deposit = await quote_with_deposit(admin)
    deposit_invoice = await settle(admin, deposit)
    balance = await documents.invoice_quote(admin, quote.id)
    today = date.today()
    balance = await documents.set_installments(admin, balance.id, [(today, D('500.00')), (today, D('487.70'))],
                                               balance.version)
    balance = await validation.validate_invoice(admin, balance.id, issuer=issuer())
    by_amount = {item.amount: item for item in await Installment.filter(document_id=balance.id)}
    first, second = by_amount[D('500.00')], by_amount[D('487.70')]
    await payments.settle(admin, first.id, paid_on=today, method='cheque', amount=D('500.00'), secret=SECRET,
                          cheque=ChequeDetails(drawer='Boulangerie Martin', bank='CIC', number='1234567'))
    await payments.settle(admin, second.id, paid_on=today, method='transfer', amount=D('487.70'), secret=SECRET)
    slip = await cheques.create_slip(admin, [cheque.id for cheque in await Cheque.all()], secret=SECRET)
    # An invoice credited in full, and one written off (of a client with no accounting account typed).
    private = await individual_client(account='')
    credited = await validated_invoice(admin, private, line('Conseil', '1', '80', '20'),
                                       line('Livre', '1', '20', '5.5', nature='good'))
    note = await credit_notes.create_credit_note(admin, credited.id, issuer=issuer(), mode='full')
    lost = await validated_invoice(admin, await business_client(code='C0009', name='Faillite SA', account='411FAIL'),
                                   line('Pose', '3', '100', '20'))
    await payments.write_off(admin, lost.id, on=today, reason='Liquidation judiciaire', secret=SECRET)

    summary, rows, data = await export()

    assert summary.report.ok and summary.entries == len(entries(rows)) == 10  # 5 documents, 4 payments, 1 slip
    for number, lines in entries(rows).items():  # every entry balanced, numbered 1, 2, 3... in order
        assert sum(amount(row['Debit']) for row in lines) == sum(amount(row['Credit']) for row in lines), number
    assert [int(number) for number in entries(rows)] == list(range(1, 11))
    # The balance invoice takes the deposit back: its HT from 4191 and its VAT per rate ("deposit VAT reversed").
    piece = [(row['CompteNum'], row['Debit'], row['Credit']) for row in rows if row['PieceRef'] == balance.number]
    assert piece == [('411000', '987,70', '0,00'), ('706000', '0,00', '1000,00'), ('445711', '0,00', '200,00'),
                     ('707000', '0,00', '200,00'), ('445713', '0,00', '11,00'), ('419100', '360,00', '0,00'),
                     ('445711', '60,00', '0,00'), ('445713', '3,30', '0,00')]
    deposit_piece = [(row['CompteNum'], row['Debit'], row['Credit']) for row in rows
                     if row['PieceRef'] == deposit_invoice.number]
    assert deposit_piece == [('411000', '423,30', '0,00'), ('419100', '0,00', '360,00'), ('445711', '0,00', '60,00'),
                             ('445713', '0,00', '3,30')]
    # Totals per account equal to the documents' frozen totals.
    docs = await Document.filter(doc_type__in=('invoice', 'deposit_invoice', 'credit_note')).exclude(state='draft')
    sales = net_by_account(rows, 'VE')
    assert sales['411000'] == sum((doc.total_ttc - doc.prepaid for doc in docs), D('0.00'))
    assert sales.get('706000', 0) + sales.get('707000', 0) == -sum(
        (doc.total_ht for doc in docs if doc.doc_type != 'deposit_invoice'), D('0.00'))
    assert '419100' not in sales  # the deposit came and went
    assert sum(value for account, value in sales.items() if account.startswith('4457')) == -sum(
        (doc.total_vat for doc in docs if doc.id != deposit_invoice.id), D('0.00'))
    everything = net_by_account(rows)
    assert everything['512000'] == deposit_invoice.total_ttc + D('487.70') + D('500.00')  # the slip took the cheque
    assert '511200' not in everything and slip.total == D('500.00')
    assert everything['654000'] == D('300.00') and net_by_account(rows, 'OD') == {
        '654000': D('300.00'), '445711': D('60.00'), '411000': D('-360.00')}
    assert '411000' not in everything  # everything owed was paid, credited or written off
    # Auxiliary accounts: the contact's own, else 411 + its code.
    aux = {row['PieceRef']: row['CompAuxNum'] for row in rows if row['CompteNum'] == '411000'}
    assert aux[lost.number] == '411FAIL' and aux[note.number] == aux[credited.number] == '411C0002'
    assert data.decode('iso-8859-15').count('\r\n') == len(rows) + 1


async def test_a_cheque_reversed_after_its_remittance_leaves_the_bank_and_nothing_on_5112(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await Installment.filter(document_id=invoice.id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=invoice.total_ttc,
                          secret=SECRET)
    slip = await cheques.create_slip(admin, [cheque.id for cheque in await Cheque.all()], secret=SECRET)
    await payments.cancel_settlement(admin, installment.id, secret=SECRET, reason='Chèque impayé')
    _, rows, _ = await export()
    totals = net_by_account(rows)
    assert '511200' not in totals and '512000' not in totals  # in and out of the bank
    assert totals['411000'] == invoice.total_ttc  # owed again
    # Cancelling the slip afterwards moves only what the bank still holds (nothing: the cheque came back).
    await cheques.cancel_slip(admin, slip.id, reason='Erreur de remise', secret=SECRET)
    _, rows, _ = await export()
    assert '511200' not in net_by_account(rows) and '512000' not in net_by_account(rows)


async def test_the_demo_exports_a_fec_the_checker_accepts(db):
    await demo.fill_demo(secret=SECRET, invoices=40, seed=3)
    summary, rows, data = await export(date(2000, 1, 1), date(2100, 12, 31))
    assert summary.report.ok, summary.report.summary()
    assert check_bytes(data).ok  # the file read back alone
    for number, lines in entries(rows).items():
        assert sum(amount(row['Debit']) for row in lines) == sum(amount(row['Credit']) for row in lines), number
    assert summary.documents >= 40 and summary.payments and summary.entries == len(entries(rows))


async def test_it_refuses_an_empty_period_and_a_company_without_siren(db):
    admin = await set_up_company()
    await validated_invoice(admin, await business_client())
    with pytest.raises(fec.FecRefused, match='Aucune écriture'):
        await export(date(2000, 1, 1), date(2000, 12, 31))
    await Company.all().update(siren='')
    with pytest.raises(fec.FecRefused, match='SIREN'):
        await export()


async def test_the_settings_change_the_accounts_and_refuse_what_the_chart_does_not_allow(db):
    admin = await set_up_company()
    settings = await load_accounts()
    assert settings.client == '411000' and settings.of_rate(D('20.00')).vat == '445711'
    rates = [{'rate': '20', 'goods': '707100', 'services': '706100', 'vat': '4457120'}]
    with pytest.raises(FieldsInvalid) as refused:
        await save_settings(admin, {**DEFAULTS, 'deposit_account': '411000', 'sales_journal': 'V!'}, rates, version=1)
    assert set(refused.value.errors) == {'deposit_account', 'sales_journal'}
    assert await RateAccount.all().count() == 4  # nothing changed
    await save_settings(admin, {**DEFAULTS, 'sales_journal': 'VT'}, rates, version=1)
    await validated_invoice(admin, await business_client(), line('Pose', '1', '100', '20'))
    _, rows, _ = await export()
    assert {(row['JournalCode'], row['CompteNum']) for row in rows} == {('VT', '411000'), ('VT', '706100'),
                                                                       ('VT', '4457120')}
    clerk = await add_clerk(admin)
    with pytest.raises(Exception, match='administrat'):
        await save_settings(clerk, DEFAULTS, rates, version=2)


async def test_a_year_boundary_keeps_each_document_in_its_period(db):
    admin = await set_up_company()
    client = await business_client()
    old = await validated_invoice(admin, client, issue_date=date.today() - timedelta(days=400))
    await Contact.filter(id=client.id).update(account='411MARTIN')
    new = await validated_invoice(admin, client)
    _, rows, _ = await export()
    pieces = {row['PieceRef'] for row in rows}
    assert new.number in pieces and old.number not in pieces
    assert {row['CompAuxNum'] for row in rows if row['CompAuxNum']} == {'411MARTIN'}
