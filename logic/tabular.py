"""Reading the spreadsheets users bring (CO3, AR2); XLSX exports are written by `logic.xlsx_writer`, CSV files by
`csv_bytes` here.

`read_table` turns an uploaded CSV or XLSX into strings, exactly as the user sees them in their spreadsheet,
or refuses it with a French message (`TabularError`). It reads the file in a child process under hard limits of
memory, CPU and time (`logic.sandbox`), which runs `parse_table`: a file that expands beyond every reasonable size
is refused there, at the first limit it reaches while streaming (`logic.xlsx_scan` for XLSX, `_bounded_lines` for
CSV), and can never take the server's memory. `read_table` blocks: call it from a thread.

A CSV cell has no style to keep a text from being a formula: `csv_bytes` writes a text that starts like one
(`logic.xlsx_writer.FORMULA_STARTS`) after an apostrophe, as spreadsheets do, and `read_table` drops that
apostrophe again, so that what was exported imports back unchanged:

>>> print(*csv_bytes(['Nom'], [['=HYPERLINK("x")'], [Decimal('-12.50')]]).decode('utf-8-sig').splitlines(), sep='|')
Nom|"'=HYPERLINK(""x"")"|-12,50
>>> read_table(csv_bytes(['Nom'], [['=HYPERLINK("x")']]), 'x.csv').rows
[['=HYPERLINK("x")']]
"""

import codecs
import csv
import functools
import io
import re
import zipfile
import zlib
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from decimal import Decimal
from xml.etree.ElementTree import ParseError

from logic import sandbox, xlsx_scan
from logic.errors import DomainError
from logic.xlsx_scan import column_letter
from logic.xlsx_writer import FORMULA_STARTS

# The limits of what an import reads; `read_table` passes them to its child process at each call.
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200  # a contact has 32 columns; a file from another tool may carry a few dozen more, ignored
MAX_CELLS = 1_000_000  # 50,000 rows of 20 filled cells; openpyxl takes 15 to 60 s to read that many
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_TEXT_CHARS = 20_000_000  # twice what the largest CSV accepted can hold
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 1000  # Excel writes about ten parts; a few hundred with many images or charts
# The child that reads a file: three times what the largest file the limits above let through takes (900,000 cells:
# 160 MB at its peak, 35 to 50 s in openpyxl), far from the gigabytes a hostile file would take without them.
READER = sandbox.Limits(memory_bytes=512 * 1024 * 1024, cpu_seconds=120, wall_seconds=240)

_XLSX = ('xlsx', 'xlsm')
_SAVE_AS_HINT = 'Enregistrez-le depuis votre tableur au format XLSX ou « CSV UTF-8 ».'
_BINARY = f'Ce fichier n’est pas un fichier texte CSV (il contient des données binaires). {_SAVE_AS_HINT}'
_CSV_SEPARATORS = ';\t,'  # on a tie, French Excel's ';' wins
# Control characters that have no business in a text file; a few stray ones are dropped, many mean binary.
_CONTROL_CHARACTERS = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
# Excel's "Code postal" format and similar: the digits are a number padded with zeros for display.
_ZERO_PADDED_FORMAT = re.compile(r'0+')


class TabularError(DomainError, ValueError):
    """A user file that cannot be read as a table; `str(exc)` is a French message."""


@dataclass(kw_only=True, slots=True)
class Table:
    """Spreadsheet contents as text. `rows[i]` is spreadsheet row i + 2 (the header is row 1).

    Blank rows inside the data are kept, so that row numbers stay those the user sees; blank rows
    at the end are dropped. Every row has exactly `len(headers)` cells.
    """
    headers: list[str]
    rows: list[list[str]]


@dataclass(kw_only=True, slots=True, frozen=True)
class TableLimits:
    rows: int
    columns: int
    cells: int
    cell_chars: int
    text_chars: int
    uncompressed_bytes: int
    members: int


def current_limits() -> TableLimits:
    """The limits as this module sets them now (read at each call: a test may lower one)."""
    return TableLimits(rows=MAX_ROWS, columns=MAX_COLUMNS, cells=MAX_CELLS, cell_chars=MAX_CELL_CHARS,
                       text_chars=MAX_TEXT_CHARS, uncompressed_bytes=MAX_UNCOMPRESSED_BYTES, members=MAX_MEMBERS)


