"""A job's progress, live (issue 17): its state in French, a bar, "Arrêter" while it runs, the download once done.

The job runs in a worker process; this element reads its row a few times a second (`load`, given by the page: a
component never queries) until it has ended, then stops asking. Once done it offers the file and, with
`auto_download`, starts the download once. Closing the page does not stop the job: its result waits in
« Téléchargements ».

    JobProgress(load=lambda: view_of(job_id), on_cancel=ctx.handler(cancel), auto_download=True)
    JobProgress(load=..., on_cancel=..., on_end=reload)   # `on_end(view)` once the job has ended, however it ended
    JobDialog('Export des factures', load=..., on_cancel=...).open()
"""
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from components.dialog import Dialog

POLL_SECONDS = 0.7


@dataclass(kw_only=True, slots=True)
class JobView:
    """What the progress shows of a job (made by the page from its row)."""

    id: int
    title: str
    state: str          # queued, running, done, failed, cancelled
    state_label: str
    line: str           # the one line: '120 / 500…', 'En attente…', the result's message
    done: int = 0
    total: int = 0
    url: str = ''       # the result's download address, once done
    size: str = ''
    created: str = ''

    @property
    def active(self) -> bool:
        return self.state in ('queued', 'running')


class JobProgress(ui.column):

    def __init__(self, *, load: Callable[[], Awaitable[JobView | None]], on_cancel: Callable[[], object],
                 auto_download: bool = False, on_end: Callable[[JobView], object] | None = None) -> None:
        super().__init__()
        self.classes('w-full gap-2')
        self._load, self._auto_download, self._downloaded = load, auto_download, False
        self._on_end = on_end
        self.view: JobView | None = None
        with self:
            # A message may hold several lines (a dunning run: the count, then one line per letter not sent).
            self.status = ui.label('En attente d’un processus libre…').classes('app-muted whitespace-pre-line') \
                .mark('job-status')
            self.bar = ui.linear_progress(value=0, show_value=False).props('rounded size=10px').classes('w-full')
            with ui.row().classes('gap-2 items-center'):
                self.cancel = ui.button('Arrêter', icon='stop', on_click=on_cancel) \
                    .props('outline no-caps color=negative data-action=cancel-job').mark('cancel-job')
                self.download = ui.button('Télécharger', icon='download') \
                    .props('unelevated no-caps data-action=job-download').mark('job-download')
                self.download.set_visibility(False)
        self.timer = ui.timer(POLL_SECONDS, self.refresh)

    async def refresh(self) -> None:
        if self.is_deleted:
            return
        view = await self._load()
        if view is None or self.is_deleted:
            self.timer.deactivate()
            return
        self.show(view)
        if not view.active and self._on_end is not None:
            on_end, self._on_end = self._on_end, None
            result = on_end(view)
            if inspect.isawaitable(result):
                await result

    def show(self, view: JobView) -> None:
        self.view = view
        self.status.text = view.line
        self.bar.value = view.done / view.total if view.total else (1 if view.state == 'done' else 0)
        self.cancel.set_visibility(view.active)
        if view.active:
            return
        self.timer.deactivate()
        self.bar.set_visibility(view.state == 'done')
        if view.state == 'done' and view.url:
            self.download.props(f'href={view.url}')
            self.download.on_click(lambda: ui.download.from_url(view.url))
            self.download.set_visibility(True)
            if self._auto_download and not self._downloaded:
                self._downloaded = True
                ui.download.from_url(view.url)


class JobDialog(Dialog):
    """A job started from a button (an export): its progress in a dialog; closing it leaves the job running."""

    def __init__(self, title: str, *, load: Callable[[], Awaitable[JobView | None]],
                 on_cancel: Callable[[], object]) -> None:
        super().__init__(title, 'Préparé en arrière-plan : vous pouvez fermer cette fenêtre, le fichier vous attendra '
                         'dans « Téléchargements » (menu du compte).', width=480, role='job-dialog')
        with self.body:
            self.progress = JobProgress(load=load, on_cancel=on_cancel, auto_download=True)
        with self.actions:
            ui.link('Mes téléchargements', '/telechargements').classes('self-center').mark('downloads-link')
            ui.button('Fermer', on_click=self.close).props('flat no-caps data-action=close-job')
