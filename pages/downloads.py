"""« Téléchargements » (issue 17): the user's heavy jobs (grouped printing, exports), their progress and results.

Jobs run in the job workers (db/job_worker.py); any web process shows them and serves their files, since both live
in the database and the data dir. A result is served to its owner only, checked here on the server at each request
(`/telechargements/{id}/fichier`). Pages start jobs with `start_job`, which queues it (one per user at once) and shows
its progress in a dialog; the batch print dialog embeds the same progress (pages/batch_print.py).
"""
from fastapi import Request
from fastapi.responses import FileResponse, Response
from nicegui import app, ui

from components.frame import frame
from components.job_progress import JobDialog, JobView
from db import jobs
from db.job import Job
from logic.filenames import size_text
from pages import runtime
from pages.security import PageContext, request_user, secured_page

PATH = '/telechargements'
HEADERS = {'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff'}
MEDIA_TYPES = {'pdf': 'application/pdf', 'xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
               'csv': 'text/csv', 'txt': 'text/plain', 'zip': 'application/zip', 'xml': 'application/xml'}


def view_of(job: Job) -> JobView:
    ready = jobs.result_file(runtime.config(), job) is not None
    return JobView(id=job.id, title=job.title, state=job.state, state_label=job.state_label, line=jobs.describe(job),
                   done=job.done, total=job.total, url=f'{PATH}/{job.id}/fichier' if ready else '',
                   size=size_text(job.result_size) if ready else '',
                   created=job.created_at.astimezone().strftime('%d/%m/%Y %H:%M') if job.created_at else '')


def loader(ctx: PageContext, job_id: int):
    """The function a JobProgress polls: this user's job only."""
    async def load() -> JobView | None:
        job = await jobs.get_own(ctx.user.id, job_id)
        return view_of(job) if job is not None else None
    return load


def canceller(ctx: PageContext, job_id: int):
    async def cancel() -> None:
        await jobs.cancel(ctx.user.id, job_id)
        ui.notify('Arrêt demandé.')
    return ctx.handler(cancel)


async def start_job(ctx: PageContext, kind: str, params: dict, *, title: str, total: int = 0) -> Job:
    """Queue a job for this user and show its progress in a dialog (the file downloads by itself when ready).
    A second job while one is active is refused with a French message (a DomainError: ctx.handler shows it)."""
    job = await jobs.enqueue(ctx.actor, kind, params, title=title, total=total)
    JobDialog(title, load=loader(ctx, job.id), on_cancel=canceller(ctx, job.id)).open()
    return job


@secured_page(PATH, title='Téléchargements')
async def downloads_page(ctx: PageContext) -> None:
    with frame(ctx, 'Téléchargements'):
        ui.label('Les éditions groupées, les exports et les relances que vous avez lancés, gardés '
                 f'{jobs.KEEP_DAYS} jours. Ils se préparent en arrière-plan : vous pouvez quitter la page.') \
            .classes('app-muted')
        listing = ui.column().classes('w-full gap-2').mark('downloads')
        state = {'active': False}

        async def reload() -> None:
            items = [view_of(job) for job in await jobs.of_user(ctx.user.id)]
            state['active'] = any(item.active for item in items)
            listing.clear()
            with listing:
                if not items:
                    ui.label('Aucun téléchargement pour l’instant.').classes('app-muted').mark('no-downloads')
                for item in items:
                    _row(ctx, item, reload)

        async def poll() -> None:
            if state['active']:
                await reload()

        await reload()
        ui.timer(1.5, poll)


def _row(ctx: PageContext, item: JobView, reload) -> None:
    with ui.card().classes('app-card w-full').props(f'data-job={item.id} data-state={item.state}').mark('job-row'):
        with ui.row().classes('w-full items-center gap-2 no-wrap'):
            with ui.column().classes('gap-0 grow min-w-0'):
                ui.label(item.title).classes('font-medium')
                ui.label(f'{item.created} · {item.state_label}').classes('app-muted text-sm')
            if item.url:
                with ui.link(target=item.url).props('download data-action=download').mark('download'):
                    ui.button(item.size or 'Télécharger', icon='download').props('unelevated no-caps')
            elif item.active:
                ui.button('Arrêter', icon='stop', on_click=canceller(ctx, item.id)) \
                    .props('outline no-caps color=negative data-action=cancel-job').mark('cancel-job')
        ui.label(item.line).classes('app-muted text-sm whitespace-pre-line').mark('job-line')
        if item.active and item.total:
            ui.linear_progress(value=item.done / item.total, show_value=False).props('rounded size=8px') \
                .classes('w-full')


@app.get(PATH + '/{job_id}/fichier')
async def job_file(request: Request) -> Response:
    """The result of a job, to its owner only (404 for anyone else: a job's existence is not disclosed)."""
    config = runtime.config()
    user = await request_user(request)
    try:
        job_id = int(request.path_params['job_id'])
    except (KeyError, ValueError):
        return Response(status_code=404)
    job = await jobs.get_own(user.id, job_id) if user is not None and 0 < job_id < 2**63 else None
    path = jobs.result_file(config, job) if job is not None else None
    if path is None:
        return Response(status_code=404)
    extension = job.result_name.rsplit('.', 1)[-1]
    return FileResponse(path, media_type=MEDIA_TYPES.get(extension, 'application/octet-stream'), headers=HEADERS,
                        filename=job.result_name)
