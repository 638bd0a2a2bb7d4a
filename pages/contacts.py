"""Contacts (CO1, CO3-CO6): the list filtered, searched and sorted in SQL, cards on phones, import and export."""
from nicegui import run, ui

from components.contact_picker import QuickContactDialog
from components.frame import frame
from components.import_dialog import ImportDialog
from components.paged_table import PagedTable, PageRequest, opened_state
from db import contact_transfer, contacts, job_kinds
from logic import list_state
from logic.contact import CONTACT_KINDS
from logic.contact_fields import list_row, sample_csv
from logic.tabular import read_table
from pages.downloads import start_job
from pages.security import PageContext, secured_page

STATUSES = {'active': 'Actifs', 'archived': 'Archivés', 'all': 'Actifs et archivés'}
NOWRAP = {'classes': 'text-no-wrap', 'headerClasses': 'text-no-wrap'}  # codes and numbers stay on one line
COLUMNS = [
    {'name': 'code', 'label': 'Code', 'field': 'code', 'sortable': True, 'align': 'left', **NOWRAP},
    {'name': 'name', 'label': 'Nom', 'field': 'name', 'sortable': True, 'align': 'left'},
    {'name': 'kind', 'label': 'Type', 'field': 'kind', 'sortable': True, 'align': 'left'},
    {'name': 'postcode', 'label': 'Code postal', 'field': 'postcode', 'sortable': True, 'align': 'left', **NOWRAP},
    {'name': 'city', 'label': 'Ville', 'field': 'city', 'sortable': True, 'align': 'left'},
    {'name': 'siren', 'label': 'SIREN', 'field': 'siren', 'sortable': True, 'align': 'left', **NOWRAP},
    {'name': 'email', 'label': 'E-mail', 'field': 'email', 'sortable': True, 'align': 'left'},
    {'name': 'phone', 'label': 'Téléphone', 'field': 'phone', 'sortable': True, 'align': 'left', **NOWRAP},
]
# The list's address, e.g. /contacts?q=rennes&type=client&statut=all&tri=-city&page=2 (logic/list_state.py).
LIST = list_state.ListSpec(filters=(list_state.text('q', 'search'), list_state.choice('type', 'kind', CONTACT_KINDS),
                                    list_state.choice('statut', 'status', STATUSES, default='active')),
                           sorts=tuple(column['name'] for column in COLUMNS if column['sortable']), sort='name')
# Phones get one card per contact (Quasar's grid mode); Vue's {{ }} escapes the text.
CARD = r'''
<div class="q-pa-xs col-12">
  <q-card flat bordered class="cursor-pointer q-pa-sm" :data-contact="props.row.code"
          @click="() => $parent.$emit('open', props.row)">
    <div class="row items-baseline no-wrap">
      <div class="text-weight-medium ellipsis col">{{ props.row.name }}</div>
      <div class="text-caption text-grey-7 q-ml-sm">{{ props.row.code }}</div>
    </div>
    <div class="text-caption text-grey-8">
      {{ props.row.kind }}<span v-if="props.row.city"> · {{ props.row.postcode }} {{ props.row.city }}</span>
    </div>
    <div v-if="props.row.email || props.row.phone" class="text-caption text-grey-8 ellipsis">
      {{ [props.row.email, props.row.phone].filter(Boolean).join(' · ') }}
    </div>
  </q-card>
</div>
'''


def table_row(row: dict) -> dict:
    """A contact as the table shows it (also timed by bench/bench_contacts.py)."""
    code, name, kind, postcode, city, siren, email, phone = list_row(row)
    return {'id': row['id'], 'code': code, 'name': name, 'kind': kind, 'postcode': postcode, 'city': city,
            'siren': siren, 'email': email, 'phone': phone}


