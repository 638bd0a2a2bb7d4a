"""Accounting entries of issued documents and payments (AC1), and their two file formats: the FEC and a CSV.

Pure functions on plain data (db/fec.py reads the database and calls them); amounts are Decimal, signed: a positive
amount is a debit, a negative one a credit, so that an entry balances when its amounts sum to zero. Which account
takes what (docs/accounting.md, with its sources):

- a sale (invoice, progress invoice, credit note): the client's account (411, with the contact's auxiliary account)
  takes what the document leaves due (BT-115), each VAT group of the frozen copy credits its sales account (goods or
  services, in proportion to the lines' nets of that nature; shipping to its own account, 7085, when one is set) and
  its VAT account. A credit note is the same with its negative amounts, which turns every side over;
- a deposit invoice (and the credit note of one) credits the deposits account (4191) instead of sales;
- a balance invoice (DE5) takes the deposits back: the deposits account is debited with their HT and each rate's VAT
  account with the VAT already invoiced on them ("deposit VAT reversed"), per rate as the balance invoice prints;
- a settlement debits the treasury account of its method (512 bank, 530 cash, 5112 cheques to remit) and credits the
  client; a refund of a credit note (negative amount) and a reversal (the opposite amount) turn it over;
- a cheque remittance slip debits the bank and credits 5112 for its total; its cancellation reverses that;
- a write-off debits 654 with the HT and the VAT accounts with the VAT of what is lost (split over the invoice's
  VAT groups in proportion), and credits the client.

>>> accounts = Accounts()
>>> sale = Sale(doc_type='invoice', number='F2026-00001', issue_date=date(2026, 3, 2), valid_date=date(2026, 3, 2),
...             client_account='411C00001', client_name='Dupont', amount_due=Decimal('120.00'),
...             groups=(SaleGroup(rate=Decimal('20.00'), base=Decimal('100.00'), vat=Decimal('20.00'),
...                               natures={'service': Decimal('100.00')}),))
>>> [(line.account, line.amount) for line in sale_entry(sale, accounts).lines]
[('411000', Decimal('120.00')), ('706000', Decimal('-100.00')), ('445711', Decimal('-20.00'))]
"""
import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from logic.money import round_cents
from logic.totals import split_proportionally

ZERO = Decimal('0.00')
HUNDRED = Decimal(100)
# A47 A-1 I: the 18 columns, in this order; their names are the first line of the file.
COLUMNS: tuple[str, ...] = (
    'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib',
    'PieceRef', 'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate',
    'Montantdevise', 'Idevise')
SEPARATOR = '\t'
NEWLINE = '\r\n'
ENCODING = 'iso-8859-15'
# The CSV for accounting software (one line per entry line, UTF-8 with BOM, semicolons, French dates and amounts).
CSV_COLUMNS: tuple[str, ...] = (
    'Journal', 'Libellé journal', 'N° écriture', 'Date', 'Compte', 'Libellé compte', 'Compte auxiliaire',
    'Libellé auxiliaire', 'Pièce', 'Date pièce', 'Libellé', 'Débit', 'Crédit', 'Date de validation')
METHOD_LABELS = {'cheque': 'chèque', 'transfer': 'virement', 'direct_debit': 'prélèvement', 'card': 'carte',
                 'cash': 'espèces'}
IMPUTATION = 'credit_note'  # a credit note imputed on its invoice (logic/payments.py): no money moves
JOURNAL_LABELS = {'sales': 'Ventes', 'bank': 'Banque', 'cash': 'Caisse', 'misc': 'Opérations diverses'}


@dataclass(kw_only=True, slots=True, frozen=True)
class RateAccounts:
    """The accounts of one VAT rate: sales of goods, sales of services, VAT collected."""

    goods: str
    services: str
    vat: str


