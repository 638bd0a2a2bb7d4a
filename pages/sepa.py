"""Prélèvements (PA5): the direct debit collections, "Nouveau prélèvement" (what is due by a date, who lacks a
mandate, the pain.008 file built and downloaded) and each collection's dialog (confirm, reject a debit, the file).
The "Mandats SEPA" tab of a contact's page is pages/sepa_mandates.py. Every action checks the session on the server
(ctx.handler); the rules are in db/sepa.py and logic/sepa.py.
"""
from datetime import date

from nicegui import ui

from components.collection_dialog import CollectionDialog
from components.date_input import DateInput
from components.dialog import Dialog
from components.frame import frame
from components.paged_table import PagedTable, PageRequest
from components.subnav import payments_tabs
from db import sepa
from db.mandate import COLLECTION_STATES, Collection
from logic.dates import format_date
from logic.money import format_eur
from logic.sepa import SEQUENCE_LABELS, VERSION_LABELS, SepaError, earliest_collection_date
from pages import runtime
from pages.security import PageContext, secured_page

PATH = '/reglements/prelevements'
XML = 'application/xml'
COLUMNS = [
    {'name': 'number', 'label': 'Remise', 'field': 'number', 'align': 'left'},
    {'name': 'created', 'label': 'Préparée le', 'field': 'created', 'align': 'left'},
    {'name': 'date', 'label': 'Date de prélèvement', 'field': 'date', 'align': 'left'},
    {'name': 'count', 'label': 'Prélèvements', 'field': 'count', 'align': 'right'},
    {'name': 'total', 'label': 'Montant', 'field': 'total', 'align': 'right'},
    {'name': 'version', 'label': 'Format', 'field': 'version', 'align': 'left'},
    {'name': 'state', 'label': 'État', 'field': 'state', 'align': 'left'},
]
DUE_COLUMNS = [
    {'name': 'due', 'label': 'Échéance', 'field': 'due', 'align': 'left'},
    {'name': 'number', 'label': 'Facture', 'field': 'number', 'align': 'left'},
    {'name': 'client', 'label': 'Client', 'field': 'client', 'align': 'left'},
    {'name': 'amount', 'label': 'Montant', 'field': 'amount', 'align': 'right'},
    {'name': 'sequence', 'label': 'Séquence', 'field': 'sequence', 'align': 'left'},
]


@secured_page(PATH, title='Prélèvements')
async def collections_page(ctx: PageContext):
    with frame(ctx, 'Règlements'):
        payments_tabs(PATH)
        with ui.element('div').classes('app-list-head'):
            ui.label('Les fichiers de prélèvement SEPA remis à la banque.') \
                .classes('app-muted gt-xs')
            ui.space()
            if ctx.user.is_admin:
                ui.button('Paramètres', icon='tune', on_click=ctx.handler(lambda: settings_dialog(ctx), admin=True)) \
                    .props('flat no-caps data-action=sepa-settings').mark('sepa-settings')
            ui.button('Nouveau prélèvement', icon='add', on_click=ctx.handler(lambda: NewCollectionDialog(
                ctx, on_built=table.reload).start())).props('unelevated no-caps data-action=new-collection') \
                .mark('new-collection')

        async def fetch(request: PageRequest):
            rows, total = await sepa.list_collections(request.offset, request.per_page)
            return [collection_row(row) for row in rows], total

        table = PagedTable(columns=COLUMNS, fetch=ctx.handler(fetch), name='collections')
        table.on('row-click', ctx.handler(lambda event: open_collection(ctx, event.args[1]['id'], table.reload)))
    await table.reload()


async def settings_dialog(ctx: PageContext) -> None:
    options = await sepa.settings()
    dialog = Dialog('Paramètres des prélèvements', 'Le délai de pré-notification convenu avec vos clients (14 jours '
                    'sauf accord) et le format que votre banque accepte.', role='sepa-settings')
    with dialog.body:
        days = ui.input('Pré-notification (jours)', value=str(options.prenotification_days)) \
            .props('outlined dense maxlength=2 data-field=prenotification_days').classes('w-full').mark('days')
        version = ui.select(VERSION_LABELS, label='Format pain.008', value=options.version) \
            .props('outlined dense data-field=sepa_version').classes('w-full')

    async def save() -> None:
        if not (days.value or '').strip().isdigit():
            raise SepaError('Indiquez le délai de pré-notification en jours.')
        await sepa.save_settings(ctx.actor, prenotification_days=int(days.value), version=version.value)
        ui.notify('Paramètres enregistrés.', type='positive')
        dialog.done()

    with dialog.actions:
        ui.button('Annuler', on_click=dialog.close).props('flat')
        ui.button('Enregistrer', on_click=ctx.handler(save, admin=True)).props('unelevated data-action=save-settings')
    dialog.open()


def collection_row(row: dict) -> dict:
    return {'id': row['id'], 'number': f'PRL-{row["id"]:06d}', 'created': format_date(row['created_at']),
            'date': format_date(row['collection_date']), 'count': row['count'], 'total': format_eur(row['total']),
            'version': VERSION_LABELS[row['version']], 'state': COLLECTION_STATES.get(row['state'], row['state'])}


