"""A small streaming XLSX writer for big exports: the same cells as `logic.tabular.write_xlsx`, ten times faster.

Why: openpyxl spends ~11 µs per cell, so the full export of 20,000 contacts (~600,000 cells) took 7 s; writing
the sheet XML directly takes well under a second. The file holds only what the exports need: one or more sheets,
a bold frozen header row, column widths, and seven cell styles.

Cell rules (as `logic.tabular`): str -> text, always as an inline string, so `=HYPERLINK(...)` stays literal text
and is never a formula; a text that a spreadsheet would read as a formula once the cell is edited (it starts with
`= + - @`, a tab or a carriage return: `FORMULA_STARTS`) also carries a style with quotePrefix="1", the stored form
of Excel's leading apostrophe, which Excel and LibreOffice keep on edit; bool -> 'Oui'/'Non'; Decimal -> number shown '1 234,50'; int -> number; date and datetime
(shown at French time) -> dates; None -> empty; anything else, floats included, is refused. Every text cell carries
the text format '@', so a SIRET or a postcode keeps its zeros when the user edits it.
"""
import io
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

MAX_CELL_TEXT = 32_767  # Excel refuses longer cells
_NOT_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_INVALID_TITLE = re.compile(r'[\\/*?:\[\]]')
_EPOCH = date(1899, 12, 30)
_PARIS = ZoneInfo('Europe/Paris')
# Style indexes in styles.xml below.
_HEADER, _TEXT, _MONEY, _DATE, _DATETIME, _QUOTED_TEXT, _QUOTED_HEADER = 1, 2, 3, 4, 5, 6, 7
# What makes a typed cell a formula in Excel, LibreOffice or Google Sheets (OWASP "CSV injection"). Numbers are
# written as numbers and never quoted: a negative amount stays a number.
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
_ROWS_PER_CHUNK = 500


