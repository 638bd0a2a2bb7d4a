"""Édition groupée (DOC5): one PDF of every document matching the list's filters and a number range, made by a job
worker (issue 17, db/job_kinds.py: batch_print) with its progress live in the dialog; the app stays responsive, the
file downloads by itself when it is ready, as « factures-2026-12-06.pdf », and waits in « Téléchargements »."""
from components.batch_print_dialog import BatchPrintDialog
from components.document_list import ListFilters
from components.job_progress import JobProgress
from db import job_kinds, jobs
from db.document_list import filtered, order_of
from logic import doctypes
from logic.errors import DomainError
from pages import downloads
from pages.document_lists import list_query
from pages.security import PageContext

MAX_DOCUMENTS = 5000


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
        what = doctypes.doc_type(family).plural
        job = await jobs.enqueue(ctx.actor, job_kinds.BATCH_PRINT, {'family': family, 'ids': ids}, total=len(ids),
                                 title=f'Édition groupée : {len(ids)} {what.lower()}')
        dialog.follow(lambda: JobProgress(load=downloads.loader(ctx, job.id), auto_download=True,
                                          on_cancel=downloads.canceller(ctx, job.id)))

    dialog = BatchPrintDialog(on_start=start, guard=ctx.handler)
    dialog.open()
