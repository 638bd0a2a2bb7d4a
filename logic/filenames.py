"""The names of the files the app offers, in French and made here only, so that the PDF, the batch and the exports
can't drift apart. Names keep to letters, digits, '-', '_' and '.': safe in a header, on any disk.

>>> family_file('invoice', 'pdf', today=date(2026, 12, 6))
'factures-2026-12-06.pdf'
>>> dated_file('contacts', 'xlsx', today=date(2026, 12, 6))
'contacts-2026-12-06.xlsx'
>>> document_stem('F2026-00002', 'invoice', 12)
'F2026-00002'
>>> document_stem('', 'deposit_invoice', 12)
'facture-d-acompte-brouillon-12'
>>> deposit_request_file('D2026-00012')
'Demande_acompte_D2026-00012.pdf'
>>> size_text(12_345)
'12 Ko'
"""
import re
import unicodedata
from datetime import date

from logic import doctypes

_UNSAFE = re.compile(r'[^A-Za-z0-9_.-]+')


def family_file(family: str, extension: str, *, today: date | None = None) -> str:
    """A file of a list ('quote', 'invoice'...): its French plural and the day, 'devis-2026-12-06.xlsx'."""
    return dated_file(doctypes.doc_type(family).plural, extension, today=today)


def dated_file(subject: str, extension: str, *, today: date | None = None) -> str:
    """'contacts-2026-12-06.xlsx': the subject as a slug, then the day (the same file made twice a day replaces
    itself in the downloads folder, which is what a person expects of a list export)."""
    return f'{slug(subject)}-{(today or date.today()).isoformat()}.{extension}'


def document_stem(number: str, doc_type: str, doc_id: int) -> str:
    """A document's files are named after its number; a draft has none yet: 'facture-brouillon-12'."""
    stem = _UNSAFE.sub('_', number or '').strip('._')
    return stem or f'{slug(doctypes.label(doc_type))}-brouillon-{doc_id}'


def deposit_request_file(quote_number: str) -> str:
    """A deposit request (DE2), downloaded or mailed: 'Demande_acompte_D2026-00012.pdf'."""
    return f'Demande_acompte_{_UNSAFE.sub("_", quote_number or "").strip("._") or "devis"}.pdf'


def slug(text: str) -> str:
    """'Factures d’acompte' -> 'factures-d-acompte': lower case ASCII words joined by '-'."""
    plain = ''.join(c for c in unicodedata.normalize('NFKD', text) if not unicodedata.combining(c))
    return re.sub(r'[^a-z0-9]+', '-', plain.lower()).strip('-') or 'fichier'


def size_text(size: int) -> str:
    """A file size the French way: '850 octets', '12 Ko', '3,4 Mo' (1 Ko = 1024 octets, as file managers show)."""
    if size < 1024:
        return f'{size} octet' if size == 1 else f'{size} octets'
    if size < 1024 * 1024:
        return f'{round(size / 1024)} Ko'
    return f'{size / 1024 / 1024:.1f} Mo'.replace('.', ',')
