"""Comptabilité > Clôtures (AC3, issue 13): the periods over and not closed yet, each closed by an admin after a
preview of its totals; the closings made, each with its report (PDF, its fingerprint printed) and "Envoyer au
comptable" (one click: the report goes to the accountant's address); the fiscal year's first month and that address.

Admins only (page and actions, checked on the server). The rules are in db/closings.py; this page lays them out.
The report is served at /comptabilite/clotures/{id}/rapport.pdf to admins only.
"""
from fastapi import Request
from fastapi.responses import Response
from nicegui import app, run, ui

from components.dialog import ConfirmDialog
from components.form import section
from components.frame import frame
from components.subnav import accounting_tabs
from db import closings
from db.closing import Closing
from logic.closing import MONTH, MONTHS, YEAR, Period
from logic.money import format_eur
from pages import runtime
from pages.security import PageContext, request_user, secured_page

PATH = '/comptabilite/clotures'
HEADERS = {'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff'}
SHOWN = 120  # ten years of months: the list is never unbounded


@secured_page(PATH, admin=True, title='Clôtures')
async def closings_page(ctx: PageContext):
    with frame(ctx, 'Comptabilité'):
        accounting_tabs(PATH)
        due_box = section('À clôturer', 'Une période se clôture une fois terminée, dans l’ordre des mois ; l’exercice '
                          'ensuite. Rien ne peut plus être validé ni réglé à une date d’une période clôturée.')
        with due_box:
            due_list = ui.column().classes('w-full gap-2').mark('due-periods')
        with section('Clôtures établies', 'Chaque clôture est chaînée à la précédente et ne change plus. Son '
                     'rapport imprime son empreinte : envoyé au comptable, il permet de prouver plus tard que rien '
                     'n’a été réécrit.'):
            done_list = ui.column().classes('w-full gap-2').mark('closings')
        settings_box = section('Réglages', 'Le mois où commence l’exercice et l’adresse du comptable qui reçoit les '
                               'rapports.')
        dialogs = ui.element('div')

    async def reload() -> None:
        due = await closings.due_periods()
        due_list.clear()
        with due_list:
            due_rows(due, ctx.handler(preview, admin=True))
        done_list.clear()
        with done_list:
            closing_rows(await Closing.all().order_by('-position').limit(SHOWN), ctx.handler(send, admin=True))

    async def preview(period: Period) -> None:
        totals = await closings.preview(period)

        async def confirm() -> None:
            made = await closings.close(ctx.actor, period, secret=runtime.config().secret)
            ui.notify(f'{made[-1].label} clôturé ({len(made)} clôture(s)).', type='positive')
            await reload()

        with dialogs:
            dialog = ConfirmDialog(f'Clôturer {period.label} ?', 'La clôture est définitive : plus aucun document ni '
                                   'règlement ne pourra être daté dans cette période.', confirm='Clôturer',
                                   on_confirm=confirm, guard=lambda fn: ctx.handler(fn, admin=True),
                                   action='confirm-close', color='primary', width=560)
            with dialog.body:
                totals_preview(totals)
            dialog.open()

    async def send(closing_id: int) -> None:
        closing = await Closing.get(id=closing_id)
        log = await closings.send_report(ctx.actor, closing, config=runtime.config(), run=run.cpu_bound)
        ui.notify(f'Rapport {closing.label} envoyé à {", ".join(log.recipients)}.', type='positive')

    with settings_box:
        await settings_form(ctx, reload)  # another fiscal year start changes what is due
    await reload()


def due_rows(due: list[Period], preview) -> None:
    if not due:
        ui.label('Aucune période à clôturer.').classes('app-muted').mark('nothing-due')
        return
    first_month = next((period for period in due if period.kind == MONTH), None)
    for period in due:
        # Months close in order: only the first one has its button; a fiscal year closes its months too.
        if period.kind == MONTH and period is not first_month:
            continue
        with ui.row().classes('items-center gap-3 w-full app-closing-due'):
            ui.icon('event_available' if period.kind == MONTH else 'calendar_month').classes('text-2xl text-grey-7')
            ui.label(period.label).classes('font-semibold')
            ui.label(f'du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}').classes('app-muted')
            ui.space()
            ui.button('Clôturer', icon='lock', on_click=lambda period=period: preview(period)) \
                .props(f'unelevated no-caps data-action=close data-period={period.key}-{period.kind}') \
                .mark(f'close-{period.kind}-{period.key}')
    months = sum(period.kind == MONTH for period in due)
    if months > 1:
        ui.label(f'{months - 1} autre(s) mois à clôturer ensuite.').classes('app-muted text-sm')


