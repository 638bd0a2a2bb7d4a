"""Grouped printing (DOC5): many documents into one PDF, rendered one by one and merged with pypdf.

Rendering everything into one HTML costs about 1 GB for 200 invoices (measured); here each document is its own
small PDF made in the worker, read back and appended, so memory grows with the output PDF only, and the input may
be a generator that loads documents as it goes.
"""
import asyncio
import io
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from pathlib import Path

from logic.render.pdf import make_job, render_pdf
from logic.render.style import TemplateStyle
from logic.snapshot import DocumentSnapshot

Runner = Callable[..., Awaitable[bytes]]
Item = DocumentSnapshot | tuple[DocumentSnapshot, TemplateStyle] | bytes


async def batch_pdf(items: Iterable[Item] | AsyncIterable[Item], path: Path,
                    progress_cb: Callable[[int], None] | None = None, *, run: Runner | None = None,
                    style: TemplateStyle | None = None, uploads_dir: Path | None = None) -> int:
    """Write one PDF of all `items` to `path`; returns the number of documents.

    An item is a snapshot (rendered with `style`), a (snapshot, style) pair, or the bytes of a stored PDF (a
    validated invoice is printed from its stored copy, not rendered again). `run` is how a render leaves the event
    loop: `nicegui.run.cpu_bound` in the app; a thread by default (scripts, tests). `progress_cb(done)` after each.
    """
    from pypdf import PdfReader, PdfWriter  # noqa: PLC0415

    run = run or _in_thread
    writer = PdfWriter()
    count = 0
    async for item in _iterate(items):
        if isinstance(item, bytes):
            data = item
        else:
            snapshot, item_style = item if isinstance(item, tuple) else (item, style or TemplateStyle())
            data = await run(render_pdf, make_job(snapshot, item_style, uploads_dir=uploads_dir))
        writer.append(PdfReader(io.BytesIO(data)))
        count += 1
        if progress_cb:
            progress_cb(count)
    writer.add_metadata({'/Title': f'Édition groupée ({count} documents)', '/Producer': 'Facturier'})
    temporary = Path(path).with_suffix('.part')
    with open(temporary, 'wb') as handle:
        writer.write(handle)
    writer.close()
    temporary.replace(path)
    return count


async def _iterate(items):
    if hasattr(items, '__aiter__'):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


async def _in_thread(function, *args):
    return await asyncio.to_thread(function, *args)