def read_table(data: bytes, filename: str) -> Table:
    """Read the first worksheet of an XLSX file, or a CSV file, into a `Table` of stripped strings, in a child
    process under hard limits (blocks until it ends)."""
    if _format(data, filename) in _XLSX:
        _require_defusedxml()  # checked here too: the child's openpyxl is configured like this process's
    try:
        plain = sandbox.run('logic.tabular:parse_table', data, limits=READER,
                            arguments={'filename': filename, 'limits': asdict(current_limits())})
    except (sandbox.Refused, sandbox.LimitReached) as exc:
        raise TabularError(str(exc)) from None
    return Table(headers=plain['headers'], rows=plain['rows'])


def parse_table(data: bytes, filename: str, limits: dict | None = None) -> dict[str, list]:
    """The work of `read_table` in the calling process: plain data in, plain data out ({'headers', 'rows'}), for
    a process that already runs under hard limits. `limits`: the fields of `TableLimits` (default: the module's)."""
    bounds = TableLimits(**limits) if limits else current_limits()
    lines = _xlsx_lines(data, bounds) if _format(data, filename) in _XLSX else _csv_lines(data, bounds)
    with closing(lines):
        table = _build_table(lines, bounds)
    return {'headers': table.headers, 'rows': table.rows}


def _format(data: bytes, filename: str) -> str:
    """The file's extension when it is one we read, after the checks that need no parsing."""
    if not data:
        raise TabularError('Le fichier est vide.')
    if len(data) > MAX_BYTES:
        raise TabularError(f'Le fichier est trop volumineux ({len(data) / 1024 / 1024:.1f} Mo) : '
                           f'{MAX_BYTES // 1024 // 1024} Mo au maximum.')
    extension = filename.rsplit('.', 1)[-1].lower() if '.' in filename else ''
    if extension in (*_XLSX, 'csv', 'txt'):
        return extension
    if extension in ('xls', 'ods', 'numbers'):
        raise TabularError(f'Le format .{extension} n’est pas pris en charge. {_SAVE_AS_HINT}')
    raise TabularError(f'« {filename} » n’est ni un fichier CSV ni un fichier XLSX. {_SAVE_AS_HINT}')


def _build_table(lines, limits: TableLimits) -> Table:
    header_line = next(lines, None)
    headers = _trim(header_line or [])
    if not headers:
        raise TabularError('La première ligne doit contenir les noms des colonnes : elle est vide.')
    _check_headers(headers, limits)
    rows: list[list[str]] = []
    blank_run = 0  # blank rows are kept only once a later row shows they are inside the data
    text, cells_count = sum(map(len, headers)), len(headers)
    for line in lines:
        cells = _trim(line)
        if not cells:
            blank_run += 1
            continue
        if len(rows) + blank_run >= limits.rows:
            raise TabularError(f'Le fichier contient plus de {_number(limits.rows)} lignes : découpez-le en '
                               'plusieurs fichiers.')
        rows.extend([] for _ in range(blank_run))
        blank_run = 0
        rows.append(cells)
        row_number = len(rows) + 1
        if len(cells) > len(headers):
            raise TabularError(
                f'Ligne {row_number} : {len(cells)} valeurs pour {len(headers)} colonnes. Une valeur dépasse '
                f'(colonne {column_letter(len(cells))}) ou un séparateur est en trop.'
            )
        cells_count += len(cells)
        if cells_count > limits.cells:
            raise TabularError(f'Le fichier contient plus de {_number(limits.cells)} cellules : découpez-le en '
                               'plusieurs fichiers.')
        text += _text_length(cells, row_number, limits)
        if text > limits.text_chars:
            raise TabularError(f'Le fichier contient plus de {_number(limits.text_chars)} caractères de texte : '
                               'découpez-le en plusieurs fichiers.')
    if not rows:
        raise TabularError('Le fichier ne contient que la ligne des titres : aucune donnée à importer.')
    width = len(headers)
    return Table(headers=headers, rows=[row + [''] * (width - len(row)) for row in rows])


def _text_length(cells: list[str], row_number: int, limits: TableLimits) -> int:
    lengths = [len(cell) for cell in cells]
    longest = max(lengths)
    if longest > limits.cell_chars:
        raise TabularError(f'Ligne {row_number}, colonne {column_letter(lengths.index(longest) + 1)} : la cellule '
                           f'contient plus de {_number(limits.cell_chars)} caractères.')
    return sum(lengths)