def totals_preview(totals: dict) -> None:
    documents, paid = totals['documents'], totals['payments']
    with ui.column().classes('gap-1 w-full').mark('closing-preview'):
        ui.label(f'{documents["count"]} document(s) : HT {_eur(documents["total_ht"])}, TVA '
                 f'{_eur(documents["total_vat"])}, TTC {_eur(documents["total_ttc"])}').classes('font-semibold')
        for row in totals['by_vat_rate']:
            ui.label(f'TVA {row["rate"].replace(".", ",")} % : base {_eur(row["base"])}, TVA {_eur(row["vat"])}') \
                .classes('app-muted text-sm')
        ui.label(f'{paid["count"]} règlement(s) : {_eur(paid["total"])}').classes('font-semibold')
        for method, row in totals['by_method'].items():
            ui.label(f'{closings_method(method)} : {row["count"]} · {_eur(row["total"])}').classes('app-muted text-sm')


def closing_rows(rows: list[Closing], send) -> None:
    if not rows:
        ui.label('Aucune clôture pour l’instant.').classes('app-muted')
        return
    for closing in rows:
        documents = closing.payload['totals']['documents']
        with ui.element('div').classes('app-closing-row').props(f'data-closing={closing.id}'):
            with ui.column().classes('gap-0 app-closing-main'):
                with ui.row().classes('items-center gap-2'):
                    ui.icon('lock').classes('text-positive')
                    ui.label(closing.label).classes('font-semibold')
                    ui.label('exercice' if closing.kind == YEAR else 'mois').classes('app-badge')
                ui.label(f'Période : TTC {_eur(documents["total_ttc"])} · grand total perpétuel '
                         f'{format_eur(closing.perpetual_total)}').classes('text-sm')
                ui.label(f'Établie le {closing.created_at:%d/%m/%Y} par {closing.created_by_name}') \
                    .classes('app-muted text-sm')
                ui.label(f'Empreinte {closing.fingerprint[:32]}…').classes('app-muted text-sm font-mono break-all') \
                    .props(f'title={closing.fingerprint}')
            with ui.row().classes('gap-1 items-center app-closing-actions'):
                with ui.link(target=f'{PATH}/{closing.id}/rapport.pdf', new_tab=True).classes('no-underline') \
                        .props(f'data-report={closing.id}'):
                    ui.button('Rapport', icon='picture_as_pdf').props('flat no-caps dense')
                ui.button('Envoyer au comptable', icon='send',
                          on_click=lambda closing_id=closing.id: send(closing_id)) \
                    .props(f'flat no-caps dense data-action=send data-closing={closing.id}') \
                    .mark(f'send-{closing.id}')


async def settings_form(ctx: PageContext, saved) -> None:
    current = await closings.get_settings()
    start = await closings.fiscal_start()
    with ui.element('div').classes('app-form-grid'):
        with ui.column().classes('gap-0'):
            ui.label(f'Début de l’exercice : {MONTHS[start - 1]}').mark('fiscal-year-start')
            ui.link('Modifier dans Paramètres > Options', '/parametres/options').classes('text-sm')
        email = ui.input('E-mail du comptable', value=current.accountant_email) \
            .props('outlined dense maxlength=254 type=email data-field=accountant-email').mark('accountant-email')

    async def save() -> None:
        await closings.save_settings(ctx.actor, accountant_email=email.value or '')
        ui.notify('Réglages enregistrés.', type='positive')
        await saved()

    ui.button('Enregistrer', icon='save', on_click=ctx.handler(save, admin=True)) \
        .props('unelevated no-caps data-action=save-closing-settings').mark('save-closing-settings')


def closings_method(key: str) -> str:
    from logic.render.closing_report import METHODS

    return METHODS.get(key, key)


def _eur(text: str) -> str:
    from decimal import Decimal

    return format_eur(Decimal(text))


@app.get(PATH + '/{closing_id}/rapport.pdf')
async def closing_report(request: Request) -> Response:
    config = runtime.config()
    user = await request_user(request)
    try:
        closing_id = int(request.path_params['closing_id'])
    except (KeyError, ValueError):
        closing_id = 0
    if user is None or not user.is_admin or not 0 < closing_id < 2**31:
        return Response(status_code=404)
    closing = await Closing.get_or_none(id=closing_id)
    if closing is None:
        return Response(status_code=404)
    pdf = await closings.report_pdf(closing, secret=config.secret, run=run.cpu_bound)
    return Response(pdf, media_type='application/pdf', headers={
        **HEADERS, 'Content-Disposition': f'inline; filename="{closings.report_name(closing)}"'})