@dataclass(kw_only=True, slots=True, frozen=True)
class Accounts:
    """The chart the entries use (Paramètres > Comptabilité, db/accounting.py); defaults from the French PCG."""

    client: str = '411000'
    deposit: str = '419100'
    goods: str = '707000'
    services: str = '706000'
    shipping: str = '708500'  # '' : shipping follows the lines' sales accounts
    vat: str = '445710'  # VAT collected at a rate without its own account
    write_off: str = '654000'
    write_off_vat: bool = True  # a write-off recovers the VAT of what is lost (CGI 272)
    bank: str = '512000'
    cash: str = '530000'
    cheques: str = '511200'  # cheques received, until a remittance slip takes them to the bank
    card: str = '512000'
    transfer: str = '512000'
    direct_debit: str = '512000'
    sales_journal: str = 'VE'
    bank_journal: str = 'BQ'
    cash_journal: str = 'CA'
    misc_journal: str = 'OD'
    rates: Mapping[Decimal, RateAccounts] = field(default_factory=lambda: dict(DEFAULT_RATES))

    def of_rate(self, rate: Decimal) -> RateAccounts:
        return self.rates.get(rate) or RateAccounts(goods=self.goods, services=self.services, vat=self.vat)

    def treasury(self, method: str) -> tuple[str, str]:
        """(account, journal) where money received by `method` goes."""
        if method == 'cash':
            return self.cash, self.cash_journal
        account = {'cheque': self.cheques, 'card': self.card, 'transfer': self.transfer,
                   'direct_debit': self.direct_debit}.get(method, self.bank)
        return account, self.bank_journal

    def journal_label(self, code: str) -> str:
        for key, label in JOURNAL_LABELS.items():
            if getattr(self, f'{key}_journal') == code:
                return label
        return code

    def account_labels(self) -> dict[str, str]:
        """CompteLib of each account number (the first role that uses a number names it)."""
        labels: dict[str, str] = {}
        roles = [(self.client, 'Clients'), (self.deposit, 'Clients - avances et acomptes reçus'),
                 (self.cheques, 'Chèques à encaisser'), (self.bank, 'Banque'), (self.transfer, 'Banque'),
                 (self.direct_debit, 'Banque'), (self.card, 'Banque - cartes'), (self.cash, 'Caisse'),
                 (self.write_off, 'Pertes sur créances irrécouvrables'),
                 (self.shipping, 'Ports et frais accessoires facturés')]
        # An account shared by several rates (the default sales accounts) is named without a rate.
        roles += [(self.vat, 'TVA collectée'), (self.goods, 'Ventes de marchandises'),
                  (self.services, 'Prestations de services')]
        for rate, item in sorted(self.rates.items(), reverse=True):
            shown = f'{rate.normalize():f}'.replace('.', ',')
            roles += [(item.vat, f'TVA collectée {shown} %'), (item.goods, f'Ventes de marchandises {shown} %'),
                      (item.services, f'Prestations de services {shown} %')]
        for number, label in roles:
            if number:
                labels.setdefault(number, label)
        return labels


DEFAULT_RATES: dict[Decimal, RateAccounts] = {
    Decimal(rate): RateAccounts(goods='707000', services='706000', vat=vat)
    for rate, vat in (('20.00', '445711'), ('10.00', '445712'), ('5.50', '445713'), ('2.10', '445714'))}


@dataclass(kw_only=True, slots=True, frozen=True)
class SaleGroup:
    """One VAT group of a frozen document: its base and VAT, the nets of its lines per nature ('good'/'service'),
    and the part of the shipping charge it carries."""

    rate: Decimal
    base: Decimal
    vat: Decimal
    natures: Mapping[str, Decimal] = field(default_factory=dict)
    shipping: Decimal = ZERO


@dataclass(kw_only=True, slots=True, frozen=True)
class Sale:
    """An issued legal document as its frozen copy states it. `deducted`: the deposits a balance invoice takes back,
    (rate, base HT, VAT) per rate; `advance`: a deposit invoice or its credit note (booked to the deposits account)."""

    doc_type: str
    number: str
    issue_date: date
    valid_date: date
    client_account: str
    client_name: str
    amount_due: Decimal
    groups: tuple[SaleGroup, ...]
    deducted: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()
    advance: bool = False
    prepaid: Decimal = ZERO


