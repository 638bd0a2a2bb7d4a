"""Comptabilité > Exports comptables (AC1): the FEC and the CSV of a period, for the accountant. Administrators only
(the file holds every sale and client of the period).

The export runs in the background of this process with a progress bar (db/fec.py reads in batches and gives the
event loop back every 50 entries, so other users' pages stay responsive), goes through the checker as it is written,
then downloads by itself as `<SIREN>FEC<AAAAMMJJ>.txt`; a refused export shows the checker's findings and leaves no
file. The files are kept a day in the data dir (`accounting_exports/`), then removed.
"""
import re
import secrets
import time
from datetime import date
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, Response
from nicegui import app, background_tasks, ui

from components.date_input import DateInput
from components.form import section
from components.frame import frame
from components.subnav import accounting_tabs
from db import accounts, fec, settings
from logic.accounting import period_presets
from logic.errors import DomainError
from pages import runtime
from pages.security import PageContext, secured_page

PATH = '/comptabilite'
FOLDER = 'accounting_exports'
KEEP_SECONDS = 24 * 3600
KINDS = {'fec': ('FEC', fec.write_fec), 'csv': ('CSV', fec.write_csv)}
STORED = re.compile(r'([0-9a-f]{12})-([0-9A-Za-z.-]{1,80})')  # '<token>-<file name>' in FOLDER


@app.get(PATH + '/exports/{stored}')
async def exported_file(request: Request, stored: str) -> Response:
    """An export just made, for an administrator's session only (its name carries an unguessable token)."""
    config = runtime.config()
    user = await accounts.resolve_session(request.session.get('auth'), idle_minutes=config.idle_timeout_minutes,
                                          absolute_hours=config.absolute_timeout_hours)
    match = STORED.fullmatch(stored)
    path = config.files_dir / FOLDER / stored
    if user is None or not user.is_admin or match is None or not path.is_file():
        return Response(status_code=404)
    media = 'text/plain; charset=iso-8859-15' if stored.endswith('.txt') else 'text/csv; charset=utf-8'
    return FileResponse(path, media_type=media, filename=match.group(2),
                        headers={'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff'})


@secured_page(PATH, admin=True, title='Exports comptables')
async def accounting_page(ctx: PageContext):
    options = await settings.get_options()
    company = await settings.get_company()
    presets = period_presets(date.today(), fiscal_start=options.fiscal_year_start or 1)
    with frame(ctx, 'Comptabilité'):
        accounting_tabs(PATH)
        if not (company and company.siren):
            with ui.card().classes('app-card').props('data-role=no-siren'):
                ui.label('Le SIREN de la société manque : il nomme le fichier des écritures.').classes('font-semibold')
                ui.link('Renseigner le SIREN (Paramètres > Société)', '/parametres/societe')
        ExportPanel(ctx, presets, siren=company.siren if company else '')


