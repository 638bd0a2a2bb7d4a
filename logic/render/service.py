"""What the document screens call: previews, the validated invoice's Factur-X PDF, the XML downloads.

`run` is how rendering leaves the event loop: pass `nicegui.run.cpu_bound` from pages (the worker keeps one
FontConfiguration). The e-invoice checks run in their own process (logic.facturx.checker), at the same time as the
rendering, and the PDF is returned only when they pass.
"""
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from logic import doctypes
from logic.facturx import checker
from logic.facturx.cii import build_cii
from logic.facturx.ubl import build_ubl
from logic.render.pdf import make_job, render_pdf
from logic.render.style import TemplateStyle
from logic.snapshot import DocumentSnapshot

Runner = Callable[..., Awaitable[bytes]]
PLACEHOLDER_NUMBER = 'PROVISOIRE-1'


@dataclass(kw_only=True, slots=True, frozen=True)
class EInvoicePdf:
    pdf: bytes
    xml: bytes
    check: checker.CheckResult


def is_einvoice(snapshot: DocumentSnapshot) -> bool:
    return doctypes.type_code(snapshot.doc_type) is not None


async def render_preview(snapshot: DocumentSnapshot, style: TemplateStyle, *, run: Runner,
                         uploads_dir: Path | None = None, draft: bool = True) -> bytes:
    """A draft or a quote, on demand: no XML, 'BROUILLON' across the page when `draft`."""
    return await run(render_pdf, make_job(snapshot, style, draft=draft, uploads_dir=uploads_dir))


async def preflight(snapshot: DocumentSnapshot) -> checker.CheckResult:
    """Check a document's e-invoice before validating it (the number is not known yet: a placeholder stands in)."""
    if not snapshot.number:
        snapshot = replace(snapshot, number=PLACEHOLDER_NUMBER)
    return blocking_only(snapshot, await checker.check(build_cii(snapshot)))


async def produce_einvoice(snapshot: DocumentSnapshot, style: TemplateStyle, *, run: Runner,
                           uploads_dir: Path | None = None, created: datetime | None = None) -> EInvoicePdf:
    """The Factur-X PDF/A-3 of a validated invoice, deposit invoice or credit note; raises EInvoiceInvalid.

    Store the result with logic.render.store.store_pdf: it is generated once.
    """
    xml = build_cii(snapshot)
    job = make_job(snapshot, style, facturx_xml=xml, uploads_dir=uploads_dir, created=created)
    result, pdf = await asyncio.gather(checker.check(xml), run(render_pdf, job))
    result = blocking_only(snapshot, result)
    if not result.ok:
        raise checker.EInvoiceInvalid(result)
    return EInvoicePdf(pdf=pdf, xml=xml, check=result)


def cii_xml(snapshot: DocumentSnapshot) -> bytes:
    return build_cii(snapshot)


def ubl_xml(snapshot: DocumentSnapshot) -> bytes:
    return build_ubl(snapshot)


def blocking_only(snapshot: DocumentSnapshot, result: checker.CheckResult) -> checker.CheckResult:
    """B2C invoices are e-reported, not e-invoiced: a private client without any e-mail only gets a warning."""
    if snapshot.is_b2b:
        return result
    soft = {'BR-FR-12_BT-49'}
    return checker.CheckResult(errors=tuple(i for i in result.errors if i.rule not in soft),
                               warnings=result.warnings + tuple(i for i in result.errors if i.rule in soft))
