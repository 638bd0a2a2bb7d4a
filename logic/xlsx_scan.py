"""Check an XLSX file against the import limits while streaming its XML, before openpyxl builds anything (CO3, AR2).

Why: an XLSX file is a zip of XML parts, and half a megabyte of it can expand to millions of shared strings, or to
millions of cells in one row. openpyxl, even read-only, loads every shared string at once and each row whole, so a
hostile file takes gigabytes before a single row reaches the checks of `logic.tabular`. Here, in this order, and
stopping at the first excess with a French message (`ScanRefused`):

1. the archive, from its central directory: how many members, their declared sizes (zipfile never inflates a
   member beyond its declared size, so a lie ends as a CRC error), their compression ratio;
2. the shared strings and the first worksheet, counted fast: their elements (`si`, `row`, `c`) are counted on the
   inflated bytes, chunk by chunk, with `bytes.count` (a regular expression only for prefixed tags, rare), which
   refuses a file of millions of them in a fraction of a second;
3. with expat, streaming, every part openpyxl parses in read-only mode: the structure parts (one budget of
   elements for all of them), the shared strings (how long each, and all) and the first worksheet (row numbers,
   columns, the length of each cell). openpyxl does not parse the other worksheets in read-only mode; nor do we.

Each excess is found after a bounded amount of work: the counts are checked as they grow, never at the end.
"""
import io
import pyexpat
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from logic.errors import DomainError

if TYPE_CHECKING:
    from logic.tabular import TableLimits

CHUNK = 64 * 1024
# A legitimate workbook's styles, workbook, relationships and properties hold a few thousand elements.
STRUCTURE_ELEMENTS = 100_000
STRUCTURE_BYTES = 5 * 1024 * 1024
# Spreadsheet XML compresses 5 to 30 times; deflate can reach about 1,000. Small parts may compress as they like.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
_SPLIT = 'découpez-le en plusieurs fichiers ou enregistrez-le en CSV.'


@dataclass(frozen=True, slots=True)
class _Tags:
    """Start tags to count: the plain forms as literal bytes ('<c' also counts a few '<cols': counting more is the
    safe side), the prefixed ones ('<x:c r="A1">') by a regular expression, run only where `marks` appear."""
    plain: tuple[bytes, ...]
    marks: tuple[bytes, ...]
    prefixed: re.Pattern


_SI = _Tags(plain=(b'<si',), marks=(b':si',), prefixed=re.compile(rb'<[^\s<>/!?:]{1,64}:si[\s/>]'))
_ROW_OR_CELL = _Tags(plain=(b'<row', b'<c'), marks=(b':row', b':c'),
                     prefixed=re.compile(rb'<[^\s<>/!?:]{1,64}:(?:row|c)[\s/>]'))


class ScanRefused(DomainError):
    """The file is beyond a limit; `str(exc)` is a French message."""


def check(data: bytes, limits: 'TableLimits') -> None:
    """Raise ScanRefused at the first limit the file exceeds; a damaged file raises zipfile.BadZipFile, KeyError,
    OSError or ValueError (the caller's "damaged file" message)."""
    if _central_directory_size(data) > limits.members * 1024:
        raise ScanRefused(f'Le fichier Excel contient trop de parties (plus de {limits.members}) : {_SPLIT}')
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        _check_members(members, limits)
        budget = _Budget()
        first_sheet, shared_strings, sheets = _parts(data, archive, budget)
        for member in members:
            if member.filename not in budget.scanned | sheets | {shared_strings} and \
                    member.filename.lower().endswith(('.xml', '.rels')):
                budget.scan(archive, member.filename)
        elements = limits.cells + limits.rows + 1  # cells, and the rows that hold them
        if shared_strings:
            if _count(archive, shared_strings, _SI, limits.cells) > limits.cells:
                raise ScanRefused(f'Le fichier Excel contient plus de {_number(limits.cells)} textes : {_SPLIT}')
            _parse(archive, shared_strings, _SharedStrings(limits))
        if first_sheet:
            if _count(archive, first_sheet, _ROW_OR_CELL, elements) > elements:
                raise ScanRefused(f'Le fichier Excel contient plus de {_number(limits.cells)} cellules : {_SPLIT}')
            _parse(archive, first_sheet, _Sheet(limits))


