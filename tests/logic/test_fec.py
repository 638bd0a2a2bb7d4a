"""Accounting entries (logic/fec.py): every entry balances, whatever the document; the lines go where the PCG says."""
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from logic import fec
from logic.fec import Accounts, Movement, Remittance, Sale, SaleGroup
from logic.fec_check import FecChecker
from logic.money import round_cents
from logic.totals import split_proportionally

D = Decimal
DAY = date(2026, 3, 2)
ACCOUNTS = Accounts()
RATES = [D('20.00'), D('10.00'), D('5.50'), D('2.10'), D('0.00'), D('8.50')]  # 8,50 % has no account of its own
cents = st.integers(min_value=-500_000, max_value=2_000_000).map(lambda value: D(value) / 100)


def sale(**values) -> Sale:
    return Sale(**{'doc_type': 'invoice', 'number': 'F2026-00001', 'issue_date': DAY, 'valid_date': DAY,
                   'client_account': '411C1', 'client_name': 'Dupont', **values})


def lines_of(entry) -> list[tuple[str, Decimal]]:
    return [(line.account, line.amount) for line in entry.lines]


@st.composite
def sales(draw) -> Sale:
    """A document as a frozen copy may state it: groups with their natures and shipping, deposits deducted."""
    groups = []
    for rate in draw(st.lists(st.sampled_from(RATES), min_size=1, max_size=4, unique=True)):
        base = draw(cents)
        natures = draw(st.dictionaries(st.sampled_from(['good', 'service']), cents, max_size=2))
        shipping = draw(st.sampled_from([D('0.00'), round_cents(base / 10)]))
        groups.append(SaleGroup(rate=rate, base=base, vat=round_cents(base * rate / 100), natures=natures,
                                shipping=shipping))
    ttc = sum((group.base + group.vat for group in groups), D('0.00'))
    deducted = tuple((rate, base, round_cents(base * rate / 100))
                     for rate, base in draw(st.lists(st.tuples(st.sampled_from(RATES), cents), max_size=2)))
    prepaid = sum((base + vat for _, base, vat in deducted), D('0.00'))
    lump = draw(st.booleans()) and bool(deducted)  # deposits without their breakdown
    doc_type = draw(st.sampled_from(['invoice', 'credit_note', 'deposit_invoice', 'progress_invoice']))
    return sale(doc_type=doc_type, amount_due=ttc - prepaid, groups=tuple(groups), prepaid=prepaid,
                deducted=() if lump else deducted, advance=doc_type == 'deposit_invoice')


@settings(max_examples=300, deadline=None)
@given(sales())
def test_every_sale_entry_balances_and_its_lines_sum_to_the_frozen_totals(document):
    entry = fec.sale_entry(document, ACCOUNTS)
    assert entry.balance == 0
    assert all(line.amount for line in entry.lines)  # no zero line
    client = sum((line.amount for line in entry.lines if line.account == ACCOUNTS.client), D('0.00'))
    assert client == document.amount_due
    revenue = sum((line.amount for line in entry.lines if line.account.startswith('70')), D('0.00'))
    assert revenue == (0 if document.advance else -sum((group.base for group in document.groups), D('0.00')))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(['settlement', 'write_off']), st.sampled_from(['cheque', 'transfer', 'cash', 'card', '']),
       cents, st.lists(st.tuples(st.sampled_from(RATES), cents), max_size=3), st.booleans(), st.booleans())
def test_every_payment_entry_balances(kind, method, value, groups, reversal, vat):
    movement = Movement(kind='reversal' if reversal else kind, reverses_kind=kind if reversal else '',
                        method=method, amount=-value if reversal else value, paid_on=DAY, valid_date=DAY,
                        label='REG2026-000001', number='F2026-00001', client_account='411C1', client_name='Dupont',
                        groups=tuple((rate, base, round_cents(base * rate / 100)) for rate, base in groups))
    entry = fec.movement_entry(movement, Accounts(write_off_vat=vat))
    assert entry is not None and entry.balance == 0
    assert sum((line.amount for line in entry.lines if line.account == '411000'), D('0.00')) == -movement.amount


def test_a_balance_invoice_reverses_the_deposit_and_its_vat_per_rate():
    balance = sale(amount_due=D('987.70'), prepaid=D('423.30'),
                   groups=(SaleGroup(rate=D('20.00'), base=D('1000.00'), vat=D('200.00'),
                                     natures={'service': D('1000.00')}),
                           SaleGroup(rate=D('5.50'), base=D('200.00'), vat=D('11.00'), natures={'good': D('200.00')})),
                   deducted=((D('20.00'), D('300.00'), D('60.00')), (D('5.50'), D('60.00'), D('3.30'))))
    assert lines_of(fec.sale_entry(balance, ACCOUNTS)) == [
        ('411000', D('987.70')), ('706000', D('-1000.00')), ('445711', D('-200.00')), ('707000', D('-200.00')),
        ('445713', D('-11.00')), ('419100', D('360.00')), ('445711', D('60.00')), ('445713', D('3.30'))]