class ExportPanel:
    """The period, the two export buttons, the progress bar and the checker's verdict."""

    def __init__(self, ctx: PageContext, presets: dict[str, tuple[str, date, date]], *, siren: str) -> None:
        self.ctx, self.presets, self.siren = ctx, presets, siren
        self.running = False
        with section('Période', 'Les factures, avoirs, factures d’acompte datés dans la période, les règlements, '
                     'passages en irrécouvrable et remises de chèques de la période. Le fichier porte la date de fin '
                     '(date de clôture).'):
            choices = {key: label for key, (label, _, _) in presets.items()} | {'custom': 'Autre période'}
            self.preset = ui.select(choices, value='last_year', label='Période',
                                    on_change=lambda event: self.apply(event.value)) \
                .props('outlined dense data-field=preset').classes('w-full sm:w-72').mark('preset')
            with ui.element('div').classes('app-form-grid'):
                _, first, last = presets['last_year']
                self.date_from = DateInput('Du', first, field='date_from', on_change=self.typed)
                self.date_to = DateInput('Au (date de clôture)', last, field='date_to', on_change=self.typed)
        with section('Export', 'FEC : le fichier des écritures comptables de l’article A47 A-1 du LPF (18 colonnes, '
                     'ISO-8859-15), contrôlé à chaque export. CSV : les mêmes écritures pour un logiciel comptable '
                     '(UTF-8, point-virgule). Les comptes et journaux se règlent dans Paramètres > Comptabilité.'):
            with ui.row().classes('gap-2'):
                self.buttons = [
                    ui.button('Exporter le FEC', icon='description', on_click=ctx.handler(
                        lambda: self.start('fec'), admin=True)).props('unelevated no-caps data-action=export-fec')
                    .mark('export-fec'),
                    ui.button('Exporter le CSV', icon='table_view', on_click=ctx.handler(
                        lambda: self.start('csv'), admin=True)).props('outline no-caps data-action=export-csv')
                    .mark('export-csv'),
                ]
            self.progress = ui.linear_progress(value=0, show_value=False).props('rounded size=10px') \
                .classes('w-full').mark('progress')
            self.progress.set_visibility(False)
            self.status = ui.label('').classes('app-muted').props('data-role=status').mark('status')
            self.verdict = ui.column().classes('w-full gap-1').props('data-role=verdict').mark('verdict')

    def apply(self, key: str) -> None:
        if key in self.presets:
            _, first, last = self.presets[key]
            self.date_from.day, self.date_to.day = first, last

    def typed(self, _day) -> None:
        chosen = (self.date_from.current, self.date_to.current)
        match = next((key for key, (_, first, last) in self.presets.items() if (first, last) == chosen), 'custom')
        if self.preset.value != match:
            self.preset.value = match

    async def start(self, kind: str) -> None:
        if self.running:
            raise DomainError('Un export est déjà en cours.')
        first, last = self.date_from.day, self.date_to.day
        if first is None or last is None:
            raise DomainError('Indiquez le premier et le dernier jour de la période.')
        if first > last:
            raise DomainError('Le premier jour de la période est après le dernier.')
        if not self.siren:
            raise DomainError('Renseignez le SIREN de la société (Paramètres > Société) : il nomme le fichier.')
        label, write = KINDS[kind]
        name = fec.fec_filename(self.siren, last) if kind == 'fec' else fec.csv_filename(self.siren, first, last)
        folder = runtime.config().files_dir / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        purge_old_exports(folder)
        path = folder / f'{secrets.token_hex(6)}-{name}'
        self.running = True
        for button in self.buttons:
            button.disable()
        self.verdict.clear()
        self.progress.value = 0
        self.progress.set_visibility(True)
        self.status.text = f'Export {label} du {first:%d/%m/%Y} au {last:%d/%m/%Y} en cours…'
        actor = self.ctx.actor
        background_tasks.create(self.run(kind, write, first, last, path, name, actor), name=f'fec export {name}')

    async def run(self, kind: str, write, first: date, last: date, path: Path, name: str, actor) -> None:
        part = path.with_name(path.name + '.part')
        try:
            with open(part, 'wb') as out:  # noqa: ASYNC230 - written batch by batch, between awaits
                summary = await write(first, last, out, self.advance)
            part.rename(path)
            await fec.record_export(actor, kind, summary)
        except fec.FecRefused as exc:
            self.finished(refused=exc)
            return
        except Exception:
            self.finished(refused=DomainError('L’export a échoué : voir le journal du serveur.'))
            raise
        finally:
            part.unlink(missing_ok=True)
        download = self.ctx.handler(lambda: ui.download.from_url(f'{PATH}/exports/{path.name}'), admin=True)
        self.finished(summary=summary, download=download, name=name)
        if not self.status.client.is_deleted:
            with self.status.client:
                await download()

    def advance(self, done: int, total: int) -> None:
        self.progress.value = done / total if total else 1
        self.status.text = f'{done} / {total} pièces et règlements lus…'

    def finished(self, *, summary: fec.FecSummary | None = None, refused: DomainError | None = None,
                 download=None, name: str = '') -> None:
        self.running = False
        for button in self.buttons:
            button.enable()
        self.progress.set_visibility(False)
        self.verdict.clear()
        with self.verdict:
            if refused is not None:
                self.status.text = 'Export refusé.'
                report = getattr(refused, 'report', None)
                problems = report.problems if report else [str(refused)]
                ui.label('Le contrôle a refusé le fichier : aucun fichier n’est proposé.' if report else str(refused)) \
                    .classes('text-negative font-semibold').props('data-role=refused').mark('refused')
                if report:
                    for problem in problems:
                        ui.label(problem).classes('text-negative').mark('problem')
                return
            self.status.text = f'{name} prêt : le téléchargement démarre.'
            ui.label(summary.report.summary()).classes('text-positive font-semibold').props('data-role=accepted').mark('accepted')
            ui.label(f'{summary.documents} pièces de vente, {summary.payments} règlements, {summary.slips} remises '
                     f'de chèques.').classes('app-muted')
            ui.button(f'Télécharger {name}', icon='download', on_click=download) \
                .props('flat no-caps data-action=download').mark('download')


def purge_old_exports(folder: Path, now: float | None = None) -> int:
    """Remove the exports (and unfinished parts) older than KEEP_SECONDS; returns how many were removed."""
    limit = (now or time.time()) - KEEP_SECONDS
    removed = 0
    for item in folder.iterdir():
        if item.is_file() and item.stat().st_mtime < limit:
            item.unlink(missing_ok=True)
            removed += 1
    return removed
