"""The checker of a FEC file (AC1, LPF A47 A-1; no open-source one exists): run on every export, and in the tests.

It reads the bytes as written (`FecChecker.feed`, chunk by chunk, so a 100,000-invoice file is never held whole) and
refuses, one French sentence per problem (the first `MAX_PROBLEMS`):
- the encoding: ISO-8859-15 only (a byte-order mark, UTF-8 sequences or the C1 control bytes of Windows-1252 are
  refused: a tax auditor's tool would read them as other characters);
- the header: the 18 column names of A47 A-1, in their order, with one separator (tab or |) used throughout;
- each line: 18 fields; dates AAAAMMJJ (EcritureDate, PieceDate, ValidDate, DateLet if any) and real ones; amounts with
  a decimal comma, no thousands separator, one side only; an account number whose first three characters are
  digits; the labels, the piece reference and the journal present;
- the entries: numbered 1, 2, 3... with no gap nor repeat (one EcritureNum per entry, its lines together), each with
  one journal and one date, balanced (debits = credits), in validation order (ValidDate never goes back), dated in
  the period when one is given; one piece per entry (a number given twice in a row shows as a change of piece);
- the totals: `Control`s compare what the file puts on a set of accounts (of one journal, or all) with the totals
  of the documents and payments it comes from, computed apart from the entries (db/fec.py).

>>> checker = FecChecker()
>>> checker.feed(HEADER_FOR_TESTS + b'VE\\tVentes\\t1\\t20260302\\t411000\\tClients\\t411C1\\tDupont\\tF1\\t20260302\\tFacture'
...              b'\\t120,00\\t0,00\\t\\t\\t20260302\\t\\t\\r\\nVE\\tVentes\\t1\\t20260302\\t706000\\tPrestations\\t\\t\\tF1'
...              b'\\t20260302\\tFacture\\t0,00\\t100,00\\t\\t\\t20260302\\t\\t\\r\\n')
>>> report = checker.finish()
>>> report.ok, report.problems
(False, ['Écriture 1 (F1) déséquilibrée : débit 120,00, crédit 100,00.'])
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from logic.fec import COLUMNS, ENCODING, amount_fr
from logic.money import format_eur

MAX_PROBLEMS = 20
ZERO = Decimal('0.00')
AMOUNT = re.compile(r'-?[0-9]+(,[0-9]{1,2})?')
# Bytes 0x80-0x9F are control characters in ISO-8859-15: finding one means another code page (Windows-1252's ’ is
# 0x92) or UTF-8 (every multi-byte sequence has continuation bytes 0x80-0xBF).
C1 = re.compile(rb'[\x80-\x9f]')
UTF8_SEQUENCE = re.compile(rb'[\xc2-\xf4][\x80-\xbf]+')
HIGH_LOW = bytes(range(0x80, 0xc0))
HEADER_FOR_TESTS = '\t'.join(COLUMNS).encode() + b'\r\n'
(JOURNAL, JOURNAL_LIB, NUM, ENTRY_DATE, ACCOUNT, ACCOUNT_LIB, AUX, AUX_LIB, PIECE, PIECE_DATE, LABEL, DEBIT, CREDIT,
 LET, DATE_LET, VALID_DATE, FX_AMOUNT, FX_CODE) = range(18)


@dataclass(kw_only=True, slots=True, frozen=True)
class Control:
    """What the lines on `accounts` (in `journal`, or every journal when None) must total, debit minus credit."""

    label: str
    accounts: frozenset[str]
    expected: Decimal
    journal: str | None = None


@dataclass(kw_only=True, slots=True)
class CheckReport:
    problems: list[str] = field(default_factory=list)
    entries: int = 0
    lines: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    # (journal, account) -> debit minus credit
    balances: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    more: int = 0  # problems beyond MAX_PROBLEMS, not listed

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One French paragraph: the verdict and the problems."""
        if self.ok:
            return (f'Fichier conforme : {self.entries} écritures, {self.lines} lignes, total des débits et des crédits '
                    f'{format_eur(self.debit)}.')
        more = f' (et {self.more} autre(s))' if self.more else ''
        return f'Fichier refusé par le contrôle{more} : ' + ' '.join(self.problems)


