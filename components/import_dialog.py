"""Import a spreadsheet (CO3, AR2): upload, see how columns map to fields and every problem, then import all or
nothing.

The dialog never reads the database: the page passes `read(data, filename) -> Table`,
`check(table, mapping | None) -> (ImportPreview, mapping, fields)` and `commit(preview, filename) -> count`, plus
the sample file. `read` is `logic.tabular.read_table` in a thread (`run.io_bound`): it parses the file in a child
process under hard limits, so that a hostile file never takes the server's memory or event loop. Pass the page's
`ctx.handler` as `guard`: refusals (a file too big, a wrong encoding) then show as French notifications.
"""
from collections.abc import Awaitable, Callable

from nicegui import events, ui

from logic.filenames import size_text
from logic.importing import Field, ImportPreview, format_problems
from logic.tabular import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, Table

SHOWN_PROBLEMS = 200
SAMPLE_ROWS = 5
IGNORE = ''
LIMITS = (f'CSV (séparateur « ; » ou « , », UTF-8 ou Windows-1252) ou Excel XLSX, {MAX_BYTES // 1024 // 1024} Mo, '
          f'{MAX_ROWS:_} lignes et {MAX_COLUMNS} colonnes au plus. La première ligne donne les titres des '
          'colonnes.').replace('_', '\u202f')

Check = Callable[[Table, dict[int, str | None] | None], Awaitable[tuple[ImportPreview, dict, list[Field]] | None]]


class ImportDialog(ui.dialog):

    def __init__(self, *, title: str, what: str, read: Callable[[bytes, str], Awaitable[Table | None]], check: Check,
                 commit: Callable[[ImportPreview, str], Awaitable[int | None]], sample: tuple[bytes, str],
                 on_done: Callable[[int], object], guard: Callable[[Callable], Callable]) -> None:
        super().__init__()
        self.what, self.read, self.check, self.commit, self.on_done = what, read, check, commit, on_done
        self.table: Table | None = None
        self.filename = ''
        self.preview: ImportPreview | None = None
        self.mapping: dict[int, str | None] = {}
        self.fields: list[Field] = []
        with self, ui.card().classes('app-card w-[860px] max-w-full').props('data-role=import-dialog'):
            with ui.row().classes('w-full items-center'):
                ui.label(title).classes('app-subtitle')
                ui.space()
                ui.button(icon='close', on_click=self.close).props('flat round dense aria-label=Fermer')
            ui.label(LIMITS).classes('app-muted')
            with ui.row().classes('items-center gap-2'):
                ui.button('Télécharger un fichier exemple', icon='description',
                          on_click=guard(lambda: ui.download.content(sample[0], sample[1], 'text/csv'))) \
                    .props('flat no-caps data-action=sample').mark('import-sample')
            self.upload = ui.upload(label='Choisir le fichier', auto_upload=True, max_file_size=MAX_BYTES,
                                    on_upload=guard(self._uploaded)) \
                .props('accept=".csv,.txt,.xlsx,text/csv" flat bordered data-field=import-file').classes('w-full') \
                .mark('import-file')
            self.upload.on_rejected(lambda: ui.notify(
                f'Ce fichier dépasse {MAX_BYTES // 1024 // 1024} Mo : découpez-le en plusieurs fichiers.',
                type='negative'))
            # Once read, the file is named in French: Quasar's uploader only counts its queue, which its reset
            # empties ("0.0B / 0.00%"). It stays, to choose another file after a preview shows problems.
            with ui.row().classes('items-center gap-2') as self.chosen:
                ui.icon('description')
                self.chosen_label = ui.label('').props('data-role=import-file-name').mark('import-file-name')
            self.chosen.set_visibility(False)
            self.body = ui.column().classes('w-full gap-3')
            self.guard = guard
        self.on_value_change(lambda event: None if event.value else self.delete())

    async def _uploaded(self, event: events.UploadEventArguments) -> None:
        data = await event.file.read()
        self.upload.reset()
        table = await self.read(data, event.file.name)
        if table is None:
            return
        self.table, self.filename = table, event.file.name
        self.chosen_label.text = f'{event.file.name} — {size_text(len(data))}'
        self.chosen.set_visibility(True)
        self.upload.props('label="Choisir un autre fichier"')
        await self._check(None)

    async def _check(self, mapping: dict[int, str | None] | None) -> None:
        result = await self.check(self.table, mapping)
        if result is None:
            return
        self.preview, self.mapping, self.fields = result
        self._show()

    async def _remap(self, index: int, key: str) -> None:
        await self._check({**self.mapping, index: key or None})

    def _show(self) -> None:
        table, preview = self.table, self.preview
        self.body.clear()
        with self.body:
            ui.label(f'« {self.filename} » : {len(table.rows)} ligne(s), {len(table.headers)} colonne(s).') \
                .classes('font-medium').mark('import-summary')
            ui.label('Colonnes du fichier et champs où elles vont (modifiables) :').classes('app-muted')
            options = {IGNORE: '— ne pas importer —', **{field.key: field.label for field in self.fields}}
            with ui.element('div').classes('app-form-grid'):
                for index, header in enumerate(table.headers):
                    ui.select(options, label=header, value=self.mapping.get(index) or IGNORE,
                              on_change=self.guard(lambda event, index=index: self._remap(index, event.value))) \
                        .props(f'outlined dense data-column={index}').mark(f'map-{index}')
            self._sample_table()
            if preview.ok:
                ui.label(f'Aucun problème : {len(preview.records)} {self.what} seront créés.') \
                    .classes('text-positive font-medium').props('data-role=import-ready').mark('import-ready')
            else:
                self._problems(preview)
            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=self.close).props('flat')
                ui.button(f'Importer {len(preview.records)} {self.what}' if preview.ok else 'Importer',
                          on_click=self.guard(self._commit)) \
                    .props(f'unelevated data-action=import-commit {"" if preview.ok else "disable"}') \
                    .mark('import-commit')

    def _sample_table(self) -> None:
        """The first rows as read, so the user sees whether the columns were split as expected."""
        columns = [{'name': str(index), 'label': header, 'field': str(index), 'align': 'left'}
                   for index, header in enumerate(self.table.headers)]
        rows = [{'_row': offset + 2, **{str(index): cell for index, cell in enumerate(row)}}
                for offset, row in enumerate(self.table.rows[:SAMPLE_ROWS])]
        ui.table(columns=[{'name': '_row', 'label': 'Ligne', 'field': '_row', 'align': 'left'}, *columns],
                 rows=rows, row_key='_row').props('flat bordered dense wrap-cells data-table=import-sample') \
            .classes('app-table max-h-60')

    @staticmethod
    def _problems(preview: ImportPreview) -> None:
        count = len(preview.problems)
        ui.label(f'{count} problème(s) à corriger dans le fichier ou dans les colonnes ci-dessus : rien ne sera '
                 'importé tant qu’il en reste.').classes('text-negative font-medium').mark('import-problems-title')
        with ui.column().classes('w-full gap-1 max-h-72 overflow-auto').props('data-role=import-problems'):
            for line in format_problems(preview.problems, limit=SHOWN_PROBLEMS):
                ui.label(line).classes('text-sm').props('data-role=import-problem').mark('import-problem')

    async def _commit(self) -> None:
        if self.preview is None or not self.preview.ok:
            return
        count = await self.commit(self.preview, self.filename)
        if count is None:  # refused (e.g. a code taken meanwhile): the guard showed why; check again
            await self._check(self.mapping)
            return
        ui.notify(f'{count} {self.what} importés.', type='positive')
        self.close()
        result = self.on_done(count)
        if hasattr(result, '__await__'):
            await result
