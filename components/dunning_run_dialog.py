"""The dialog of a dunning run (PA6): what will go out, then a progress bar while the letters are sent or printed,
and the outcome (the errors per client, or the PDF to download).

It never queries: the page starts the job and reports through `started`, `advance`, `failed` and `finished`.
"""
from collections.abc import Callable

from nicegui import ui

from components.dialog import Dialog


class DunningRunDialog(Dialog):

    def __init__(self, title: str, text: str, *, on_start: Callable, guard: Callable, start_label: str,
                 icon: str) -> None:
        super().__init__(title, text, width=520, role='dunning-run')
        self.running = False
        with self.body:
            self.status = ui.label('').classes('app-muted').mark('dunning-status')
            self.progress = ui.linear_progress(value=0, show_value=False).props('rounded size=10px').classes('w-full')
            self.progress.set_visibility(False)
            self.errors = ui.column().classes('gap-1 text-negative text-sm').mark('dunning-errors')
            self.download = ui.button('Télécharger le PDF', icon='download') \
                .props('unelevated no-caps data-action=download-letters').mark('download-letters')
            self.download.set_visibility(False)
        with self.actions:
            ui.button('Fermer', on_click=self.close).props('flat no-caps data-action=close-run')
            self.launch = ui.button(start_label, icon=icon, on_click=guard(on_start)) \
                .props('unelevated no-caps data-action=start-run').mark('start-run')

    def started(self, total: int) -> None:
        self.running = True
        self.launch.disable()
        self.progress.set_visibility(True)
        self.status.text = f'0 / {total} lettres…'

    def advance(self, done: int, total: int) -> None:
        if not self.is_deleted:
            self.progress.value = done / total
            self.status.text = f'{done} / {total} lettres…'

    def failed(self, message: str) -> None:
        self.running = False
        if not self.is_deleted:
            self.status.text = message
            self.launch.enable()

    def finished(self, message: str, errors: list[str], download: Callable | None = None) -> None:
        self.running = False
        if self.is_deleted:
            return
        self.progress.value = 1
        self.status.text = message
        self.launch.set_visibility(False)  # done: what stays is the outcome, the download and "Fermer"
        with self.errors:
            for error in errors:
                ui.label(error)
        if download:
            self.download.on_click(download)
            self.download.set_visibility(True)

    def dispose(self) -> None:
        if not self.running:  # a closed dialog stays until its job ends: the job still reports to it
            super().dispose()
