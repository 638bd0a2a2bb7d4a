"""Articles (AR1-AR5): the list filtered, searched and sorted in SQL, import, export and bulk change."""
from nicegui import run, ui

from components.export import download_xlsx
from components.frame import frame
from components.import_dialog import ImportDialog
from components.paged_table import PagedTable, PageRequest
from db import article_transfer, articles
from db.company import Unit, VatRate
from logic.article import ARTICLE_KINDS, format_price
from logic.article_fields import export_workbook, sample_csv
from logic.tabular import read_table
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
    state = {'order': articles.DEFAULT_ORDER}
    labels = {'units': dict(await Unit.all().values_list('id', 'name')),
              'vat': dict(await VatRate.all().values_list('id', 'label')),
              'active_vat': dict(await VatRate.filter(active=True).values_list('id', 'label'))}
    with frame(ctx, 'Articles'):
        with ui.row().classes('w-full items-center gap-2'):
            search = ui.input(placeholder='Référence, désignation…') \
                .props('outlined dense clearable debounce=300 data-field=search aria-label=Rechercher') \
                .classes('grow min-w-[240px]').mark('search')
            with search.add_slot('prepend'):
                ui.icon('search')
            with ui.row().classes('gap-2 w-full sm:w-auto'):
                kind = ui.select({'': 'Biens et prestations', **ARTICLE_KINDS}, value='') \
                    .props('outlined dense data-field=kind').classes('grow sm:w-44').mark('kind')
                composite = ui.select(COMPOSITION, value='').props('outlined dense data-field=composite') \
                    .classes('grow sm:w-44').mark('composite')
                status = ui.select(STATUSES, value='active').props('outlined dense data-field=status') \
                    .classes('grow sm:w-44').mark('status')
        with ui.row().classes('w-full items-center gap-2'):
            ui.button('Nouvel article', icon='add', on_click=ctx.handler(lambda: ui.navigate.to('/articles/nouveau'))) \
                .props('unelevated no-caps data-action=new-article').mark('new-article')
            ui.button('Importer', icon='upload_file', on_click=ctx.handler(lambda: import_dialog())) \
                .props('outline no-caps data-action=import').mark('import')
            with ui.button('Exporter', icon='download').props('outline no-caps data-action=export').mark('export'):
                with ui.menu():
                    ui.menu_item('Tous les articles (tous les champs)', on_click=ctx.handler(lambda: export_all())) \
                        .mark('export-all')
                    ui.menu_item('La sélection affichée (filtres et tri de la liste)',
                                 on_click=ctx.handler(lambda: export_selection())).mark('export-selection')
            bulk = ui.button('Modifier la sélection', icon='edit_note', on_click=ctx.handler(lambda: bulk_dialog())) \
                .props('outline no-caps data-action=bulk').mark('bulk')
            ui.space()
            count = ui.label().classes('app-muted').props('data-role=count').mark('count')

        def current() -> articles.ArticleFilter:
            return articles.ArticleFilter(kind=kind.value or '', search=search.value or '',
                                          status=status.value or 'active', composite=composite.value or '')

        async def fetch(request: PageRequest):
            state['order'] = articles.list_order(request.sort_by, request.descending)
            rows, total = await articles.list_articles(current(), state['order'], offset=request.offset,
                                                       limit=request.per_page)
            count.text = f'{total} article(s)'
            return [table_row(row, labels) for row in rows], total

        table = PagedTable(columns=COLUMNS, fetch=ctx.handler(fetch), sort_by='designation', name='articles')
        table.set_selection('multiple')
        table.props(':grid="Quasar.Screen.lt.sm"').mark('articles')
        table.add_slot('item', CARD)
        table.on('row-click', ctx.handler(lambda event: ui.navigate.to(f'/articles/{event.args[1]["id"]}')))
        table.on('open', ctx.handler(lambda event: ui.navigate.to(f'/articles/{event.args["id"]}')))
        table.on_select(lambda: bulk.set_text(f'Modifier la sélection ({len(table.selected)})' if table.selected
                                              else 'Modifier la sélection'))
        for control in (search, kind, status, composite):
            control.on_value_change(ctx.handler(lambda: table.reload(first_page=True)))

    async def export_all() -> None:
        records, units, rates, parts = await article_transfer.export_data(ctx.actor, None, full=True)
        await download_xlsx(export_workbook, records, units, rates, full=True, components=parts, name='articles')

    async def export_selection() -> None:
        records, units, rates, _ = await article_transfer.export_data(ctx.actor, current(), state['order'],
                                                                      full=False)
        await download_xlsx(export_workbook, records, units, rates, full=False, name='articles-selection')

    def import_dialog() -> None:
        async def commit(preview, filename: str) -> int:
            return await article_transfer.commit_import(ctx.actor, preview, filename=filename)

        ImportDialog(title='Importer des articles', what='articles',
                     read=lambda data, name: run.io_bound(read_table, data, name),
                     check=article_transfer.preview_import, commit=commit,
                     sample=(sample_csv(), 'exemple-articles.csv'),
                     on_done=lambda _: table.reload(first_page=True), guard=ctx.handler).open()

    def bulk_dialog() -> None:
        """AR5: a new VAT rate or sales account for the ticked articles, after saying how many will change."""
        ids = [row['id'] for row in table.selected]
        if not ids:
            ui.notify('Cochez d’abord les articles à modifier.', type='warning')
            return
        rates = {rate_id: label for rate_id, label in labels['active_vat'].items()}
        with ui.dialog() as dialog, ui.card().classes('app-card w-[520px] max-w-full').props('data-role=bulk'):
            ui.label(f'Modifier {len(ids)} article(s) sélectionné(s)').classes('app-subtitle')
            field = ui.toggle({'vat': 'Taux de TVA', 'account': 'Compte de vente'}, value='vat') \
                .props('no-caps data-field=bulk-field').mark('bulk-field')
            vat = ui.select(rates, label='Nouveau taux de TVA', value=next(iter(rates), None)) \
                .props('outlined dense data-field=bulk-vat').classes('w-full').mark('bulk-vat')
            account = ui.input('Nouveau compte de vente (ex. 706000)') \
                .props('outlined dense data-field=bulk-account').classes('w-full').mark('bulk-account')
            vat.bind_visibility_from(field, 'value', value='vat')
            account.bind_visibility_from(field, 'value', value='account')
            confirmation = ui.label().classes('font-medium').mark('bulk-confirmation')

            def change() -> dict:
                return {'vat_rate_id': vat.value} if field.value == 'vat' else {'sales_account': account.value or ''}

            async def preview() -> None:
                changing = await articles.count_bulk_change(ids, **change())
                target = rates.get(vat.value, '') if field.value == 'vat' else (account.value or '').strip()
                confirmation.text = (f'{changing} article(s) sur {len(ids)} vont passer à « {target} » ; les autres '
                                     'l’ont déjà. Confirmez pour appliquer.')
                apply.enable()

            async def run_change() -> None:
                changed = await articles.bulk_change(ctx.actor, ids, **change())
                dialog.close()
                ui.notify(f'{changed} article(s) modifié(s).', type='positive')
                table.selected = []
                bulk.set_text('Modifier la sélection')
                await table.reload()

            for control in (field, vat, account):
                control.on_value_change(lambda: (apply.disable(), confirmation.set_text('')))
            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Vérifier', on_click=ctx.handler(preview)).props('outline no-caps').mark('bulk-check')
                apply = ui.button('Confirmer', on_click=ctx.handler(run_change)) \
                    .props('unelevated no-caps data-action=bulk-apply').mark('bulk-apply')
                apply.disable()
        dialog.on_value_change(lambda event: None if event.value else dialog.delete())
        dialog.open()

    await table.reload()


def table_row(row: dict, labels: dict) -> dict:
    status = ' · '.join(word for word, on in (('Composé', row['is_composite']), ('Archivé', not row['active'])) if on)
    return {'id': row['id'], 'reference': row['reference'], 'designation': row['designation'],
            'kind': ARTICLE_KINDS.get(row['kind'], row['kind']), 'unit': labels['units'].get(row['unit_id'], ''),
            'sale_price': format_price(row['sale_price']), 'vat': labels['vat'].get(row['vat_rate_id'], ''),
            'sales_account': row['sales_account'], 'status': status}