def test_shipping_goes_to_its_account_and_mixed_natures_share_the_rest_of_the_base():
    mixed = sale(amount_due=D('240.00'), groups=(SaleGroup(
        rate=D('20.00'), base=D('200.00'), vat=D('40.00'), shipping=D('10.00'),
        natures={'good': D('100.00'), 'service': D('100.00')}),))  # a 10 % discount took 10,00 off the lines
    assert lines_of(fec.sale_entry(mixed, ACCOUNTS)) == [
        ('411000', D('240.00')), ('708500', D('-10.00')), ('707000', D('-95.00')), ('706000', D('-95.00')),
        ('445711', D('-40.00'))]
    following = fec.sale_entry(mixed, Accounts(shipping=''))  # no shipping account: it follows the lines
    assert lines_of(following)[1:3] == [('707000', D('-100.00')), ('706000', D('-100.00'))]


def test_a_credit_note_of_a_deposit_invoice_books_the_deposits_account_on_the_other_side():
    note = sale(doc_type='credit_note', amount_due=D('-120.00'), advance=True,
                groups=(SaleGroup(rate=D('20.00'), base=D('-100.00'), vat=D('-20.00')),))
    assert lines_of(fec.sale_entry(note, ACCOUNTS)) == [('411000', D('-120.00')), ('419100', D('100.00')),
                                                        ('445711', D('20.00'))]


def test_cheques_wait_on_5112_until_remitted_and_a_bounced_one_leaves_the_bank():
    def movement(**values):
        return Movement(**{'kind': 'settlement', 'method': 'cheque', 'amount': D('50.00'), 'paid_on': DAY,
                           'valid_date': DAY, 'label': 'REG1', 'number': 'F1', 'client_account': '411C1',
                           'client_name': 'Dupont', **values})
    assert lines_of(fec.movement_entry(movement(), ACCOUNTS)) == [('511200', D('50.00')), ('411000', D('-50.00'))]
    slip = fec.remittance_entry(Remittance(number='RC1', on=DAY, valid_date=DAY, amount=D('50.00')), ACCOUNTS)
    assert lines_of(slip) == [('512000', D('50.00')), ('511200', D('-50.00'))]
    bounced = movement(kind='reversal', reverses_kind='settlement', amount=D('-50.00'), bounced=True)
    assert lines_of(fec.movement_entry(bounced, ACCOUNTS)) == [('512000', D('-50.00')), ('411000', D('50.00'))]
    cash = movement(method='cash')
    entry = fec.movement_entry(cash, ACCOUNTS)
    assert entry.journal == 'CA' and lines_of(entry)[0] == ('530000', D('50.00'))
    assert fec.movement_entry(movement(method='credit_note'), ACCOUNTS) is None  # an imputation moves no money


def test_a_write_off_recovers_the_vat_of_what_is_lost_in_proportion_to_the_invoice():
    lost = Movement(kind='write_off', method='', amount=D('100.00'), paid_on=DAY, valid_date=DAY, label='REG9',
                    number='F9', client_account='411C1', client_name='Dupont',
                    groups=((D('20.00'), D('100.00'), D('20.00')), (D('5.50'), D('100.00'), D('5.50'))))
    parts = split_proportionally(D('100.00'), [D('120.00'), D('105.50')])
    assert lines_of(fec.movement_entry(lost, ACCOUNTS)) == [
        ('654000', parts[0] - round_cents(parts[0] / 6) + parts[1] - round_cents(parts[1] * D('5.5') / D('105.5'))),
        ('445711', round_cents(parts[0] / 6)), ('445713', round_cents(parts[1] * D('5.5') / D('105.5'))),
        ('411000', D('-100.00'))]
    entry = fec.movement_entry(lost, Accounts(write_off_vat=False))
    assert lines_of(entry) == [('654000', D('100.00')), ('411000', D('-100.00'))] and entry.journal == 'OD'


def test_the_lines_the_file_writes_pass_the_checker_and_carry_iso_8859_15_text():
    entry = fec.sale_entry(sale(client_name='L’Œuf « bio »\tet ✓', amount_due=D('12.00'),
                                groups=(SaleGroup(rate=D('20.00'), base=D('10.00'), vat=D('2.00')),)), ACCOUNTS)
    text = fec.fec_header() + fec.fec_lines(1, entry, ACCOUNTS.account_labels(), 'Ventes')
    data = text.encode('iso-8859-15')
    checker = FecChecker(period=(DAY, DAY))
    checker.feed(data)
    assert checker.finish().ok
    assert "L'Œuf « bio » et ?" in data.decode('iso-8859-15')
    assert fec.amount_fr(D('-1234.5')) == '-1234,50'


def test_the_csv_has_the_same_lines_and_never_starts_a_cell_with_a_formula():
    entry = fec.sale_entry(sale(client_name='=HYPERLINK("x")', amount_due=D('12.00'),
                                groups=(SaleGroup(rate=D('20.00'), base=D('10.00'), vat=D('2.00')),)), ACCOUNTS)
    rows = fec.csv_lines(7, entry, ACCOUNTS.account_labels(), 'Ventes').split('\r\n')[:-1]
    assert len(rows) == 3 and rows[0].startswith('VE;Ventes;7;02/03/2026;411000;Clients;411C1;"\'=HYPERLINK(""x"")";')
    assert rows[1].split(';')[11:13] == ['0,00', '10,00']
