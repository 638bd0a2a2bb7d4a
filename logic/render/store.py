"""Validated documents' PDFs: generated once from the frozen copy, kept under the data dir, never rewritten.

`store_pdf` writes a temporary file then hard-links it to its final name, which fails if the name exists: two
concurrent validations can't both win, and a stored PDF is never replaced (docs/legal.md §2.5: keep the original).

Issuing (db/issuing.py) makes the original BEFORE the number is committed: `stage_pdf` writes it under its series
and number, and `promote` gives it its final name once the document is committed (and knows its id). A staged file
whose number was never committed is replaced by the next document that takes that number. A document committed
but not promoted (the process stopped in between) is promoted on its first request.

>>> path = store_pdf(files_dir, 42, pdf_bytes)      # doctest: +SKIP
>>> load_pdf(files_dir, 42) == pdf_bytes             # doctest: +SKIP
True
"""
import io
import os
import re
import tempfile
from pathlib import Path

FOLDER = 'documents'
STAGED = 'staged'
_NUMBER = re.compile(r'[A-Za-z0-9_/-]{1,35}')


class AlreadyStored(FileExistsError):
    """This document already has its PDF: it is never replaced."""


def pdf_path(files_dir: Path, document_id: int) -> Path:
    if isinstance(document_id, bool) or not isinstance(document_id, int) or document_id <= 0:
        raise ValueError(f'invalid document id {document_id!r}')
    return Path(files_dir) / FOLDER / f'{document_id}.pdf'


def store_pdf(files_dir: Path, document_id: int, data: bytes) -> Path:
    target = pdf_path(files_dir, document_id)
    if not write_once(target, data):
        raise AlreadyStored(f'Le PDF du document {document_id} existe déjà.')
    return target


def write_once(target: Path, data: bytes) -> bool:
    """Write a PDF to `target` unless a file has that name (False then): a synced, read-only temporary file
    hard-linked to the name, so that two writers can't both win and an original is never replaced."""
    if not data.startswith(b'%PDF-'):
        raise ValueError('not a PDF')
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
            return False
    finally:
        os.unlink(temporary)
    return True


def staged_path(files_dir: Path, series: str, number: str) -> Path:
    """Where the original of `number` waits for its commit (a number may hold '/', never '~': it stands in)."""
    if not series.isidentifier() or not _NUMBER.fullmatch(number or ''):
        raise ValueError(f'invalid staged name {series!r} {number!r}')
    return Path(files_dir) / STAGED / series / f"{number.replace('/', '~')}.pdf"


def stage_pdf(files_dir: Path, series: str, number: str, data: bytes) -> Path:
    """Write the original of the document about to be numbered `number` (replacing an uncommitted attempt's)."""
    if not data.startswith(b'%PDF-'):
        raise ValueError('not a PDF')
    target = staged_path(files_dir, series, number)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix='.tmp-', suffix='.pdf')
    with os.fdopen(descriptor, 'wb') as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


def promote(files_dir: Path, series: str, number: str, document_id: int) -> bool:
    """Give the staged original of a committed document its final name; False when nothing is staged for it."""
    source = staged_path(files_dir, series, number)
    if not source.is_file():
        return False
    target = pdf_path(files_dir, document_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(source, 0o440)
    try:  # the staged file was written and synced once: it is linked, never copied again
        os.link(source, target)
    except FileExistsError:
        pass  # promoted meanwhile by a concurrent request: that one is the original
    source.unlink(missing_ok=True)
    return True


def discard_staged(files_dir: Path, series: str, number: str) -> None:
    staged_path(files_dir, series, number).unlink(missing_ok=True)


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
