"""Édition groupée (DOC5): one PDF of every document matching the list's filters and a number range, made in the
background with a progress bar; the app stays responsive and the file downloads by itself when it is ready, as
« factures-2026-12-06.pdf »."""
import secrets
import time
from datetime import datetime
from pathlib import Path

from nicegui import background_tasks, run, ui

from components.batch_print_dialog import BatchPrintDialog
from components.document_list import ListFilters
from db import publishing
from db.document_list import filtered, order_of
from logic.errors import DomainError
from logic.filenames import family_file
from pages import runtime
from pages.document_lists import list_query
from pages.security import PageContext

MAX_DOCUMENTS = 5000
# A batch file is a convenience copy (each document keeps its own stored PDF): it is removed a day after it was made.
KEEP_SECONDS = 24 * 3600


class BatchCancelled(DomainError):
    """The user stopped the batch: its partial file is removed."""


async def matching_ids(family: str, filters: ListFilters, first: str, last: str) -> list[int]:
    """The documents of the list's filters within [first, last] numbers (either may be empty), oldest first."""
    query = list_query(family, filters)
    queryset = filtered(query)
    if first:
        queryset = queryset.filter(number__gte=first.strip())
    if last:
        queryset = queryset.filter(number__lte=last.strip())
    ids = await queryset.order_by(*order_of(query)).limit(MAX_DOCUMENTS + 1).values_list('id', flat=True)
    if len(ids) > MAX_DOCUMENTS:
        raise DomainError(f'Plus de {MAX_DOCUMENTS} documents : resserrez les filtres ou la plage de numéros.')
    return list(ids)


def open_batch_dialog(ctx: PageContext, family: str, filters: ListFilters) -> None:
    async def start(first: str, last: str) -> None:
        ids = await matching_ids(family, filters, first, last)
        if not ids:
            raise DomainError('Aucun document ne correspond à ces critères.')
        config = runtime.config()
        folder = config.files_dir / 'batches'
        folder.mkdir(exist_ok=True)
        purge_old_batches(folder)
        path = folder / f'{family}-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.pdf'
        dialog.started(len(ids))

        def advance(done: int) -> None:
            if dialog.cancelled:
                raise BatchCancelled('Édition groupée annulée.')
            dialog.advance(done, len(ids))

        async def job() -> None:
            try:
                count = await publishing.batch_print(ids, path, config=config, run=run.cpu_bound, progress=advance)
            except DomainError as exc:
                path.unlink(missing_ok=True)
                dialog.failed(str(exc) if isinstance(exc, BatchCancelled) else f'Échec : {exc}')
                return
            download = ctx.handler(lambda: ui.download.file(path, family_file(family, 'pdf')))
            dialog.finished(count, download)
            # The file downloads by itself; the dialog's button stays for a browser that blocked it.
            if not dialog.client.is_deleted:
                with dialog.client:
                    await download()

        background_tasks.create(job(), name=f'batch print {path.name}')

    dialog = BatchPrintDialog(on_start=start, guard=ctx.handler)
    dialog.open()


def purge_old_batches(folder: Path, now: float | None = None) -> int:
    """Remove the batch files (and unfinished parts) older than KEEP_SECONDS; returns how many were removed."""
    limit = (now or time.time()) - KEEP_SECONDS
    removed = 0
    for item in [*folder.glob('*.pdf'), *folder.glob('*.part')]:
        if item.stat().st_mtime < limit:
            item.unlink(missing_ok=True)
            removed += 1
    return removed