@dataclass(kw_only=True, slots=True)
class Sheet:
    title: str
    headers: list[str]
    rows: Iterable[Sequence[object]]
    column_widths: list[int] = field(default_factory=list)


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def write_xlsx(target: str | os.PathLike | io.BufferedIOBase, sheets: list[Sheet]) -> None:
    """Write the workbook to a path or a binary file object, streaming each sheet's rows."""
    titles = _titles([sheet.title for sheet in sheets])
    with zipfile.ZipFile(target, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
        archive.writestr('[Content_Types].xml', _content_types(len(sheets)))
        archive.writestr('_rels/.rels', _ROOT_RELS)
        archive.writestr('xl/workbook.xml', _workbook(titles))
        archive.writestr('xl/_rels/workbook.xml.rels', _workbook_rels(len(sheets)))
        archive.writestr('xl/styles.xml', _STYLES)
        for number, sheet in enumerate(sheets, start=1):
            with archive.open(f'xl/worksheets/sheet{number}.xml', 'w', force_zip64=True) as stream:
                _write_sheet(stream, sheet)


def _write_sheet(stream, sheet: Sheet) -> None:
    width = len(sheet.headers)
    letters = [_column_letter(index) for index in range(max(width, 1))]
    head = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="', _MAIN_NS, '">',
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>']
    if sheet.column_widths:
        head.append('<cols>')
        head.extend(f'<col min="{index}" max="{index}" width="{width_}" customWidth="1"/>'
                    for index, width_ in enumerate(sheet.column_widths, start=1))
        head.append('</cols>')
    head.append('<sheetData>')
    head.append(_row_xml(1, [str(header) for header in sheet.headers], letters, header=True))
    stream.write(''.join(head).encode())
    chunk: list[str] = []
    for number, row in enumerate(sheet.rows, start=2):
        if len(row) > len(letters):
            letters.extend(_column_letter(index) for index in range(len(letters), len(row)))
        chunk.append(_row_xml(number, row, letters))
        if len(chunk) >= _ROWS_PER_CHUNK:
            stream.write(''.join(chunk).encode())
            chunk.clear()
    chunk.append('</sheetData></worksheet>')
    stream.write(''.join(chunk).encode())


def _row_xml(number: int, values: Sequence[object], letters: list[str], *, header: bool = False) -> str:
    cells = [f'<row r="{number}">']
    text_style, quoted_style = (_HEADER, _QUOTED_HEADER) if header else (_TEXT, _QUOTED_TEXT)
    for index, value in enumerate(values):
        kind = type(value)  # the exact types first, by identity: an export is mostly texts, amounts and dates
        if kind is str:
            if not value:
                continue
            text, quoted = _cell_text(value)
            cells.append(f'<c r="{letters[index]}{number}" s="{quoted_style if quoted else text_style}" '
                         f't="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        elif kind is Decimal and value.is_finite():
            cells.append(f'<c r="{letters[index]}{number}" s="{_MONEY}"><v>{value:f}</v></c>')
        elif kind is date:
            cells.append(f'<c r="{letters[index]}{number}" s="{_DATE}"><v>{(value - _EPOCH).days}</v></c>')
        elif value is not None:
            cell = _other_cell(f'{letters[index]}{number}', value, text_style, quoted_style)
            if cell:
                cells.append(cell)
    cells.append('</row>')
    return ''.join(cells)


def _other_cell(ref: str, value: object, text_style: int, quoted_style: int) -> str:
    """The rest of `_row_xml`: booleans, integers, datetimes, subclasses, and the refusals; '' for an empty text."""
    if value == '':
        return ''
    if isinstance(value, str) or isinstance(value, bool):
        text, quoted = _cell_text(('Oui' if value else 'Non') if isinstance(value, bool) else value)
        return (f'<c r="{ref}" s="{quoted_style if quoted else text_style}" t="inlineStr"><is><t '
                f'xml:space="preserve">{text}</t></is></c>')
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f'cannot write {value} to a spreadsheet')
        return f'<c r="{ref}" s="{_MONEY}"><v>{value:f}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Excel has no time zones: show the time as it was in France
            value = value.astimezone(_PARIS).replace(tzinfo=None)
        serial = (value.date() - _EPOCH).days + (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        return f'<c r="{ref}" s="{_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_DATE}"><v>{(value - _EPOCH).days}</v></c>'
    raise TypeError(f'cannot write {type(value).__name__} to a spreadsheet: convert it first '
                    '(money is Decimal, never float)')


def _cell_text(text: str) -> tuple[str, bool]:
    """The text as a cell holds it (characters XML can't carry dropped, cut at Excel's limit, escaped) and whether
    it starts like a formula."""
    if _NOT_XML.search(text):
        text = _NOT_XML.sub('', text)
    return (text[:MAX_CELL_TEXT].replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;'),
            text.startswith(FORMULA_STARTS))


def _column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ''
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _titles(titles: list[str]) -> list[str]:
    """Excel's rules: 31 characters, none of \\ / * ? : [ ], unique whatever the case."""
    result: list[str] = []
    for title in titles:
        base = _INVALID_TITLE.sub(' ', _NOT_XML.sub('', title)).strip()[:31] or 'Feuille'
        candidate, number = base, 2
        while candidate.casefold() in (seen.casefold() for seen in result):
            candidate, number = f'{base[:28]} {number}', number + 1
        result.append(candidate)
    return result


_MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
_REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="DD/MM/YYYY"/>'
    '<numFmt numFmtId="166" formatCode="DD/MM/YYYY HH:MM"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/>'
    '</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1" '
    'quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _content_types(sheet_count: int) -> str:
    sheets = ''.join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                     for n in range(1, sheet_count + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{sheets}</Types>')


def _workbook(titles: list[str]) -> str:
    sheets = ''.join(f'<sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
                     for n, title in enumerate(titles, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><bookViews><workbookView/></bookViews>'
            f'<sheets>{sheets}</sheets></workbook>')


def _workbook_rels(sheet_count: int) -> str:
    rels = ''.join(f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                   for n in range(1, sheet_count + 1))
    styles = f'<Relationship Id="rId{sheet_count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}{styles}'
            '</Relationships>')
