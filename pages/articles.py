"""Articles (AR1-AR5): the list filtered, searched and sorted in SQL, import, export and bulk change."""
from nicegui import run, ui

from components.bulk_change_dialog import BulkChangeDialog
from components.frame import frame
from components.import_dialog import ImportDialog
from components.paged_table import PagedTable, PageRequest, opened_state
from db import article_transfer, articles, job_kinds
from db.company import Unit, VatRate
from logic import list_state
from logic.article import ARTICLE_KINDS, format_price
from logic.article_fields import sample_csv
from logic.tabular import read_table
from pages.downloads import start_job
from pages.security import PageContext, secured_page

STATUSES = {'active': 'Actifs', 'archived': 'Archivés', 'all': 'Actifs et archivés'}
COMPOSITION = {'': 'Simples et composés', 'simple': 'Articles simples', 'composite': 'Articles composés'}
COLUMNS = [
    {'name': 'reference', 'label': 'Référence', 'field': 'reference', 'sortable': True, 'align': 'left'},
    {'name': 'designation', 'label': 'Désignation', 'field': 'designation', 'sortable': True, 'align': 'left'},
    {'name': 'kind', 'label': 'Type', 'field': 'kind', 'sortable': True, 'align': 'left'},
    {'name': 'unit', 'label': 'Unité', 'field': 'unit', 'align': 'left'},
    {'name': 'sale_price', 'label': 'Prix HT', 'field': 'sale_price', 'sortable': True, 'align': 'right'},
    {'name': 'vat', 'label': 'TVA', 'field': 'vat', 'align': 'left'},
    {'name': 'sales_account', 'label': 'Compte', 'field': 'sales_account', 'sortable': True, 'align': 'left'},
    {'name': 'status', 'label': '', 'field': 'status', 'align': 'left'},
]
# The list's address, e.g. /articles?q=parquet&type=good&composition=composite&tri=-sale_price (logic/list_state.py).
LIST = list_state.ListSpec(
    filters=(list_state.text('q', 'search'), list_state.choice('type', 'kind', ARTICLE_KINDS),
             list_state.choice('composition', 'composite', ('simple', 'composite')),
             list_state.choice('statut', 'status', STATUSES, default='active')),
    sorts=tuple(column['name'] for column in COLUMNS if column.get('sortable')), sort='designation')
CARD = r'''
<div class="q-pa-xs col-12">
  <q-card flat bordered class="q-pa-sm" :data-article="props.row.reference">
    <div class="row items-center no-wrap">
      <q-checkbox dense v-model="props.selected" class="q-mr-sm" />
      <div class="col cursor-pointer" @click="() => $parent.$emit('open', props.row)">
        <div class="text-weight-medium ellipsis">{{ props.row.designation }}</div>
        <div class="text-caption text-grey-8">{{ props.row.reference }} · {{ props.row.kind }}
          <span v-if="props.row.status"> · {{ props.row.status }}</span></div>
      </div>
      <div class="text-right q-ml-sm">
        <div>{{ props.row.sale_price }}</div>
        <div class="text-caption text-grey-8">{{ props.row.vat }}</div>
      </div>
    </div>
  </q-card>
</div>
'''


@secured_page('/articles', title='Articles')
async def articles_page(ctx: PageContext):
    screen = ArticlesScreen(ctx, {'units': dict(await Unit.all().values_list('id', 'name')),
                                  'vat': dict(await VatRate.all().values_list('id', 'label')),
                                  'active_vat': dict(await VatRate.filter(active=True).values_list('id', 'label'))})
    with frame(ctx, 'Articles'):
        screen.filters()
        screen.toolbar()
        screen.listing()
    await screen.table.reload()


