"""A document's files, for signed-in users: its PDF (stored original once validated, else a preview), and the
Factur-X (CII) and UBL XML of a validated invoice or credit note. Served as attachments named after the number.
"""
from fastapi import Request
from fastapi.responses import Response
from nicegui import app, run

from db import publishing
from db.document import Document
from db.validation import preview_snapshot
from logic.errors import DomainError
from logic.filenames import document_stem
from logic.render import service
from pages import runtime
from pages.security import request_user

HEADERS = {'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff'}


def file_stem(document: Document) -> str:
    """The document number, safe in a header and a file name ('facture-brouillon-12' before numbering)."""
    return document_stem(document.number, document.doc_type, document.id)


async def _document(request: Request) -> Document | None:
    user = await request_user(request)
    if user is None:
        return None
    try:
        doc_id = int(request.path_params['doc_id'])
    except (KeyError, ValueError):
        return None
    return await Document.get_or_none(id=doc_id) if 0 < doc_id < 2**31 else None


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={**HEADERS, 'Content-Disposition': f'attachment; filename="{filename}"'})


@app.get('/documents/{doc_id}/pdf')
async def document_pdf(request: Request) -> Response:
    document = await _document(request)
    if document is None:
        return Response(status_code=404)
    try:
        pdf, _name = await publishing.document_pdf(document.id, config=runtime.config(), run=run.cpu_bound,
                                                   prices=request.query_params.get('prix') != 'non')
    except DomainError as exc:
        return Response(str(exc), status_code=409, media_type='text/plain; charset=utf-8')
    return _attachment(pdf, 'application/pdf', f'{file_stem(document)}.pdf')


async def _xml(request: Request, build, suffix: str) -> Response:
    document = await _document(request)
    if document is None or not document.is_frozen:
        return Response(status_code=404)
    snapshot = await preview_snapshot(document.id)
    if not service.is_einvoice(snapshot):
        return Response(status_code=404)
    return _attachment(build(snapshot), 'application/xml', f'{file_stem(document)}{suffix}')


@app.get('/documents/{doc_id}/factur-x.xml')
async def document_cii(request: Request) -> Response:
    return await _xml(request, service.cii_xml, '.xml')


@app.get('/documents/{doc_id}/ubl.xml')
async def document_ubl(request: Request) -> Response:
    return await _xml(request, service.ubl_xml, '-ubl.xml')