def _central_directory_size(data: bytes) -> int:
    # zipfile reads the whole central directory into ZipInfo objects (~0.5 KB each): a 10 MB file could list
    # 200,000 members. Its size is in the end record, which zipfile finds the same way (last signature found).
    end = data.rfind(b'PK\x05\x06', max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or len(data) < end + 22:
        raise zipfile.BadZipFile('no end of central directory record')
    return int.from_bytes(data[end + 12:end + 16], 'little')


def _check_members(members: list[zipfile.ZipInfo], limits: 'TableLimits') -> None:
    if len(members) > limits.members:
        raise ScanRefused(f'Le fichier Excel contient trop de parties (plus de {limits.members}) : {_SPLIT}')
    expanded = 0
    for member in members:
        expanded += member.file_size
        if expanded > limits.uncompressed_bytes:
            raise ScanRefused(f'Le fichier Excel est trop volumineux une fois décompressé (plus de '
                              f'{limits.uncompressed_bytes // 1024 // 1024} Mo) : {_SPLIT}')
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ScanRefused('Le fichier Excel est anormalement compressé (une de ses parties grossit plus de '
                              f'{MAX_RATIO} fois une fois décompressée) : il ne sera pas lu.')


def _parts(data: bytes, archive: zipfile.ZipFile, budget: '_Budget') -> tuple[str | None, str | None, set[str]]:
    """(the first worksheet, the shared strings, every worksheet), found as openpyxl finds them, each part it reads
    for that scanned first."""
    from openpyxl.packaging.relationship import get_rels_path  # only XLSX files need openpyxl
    from openpyxl.reader.excel import ExcelReader, _find_workbook_part
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS

    names = set(archive.namelist())
    budget.scan(archive, ARC_CONTENT_TYPES)
    reader = ExcelReader(io.BytesIO(data), read_only=True, keep_links=False)
    try:
        reader.read_manifest()
        workbook = _find_workbook_part(reader.package).PartName[1:]
        budget.scan(archive, workbook)
        if get_rels_path(workbook) in names:
            budget.scan(archive, get_rels_path(workbook))
        reader.read_workbook()
        # openpyxl's worksheets: the sheets that are not chart sheets and whose part exists (ExcelReader).
        sheets = [rel.target for _, rel in reader.parser.find_sheets()
                  if rel.target in names and 'chartsheet' not in rel.Type]
        strings = reader.package.find(SHARED_STRINGS)
    finally:
        reader.archive.close()
    shared_strings = strings.PartName[1:] if strings is not None and strings.PartName[1:] in names else None
    return (sheets[0] if sheets else None), shared_strings, set(sheets)


class _Budget:
    """One count of elements for every structure part together."""

    def __init__(self) -> None:
        self.elements = 0
        self.scanned: set[str] = set()

    def scan(self, archive: zipfile.ZipFile, name: str) -> None:
        if name in self.scanned:
            return
        self.scanned.add(name)
        if archive.getinfo(name).file_size > STRUCTURE_BYTES:
            raise ScanRefused(f'Une partie du fichier Excel ({name[:80]}) est trop volumineuse : {_SPLIT}')
        _parse(archive, name, self)

    def start(self, _name: str, _attributes: dict) -> None:
        self.elements += 1
        if self.elements > STRUCTURE_ELEMENTS:
            raise ScanRefused(f'La structure du fichier Excel est anormalement complexe : {_SPLIT}')

    text = None


class _SharedStrings:
    """openpyxl keeps every shared string in memory: bound their text before it does (how many there are was
    counted before)."""

    def __init__(self, limits: 'TableLimits') -> None:
        self.limits = limits
        self.length = self.total = 0

    def start(self, name: str, _attributes: dict) -> None:
        if name.rpartition(':')[2] == 'si':
            self.length = 0

    def text(self, data: str) -> None:
        self.length += len(data)
        self.total += len(data)
        if self.length > self.limits.cell_chars:
            raise ScanRefused(f'Une cellule du fichier Excel contient plus de {_number(self.limits.cell_chars)} '
                              'caractères.')
        if self.total > self.limits.text_chars:
            raise ScanRefused(f'Le fichier Excel contient plus de {_number(self.limits.text_chars)} caractères de '
                              f'texte : {_SPLIT}')


class _Sheet:
    """openpyxl builds each row whole, padded to its last cell: bound the columns, the rows that hold a value and
    the length of each cell as they stream by (how many there are was counted before)."""

    def __init__(self, limits: 'TableLimits') -> None:
        self.limits = limits
        self.row = self.column = self.length = 0

    def start(self, name: str, attributes: dict) -> None:
        local = name.rpartition(':')[2]
        if local == 'c':
            reference = attributes.get('r')
            self.column = _column_index(reference) if reference else self.column + 1
            self.length = 0
            if self.column > self.limits.columns:
                raise ScanRefused(f'Ligne {self.row} : le fichier Excel a des cellules (même vides, mais mises en '
                                  f'forme) au-delà de la colonne {column_letter(self.limits.columns)}, la '
                                  f'{_number(self.limits.columns)}e : supprimez ces colonnes.')
        elif local == 'row':
            number = attributes.get('r')
            self.row = int(number) if number else self.row + 1  # not a number: a ValueError, a damaged file
            self.column = 0
        elif local in ('v', 'is') and self.row > self.limits.rows + 1:
            raise ScanRefused(f'Le fichier contient plus de {_number(self.limits.rows)} lignes : découpez-le en '
                              'plusieurs fichiers.')

    def text(self, data: str) -> None:
        self.length += len(data)
        if self.length > self.limits.cell_chars:
            raise ScanRefused(f'Ligne {self.row}, colonne {column_letter(self.column)} : une cellule contient plus '
                              f'de {_number(self.limits.cell_chars)} caractères.')


def _count(archive: zipfile.ZipFile, name: str, tags: _Tags, limit: int) -> int:
    """How many of `tags` the part holds, counted as it inflates and stopped just past `limit`; a tag cut by a
    chunk's end is missed (one in 64 KB at most)."""
    count = 0
    with archive.open(name) as member:
        while chunk := member.read(CHUNK):
            count += sum(chunk.count(tag) for tag in tags.plain)
            if any(mark in chunk for mark in tags.marks):
                count += len(tags.prefixed.findall(chunk))
            if count > limit:
                break
    return count


def _parse(archive: zipfile.ZipFile, name: str, counter) -> None:
    parser = pyexpat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartDoctypeDeclHandler = _no_doctype  # also shuts out entity expansion ("billion laughs")
    parser.StartElementHandler = counter.start
    if counter.text is not None:
        parser.CharacterDataHandler = counter.text
    try:
        with archive.open(name) as member:
            while chunk := member.read(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b'', True)
    except pyexpat.ExpatError as exc:
        raise ValueError(f'{name}: {exc}') from None


def _no_doctype(*_args) -> None:
    # The package format forbids document type declarations in its parts (ECMA-376 part 2, OPC M1.17).
    raise ValueError('document type declaration in an XLSX part')


def _column_index(reference: str) -> int:
    """
    >>> _column_index('A1'), _column_index('AB12'), _column_index('XFD1048576')
    (1, 28, 16384)
    """
    index = 0
    for char in reference:
        if not 'A' <= char <= 'Z':
            break
        index = index * 26 + ord(char) - 64
    return index


def column_letter(index: int) -> str:
    """
    >>> column_letter(1), column_letter(28), column_letter(16384)
    ('A', 'AB', 'XFD')
    """
    letters = ''
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _number(value: int) -> str:
    return f'{value:,}'.replace(',', '\u202f')