@secured_page('/contacts', title='Contacts')
async def contacts_page(ctx: PageContext):
    state = {'order': contacts.DEFAULT_ORDER}
    opened = opened_state(LIST)
    with frame(ctx, 'Contacts'):
        with ui.row().classes('w-full items-center gap-2'):
            search = ui.input(placeholder='Nom, ville, code postal, SIREN, e-mail…',
                              value=opened.values['search']) \
                .props('outlined dense clearable debounce=300 data-field=search aria-label=Rechercher') \
                .classes('grow min-w-[240px]').mark('search')
            with search.add_slot('prepend'):
                ui.icon('search')
            with ui.row().classes('gap-2 no-wrap w-full sm:w-auto'):  # side by side, even on a phone
                kind = ui.select({'': 'Tous les types', **CONTACT_KINDS}, value=opened.values['kind']) \
                    .props('outlined dense data-field=kind').classes('grow sm:w-48').mark('kind')
                status = ui.select(STATUSES, value=opened.values['status']).props('outlined dense data-field=status') \
                    .classes('grow sm:w-48').mark('status')
        with ui.row().classes('w-full items-center gap-2'):
            ui.button('Nouveau contact', icon='person_add', on_click=ctx.handler(lambda: new_contact())) \
                .props('unelevated no-caps data-action=new-contact').mark('new-contact')
            ui.button('Importer', icon='upload_file', on_click=ctx.handler(lambda: import_dialog())) \
                .props('outline no-caps data-action=import').mark('import')
            with ui.button('Exporter', icon='download').props('outline no-caps data-action=export').mark('export'):
                with ui.menu():
                    ui.menu_item('Toute la base (tous les champs)', on_click=ctx.handler(lambda: export_all())) \
                        .props('data-action=export-all').mark('export-all')
                    ui.menu_item('La sélection affichée (filtres et tri de la liste)',
                                 on_click=ctx.handler(lambda: export_selection())) \
                        .props('data-action=export-selection').mark('export-selection')
            ui.space()
            count = ui.label().classes('app-muted').props('data-role=count').mark('count')

        def current() -> contacts.ContactFilter:
            return contacts.ContactFilter(kind=kind.value or '', search=search.value or '',
                                          status=status.value or 'active')

        async def fetch(request: PageRequest):
            state['order'] = contacts.list_order(request.sort_by, request.descending)
            rows, total = await contacts.list_contacts(current(), state['order'], offset=request.offset,
                                                       limit=request.per_page, total=request.total)
            count.text = f'{total} contact(s)'
            return [table_row(row) for row in rows], total

        table = PagedTable(columns=COLUMNS, fetch=ctx.handler(fetch), sort_by='name', name='contacts', state=opened)
        table.follow_address(LIST, lambda: {'search': search.value, 'kind': kind.value, 'status': status.value})
        table.props(':grid="Quasar.Screen.lt.sm"').mark('contacts')
        table.add_slot('item', CARD)
        table.on('row-click', ctx.handler(lambda event: ui.navigate.to(f'/contacts/{event.args[1]["id"]}')))
        table.on('open', ctx.handler(lambda event: ui.navigate.to(f'/contacts/{event.args["id"]}')))
        for control in (search, kind, status):
            control.on_value_change(ctx.handler(lambda: table.reload(first_page=True)))

    # Exports are made by a job worker (issue 17, db/job_kinds.py), never in this process.
    async def export_all() -> None:
        await start_job(ctx, job_kinds.EXPORT_CONTACTS, {'filters': None, 'order': None, 'full': True},
                        title='Export des contacts')

    async def export_selection() -> None:
        await start_job(ctx, job_kinds.EXPORT_CONTACTS, {'filters': job_kinds.plain(current()),
                                                         'order': state['order'], 'full': False},
                        title='Export des contacts (sélection)')

    def new_contact() -> None:
        async def create(values: dict) -> dict:
            contact = await contacts.create_contact(ctx.actor, values)
            return contacts.entry_of(contact)

        QuickContactDialog(create=create, on_created=lambda entry: ui.navigate.to(f'/contacts/{entry["id"]}'),
                           guard=ctx.handler).open()

    def import_dialog() -> None:
        async def commit(preview, filename: str) -> int:
            return await contact_transfer.commit_import(ctx.actor, preview, filename=filename)

        ImportDialog(title='Importer des contacts', what='contacts',
                     read=lambda data, name: run.io_bound(read_table, data, name),
                     check=contact_transfer.preview_import, commit=commit,
                     sample=(sample_csv(), 'exemple-contacts.csv'),
                     on_done=lambda _: table.reload(first_page=True), guard=ctx.handler).open()

    await table.reload()
