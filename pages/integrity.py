"""Paramètres > Contrôle d'intégrité (AC3, docs/legal.md 2.6): runs `db.integrity.verify_integrity` and says, in
plain French, whether each series (invoices, credit notes, payments) is intact; else lists every anomaly found (the
first altered or missing document, lines or states changed outside Facturier, a counter ahead, validations the
audit log records but the chain lost). Admins only.

The head hash is what to archive (with the count): until the closings of periods sign it, a later check that finds
a shorter chain or another head is what shows documents removed at the end along with their traces.
"""
from datetime import datetime

from nicegui import ui

from components.form import section
from components.frame import frame
from db.integrity import verify_integrity
from pages import runtime
from pages.security import PageContext, secured_page


@secured_page('/parametres/integrite', admin=True, title='Contrôle d’intégrité')
async def integrity_page(ctx: PageContext):
    with frame(ctx, 'Contrôle d’intégrité'):
        with section('Chaînage des documents validés',
                     'Chaque facture, chaque avoir, chaque règlement et chaque changement d’état est scellé par une '
                     'empreinte qui dépend de la précédente. Le contrôle recalcule ces empreintes, compare les lignes '
                     'de chaque document à sa copie figée et les compteurs de numérotation au dernier numéro '
                     'attribué, et vérifie que le journal d’audit ne cite aucune validation disparue. Chaque '
                     'original stocké (PDF et XML) est comparé à son empreinte, prise à son émission (à sa première '
                     'demande pour les données de démonstration et les documents antérieurs), et chaque clôture aux '
                     'chaînes telles qu’elles sont aujourd’hui.'):
            with ui.row().classes('items-center gap-3'):
                run_button = ui.button('Lancer le contrôle', icon='verified_user') \
                    .props('unelevated data-action=verify').mark('verify')
                when = ui.label().classes('app-muted').mark('checked-at')
        results = ui.column().classes('w-full gap-4').props('data-role=integrity-results')

    async def check() -> None:
        run_button.props('loading')
        try:
            reports = await verify_integrity(runtime.config().secret, files_dir=runtime.config().files_dir)
        finally:
            run_button.props(remove='loading')
        results.clear()
        with results:
            for report in reports:
                series_card(report)
        when.text = f'Contrôle effectué le {datetime.now():%d/%m/%Y à %H:%M:%S}.'

    run_button.on_click(ctx.handler(check, admin=True))
    await ctx.handler(check, admin=True)()


def series_card(report) -> None:
    with ui.card().classes('app-card').props(f'data-series={report.series} data-ok={str(report.ok).lower()}'):
        with ui.row().classes('items-center gap-2 no-wrap'):
            if report.ok:
                ui.icon('check_circle').classes('text-positive text-2xl')
                status = 'Intègre' if report.count else 'Aucun document validé'
            else:
                ui.icon('error').classes('text-negative text-2xl')
                status = 'Anomalie détectée'
            ui.label(f'{report.label} : {status}').classes('app-subtitle').mark(f'status-{report.series}')
        with ui.element('div').classes('app-form-grid'):
            fact('Documents chaînés', str(report.count), f'count-{report.series}')
            fact('Premier numéro', report.first_number or '—', f'first-{report.series}')
            fact('Dernier numéro', report.last_number or '—', f'last-{report.series}')
        with ui.column().classes('gap-0 w-full'):
            ui.label('Empreinte de tête (à archiver avec le nombre de documents)').classes('app-muted text-sm')
            ui.label(report.head).classes('font-mono text-sm break-all').mark(f'head-{report.series}')
        if report.broken_number:
            with ui.column().classes('gap-0 w-full'):
                ui.label('Premier document en anomalie').classes('app-muted text-sm')
                ui.label(report.broken_number).classes('font-semibold text-negative') \
                    .mark(f'broken-{report.series}')
        if report.problems:
            with ui.column().classes('gap-1 w-full').mark(f'reason-{report.series}'):
                for problem in report.problems:
                    ui.label(problem).classes('text-negative')


def fact(caption: str, value: str, marker: str) -> None:
    with ui.column().classes('gap-0'):
        ui.label(caption).classes('app-muted text-sm')
        ui.label(value).classes('font-semibold').mark(marker)
