"""The "Édition groupée" dialog (DOC5): a number range, then one PDF of the list's documents made in the background,
with a progress bar, a stop button and, once done, the download (started by the page, the button kept for a
browser that blocked it).

It never queries: `on_start(first, last)` (wrapped with `guard`) checks the range and starts the job, which reports
through `started`, `advance`, `failed` and `finished`; `cancelled` is set when the user stops it.

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
        self.cancelled = False
        self.running = False
        with self.body:
            with ui.row().classes('w-full gap-3 no-wrap'):
                self.first = ui.input('Du numéro').props('outlined dense data-field=first').classes('grow') \
                    .mark('first')
                self.last = ui.input('Au numéro').props('outlined dense data-field=last').classes('grow').mark('last')
            self.status = ui.label('').classes('app-muted').mark('batch-status')
            self.progress = ui.linear_progress(value=0, show_value=False).props('rounded size=10px').classes('w-full')
            self.progress.set_visibility(False)
            self.download = ui.button('Télécharger le PDF', icon='download') \
                .props('unelevated no-caps data-action=download').mark('download')
            self.download.set_visibility(False)
        with self.actions:
            ui.button('Fermer', on_click=self.close).props('flat no-caps')
            self.stop = ui.button('Arrêter', icon='stop', on_click=self._stop) \
                .props('outline no-caps color=negative data-action=stop-batch').mark('stop-batch')
            self.stop.set_visibility(False)
            self.launch = ui.button('Lancer', icon='print',
                                    on_click=guard(lambda: on_start(self.first.value or '', self.last.value or ''))) \
                .props('unelevated no-caps data-action=start-batch').mark('start-batch')

    def started(self, total: int) -> None:
        self.running, self.cancelled = True, False
        self.launch.disable()
        self.stop.set_visibility(True)
        self.progress.set_visibility(True)
        self.status.text = f'0 / {total} documents…'

    def advance(self, done: int, total: int) -> None:
        if not self.is_deleted:
            self.progress.value = done / total
            self.status.text = f'{done} / {total} documents…'

    def failed(self, message: str) -> None:
        self._ended()
        self.status.text = message
        self.launch.enable()

    def finished(self, count: int, download: Callable[[], object]) -> None:
        self._ended()
        ready = '1 document prêt' if count == 1 else f'{count} documents prêts'
        self.status.text = f'{ready} : le téléchargement démarre ; sinon, cliquez sur « Télécharger le PDF ».'
        self.download.on_click(download)
        self.download.set_visibility(True)

    def dispose(self) -> None:
        if not self.running:  # a closed dialog stays until its job ends: the job still reports to it
            super().dispose()

    def _ended(self) -> None:
        self.running = False
        self.stop.set_visibility(False)
        if not self.value:
            self.dispose()

    def _stop(self) -> None:
        self.cancelled = True
