"""Règlements > Relances (PA6): the overdue installments due for a reminder, by client, with the level due and, for
business clients, the late penalties and the recovery indemnity computed to the day; chosen ones are sent by
e-mail or printed as one PDF for the post by a job worker (issue 17, db/job_kinds.py: dunning_email, dunning_post),
its progress in the dialog, and each is recorded (db/dunning.py). The run goes on if the page is closed; the PDF, or
the e-mails' outcome, waits in « Téléchargements ». The proposal is read again once the job has ended.

Excluded clients (the toggle on the contact page) are never proposed. Amounts are recomputed on the server when the
letters are made: the page only passes the chosen installment ids.
"""
from decimal import Decimal

from nicegui import ui

from components.dunning_group import DunningGroup
from components.dunning_run_dialog import DunningRunDialog
from components.frame import frame
from components.job_progress import JobProgress
from components.subnav import payments_tabs
from db import dunning, job_kinds, jobs
from logic.errors import DomainError
from logic.money import format_eur
from pages import downloads
from pages.security import PageContext, secured_page

PATH = '/reglements/relances'
CLIENTS_PER_PAGE = 20
# The job of each channel and its title in « Téléchargements ».
RUNS = {'email': (job_kinds.DUNNING_EMAIL, 'Relances par e-mail'),
        'post': (job_kinds.DUNNING_POST, 'Relances pour envoi postal')}


@secured_page(PATH, title='Relances')
async def dunning_page(ctx: PageContext):
    state = {'groups': await dunning.proposals(), 'page': 1}
    chosen: set[int] = set()
    with frame(ctx, 'Relances'):
        payments_tabs(PATH)
        summary = ui.label('').classes('app-muted').mark('dunning-summary')
        with ui.row().classes('app-actions w-full items-center'):
            ui.button('Tout choisir', icon='done_all', on_click=lambda: choose_all(True)) \
                .props('flat no-caps data-action=choose-all').mark('choose-all')
            ui.button('Ne rien choisir', on_click=lambda: choose_all(False)).props('flat no-caps data-action=choose-none')
            ui.space()
            email = ui.button('Envoyer par e-mail', icon='send', on_click=ctx.handler(lambda: open_run('email'))) \
                .props('unelevated no-caps data-action=send-email').mark('send-email')
            post = ui.button('PDF pour envoi postal', icon='print', on_click=ctx.handler(lambda: open_run('post'))) \
                .props('outline no-caps data-action=print-post').mark('print-post')
        body = ui.column().classes('w-full gap-3').mark('dunning-groups')

    def show_summary() -> None:
        groups = state['groups']
        lines = sum(len(group.lines) for group in groups)
        if not groups:
            summary.text = 'Aucune échéance à relancer aujourd’hui.'
        else:
            total = sum((group.total for group in groups), Decimal('0.00'))
            summary.text = (f'{len(groups)} client(s), {lines} échéance(s) à relancer, {format_eur(total)} dus '
                            f'(pénalités et indemnités comprises) · {len(chosen)} choisie(s).')
        email.set_enabled(bool(chosen))
        post.set_enabled(bool(chosen))

    def draw() -> None:
        body.clear()
        groups = state['groups']
        pages = max(1, -(-len(groups) // CLIENTS_PER_PAGE))
        start = (state['page'] - 1) * CLIENTS_PER_PAGE
        with body:
            for group in groups[start:start + CLIENTS_PER_PAGE]:
                DunningGroup(group, chosen, show_summary)
            if pages > 1:
                ui.pagination(1, pages, direction_links=True, value=state['page'],
                              on_change=lambda e: turn(e.value)).props('data-role=dunning-pages')
        show_summary()

    def turn(page: int) -> None:
        state['page'] = page
        draw()

    def choose_all(value: bool) -> None:
        chosen.clear()
        if value:
            chosen.update(line.installment_id for group in state['groups'] for line in group.lines)
        draw()

    async def reload() -> None:
        state['groups'] = await dunning.proposals()
        current = {line.installment_id for group in state['groups'] for line in group.lines}
        chosen.intersection_update(current)
        state['page'] = 1
        draw()

    def open_run(channel: str) -> None:
        if not chosen:
            raise DomainError('Choisissez au moins une échéance.')
        ids = sorted(chosen)
        if channel == 'email':
            dialog = DunningRunDialog('Envoyer les relances par e-mail', f'{len(ids)} échéance(s) : une lettre par '
                                      'client et par niveau, envoyée à l’adresse e-mail du client.',
                                      on_start=lambda: start(dialog, channel, ids), guard=ctx.handler,
                                      start_label='Envoyer', icon='send')
        else:
            dialog = DunningRunDialog('PDF pour envoi postal', f'{len(ids)} échéance(s) : un seul PDF, une lettre par '
                                      'client et par niveau ; la mise en demeure part en recommandé avec accusé de '
                                      'réception.', on_start=lambda: start(dialog, channel, ids), guard=ctx.handler,
                                      start_label='Préparer le PDF', icon='print')
        dialog.open()

    async def start(dialog: DunningRunDialog, channel: str, ids: list[int]) -> None:
        # Counted here to refuse at once what is no longer due; the job worker computes the letters again.
        count = len(await dunning.letters(ids))
        if not count:
            raise DomainError('Ces échéances ne sont plus à relancer (réglées ou déjà relancées entre-temps).')
        kind, title = RUNS[channel]
        job = await jobs.enqueue(ctx.actor, kind, {'ids': ids}, total=count, title=f'{title} : {count} lettre(s)')

        async def ended(_view) -> None:  # sent, printed, stopped or failed: what was recorded leaves the proposal
            if not body.is_deleted:
                with body:
                    await ctx.handler(reload)()
            dialog.ended()

        dialog.follow(lambda: JobProgress(load=downloads.loader(ctx, job.id),
                                          on_cancel=downloads.canceller(ctx, job.id),
                                          auto_download=channel == 'post', on_end=ended))

    draw()


async def exclusion_toggle(ctx: PageContext, contact_id: int, container) -> None:
    """The contact page's switch (components/dunning_exclusion.py), filled into `container` once loaded."""
    from components.dunning_exclusion import DunningExclusion  # noqa: PLC0415 - only the contact page needs it
    from db.reminder import DunningExclusion as Exclusion  # noqa: PLC0415

    current = await Exclusion.get_or_none(contact_id=contact_id)

    async def change(excluded: bool, reason: str) -> None:
        await dunning.set_excluded(ctx.actor, contact_id, excluded, reason)
        ui.notify('Ce client ne sera plus relancé.' if excluded else 'Ce client sera de nouveau relancé.',
                  type='positive')

    with container:
        DunningExclusion(current is not None, current.reason if current else '', on_change=ctx.handler(change))
