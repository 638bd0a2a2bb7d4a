"""The FEC checker (logic/fec_check.py) accepts a good file and refuses each kind of broken one, in French."""
from datetime import date
from decimal import Decimal

from logic import fec
from logic.fec import Accounts, Sale, SaleGroup
from logic.fec_check import Control, FecChecker, check_bytes

D = Decimal
DAY = date(2026, 3, 2)
ACCOUNTS = Accounts()


def good_file(count: int = 3) -> bytes:
    """`count` balanced entries as db/fec.py writes them."""
    text = fec.fec_header()
    for number in range(1, count + 1):
        entry = fec.sale_entry(Sale(doc_type='invoice', number=f'F2026-0000{number}', issue_date=DAY, valid_date=DAY,
                                    client_account='411C1', client_name='Société Générale d’Études',
                                    amount_due=D('120.00'),
                                    groups=(SaleGroup(rate=D('20.00'), base=D('100.00'), vat=D('20.00')),)), ACCOUNTS)
        text += fec.fec_lines(number, entry, ACCOUNTS.account_labels(), 'Ventes')
    return text.encode('iso-8859-15')


def problems(data: bytes, **options) -> list[str]:
    return check_bytes(data, **options).problems


def test_it_accepts_a_good_file_whatever_the_chunks_it_is_fed_in():
    data = good_file()
    assert problems(data) == []
    checker = FecChecker()
    for start in range(0, len(data), 7):
        checker.feed(data[start:start + 7])
    report = checker.finish()
    assert report.ok and report.entries == 3 and report.lines == 9 and report.debit == report.credit == D('360.00')


def test_it_refuses_an_unbalanced_entry():
    data = good_file().replace(b'\t0,00\t100,00\t', b'\t0,00\t100,01\t', 1)
    assert problems(data) == ['Écriture 1 (F2026-00001) déséquilibrée : débit 120,00, crédit 120,01.']


def test_it_refuses_a_gap_in_the_numbering():
    lines = good_file().split(b'\r\n')
    lines[4:7] = [line.replace(b'\t2\t', b'\t4\t', 1) for line in lines[4:7]]
    assert problems(b'\r\n'.join(lines)) == [
        'Ligne 5 : écriture n° 4 là où la n° 2 était attendue (numérotation continue, sans trou ni doublon).']
    lines = good_file().split(b'\r\n')
    lines[7:10] = [line.replace(b'\t3\t', b'\t2\t', 1) for line in lines[7:10]]
    lines[4:7], lines[7:10] = lines[7:10], lines[4:7]  # entries 1, 2, 2: a number repeated
    assert problems(b'\r\n'.join(lines)) == [('Ligne 8 : l’écriture 2 change de journal, de date ou de pièce en cours '
                                             'de route (numéro en double ?).')]


def test_it_refuses_a_file_in_utf_8_or_with_a_byte_order_mark():
    utf8 = good_file().decode('iso-8859-15').encode('utf-8')
    found = problems(utf8)
    assert found and all('hors ISO-8859-15' in problem for problem in found)
    assert 'marque d’ordre des octets' in problems(b'\xef\xbb\xbf' + good_file())[0]
    windows = good_file().replace(b"d'", b'd\x92')  # Windows-1252's apostrophe
    assert 'hors ISO-8859-15' in problems(windows)[0]


def test_it_refuses_columns_out_of_order_and_a_missing_column():
    swapped = good_file().replace(b'Debit\tCredit', b'Credit\tDebit', 1)
    assert problems(swapped) == [('Ligne 1 : la colonne 12 doit être Debit, pas Credit (18 colonnes dans l’ordre '
                                 'de l’article A47 A-1).')]
    lines = good_file().split(b'\r\n')
    lines[2] = lines[2].rsplit(b'\t', 1)[0]
    assert problems(b'\r\n'.join(lines))[0] == 'Ligne 3 : 17 champs au lieu de 18 (séparateur dans un libellé ?).'


def test_it_refuses_bad_dates_amounts_and_accounts():
    lines = good_file().split(b'\r\n')
    lines[1] = lines[1].replace(b'\t20260302\t411000', b'\t2026-03-02\t411000', 1)
    lines[2] = lines[2].replace(b'\t706000\t', b'\tVENTES\t', 1)
    lines[3] = lines[3].replace(b'\t20,00\t', b'\t20.00\t', 1)
    found = problems(b'\r\n'.join(lines))
    for expected in ('Ligne 2 : EcritureDate « 2026-03-02 » n’est pas une date AAAAMMJJ.',
                     'Ligne 3 : CompteNum « VENTES » doit commencer par trois chiffres du plan comptable.',
                     'Ligne 4 : Credit « 20.00 » n’est pas un montant (virgule décimale, sans séparateur de milliers).'):
        assert expected in found


def test_it_refuses_entries_outside_the_period_and_out_of_validation_order():
    assert problems(good_file(1), period=(date(2026, 4, 1), date(2026, 4, 30)))[0] == \
        'Ligne 2 : EcritureDate 20260302 hors de la période exportée.'
    lines = [line.split(b'\t') for line in good_file(2).split(b'\r\n')]
    for fields in lines[1:4]:
        fields[15] = b'20260303'  # entry 1 validated the day after entry 2
    assert 'l’ordre de leur validation' in problems(b'\r\n'.join(b'\t'.join(fields) for fields in lines))[0]


def test_it_compares_the_totals_per_account_with_the_documents():
    control = Control(label='Comptes clients des ventes', accounts=frozenset({'411000'}), expected=D('360.00'),
                      journal='VE')
    assert problems(good_file(), controls=[control]) == []
    wrong = Control(label='Comptes clients des ventes', accounts=frozenset({'411000'}), expected=D('480.00'),
                    journal='VE')
    assert problems(good_file(), controls=[wrong]) == [
        'Comptes clients des ventes (journal VE) : les écritures totalisent 360,00, les documents 480,00.']


def test_an_empty_file_is_refused():
    assert problems(b'') == ['Le fichier est vide : ni en-tête ni écriture.']
    assert problems(fec.fec_header().encode()) == ['Le fichier ne contient aucune écriture.']