class ArticlesScreen:
    """The list in one browser tab: its filters, its buttons and the table, paged and sorted in SQL."""

    def __init__(self, ctx: PageContext, labels: dict[str, dict]) -> None:
        self.ctx, self.labels = ctx, labels
        self.order = articles.DEFAULT_ORDER  # the table's sort, for "La sélection affichée"
        self.opened = opened_state(LIST)

    def filters(self) -> None:
        with ui.row().classes('w-full items-center gap-2'):
            self.search = ui.input(placeholder='Référence, désignation…', value=self.opened.values['search']) \
                .props('outlined dense clearable debounce=300 data-field=search aria-label=Rechercher') \
                .classes('grow min-w-[240px]').mark('search')
            with self.search.add_slot('prepend'):
                ui.icon('search')
            with ui.row().classes('gap-2 w-full sm:w-auto'):
                self.kind = ui.select({'': 'Biens et prestations', **ARTICLE_KINDS},
                                      value=self.opened.values['kind']) \
                    .props('outlined dense data-field=kind').classes('grow sm:w-56').mark('kind')
                self.composite = ui.select(COMPOSITION, value=self.opened.values['composite']) \
                    .props('outlined dense data-field=composite').classes('grow sm:w-56').mark('composite')
                self.status = ui.select(STATUSES, value=self.opened.values['status']) \
                    .props('outlined dense data-field=status').classes('grow sm:w-56').mark('status')

    def toolbar(self) -> None:
        handler = self.ctx.handler
        with ui.row().classes('w-full items-center gap-2'):
            ui.button('Nouvel article', icon='add', on_click=handler(lambda: ui.navigate.to('/articles/nouveau'))) \
                .props('unelevated no-caps data-action=new-article').mark('new-article')
            ui.button('Importer', icon='upload_file', on_click=handler(self.import_dialog)) \
                .props('outline no-caps data-action=import').mark('import')
            with ui.button('Exporter', icon='download').props('outline no-caps data-action=export').mark('export'):
                with ui.menu():
                    ui.menu_item('Tous les articles (tous les champs)', on_click=handler(self.export_all)) \
                        .mark('export-all')
                    ui.menu_item('La sélection affichée (filtres et tri de la liste)',
                                 on_click=handler(self.export_selection)).mark('export-selection')
            self.bulk = ui.button('Modifier la sélection', icon='edit_note', on_click=handler(self.bulk_dialog)) \
                .props('outline no-caps data-action=bulk').mark('bulk')
            ui.space()
            self.count = ui.label().classes('app-muted').props('data-role=count').mark('count')

    def listing(self) -> None:
        handler = self.ctx.handler
        self.table = PagedTable(columns=COLUMNS, fetch=handler(self.fetch), sort_by='designation', name='articles',
                                state=self.opened)
        self.table.follow_address(LIST, lambda: {'search': self.search.value, 'kind': self.kind.value,
                                                 'composite': self.composite.value, 'status': self.status.value})
        self.table.set_selection('multiple')
        self.table.props(':grid="Quasar.Screen.lt.sm"').mark('articles')
        self.table.add_slot('item', CARD)
        self.table.on('row-click', handler(lambda event: ui.navigate.to(f'/articles/{event.args[1]["id"]}')))
        self.table.on('open', handler(lambda event: ui.navigate.to(f'/articles/{event.args["id"]}')))
        self.table.on_select(self._selected)
        for control in (self.search, self.kind, self.status, self.composite):
            control.on_value_change(handler(lambda: self.table.reload(first_page=True)))

    def current(self) -> articles.ArticleFilter:
        return articles.ArticleFilter(kind=self.kind.value or '', search=self.search.value or '',
                                      status=self.status.value or 'active', composite=self.composite.value or '')

    async def fetch(self, request: PageRequest):
        self.order = articles.list_order(request.sort_by, request.descending)
        rows, total = await articles.list_articles(self.current(), self.order, offset=request.offset,
                                                   limit=request.per_page, total=request.total)
        self.count.text = f'{total} article(s)'
        return [table_row(row, self.labels) for row in rows], total

    def _selected(self) -> None:
        ticked = len(self.table.selected)
        self.bulk.set_text(f'Modifier la sélection ({ticked})' if ticked else 'Modifier la sélection')

    # Exports are made by a job worker (issue 17, db/job_kinds.py), never in this process.
    async def export_all(self) -> None:
        await start_job(self.ctx, job_kinds.EXPORT_ARTICLES, {'filters': None, 'order': None, 'full': True},
                        title='Export des articles')

    async def export_selection(self) -> None:
        await start_job(self.ctx, job_kinds.EXPORT_ARTICLES, {'filters': job_kinds.plain(self.current()),
                                                              'order': self.order, 'full': False},
                        title='Export des articles (sélection)')

    def import_dialog(self) -> None:
        async def commit(preview, filename: str) -> int:
            return await article_transfer.commit_import(self.ctx.actor, preview, filename=filename)

        ImportDialog(title='Importer des articles', what='articles',
                     read=lambda data, name: run.io_bound(read_table, data, name),
                     check=article_transfer.preview_import, commit=commit,
                     sample=(sample_csv(), 'exemple-articles.csv'),
                     on_done=lambda _: self.table.reload(first_page=True), guard=self.ctx.handler).open()

    def bulk_dialog(self) -> None:
        """AR5: a new VAT rate or sales account for the ticked articles, after saying how many will change."""
        ids = [row['id'] for row in self.table.selected]
        if not ids:
            ui.notify('Cochez d’abord les articles à modifier.', type='warning')
            return

        async def count(change: dict) -> int:
            return await articles.count_bulk_change(ids, **change)

        async def apply(change: dict) -> None:
            changed = await articles.bulk_change(self.ctx.actor, ids, **change)
            ui.notify(f'{changed} article(s) modifié(s).', type='positive')
            self.table.selected = []
            self.bulk.set_text('Modifier la sélection')
            await self.table.reload()

        BulkChangeDialog(count=len(ids), rates=dict(self.labels['active_vat']), on_check=count, on_apply=apply,
                         guard=self.ctx.handler).open()


def table_row(row: dict, labels: dict) -> dict:
    status = ' · '.join(word for word, on in (('Composé', row['is_composite']), ('Archivé', not row['active'])) if on)
    return {'id': row['id'], 'reference': row['reference'], 'designation': row['designation'],
            'kind': ARTICLE_KINDS.get(row['kind'], row['kind']), 'unit': labels['units'].get(row['unit_id'], ''),
            'sale_price': format_price(row['sale_price']), 'vat': labels['vat'].get(row['vat_rate_id'], ''),
            'sales_account': row['sales_account'], 'status': status}
