"""Comptabilité > Exports comptables (AC1): the FEC and the CSV of a period, for the accountant. Administrators only
(the file holds every sale and client of the period).

The export is a job (issue 17, db/accounting_jobs.py): a job worker process writes it through the checker, the page
follows its progress, and the file downloads by itself as `<SIREN>FEC<AAAAMMJJ>.txt`, then waits in the user's
Téléchargements; a refused export states the checker's findings and leaves no file.
"""
from datetime import date

from nicegui import ui

from components.date_input import DateInput
from components.form import section
from components.frame import frame
from components.subnav import accounting_tabs
from db import accounting_jobs, settings
from logic.accounting import period_presets
from logic.errors import DomainError
from pages.downloads import start_job
from pages.security import PageContext, secured_page

PATH = '/comptabilite'


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
            ui.label('L’export se prépare en arrière-plan : vous pouvez quitter la page, le fichier vous attendra '
                     'dans Téléchargements (menu du compte).').classes('app-muted text-sm')

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
        first, last = self.date_from.day, self.date_to.day
        if first is None or last is None:
            raise DomainError('Indiquez le premier et le dernier jour de la période.')
        if first > last:
            raise DomainError('Le premier jour de la période est après le dernier.')
        if not self.siren:
            raise DomainError('Renseignez le SIREN de la société (Paramètres > Société) : il nomme le fichier.')
        await start_job(self.ctx, accounting_jobs.EXPORT_FEC, accounting_jobs.export_params(kind, first, last),
                        title=f'Export {accounting_jobs.FORMATS[kind]} du {first:%d/%m/%Y} au {last:%d/%m/%Y}')