def _trim(cells) -> list[str]:
    cells = list(cells)
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _check_headers(headers: list[str], limits: TableLimits) -> None:
    if len(headers) > limits.columns:
        raise TabularError(f'Le fichier a {len(headers)} colonnes : {_number(limits.columns)} au plus. Supprimez '
                           'celles qui ne sont pas à importer.')
    unnamed = [column_letter(i + 1) for i, name in enumerate(headers) if not name]
    if unnamed:
        raise TabularError(f'Colonne(s) sans titre sur la première ligne : {", ".join(unnamed)}. '
                           'Donnez un titre à chaque colonne ou supprimez-la.')
    seen: dict[str, int] = {}
    for index, name in enumerate(headers):
        key = name.casefold()
        if key in seen:
            raise TabularError(f'Le titre de colonne « {name} » apparaît deux fois (colonnes '
                               f'{column_letter(seen[key] + 1)} et {column_letter(index + 1)}) : '
                               'renommez l’une des deux.')
        seen[key] = index


def _number(value: int) -> str:
    """French thousands, grouped by a narrow no-break space as babel writes them.

    >>> _number(50000)
    '50\u202f000'
    """
    return f'{value:_}'.replace('_', '\u202f')


# --- CSV ----------------------------------------------------------------------------------------------------------

def _csv_lines(data: bytes, limits: TableLimits):
    text = _decode(data)
    first_line = text.split('\n', 1)[0]
    separator = max(_CSV_SEPARATORS, key=lambda candidate: _count_outside_quotes(first_line, candidate))
    # strict: an unclosed quote must not silently swallow the rest of the file into one cell.
    reader = csv.reader(_bounded_lines(text, separator, limits.columns), delimiter=separator, quotechar='"',
                        strict=True)
    row_number = 1
    try:
        for row_number, record in enumerate(reader, start=1):
            yield [_unquoted(cell.strip()) for cell in record]
    except csv.Error as exc:
        if 'field larger than field limit' in str(exc):  # the csv module's own bound, 131,072 characters
            raise TabularError(f'Ligne {row_number + 1} : une cellule contient plus de '
                               f'{_number(limits.cell_chars)} caractères.') from None
        raise TabularError(f'Ligne {row_number + 1} : guillemet (") non fermé ou mal placé.') from exc


