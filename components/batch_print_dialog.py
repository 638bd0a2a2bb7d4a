"""The "Édition groupée" dialog (DOC5): a number range, then one PDF of the list's documents made by a job worker
(issue 17), its progress live with a stop button and, once done, the download (started by itself, the button kept
for a browser that blocked it). Closing the dialog leaves the job running: its file waits in « Téléchargements ».

It never queries: `on_start(first, last)` (wrapped with `guard`) checks the range, queues the job and hands its
progress element to `follow`.

    dialog = BatchPrintDialog(on_start=start, guard=ctx.handler)
    dialog.open()
"""
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.dialog import Dialog, Guard


class BatchPrintDialog(Dialog):

    def __init__(self, *, on_start: Callable[[str, str], Awaitable[None]], guard: Guard) -> None:
        super().__init__('Édition groupée', 'Un seul PDF des documents de la liste affichée (mêmes filtres d’état, de '
                         'type, de dates et de recherche), chacun avec sa propre numérotation de pages.', width=520)
        with self.body:
            with ui.row().classes('w-full gap-3 no-wrap'):
                self.first = ui.input('Du numéro').props('outlined dense data-field=first').classes('grow') \
                    .mark('first')
                self.last = ui.input('Au numéro').props('outlined dense data-field=last').classes('grow').mark('last')
            self.job_area = ui.element('div').classes('w-full')
        with self.actions:
            ui.button('Fermer', on_click=self.close).props('flat no-caps')
            self.launch = ui.button('Lancer', icon='print',
                                    on_click=guard(lambda: on_start(self.first.value or '', self.last.value or ''))) \
                .props('unelevated no-caps data-action=start-batch').mark('start-batch')

    def follow(self, make_progress: Callable[[], ui.element]) -> None:
        """Show the queued job's progress (made by `make_progress` inside the dialog) instead of the launch."""
        self.launch.set_visibility(False)
        self.first.disable()
        self.last.disable()
        self.job_area.clear()
        with self.job_area:
            self.progress = make_progress()
