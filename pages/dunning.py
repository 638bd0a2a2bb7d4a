"""Règlements > Relances (PA6): the overdue installments due for a reminder, by client, with the level due and, for
business clients, the late penalties and the recovery indemnity computed to the day; chosen ones are sent by
e-mail or printed as one PDF for the post by a job worker (issue 17, db/job_kinds.py: dunning_email, dunning_post),
its progress in the dialog, and each is recorded (db/dunning.py). The run goes on if the page is closed; the PDF, or
the e-mails' outcome, waits in « Téléchargements ». The proposal is read again once the job has ended.

The proposal comes a page of clients at a time (db/dunning.py proposal_page: CLIENTS_PER_PAGE); the summary counts
every page, what is left to pay summed without penalties, which each client's card adds. Excluded clients (the
toggle on the contact page) are never proposed. Amounts are recomputed on the server when the
letters are made: the page only passes the chosen installment ids.
"""

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
# The job of each channel and its title in « Téléchargements ».
RUNS = {'email': (job_kinds.DUNNING_EMAIL, 'Relances par e-mail'),
        'post': (job_kinds.DUNNING_POST, 'Relances pour envoi postal')}


@secured_page(PATH, title='Relances')
async def dunning_page(ctx: PageContext):
    state = {'proposal': await dunning.proposal_page(1)}
    chosen: set[int] = set()
    with frame(ctx, 'Relances'):
        payments_tabs(PATH)
        summary = ui.label('').classes('app-muted').mark('dunning-summary')
        with ui.row().classes('app-actions w-full items-center'):
            ui.button('Tout choisir', icon='done_all', on_click=ctx.handler(lambda: choose_all(True))) \
                .props('flat no-caps data-action=choose-all').mark('choose-all')
            ui.button('Ne rien choisir', on_click=ctx.handler(lambda: choose_all(False))) \
                .props('flat no-caps data-action=choose-none')
            ui.space()
            email = ui.button('Envoyer par e-mail', icon='send', on_click=ctx.handler(lambda: open_run('email'))) \
                .props('unelevated no-caps data-action=send-email').mark('send-email')
            post = ui.button('PDF pour envoi postal', icon='print', on_click=ctx.handler(lambda: open_run('post'))) \
                .props('outline no-caps data-action=print-post').mark('print-post')
        body = ui.column().classes('w-full gap-3').mark('dunning-groups')

    def show_summary() -> None:
        proposal = state['proposal']
        if not proposal.clients:
            summary.text = 'Aucune échéance à relancer aujourd’hui.'
        else:
            # Penalties and indemnities are computed per client, on the page shown (each client's total).
            summary.text = (f'{proposal.clients} client(s), {proposal.lines} échéance(s) à relancer, '
                            f'{format_eur(proposal.left)} restant dus (hors pénalités et indemnités, comptées par '
                            f'client) · {len(chosen)} choisie(s).')
        email.set_enabled(bool(chosen))
        post.set_enabled(bool(chosen))

    def draw() -> None:
        body.clear()
        proposal = state['proposal']
        with body:
            for group in proposal.groups:
                DunningGroup(group, chosen, show_summary)
            if proposal.pages > 1:
                ui.pagination(1, proposal.pages, direction_links=True, value=proposal.page,
                              on_change=ctx.handler(lambda e: turn(e.value))).props('data-role=dunning-pages')
        show_summary()

    async def turn(page: int) -> None:
        if page != state['proposal'].page:
            state['proposal'] = await dunning.proposal_page(page)
            draw()

    async def choose_all(value: bool) -> None:
        chosen.clear()
        if value:  # every page's installments, not only those shown
            chosen.update(await dunning.due_installment_ids())
        draw()

    async def reload() -> None:
        state['proposal'] = await dunning.proposal_page(1)
        chosen.intersection_update(await dunning.due_installment_ids())
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
        count = await dunning.count_letters(ids)
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
