"""Comptabilité > Archives (AC3, issue 13): build the signed archive of a closed fiscal year, download it, and check
an archive (one built here, or one uploaded) as `python main.py verify --archive FILE` does.

Admins only (page, actions and downloads, checked on the server). Archives are written under the data dir
(`files/archives/`), named `exercice-<year>-<UTC time>.tar`, by a job worker (db/accounting_jobs.py); an uploaded archive is capped by the server's body limit
(pages/upload_limit.py: 10 Mo) and checked from a temporary file, never kept. A bigger one is checked with the command.
"""
import asyncio
import re
import tempfile
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, Response
from nicegui import app, events, ui

from components.form import section
from components.frame import frame
from components.subnav import accounting_tabs
from db import accounting_jobs
from db.closing import Closing
from logic.archive import verify_archive
from logic.closing import YEAR
from logic.errors import DomainError
from logic.filenames import size_text
from logic.tabular import MAX_BYTES
from pages import runtime
from pages.downloads import start_job
from pages.security import PageContext, request_user, secured_page

PATH = '/comptabilite/archives'
NAME = re.compile(r'exercice-\d{4}-\d{8}T\d{6}Z\.tar')


def archives_dir() -> Path:
    return accounting_jobs.archives_dir(runtime.config())


@secured_page(PATH, admin=True, title='Archives')
async def archives_page(ctx: PageContext):
    years = {closing.period_end.year: closing.label
             for closing in await Closing.filter(kind=YEAR).order_by('-period_end')}
    with frame(ctx, 'Comptabilité'):
        accounting_tabs(PATH)
        with section('Archiver un exercice clôturé', 'L’archive réunit les originaux (PDF et XML) des documents de '
                     'l’exercice, le journal des règlements, les clôtures, le journal d’audit et le FEC, avec un '
                     'manifeste des empreintes signé par la clé de l’instance.'):
            with ui.row().classes('items-center gap-3 w-full'):
                if years:
                    year = ui.select(years, value=next(iter(years)),
                                     label='Exercice').props('outlined dense data-field=year').classes('max-w-full').mark('archive-year')
                    build = ui.button('Construire l’archive', icon='inventory') \
                        .props('unelevated no-caps data-action=build-archive').mark('build-archive')
                else:
                    ui.label('Aucun exercice clôturé : clôturez d’abord un exercice (Comptabilité > Clôtures).') \
                        .classes('app-muted').mark('no-closed-year')
        with section('Archives construites'):
            built = ui.column().classes('w-full gap-2').mark('archives')
        with section('Vérifier une archive', 'Recalcule l’empreinte de chaque fichier et vérifie la signature du '
                     f'manifeste. Jusqu’à {MAX_BYTES // 1024 // 1024} Mo ici ; au-delà : python main.py verify '
                     '--archive FICHIER (sans base de données, sur n’importe quelle machine).'):
            uploader = ui.upload(label='Choisir une archive (.tar)', auto_upload=True, max_file_size=MAX_BYTES) \
                .props('accept=".tar,application/x-tar" flat bordered data-field=archive').classes('w-full')
            result = ui.column().classes('w-full gap-1').props('data-role=archive-report')

    def show(report) -> None:
        result.clear()
        with result:
            ok = report.ok
            with ui.row().classes('items-center gap-2 no-wrap'):
                ui.icon('check_circle' if ok else 'error').classes(
                    f'text-2xl {"text-positive" if ok else "text-negative"}')
                ui.label('Archive intacte et signée' if ok else 'Archive altérée').classes('app-subtitle') \
                    .mark('archive-status')
            for line in report.lines()[1:]:
                ui.label(line.strip()).classes('text-negative' if 'ALTÉRÉE' in line else 'text-sm break-all')

    async def reload() -> None:
        built.clear()
        with built:
            files = sorted(archives_dir().glob('exercice-*.tar'), reverse=True) if archives_dir().is_dir() else []
            if not files:
                ui.label('Aucune archive pour l’instant.').classes('app-muted')
            for path in files:
                with ui.row().classes('items-center gap-2 w-full app-closing-row').props(f'data-archive={path.name}'):
                    ui.icon('inventory_2').classes('text-grey-7')
                    with ui.column().classes('gap-0 app-closing-main'):
                        ui.label(path.name).classes('font-semibold break-all')
                        ui.label(size_text(path.stat().st_size)).classes('app-muted text-sm')
                    with ui.link(target=f'{PATH}/fichier/{path.name}').classes('no-underline'):
                        ui.button('Télécharger', icon='download').props('flat no-caps dense')
                    ui.button('Vérifier', icon='verified_user',
                              on_click=ctx.handler(lambda path=path: check_file(path), admin=True)) \
                        .props(f'flat no-caps dense data-action=verify-archive data-name={path.name}')

    async def check_file(path: Path) -> None:
        show(await asyncio.to_thread(verify_archive, path))

    async def build_archive() -> None:
        await start_job(ctx, accounting_jobs.ARCHIVE_YEAR, {'year': int(year.value)},
                        title=f'Archive {years[int(year.value)]}')

    async def uploaded(event: events.UploadEventArguments) -> None:
        data = await event.file.read()
        uploader.reset()
        if len(data) > MAX_BYTES:
            raise DomainError('Archive trop volumineuse pour la page : utilisez python main.py verify --archive.')
        show(await asyncio.to_thread(_verify_bytes, data))

    uploader.on_upload(ctx.handler(uploaded, admin=True))
    uploader.on_rejected(lambda: ui.notify(f'L’archive dépasse {MAX_BYTES // 1024 // 1024} Mo : utilisez la commande '
                                           'python main.py verify --archive.', type='negative'))
    if years:
        build.on_click(ctx.handler(build_archive, admin=True))
    await reload()


def _verify_bytes(data: bytes):
    with tempfile.NamedTemporaryFile(suffix='.tar') as handle:
        handle.write(data)
        handle.flush()
        report = verify_archive(Path(handle.name))
    report.path = 'envoyée'
    return report


@app.get(PATH + '/fichier/{name}')
async def archive_file(request: Request) -> Response:
    config = runtime.config()
    user = await request_user(request)
    name = request.path_params.get('name', '')
    path = config.files_dir / 'archives' / name
    if user is None or not user.is_admin or not NAME.fullmatch(name) or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, media_type='application/x-tar', filename=name,
                        headers={'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff'})
