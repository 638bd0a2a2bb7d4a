"""WeasyPrint rendering, run in a worker process: `render_pdf(job)` takes and returns plain data (run.cpu_bound).

Every PDF is PDF/A-3b. With `facturx_xml` the CII XML is embedded as factur-x.xml (AFRelationship /Alternative,
MIME text/xml) and the Factur-X XMP descriptions are merged into WeasyPrint's single RDF block.

One FontConfiguration and one image cache per worker process: a new FontConfiguration per document leaks about
0.25 MB each time (measured). Likewise the template's stylesheet (its <style> block, @font-face rules
included) is parsed once per worker and template style, not for every document: that parse, with the font files
its @font-face rules load, was about 40 % of a one-page invoice's render (0.40-0.59 s -> 0.23-0.31 s, same pages).
"""
import multiprocessing
import os
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from logic.render.context import build_context
from logic.render.fetcher import MEMORY_SCHEME, RestrictedFetcher, file_url
from logic.render.html import ASSETS_DIR, TEMPLATES_DIR, render_html
from logic.render.style import TemplateStyle
from logic.render.xmp import MergedMetadata, facturx_descriptions
from logic.snapshot import DocumentSnapshot

FACTURX_NAME = 'factur-x.xml'
_font_config = None
# Niceness of the PDF worker processes (0-19, higher is kinder): see _yield_to_the_app.
WORKER_NICENESS = 10
_niced = False
_image_cache: dict = {}
_stylesheets: dict = {}  # the <style> text -> its parsed weasyprint.CSS, per worker process
_MAX_STYLESHEETS = 16
_STYLE_BLOCK = re.compile(r'<style>(.*?)</style>', re.S)
# WeasyPrint (Pango, and the FontConfiguration and caches shared here) is not thread-safe: renders run in threads
# (scripts, tests: asyncio.to_thread) take turns, as a grouped printing starts several at once (logic/render/batch.py;
# two at once in threads: "GLib-WARNING: corrupted double-linked list"). In a worker process it is never contended.
RENDER_LOCK = threading.RLock()


def make_job(snapshot: DocumentSnapshot, style: TemplateStyle, *, draft: bool = False,
             facturx_xml: bytes | None = None, uploads_dir: Path | None = None,
             created: datetime | None = None) -> dict:
    """The picklable description of one PDF. `uploads_dir` is the only data folder the renderer may read (logos)."""
    return {'snapshot': snapshot.to_dict(), 'style': style.to_dict(), 'draft': draft, 'facturx_xml': facturx_xml,
            'uploads_dir': str(uploads_dir) if uploads_dir else '',
            'created': (created or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()}


def render_pdf(job: dict) -> bytes:
    """Worker entry point: the PDF bytes of one document."""
    with RENDER_LOCK:
        return _render_pdf(job)


def _render_pdf(job: dict) -> bytes:
    from weasyprint import HTML, Attachment  # noqa: PLC0415 - loaded in the worker, not in the app process

    _yield_to_the_app()

    snapshot = DocumentSnapshot.from_dict(job['snapshot'])
    style = TemplateStyle.from_dict(job['style'])
    roots = [ASSETS_DIR]
    logo_url = ''
    if job['uploads_dir']:
        uploads = Path(job['uploads_dir'])
        roots.append(uploads)
        if style.logo and (uploads / style.logo).is_file():
            logo_url = file_url(uploads / style.logo)
    xml = job['facturx_xml']
    fetcher = RestrictedFetcher(roots, {FACTURX_NAME: (xml, 'text/xml')} if xml else None)
    html = render_html(build_context(snapshot, style, draft=job['draft'], logo_url=logo_url))
    html, stylesheet = _parsed_stylesheet(html, fetcher)
    document = HTML(string=html, base_url=file_url(TEMPLATES_DIR) + '/', url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=font_config(), cache=_image_cache, pdf_variant='pdf/a-3b')
    document.metadata.created = document.metadata.modified = job['created']
    document.metadata.lang = 'fr'
    attachments = []
    if xml:
        document.metadata = MergedMetadata(document.metadata, facturx_descriptions('EN 16931', FACTURX_NAME))
        created = datetime.fromisoformat(job['created'])
        attachments.append(Attachment(url=MEMORY_SCHEME + FACTURX_NAME, url_fetcher=fetcher, name=FACTURX_NAME,
                                      description='Factur-X (EN 16931)', relationship='Alternative',
                                      created=created, modified=created))
    return document.write_pdf(pdf_variant='pdf/a-3b', attachments=attachments, finisher=_single_af_entries)


def _yield_to_the_app() -> None:
    """Give the worker process a lower CPU priority, once: on two cores a batch of 500 PDFs would otherwise take the
    CPU from the app process, whose event loop answers every click (clicks waited over a second under a batch).
    Only in a worker process: a render run in a thread of the app (scripts, tests) must not slow the app down."""
    global _niced
    if _niced or multiprocessing.parent_process() is None:
        return
    _niced = True
    try:
        # Up to WORKER_NICENESS, not beyond: a job worker's pool (db/job_worker.py) is already at that niceness, and
        # at 19 its renders starved behind any other busy process of the machine.
        os.nice(max(WORKER_NICENESS - os.nice(0), 0))
    except OSError:  # not allowed here: render at normal priority
        pass


def _parsed_stylesheet(html: str, fetcher):
    """(the HTML without its <style> block, that block parsed once per worker). The block only holds the template's
    CSS and the style's checked values (colours, fonts), never user text, so a handful of entries covers a worker."""
    from weasyprint import CSS  # noqa: PLC0415

    found = _STYLE_BLOCK.search(html)
    text = found.group(1)
    stylesheet = _stylesheets.get(text)
    if stylesheet is None:
        if len(_stylesheets) >= _MAX_STYLESHEETS:
            _stylesheets.clear()
        stylesheet = _stylesheets[text] = CSS(string=text, base_url=file_url(TEMPLATES_DIR) + '/',
                                              url_fetcher=fetcher, font_config=font_config())
    return html[:found.start()] + html[found.end():], stylesheet


def _single_af_entries(_document, pdf) -> None:
    # WeasyPrint lists each embedded file twice in the catalog's /AF (once from /EmbeddedFiles, once per filespec).
    if 'AF' in pdf.catalog:
        entries = list(dict.fromkeys(pdf.catalog['AF']))
        pdf.catalog['AF'].clear()
        pdf.catalog['AF'].extend(entries)


def font_config():
    global _font_config  # noqa: PLW0603 - one per worker process, on purpose
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

        _font_config = FontConfiguration()
    return _font_config