async def open_collection(ctx: PageContext, collection_id: int, reload) -> None:
    collection = await Collection.get(id=collection_id)
    items = await sepa.collection_items(collection_id)
    summary = {'number': collection.number, 'collection_date': collection.collection_date,
               'version': collection.version, 'total': collection.total, 'count': collection.count}

    async def confirm(paid_on: date) -> None:
        settled = await sepa.confirm_collection(ctx.actor, collection_id, paid_on=paid_on, secret=_secret())
        ui.notify(f'{settled} prélèvement(s) réglé(s).', type='positive')
        await reload()

    async def reject(item_id: int, code: str) -> None:
        await sepa.reject_item(ctx.actor, item_id, reason=code, secret=_secret())
        ui.notify('Prélèvement rejeté : l’échéance est de nouveau due.', type='warning')
        await reload()

    def download() -> None:
        ui.download.content(collection.content.encode(), f'{collection.number}.xml', XML)

    rows = [{'id': item.id, 'number': item.number, 'client_name': item.client_name, 'amount': item.amount,
             'sequence': item.sequence, 'end_to_end_id': item.end_to_end_id, 'status': item.status,
             'reason': item.reason} for item in items]
    CollectionDialog(summary, rows, on_confirm=confirm, on_reject=reject, on_download=download,
                     guard=ctx.handler).open()


SHOWN_ROWS = 200


class NewCollectionDialog(Dialog):
    """What is due by a date (and who lacks a mandate), then the file built, stored and downloaded."""

    def __init__(self, ctx: PageContext, *, on_built) -> None:
        super().__init__('Nouveau prélèvement', width=860, role='new-collection')
        self.ctx, self.on_built = ctx, on_built

    async def start(self) -> None:
        options = await sepa.settings()
        earliest = earliest_collection_date(date.today(), options.prenotification_days)
        with self.body:
            ui.label(f'Pré-notification : {options.prenotification_days} jours, soit un prélèvement au plus tôt le '
                     f'{format_date(earliest)}.').classes('app-muted')
            with ui.row().classes('w-full gap-2 items-start'):
                self.due_by = DateInput('Échéances dues au', earliest, field='due_by').classes('w-44')
                self.on = DateInput('Date de prélèvement', earliest, field='collection_date').classes('w-44')
                self.version = ui.select(VERSION_LABELS, label='Format demandé par la banque',
                                         value=options.version).props('outlined dense data-field=version') \
                    .classes('w-64').mark('version')
                ui.button('Afficher', on_click=self.ctx.handler(self.show)).props('flat no-caps data-action=show-due')
            self.summary = ui.label().classes('font-medium').mark('due-summary')
            self.table = ui.table(columns=DUE_COLUMNS, rows=[], row_key='id').classes('app-table w-full') \
                .props('flat bordered dense wrap-cells no-data-label="Aucune échéance à prélever"').mark('due-table')
            self.missing = ui.column().classes('w-full gap-1').mark('missing')
        with self.actions:
            ui.button('Annuler', on_click=self.close).props('flat')
            self.build_button = ui.button('Préparer le fichier', icon='download',
                                          on_click=self.ctx.handler(self.build)) \
                .props('unelevated no-caps data-action=build-collection').mark('build-collection')
        self.due_by.on_change(self.ctx.handler(lambda _day: self.show()))
        self.open()
        await self.show()

    async def show(self) -> None:
        due_by = self.due_by.day or date.today()
        # The first rows only: the file holds them all, the summary counts them all (a table of thousands of rows
        # is sent whole to the browser and read by nobody).
        due = await sepa.due_summary(due_by, shown=SHOWN_ROWS)
        self.table.rows = [{'id': row.installment_id, 'due': format_date(row.due_date), 'number': row.number,
                            'client': row.client_name, 'amount': format_eur(row.amount),
                            'sequence': f'{row.sequence} ({SEQUENCE_LABELS[row.sequence]})'}
                           for row in due.rows]
        self.table.update()
        self.summary.text = f'{due.count} échéance(s) à prélever : {format_eur(due.total)}' + (
            f' (les {SHOWN_ROWS} premières affichées, toutes seront prélevées)' if due.count > SHOWN_ROWS else '')
        self.build_button.set_enabled(bool(due.count))
        self.missing.clear()
        if due.missing:
            with self.missing:
                ui.label('Sans mandat utilisable (non prélevées) :').classes('text-negative font-medium')
                for name, client_id in due.missing[:SHOWN_ROWS]:
                    ui.link(name, f'/contacts/{client_id}').props('data-role=missing-client')
                if len(due.missing) > SHOWN_ROWS:
                    ui.label(f'… et {len(due.missing) - SHOWN_ROWS} autre(s) client(s).').classes('app-muted')

    async def build(self) -> None:
        collection = await sepa.build_collection(self.ctx.actor, due_by=self.due_by.day or date.today(),
                                                 collection_date=self.on.day, version=self.version.value)
        ui.download.content(collection.content.encode(), f'{collection.number}.xml', XML)
        ui.notify(f'Prélèvement {collection.number} préparé : {collection.count} échéance(s), '
                  f'{format_eur(collection.total)}.', type='positive')
        self.done()
        await self.on_built()


def _secret() -> str:
    return runtime.config().secret
