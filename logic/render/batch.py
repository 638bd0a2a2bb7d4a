"""Grouped printing (DOC5): many documents into one PDF, rendered one by one and merged with pypdf.

Rendering everything into one HTML costs about 1 GB for 200 invoices (measured); here each document is its own
small PDF made in the worker, read back and appended, so memory grows with the output PDF only, and the input may
be a generator that loads documents as it goes.
"""
import asyncio
import inspect
import io
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from pathlib import Path

from logic.render.pdf import make_job, render_pdf
from logic.render.style import TemplateStyle
from logic.snapshot import DocumentSnapshot

Runner = Callable[..., Awaitable[bytes]]
# Documents in flight: one more than the render processes of a small server (2 cores), so that a render process
# never waits while this process merges the previous PDF or loads the next document.
AHEAD = 3
Item = DocumentSnapshot | tuple[DocumentSnapshot, TemplateStyle] | bytes | Awaitable[bytes]


async def batch_pdf(items: Iterable[Item] | AsyncIterable[Item], path: Path,
                    progress_cb: Callable[[int], None] | None = None, *, run: Runner | None = None,
                    style: TemplateStyle | None = None, uploads_dir: Path | None = None) -> int:
    """Write one PDF of all `items` to `path`; returns the number of documents.

    An item is a snapshot (rendered with `style`), a (snapshot, style) pair, the bytes of a stored PDF (a
    validated invoice is printed from its stored copy, not rendered again), or an awaitable of PDF bytes (a document
    loaded and rendered by the caller: db/publishing.batch_print), started when its turn comes. `run` is how a
    render leaves the event loop: the job worker's pool in the app; a thread by default (scripts, tests).
    `progress_cb(done)` after each.
    """
    from pypdf import PdfReader, PdfWriter  # noqa: PLC0415

    run = run or _in_thread
    writer = PdfWriter()
    count = 0
    # AHEAD documents in flight, appended in order as they finish: the merge and the next renders overlap instead of
    # waiting for each other (issue 17: 500 one-page invoices within 90 s).
    pending: deque[asyncio.Future] = deque()
    try:
        async for item in _iterate(items):
            if isinstance(item, bytes):
                pending.append(asyncio.get_running_loop().create_future())
                pending[-1].set_result(item)
            elif inspect.isawaitable(item):
                pending.append(asyncio.ensure_future(item))
            else:
                snapshot, item_style = item if isinstance(item, tuple) else (item, style or TemplateStyle())
                pending.append(asyncio.ensure_future(run(render_pdf, make_job(snapshot, item_style,
                                                                              uploads_dir=uploads_dir))))
            while len(pending) >= AHEAD or (pending and pending[0].done()):
                writer.append(PdfReader(io.BytesIO(await pending.popleft())))
                count += 1
                if progress_cb:
                    progress_cb(count)
        while pending:
            writer.append(PdfReader(io.BytesIO(await pending.popleft())))
            count += 1
            if progress_cb:
                progress_cb(count)
    finally:
        for future in pending:  # a refusal or a cancellation: the renders still running are not waited for
            future.cancel()
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
