"""Pick a contact by typing a few letters, or create one on the spot (CO4): for document editors and lists.

The component never queries: the page passes `search(text) -> [entry]` (with a LIMIT) and `create(values) ->
entry`, where an entry is {'id', 'label', 'detail'} as `db.contacts.picker_entry` makes them. Pass the page's
`ctx.handler` as `guard` so that every event re-checks the session and shows refusals in French:

    ContactPicker(search=lambda text: contacts.search_for_picker(text), create=create, on_pick=use_client,
                  guard=ctx.handler)

`SearchPicker` is the same without creation (e.g. the parts of a composite article).
"""
import inspect
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.form import Form
from logic.contact import CONTACT_KINDS, PERSON_TYPES, FieldsInvalid

Entry = dict
Search = Callable[[str], Awaitable[list[Entry] | None]]
Create = Callable[[dict], Awaitable[Entry | None]]


def _unguarded(function: Callable) -> Callable:
    return function


class SearchPicker(ui.element):
    """An input whose matches appear below it as a short list; clicking one calls `on_pick(entry)`."""

    def __init__(self, *, search: Search, on_pick: Callable[[Entry], object], label: str, placeholder: str = '',
                 guard: Callable[[Callable], Callable] = _unguarded, name: str = 'picker') -> None:
        super().__init__('div')
        self.classes('w-full').props(f'data-picker={name}')
        self.search, self.on_pick, self.guard, self.name = search, on_pick, guard, name
        self._sequence = 0
        with self:
            self.input = ui.input(label, placeholder=placeholder) \
                .props(f'outlined dense clearable debounce=250 autocomplete=off data-field={name}-search') \
                .classes('w-full').mark(f'{name}-search')
            self.results = ui.list().props('bordered separator dense').classes('w-full bg-white rounded-borders')
        self.results.set_visibility(False)
        self.input.on_value_change(guard(self._search))

    async def _search(self) -> None:
        text = (self.input.value or '').strip()
        self._sequence += 1
        sequence = self._sequence
        found = await self.search(text) if text else []
        if found is None or sequence != self._sequence:  # refused, or a later keystroke already answered
            return
        self.results.clear()
        with self.results:
            for entry in found:
                with ui.item(on_click=self.guard(lambda entry=entry: self.pick(entry))) \
                        .props(f'clickable data-pick={entry["id"]}').mark(f'{self.name}-result'):
                    with ui.item_section():
                        ui.item_label(entry['label'])
                        if entry.get('detail'):
                            ui.item_label(entry['detail']).props('caption')
            if not found and text:
                with ui.item():
                    ui.item_label('Aucun résultat.').classes('app-muted')
            self.add_actions(text)
        self.results.set_visibility(bool(text))

    def add_actions(self, text: str) -> None:
        """Items after the matches (subclasses add 'Créer ...')."""

    async def pick(self, entry: Entry) -> None:
        self._sequence += 1
        self.input.value = ''
        self.results.clear()
        self.results.set_visibility(False)
        result = self.on_pick(entry)
        if inspect.isawaitable(result):
            await result


class ContactPicker(SearchPicker):
    """A contact picker with 'Créer un nouveau contact' at the end of the matches."""

    def __init__(self, *, search: Search, create: Create, on_pick: Callable[[Entry], object],
                 label: str = 'Client', kind: str = 'client', guard: Callable[[Callable], Callable] = _unguarded,
                 name: str = 'contact') -> None:
        self.create, self.kind = create, kind
        super().__init__(search=search, on_pick=on_pick, label=label, guard=guard, name=name,
                         placeholder='Nom, ville, code postal, SIREN ou e-mail')

    def add_actions(self, text: str) -> None:
        with ui.item(on_click=self.guard(lambda: QuickContactDialog(
                create=self.create, on_created=self.pick, name=text, kind=self.kind, guard=self.guard).open())) \
                .props('clickable data-action=quick-create').mark(f'{self.name}-create'):
            with ui.item_section().props('avatar'):
                ui.icon('person_add', color='primary')
            with ui.item_section():
                ui.item_label(f'Créer un nouveau contact « {text} »' if text else 'Créer un nouveau contact')


class QuickContactDialog(ui.dialog):
    """The few fields a document needs to name its client; the rest is completed later on the contact's page."""

    def __init__(self, *, create: Create, on_created: Callable[[Entry], object], name: str = '',
                 kind: str = 'client', guard: Callable[[Callable], Callable] = _unguarded) -> None:
        super().__init__()
        self.create, self.on_created = create, on_created
        self.form = Form()
        with self, ui.card().classes('app-card w-[600px] max-w-full').props('data-role=quick-contact'):
            ui.label('Nouveau contact').classes('app-subtitle')
            with ui.element('div').classes('app-form-grid'):
                self.form.select('kind', 'Type', CONTACT_KINDS, kind)
                self.form.select('is_company', 'Société ou particulier', PERSON_TYPES, True)
                self.form.input('name', 'Nom ou raison sociale *', name, wide=True)
                self.form.input('first_name', 'Prénom (particulier)')
                self.form.input('siren', 'SIREN (entreprise)')
                self.form.input('email', 'E-mail')
                self.form.input('phone', 'Téléphone')
                self.form.input('address', 'Adresse', wide=True)
                self.form.input('postcode', 'Code postal')
                self.form.input('city', 'Ville')
            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=self.close).props('flat')
                ui.button('Créer le contact', on_click=guard(self._save)) \
                    .props('unelevated data-action=create-contact').mark('create-contact')
        self.on_value_change(lambda event: None if event.value else self.delete())

    async def _save(self) -> None:
        values = self.form.values()
        if not values['is_company']:
            values['category'] = 'individual'
        try:
            created = await self.create(values)
        except FieldsInvalid as exc:
            self.form.show_errors(exc.errors)
            raise  # the page's guard shows the summary
        if created is None:  # refused; the guard said why
            return
        self.close()
        result = self.on_created(created)
        if inspect.isawaitable(result):
            await result
