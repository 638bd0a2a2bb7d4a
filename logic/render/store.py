"""Validated documents' PDFs: generated once from the frozen copy, kept under the data dir, never rewritten.

`store_pdf` writes a temporary file then hard-links it to its final name, which fails if the name exists: two
concurrent validations can't both win, and a stored PDF is never replaced (LEGAL.md §2.5: keep the original).

>>> path = store_pdf(files_dir, 42, pdf_bytes)      # doctest: +SKIP
>>> load_pdf(files_dir, 42) == pdf_bytes             # doctest: +SKIP
True
"""
import io
import os
import tempfile
from pathlib import Path

FOLDER = 'documents'


class AlreadyStored(FileExistsError):
    """This document already has its PDF: it is never replaced."""


def pdf_path(files_dir: Path, document_id: int) -> Path:
    if isinstance(document_id, bool) or not isinstance(document_id, int) or document_id <= 0:
        raise ValueError(f'invalid document id {document_id!r}')
    return Path(files_dir) / FOLDER / f'{document_id}.pdf'


def store_pdf(files_dir: Path, document_id: int, data: bytes) -> Path:
    if not data.startswith(b'%PDF-'):
        raise ValueError('not a PDF')
    target = pdf_path(files_dir, document_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix='.tmp-', suffix='.pdf')
    try:
        with os.fdopen(descriptor, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o440)
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise AlreadyStored(f'Le PDF du document {document_id} existe déjà.') from None
    finally:
        os.unlink(temporary)
    return target


def load_pdf(files_dir: Path, document_id: int) -> bytes | None:
    path = pdf_path(files_dir, document_id)
    return path.read_bytes() if path.is_file() else None


def xml_from_pdf(data: bytes) -> bytes | None:
    """The factur-x.xml embedded in a PDF, as archived, or None."""
    from pypdf import PdfReader  # noqa: PLC0415

    reader = PdfReader(io.BytesIO(data))
    for name, contents in (reader.attachments or {}).items():
        if name == 'factur-x.xml' and contents:
            return contents[0]
    return None