class FecChecker:
    """Feed it the file's bytes in order (any chunking), then `finish()`."""

    def __init__(self, controls: Iterable[Control] = (), *, period: tuple[date, date] | None = None) -> None:
        self.controls = list(controls)
        self.period = (period[0].strftime('%Y%m%d'), period[1].strftime('%Y%m%d')) if period else None
        self.report = CheckReport()
        self._rest = b''
        self._line_no = 0
        self._separator: str | None = None
        self._seen_start = False
        self._dates: dict[str, bool] = {}
        self._entry: list | None = None  # [number, journal, date, piece, debit, credit (cents), change reported]
        self._balances: dict[tuple[str, str], int] = {}  # cents
        self._debit = self._credit = 0
        self._last_valid = ''

    def feed(self, data: bytes) -> None:
        if not self._seen_start and data:
            self._seen_start = True
            if data.startswith((b'\xef\xbb\xbf', b'\xff\xfe', b'\xfe\xff')):
                self._problem('Le fichier commence par une marque d’ordre des octets (BOM) : il n’est pas en '
                              'ISO-8859-15.')
                data = data.lstrip(b'\xef\xbb\xbf\xff\xfe')
        chunk = self._rest + data
        cut = chunk.rfind(b'\n') + 1
        self._rest = chunk[cut:]
        self._lines(chunk[:cut])

    def finish(self) -> CheckReport:
        if self._rest:
            self._lines(self._rest + b'\n')
            self._rest = b''
        self._close_entry()
        report = self.report
        report.debit, report.credit = _euros(self._debit), _euros(self._credit)
        report.balances = {key: _euros(value) for key, value in self._balances.items()}
        if self._separator is None:
            self._problem('Le fichier est vide : ni en-tête ni écriture.')
        elif not report.entries:
            self._problem('Le fichier ne contient aucune écriture.')
        for control in self.controls:
            total = sum((value for (journal, account), value in report.balances.items()
                         if account in control.accounts and (control.journal is None or journal == control.journal)),
                        ZERO)
            if total != control.expected:
                where = f' (journal {control.journal})' if control.journal else ''
                self._problem(f'{control.label}{where} : les écritures totalisent {amount_fr(total)}, les documents '
                              f'{amount_fr(control.expected)}.')
        return report

    # ---- lines -----------------------------------------------------------------------------------------------

    def _lines(self, chunk: bytes) -> None:
        """Whole lines (each ending with LF): the encoding checked on the chunk at once, line by line only when it
        finds something (to name the lines)."""
        raw_lines = chunk.split(b'\n')[:-1]
        # Cheap first: a chunk without any byte 0x80-0xBF (C1 controls, UTF-8 continuations) has neither.
        if not chunk.isascii() and len(chunk.translate(None, HIGH_LOW)) != len(chunk) and (
                C1.search(chunk) or UTF8_SEQUENCE.search(chunk)):
            for offset, raw in enumerate(raw_lines, start=self._line_no + 1):
                if C1.search(raw) or UTF8_SEQUENCE.search(raw) and _is_utf8(raw):
                    self._problem(f'Ligne {offset} : caractères hors ISO-8859-15 (fichier en UTF-8 ou en '
                                  'Windows-1252 ?).')
        count = len(COLUMNS)
        for text in chunk.decode(ENCODING).split('\n')[:-1]:
            self._line_no += 1
            text = text.removesuffix('\r')
            if self._separator is None:
                self._header(text)
                continue
            if not text:
                continue
            fields = text.split(self._separator)
            if len(fields) != count:
                self._problem(f'Ligne {self._line_no} : {len(fields)} champs au lieu de {count} (séparateur dans '
                              'un libellé ?).')
                continue
            self._check_fields(fields)

    def _header(self, text: str) -> None:
        separator = '\t' if '\t' in text else '|' if '|' in text else None
        if separator is None:
            self._problem('Ligne 1 : l’en-tête doit nommer les 18 colonnes, séparées par une tabulation ou un |.')
            self._separator = '\t'
            return
        self._separator = separator
        other = '|' if separator == '\t' else '\t'
        names = text.split(separator)
        if other in text:
            self._problem('Ligne 1 : deux séparateurs différents (tabulation et |) : un seul est permis.')
        if names != list(COLUMNS):
            for index, expected in enumerate(COLUMNS):
                found = names[index] if index < len(names) else '(absente)'
                if found != expected:
                    self._problem(f'Ligne 1 : la colonne {index + 1} doit être {expected}, pas {found} (18 colonnes '
                                  'dans l’ordre de l’article A47 A-1).')
                    break
            else:
                self._problem(f'Ligne 1 : {len(names)} colonnes au lieu de 18.')

    def _check_fields(self, fields: list[str]) -> None:
        line = self._line_no
        dates = self._dates
        entry_date, valid_date = fields[ENTRY_DATE], fields[VALID_DATE]
        if not (dates.get(entry_date) or self._date(entry_date)) or not (
                dates.get(fields[PIECE_DATE]) or self._date(fields[PIECE_DATE])) or not (
                dates.get(valid_date) or self._date(valid_date)) or fields[DATE_LET] and not self._date(
                fields[DATE_LET]):
            for index in (ENTRY_DATE, PIECE_DATE, VALID_DATE, DATE_LET):
                if (fields[index] or index != DATE_LET) and not self._date(fields[index]):
                    self._problem(f'Ligne {line} : {COLUMNS[index]} « {fields[index]} » n’est pas une date '
                                  'AAAAMMJJ.')
        if not (fields[JOURNAL] and fields[JOURNAL_LIB] and fields[NUM] and fields[ACCOUNT_LIB] and fields[PIECE]
                and fields[LABEL]) or ' ' in (fields[JOURNAL][0], fields[PIECE][0], fields[LABEL][0]):
            for index in (JOURNAL, JOURNAL_LIB, NUM, ACCOUNT_LIB, PIECE, LABEL):
                if not fields[index].strip():
                    self._problem(f'Ligne {line} : {COLUMNS[index]} est vide.')
        account = fields[ACCOUNT]
        if not account[:3].isdigit() or not account.isalnum():
            self._problem(f'Ligne {line} : CompteNum « {account} » doit commencer par trois chiffres du plan '
                          'comptable.')
        if fields[AUX] and not fields[AUX_LIB].strip():
            self._problem(f'Ligne {line} : CompAuxLib est vide alors que CompAuxNum est renseigné.')
        debit, credit = self._cents(fields[DEBIT], 'Debit'), self._cents(fields[CREDIT], 'Credit')
        if debit and credit:
            self._problem(f'Ligne {line} : un montant au débit et au crédit à la fois.')
        if self.period and not self.period[0] <= entry_date <= self.period[1]:
            self._problem(f'Ligne {line} : EcritureDate {entry_date} hors de la période exportée.')
        if valid_date < self._last_valid:
            self._problem(f'Ligne {line} : ValidDate {valid_date} antérieure à la ligne précédente : les '
                          'écritures doivent suivre l’ordre de leur validation.')
        else:
            self._last_valid = valid_date
        entry = self._entry
        if entry is None or fields[NUM] != entry[0]:
            self._close_entry()
            self._open_entry(fields)
            entry = self._entry
        elif not entry[6] and (fields[JOURNAL] != entry[1] or entry_date != entry[2] or fields[PIECE] != entry[3]):
            entry[6] = True  # said once per entry
            self._problem(f'Ligne {line} : l’écriture {entry[0]} change de journal, de date ou de pièce en cours de '
                          'route (numéro en double ?).')
        entry[4] += debit
        entry[5] += credit
        key = (fields[JOURNAL], account)
        balances = self._balances
        balances[key] = balances.get(key, 0) + debit - credit
        self.report.lines += 1
        self._debit += debit
        self._credit += credit

    def _open_entry(self, fields: list[str]) -> None:
        number = fields[NUM]
        expected = self.report.entries + 1
        if not number.isdigit() or int(number) != expected:
            self._problem(f'Ligne {self._line_no} : écriture n° {number} là où la n° {expected} était attendue '
                          '(numérotation continue, sans trou ni doublon).')
        self.report.entries += 1
        self._entry = [number, fields[JOURNAL], fields[ENTRY_DATE], fields[PIECE], 0, 0, False]

    def _close_entry(self) -> None:
        entry = self._entry
        if entry is not None and entry[4] != entry[5]:
            self._problem(f'Écriture {entry[0]} ({entry[3]}) déséquilibrée : débit {amount_fr(_euros(entry[4]))}, '
                          f'crédit {amount_fr(_euros(entry[5]))}.')
        self._entry = None

    def _date(self, text: str) -> bool:
        known = self._dates.get(text)
        if known is None:
            known = len(text) == 8 and text.isdigit() and _real_date(text)
            self._dates[text] = known
        return known

    def _cents(self, text: str, column: str) -> int:
        """The amount in cents (0 after reporting a malformed or negative one)."""
        if text == '0,00':  # every other amount: the other side of a line
            return 0
        if len(text) > 3 and text[-3] == ',' and text[:-3].isdigit() and text[-2:].isdigit():  # '1234,50'
            return int(text[:-3]) * 100 + int(text[-2:])
        if not AMOUNT.fullmatch(text):
            self._problem(f'Ligne {self._line_no} : {column} « {text} » n’est pas un montant (virgule décimale, '
                          'sans séparateur de milliers).')
            return 0
        if text[0] == '-':
            self._problem(f'Ligne {self._line_no} : {column} négatif ({text}) : changez de côté.')
            return 0
        whole, _, fraction = text.partition(',')
        return int(whole) * 100 + int((fraction + '00')[:2])

    def _problem(self, text: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(text)
        else:
            self.report.more += 1


def check_stream(stream: BinaryIO, controls: Iterable[Control] = (), *, period: tuple[date, date] | None = None,
                 chunk: int = 1 << 20) -> CheckReport:
    """Check a file opened in binary mode, read by chunks."""
    checker = FecChecker(controls, period=period)
    while data := stream.read(chunk):
        checker.feed(data)
    return checker.finish()


def check_bytes(data: bytes, controls: Iterable[Control] = (), *, period: tuple[date, date] | None = None) \
        -> CheckReport:
    checker = FecChecker(controls, period=period)
    checker.feed(data)
    return checker.finish()


def _euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal('0.01'))


def _real_date(text: str) -> bool:
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return True
    except ValueError:
        return False


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode('utf-8')
        return True
    except UnicodeDecodeError:
        return False
