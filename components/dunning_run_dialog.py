"""The dialog of a dunning run (PA6): what will go out, then the job's progress (issue 17: a job worker sends or
prints the letters, pages/dunning.py queues it) with its Arrêter button, and the outcome: how many letters went out
and why the others did not, or the PDF, which downloads by itself and waits in « Téléchargements ».

It never queries: `on_start()` (wrapped with `guard`) queues the job and hands its progress element to `follow`.
Closed while its job runs, the dialog stays in the page, hidden, until the job ends: its progress still tells the
page to refresh the proposal (`on_end` of the JobProgress).

    dialog = DunningRunDialog('PDF pour envoi postal', '2 échéance(s)…', on_start=start, guard=ctx.handler,
                              start_label='Préparer le PDF', icon='print')
    dialog.open()
"""
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.dialog import Dialog, Guard
from components.job_progress import JobProgress

AFTER_START = ('Préparé en arrière-plan : vous pouvez fermer cette fenêtre, le travail continue ; son résultat '
               'vous attendra dans « Téléchargements » (menu du compte).')


class DunningRunDialog(Dialog):

    def __init__(self, title: str, text: str, *, on_start: Callable[[], Awaitable[None]], guard: Guard,
                 start_label: str, icon: str) -> None:
        super().__init__(title, text, width=520, role='dunning-run')
        self.progress: JobProgress | None = None
        with self.body:
            self.job_area = ui.column().classes('w-full gap-2')
        with self.actions:
            self.downloads = ui.link('Mes téléchargements', '/telechargements').classes('self-center') \
                .mark('downloads-link')
            self.downloads.set_visibility(False)
            ui.button('Fermer', on_click=self.close).props('flat no-caps data-action=close-run')
            self.launch = ui.button(start_label, icon=icon, on_click=guard(on_start)) \
                .props('unelevated no-caps data-action=start-run').mark('start-run')

    def follow(self, make_progress: Callable[[], JobProgress]) -> None:
        """Show the queued job's progress (made by `make_progress` inside the dialog) instead of the launch."""
        self.launch.set_visibility(False)
        self.downloads.set_visibility(True)
        self.job_area.clear()
        with self.job_area:
            self.note = ui.label(AFTER_START).classes('app-muted text-sm')
            self.progress = make_progress()

    @property
    def running(self) -> bool:
        return self.progress is not None and (self.progress.view is None or self.progress.view.active)

    def ended(self) -> None:
        """Called by the page once the job has ended: a dialog closed meanwhile leaves the page now; an open one
        keeps the outcome and drops the note about the work going on."""
        if self.is_deleted:
            return
        if not self.value:
            self.delete()
        else:
            self.note.set_visibility(False)

    def dispose(self) -> None:
        if not self.running:  # closed while the job runs: kept, hidden, until the job ends (see `ended`)
            super().dispose()
