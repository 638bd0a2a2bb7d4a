"""A copy of a validated document rendered after its original was lost: marked "COPIE" on every page, without the
Factur-X XML, so that it is never passed off as the original (docs/legal.md 2.5, issue 13).

`render_copy(job)` runs in a worker process like `logic.render.pdf.render_pdf` (same job): it renders the document
from its frozen copy, then lays a stamp over each page.
"""
import io

from logic.render.fetcher import RestrictedFetcher, file_url
from logic.render.html import ASSETS_DIR, TEMPLATES_DIR

STAMP = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>
@font-face { font-family: 'Stamp Sans'; font-weight: bold; src: url('../fonts/DejaVuSans-Bold.ttf'); }
@page { size: A4; margin: 0; }
body { margin: 0; font-family: 'Stamp Sans'; font-weight: bold; }
.band { position: absolute; top: 4mm; left: 0; width: 210mm; text-align: center; color: #b5452b; font-size: 9pt; }
.big { position: absolute; top: 120mm; left: 0; width: 210mm; text-align: center; font-size: 110pt;
       color: rgba(181, 69, 43, 0.22); transform: rotate(-35deg); }
</style></head><body>
<div class="band">COPIE — l’original archivé de ce document est manquant ; ce n’est pas l’original.</div>
<div class="big">COPIE</div></body></html>"""


def render_copy(job: dict) -> bytes:
    """Worker entry point: the document of `job` (logic.render.pdf.make_job) with the copy stamp on every page."""
    from weasyprint import HTML

    from logic.render.pdf import RENDER_LOCK, font_config, render_pdf

    with RENDER_LOCK:  # one WeasyPrint render at a time in a process (see logic.render.pdf)
        pdf = render_pdf({**job, 'draft': False, 'facturx_xml': None})
        stamp = HTML(string=STAMP, base_url=file_url(TEMPLATES_DIR) + '/',
                     url_fetcher=RestrictedFetcher([ASSETS_DIR])).write_pdf(font_config=font_config())
    return stamp_pages(pdf, stamp)


def stamp_pages(pdf: bytes, stamp: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    mark = PdfReader(io.BytesIO(stamp)).pages[0]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        page.merge_page(mark, over=True)
    writer.add_metadata({'/Title': 'COPIE — original manquant'})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