def _bounded_lines(text: str, separator: str, columns: int):
    r"""The lines of `text` for csv.reader, refusing a record of more than `columns` fields before csv.reader
    builds it (a 10 MB line of separators would be a list of ten million cells).

    Fields are counted as separators outside quotes, carried across the line breaks a quoted cell may hold; a
    doubled quote inside a quoted cell toggles twice and changes nothing.

    >>> list(_bounded_lines('a;"b;c"\nd', ';', 2))
    ['a;"b;c"\n', 'd']
    >>> list(_bounded_lines('a;"b\n;c";d', ';', 2))
    Traceback (most recent call last):
    ...
    logic.tabular.TabularError: Ligne 1 : plus de 2 colonnes. Vérifiez le séparateur.
    """
    quoted = False
    fields, record = 1, 1
    for line in io.StringIO(text, newline=''):
        for index, part in enumerate(line.split('"')):
            if index:
                quoted = not quoted
            if not quoted:
                fields += part.count(separator)
        if fields > columns:
            raise TabularError(f'Ligne {record} : plus de {_number(columns)} colonnes. Vérifiez le séparateur.')
        if not quoted:
            fields, record = 1, record + 1
        yield line


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TabularError(f'Ce fichier est encodé en UTF-16, que Facturier ne lit pas. {_SAVE_AS_HINT}')
    if b'\x00' in data:
        raise TabularError(_BINARY)
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError:
        # Not UTF-8: Excel for Windows saves "CSV (séparateur : point-virgule)" in Windows-1252.
        try:
            text = data.decode('cp1252')
        except UnicodeDecodeError:
            raise TabularError('Le fichier n’est ni en UTF-8 ni en Windows-1252 : impossible de lire ses '
                               f'caractères. {_SAVE_AS_HINT}') from None
    # Counted up to the threshold only: a list of every match of a binary file could be millions of strings.
    threshold = max(2, len(text) // 100)
    stray = 0
    for _ in _CONTROL_CHARACTERS.finditer(text):
        stray += 1
        if stray > threshold:
            raise TabularError(_BINARY)
    return _CONTROL_CHARACTERS.sub('', text) if stray else text


def _unquoted(cell: str) -> str:
    """A cell written "'=..." (`csv_cell`, or by hand as in a spreadsheet) means the text "=..."."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1:2] in FORMULA_STARTS else cell


def csv_bytes(headers: list[str], rows) -> bytes:
    """A CSV as French Excel writes it: ';' separated, UTF-8 with a BOM (so that accents show), CRLF, every cell
    through `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=';', lineterminator='\r\n')
    writer.writerow([csv_cell(header) for header in headers])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode('utf-8-sig')


def csv_cell(value: object) -> str:
    """One cell's text: a text that starts like a formula gets an apostrophe first; numbers stay numbers, in French.

    >>> csv_cell('+33 6 12 34 56 78'), csv_cell(Decimal('-1234.50')), csv_cell(-3), csv_cell(date(2026, 3, 9))
    ("'+33 6 12 34 56 78", '-1234,50', '-3', '09/03/2026')
    """
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'Oui' if value else 'Non'
    if isinstance(value, Decimal):
        return f'{value:f}'.replace('.', ',')
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f'{value:%d/%m/%Y %H:%M}'
    if isinstance(value, date):
        return f'{value:%d/%m/%Y}'
    if not isinstance(value, str):
        raise TypeError(f'cannot write {type(value).__name__} to a CSV file: convert it first')
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _count_outside_quotes(line: str, separator: str) -> int:
    # A title such as "Prix, en euros" must not make ',' look like the separator.
    return sum(part.count(separator) for part in line.split('"')[::2])


# --- XLSX ---------------------------------------------------------------------------------------------------------

def _xlsx_lines(data: bytes, limits: TableLimits):
    import openpyxl  # a CSV file's child process starts three times faster without it

    _require_defusedxml()
    try:
        with _corrupt_xlsx_guard():
            xlsx_scan.check(data, limits)  # every limit, streaming, before openpyxl holds anything
    except xlsx_scan.ScanRefused as exc:
        raise TabularError(str(exc)) from None
    with _corrupt_xlsx_guard():
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        if not workbook.worksheets:
            raise TabularError('Le fichier Excel ne contient aucune feuille de calcul.')
        sheet = workbook.worksheets[0]
        # The dimension written in the file may be wrong (or hostile): without it, rows are not padded to it.
        sheet.reset_dimensions()
        # Empty rows beyond the limit are not even walked through (the scan refused any value there).
        rows = sheet.iter_rows(max_row=limits.rows + 1)
        while True:
            with _corrupt_xlsx_guard():
                row = next(rows, None)
            if row is None:
                return
            yield [_cell_text(cell) for cell in row]
    finally:
        workbook.close()


def _require_defusedxml() -> None:
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        # Without defusedxml, openpyxl parses user XML with the standard library, open to entity expansion attacks.
        raise RuntimeError('openpyxl must use defusedxml to read user files: install defusedxml '
                           'and do not set OPENPYXL_DEFUSEDXML=False')


_CORRUPT_XLSX = f'Le fichier Excel est endommagé ou incomplet et ne peut pas être lu. {_SAVE_AS_HINT}'


@contextmanager
def _corrupt_xlsx_guard():
    # A damaged or hand-made file can fail anywhere inside openpyxl, with whatever its XML layer raises.
    try:
        yield
    except _corrupt_xlsx_errors() as exc:
        raise TabularError(_CORRUPT_XLSX) from exc


@functools.cache
def _corrupt_xlsx_errors() -> tuple[type[Exception], ...]:
    import defusedxml
    from openpyxl.utils.exceptions import InvalidFileException

    # zipfile raises zlib.error for damaged deflate data, NotImplementedError for an unknown compression,
    # RuntimeError for an encrypted member.
    return (zipfile.BadZipFile, EOFError, KeyError, OSError, ParseError, InvalidFileException,
            defusedxml.DefusedXmlException, TypeError, ValueError, zlib.error, NotImplementedError, RuntimeError)


def _cell_text(cell) -> str:
    """The cell as the user sees it, without Excel's binary float noise."""
    value = cell.value
    if value is None:
        return ''
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return 'VRAI' if value else 'FAUX'  # what French Excel shows
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        number_format = cell.number_format or ''
        if '%' in number_format:
            # Typed as "20 %", stored as 0.2: an import must see the 20 the user typed.
            return f'{_number_text(value * 100)} %'
        if _ZERO_PADDED_FORMAT.fullmatch(number_format) and value == int(value):
            return str(int(value)).zfill(len(number_format))  # postcode 01000 stored as 1000
        return _number_text(value)
    return str(value).strip()


def _number_text(value: float) -> str:
    """
    >>> _number_text(12.0), _number_text(0.1 + 0.2), _number_text(732829320)
    ('12', '0.3', '732829320')
    """
    if isinstance(value, int):
        return str(value)
    # Excel shows at most 15 significant digits: anything beyond is binary noise.
    text = format(Decimal(f'{value:.15g}'), 'f')
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return '0' if text == '-0' else text