@dataclass(kw_only=True, slots=True, frozen=True)
class Movement:
    """A record of the payments journal: 'settlement', 'reversal' (of `reverses_kind`) or 'write_off'.

    `amount` as stored: money received is positive, a refund negative, a reversal the opposite of what it reverses.
    `bounced`: the reversal of a cheque that had been remitted (the bank takes it back: 512, not 5112).
    `groups`: for a write-off (or its reversal), the (rate, base, VAT) groups of the invoice, to split the VAT.
    """

    kind: str
    method: str
    amount: Decimal
    paid_on: date
    valid_date: date
    label: str
    number: str
    client_account: str
    client_name: str
    reverses_kind: str = ''
    bounced: bool = False
    groups: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()


@dataclass(kw_only=True, slots=True, frozen=True)
class Remittance:
    """A cheque remittance slip (`cancelled`: its cancellation), with the amount that moves between 5112 and 512."""

    number: str
    on: date
    valid_date: date
    amount: Decimal
    cancelled: bool = False


@dataclass(kw_only=True, slots=True)
class EntryLine:
    account: str
    amount: Decimal
    aux: str = ''
    aux_label: str = ''


@dataclass(kw_only=True, slots=True)
class Entry:
    journal: str
    date: date
    piece: str
    piece_date: date
    label: str
    valid_date: date
    lines: list[EntryLine]

    @property
    def balance(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def sale_entry(sale: Sale, accounts: Accounts) -> Entry:
    """The sales journal's entry of an issued document (see the module docstring)."""
    lines = [EntryLine(account=accounts.client, amount=sale.amount_due, aux=sale.client_account,
                       aux_label=sale.client_name)]
    for group in sale.groups:
        rate = accounts.of_rate(group.rate)
        if sale.advance:
            lines.append(EntryLine(account=accounts.deposit, amount=-group.base))
        else:
            lines.extend(_sales_lines(group, rate, accounts))
        lines.append(EntryLine(account=rate.vat, amount=-group.vat))
    if sale.deducted:
        for rate_value, base, vat in sale.deducted:
            lines.append(EntryLine(account=accounts.deposit, amount=base))
            lines.append(EntryLine(account=accounts.of_rate(rate_value).vat, amount=vat))
    elif sale.prepaid:  # deposits without their breakdown (not printed per rate): taken back as a whole
        lines.append(EntryLine(account=accounts.deposit, amount=sale.prepaid))
    kind = {'credit_note': 'Avoir', 'deposit_invoice': 'Facture d’acompte'}.get(sale.doc_type, 'Facture')
    return Entry(journal=accounts.sales_journal, date=sale.issue_date, piece=sale.number, piece_date=sale.issue_date,
                 label=f'{kind} {sale.number} {sale.client_name}', valid_date=sale.valid_date,
                 lines=_merged(lines))


def movement_entry(movement: Movement, accounts: Accounts) -> Entry | None:
    """The entry of a payments journal record; None for what moves no money (a credit note imputation)."""
    kind = movement.reverses_kind if movement.kind == 'reversal' else movement.kind
    client = EntryLine(account=accounts.client, amount=-movement.amount, aux=movement.client_account,
                       aux_label=movement.client_name)
    if kind == 'write_off':
        lines = [*_write_off_lines(movement, accounts), client]
        journal = accounts.misc_journal
        what = 'Irrécouvrable' if movement.kind == 'write_off' else 'Annulation irrécouvrable'
    elif kind == 'settlement' and movement.method != IMPUTATION:
        account, journal = accounts.treasury(movement.method)
        if movement.bounced:
            account = accounts.bank
        lines = [EntryLine(account=account, amount=movement.amount), client]
        method = METHOD_LABELS.get(movement.method, 'règlement')
        what = ('Annulation règlement' if movement.kind == 'reversal' else
                'Remboursement' if movement.amount < 0 else 'Règlement') + f' ({method})'
    else:
        return None
    return Entry(journal=journal, date=movement.paid_on, piece=movement.label, piece_date=movement.paid_on,
                 label=f'{what} {movement.number} {movement.client_name}'.strip(), valid_date=movement.valid_date,
                 lines=_merged(lines))


def remittance_entry(slip: Remittance, accounts: Accounts) -> Entry:
    """A remittance slip takes its cheques from 5112 to the bank; its cancellation brings them back."""
    amount = -slip.amount if slip.cancelled else slip.amount
    what = 'Annulation remise de chèques' if slip.cancelled else 'Remise de chèques'
    return Entry(journal=accounts.bank_journal, date=slip.on, piece=slip.number, piece_date=slip.on,
                 label=f'{what} {slip.number}', valid_date=slip.valid_date,
                 lines=_merged([EntryLine(account=accounts.bank, amount=amount),
                                EntryLine(account=accounts.cheques, amount=-amount)]))


def _sales_lines(group: SaleGroup, rate: RateAccounts, accounts: Accounts) -> list[EntryLine]:
    """The group's base on its sales accounts: shipping apart (when it has an account), the rest over the natures of
    its lines in proportion to their nets; the parts always add up to the group's frozen base."""
    lines = []
    rest = group.base
    if group.shipping and accounts.shipping:
        lines.append(EntryLine(account=accounts.shipping, amount=-group.shipping))
        rest -= group.shipping
    if len(group.natures) == 1:  # the common case: one nature, nothing to split
        [(nature, net)] = group.natures.items()
        if net:
            lines.append(EntryLine(account=rate.goods if nature == 'good' else rate.services, amount=-rest))
            return lines
    natures = [(name, net) for name, net in sorted(group.natures.items()) if net]
    weights = [net for _, net in natures]
    if not natures or not sum(weights, ZERO) or (rest and sum(weights, ZERO) * rest < 0 and len(natures) > 1):
        # Nothing to weigh by (a group of shipping alone, lines cancelling out): the services account takes it.
        nature = natures[0][0] if len(natures) == 1 else 'service'
        lines.append(EntryLine(account=rate.goods if nature == 'good' else rate.services, amount=-rest))
        return lines
    for (name, _), part in zip(natures, split_proportionally(rest, weights)):
        lines.append(EntryLine(account=rate.goods if name == 'good' else rate.services, amount=-part))
    return lines


def _write_off_lines(movement: Movement, accounts: Accounts) -> list[EntryLine]:
    """What is lost on the write-off account; with `write_off_vat`, its VAT part on each rate's VAT account."""
    groups = [(rate, base, vat) for rate, base, vat in movement.groups if base + vat]
    if not accounts.write_off_vat or not groups or not sum((base + vat for _, base, vat in groups), ZERO):
        return [EntryLine(account=accounts.write_off, amount=movement.amount)]
    lines = []
    parts = split_proportionally(movement.amount, [base + vat for _, base, vat in groups])
    for (rate, base, vat), part in zip(groups, parts):
        vat_part = round_cents(part * vat / (base + vat)) if vat else ZERO
        lines.append(EntryLine(account=accounts.write_off, amount=part - vat_part))
        lines.append(EntryLine(account=accounts.of_rate(rate).vat, amount=vat_part))
    return lines


def _merged(lines: list[EntryLine]) -> list[EntryLine]:
    """One line per (account, auxiliary, side), in first-seen order, without zero lines: a document whose groups share
    a sales account shows it once."""
    merged: dict[tuple[str, str, bool], EntryLine] = {}
    for line in lines:  # the lines are the caller's own, built for this entry: the first of a key takes the rest
        amount = line.amount
        if not amount:
            continue
        key = (line.account, line.aux, amount > 0)
        found = merged.get(key)
        if found is None:
            merged[key] = line
        else:
            found.amount += amount
    return list(merged.values())


# ---- file formats ----------------------------------------------------------------------------------------------

def fec_header() -> str:
    return SEPARATOR.join(COLUMNS) + NEWLINE


def fec_lines(number: int, entry: Entry, accounts_labels: Mapping[str, str], journal_label: str) -> str:
    """The FEC lines of entry `number` (EcritureNum), as text to encode in ISO-8859-15 (`ENCODING`)."""
    head = f'{clean(entry.journal)}\t{clean(journal_label)}\t{number}\t{ymd(entry.date)}\t'
    piece = f'{clean(entry.piece)}\t{ymd(entry.piece_date)}\t{clean(entry.label)}\t'
    tail = f'\t\t\t{ymd(entry.valid_date)}\t\t{NEWLINE}'
    out = []
    for line in entry.lines:
        amount = line.amount
        sides = f'{amount:.2f}\t0,00' if amount > 0 else f'0,00\t{-amount:.2f}'
        aux = f'{clean(line.aux)}\t{clean(line.aux_label)}\t' if line.aux else '\t\t'
        out.append(f'{head}{line.account}\t{clean(accounts_labels.get(line.account, line.account))}\t{aux}{piece}'
                   f'{sides.replace(".", ",")}{tail}')
    return ''.join(out)


@functools.lru_cache(maxsize=4096)
def ymd(day: date) -> str:
    """AAAAMMJJ (A47 A-1), cached: an export writes the same few hundred days again and again."""
    return day.strftime('%Y%m%d')


def csv_lines(number: int, entry: Entry, accounts_labels: Mapping[str, str], journal_label: str) -> str:
    """The same entry as lines of the CSV for accounting software (semicolons, quoted when needed)."""
    date_fr = entry.date.strftime('%d/%m/%Y')
    out = []
    for line in entry.lines:
        debit, credit = (line.amount, ZERO) if line.amount > 0 else (ZERO, -line.amount)
        out.append(';'.join(_csv_cell(value) for value in (
            entry.journal, journal_label, str(number), date_fr, line.account,
            accounts_labels.get(line.account, line.account), line.aux, line.aux_label if line.aux else '',
            entry.piece, entry.piece_date.strftime('%d/%m/%Y'), entry.label, amount_fr(debit), amount_fr(credit),
            entry.valid_date.strftime('%d/%m/%Y'))) + '\r\n')
    return ''.join(out)


def csv_header() -> str:
    return ';'.join(CSV_COLUMNS) + '\r\n'


def amount_fr(value: Decimal) -> str:
    """'1234,50': a decimal comma, no thousands separator, two decimals (A47 A-1 practice).

    >>> amount_fr(Decimal('1234.5')), amount_fr(Decimal('0'))
    ('1234,50', '0,00')
    """
    return f'{value:.2f}'.replace('.', ',')


# Characters of French text that ISO-8859-15 lacks, replaced by their nearest equivalent.
_REPLACEMENTS = str.maketrans({'\u2019': "'", '\u2018': "'", '\u201c': '"', '\u201d': '"', '\u2013': '-',
                               '\u2014': '-', '\u2026': '...', '\u202f': ' ', '\u00a0': ' ', '\u2009': ' ',
                               '\t': ' ', '\r': ' ', '\n': ' ', '|': '/'})


@functools.lru_cache(maxsize=8192)
def clean(text: str) -> str:
    """A field's text as ISO-8859-15 can carry it, without the separator nor line breaks.

    >>> clean('L’été\\tà 5\\u202f% – Œuvre | ✓')
    "L'été à 5 % - Œuvre / ?"
    """
    if text.isascii() and not any(char in text for char in '\t\r\n|'):
        return text  # most labels: nothing to replace
    text = (text or '').translate(_REPLACEMENTS)
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        return ''.join(char if _encodable(char) else _nearest(char) for char in text)


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
        return True
    except UnicodeEncodeError:
        return False


def _nearest(char: str) -> str:
    base = ''.join(part for part in unicodedata.normalize('NFKD', char) if _encodable(part)
                   and not unicodedata.combining(part))
    return base or '?'


def _csv_cell(value: str) -> str:
    value = str(value)
    if any(char in value for char in ';"\r\n') or value[:1] in ('=', '+', '-', '@'):
        if value[:1] in ('=', '+', '@') or (value[:1] == '-' and not _is_number(value)):
            value = "'" + value  # never a formula in a spreadsheet
        return '"' + value.replace('"', '""') + '"'
    return value


def _is_number(value: str) -> bool:
    return value.replace(',', '', 1).lstrip('-').isdigit()


def entries_total(entries: Iterable[Entry]) -> Decimal:
    return sum((entry.balance for entry in entries), ZERO)
