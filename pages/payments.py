"""Règlements (PA1-PA3, PA7): the summary, the installments newest first (filtered and paged in SQL, cards on
phones), the "Réglé" box of each row and the Excel export of what the filters select.

Ticking "Réglé" opens the settle dialog (a deposit's dialog also creates its deposit invoice); unticking cancels the
settlement by reversing records, never by deleting. A row's detail shows its history and the other actions
(pages/payment_actions.py). The summary and the list follow the changes other users make.
"""
import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal

from nicegui import Client, ui

from components.date_input import DateInput
from components.frame import frame
from components.paged_table import PagedTable, PageRequest, opened_state
from components.payment_summary import PaymentSummary
from components.subnav import payments_tabs
from db import changes, job_kinds, payment_list
from logic import list_state
from logic.dates import format_date, read_day
from logic.money import format_eur
from logic.payments import TYPE_LABELS, installment_display, is_settled_by_money, open_amount, type_of
from logic.xlsx_writer import Sheet, xlsx_bytes
from pages import payment_actions
from pages.downloads import start_job
from pages.security import PageContext, secured_page

ZERO = Decimal('0.00')
STATES = {'open': 'En attente', 'overdue': 'En retard', 'paid': 'Réglée'}
TYPES = {'deposit': 'Acompte', 'installment': 'Échéance', 'irrecoverable': 'Irrécouvrable', 'refund': 'Avoir',
         'receivable': 'À encaisser (échéances et acomptes)'}


def _column(name: str, label: str, *, align: str = 'left', sortable: bool = False, nowrap: bool = True) -> dict:
    return {'name': name, 'label': label, 'field': name, 'align': align, 'sortable': sortable,
            **({'classes': 'text-no-wrap'} if nowrap else {})}


COLUMNS = [
    _column('due', 'Échéance', sortable=True), _column('number', 'Document', sortable=True),
    _column('client', 'Client', sortable=True, nowrap=False), _column('type', 'Type', nowrap=False),
    _column('amount', 'Montant', align='right', sortable=True), _column('paid', 'Payé', align='right'),
    _column('left', 'Reste à payer', align='right'), _column('state', 'État'),
    _column('settled', 'Réglé', align='center'), _column('actions', '', align='right'),
]
# The list's address, e.g. /reglements?etat=overdue&type=deposit&tri=client&page=2 (logic/list_state.py); the English
# names of the first dashboard links (state=, kind=...) are still read.
LIST = list_state.ListSpec(
    filters=(list_state.text('q', 'search', aliases=('search',)),
             list_state.choice('etat', 'state', STATES, aliases=('state',)),
             list_state.choice('type', 'kind', TYPES, aliases=('kind',)),
             list_state.day('du', 'start', aliases=('start',)), list_state.day('au', 'end', aliases=('end',))),
    sorts=tuple(column['name'] for column in COLUMNS if column['sortable']), sort='due', descending=True,
    sort_aliases={'due_date': 'due'})
EXPORT_WIDTHS = [12, 18, 34, 16, 14, 14, 14, 16, 16]
BADGE = '<span class="app-badge" :class="\'app-pay-\' + props.row.state_key">{{ props.row.state }}</span>'
# Vue's {{ }} escapes every value; the box emits to the page, which reloads the row from the database.
TOGGLE = r'''
<div @click.stop class="inline-block">
  <q-checkbox dense :model-value="props.row.settled" :disable="!props.row.can_toggle"
              :data-toggle="props.row.id" :aria-label="'Réglé : ' + props.row.number"
              @update:model-value="() => $parent.$emit('toggle', props.row)" />
</div>
'''
DETAIL = r'''
<q-btn flat round dense size="sm" color="grey-8" icon="history" :data-detail="props.row.id"
       aria-label="Détail et historique" @click.stop="() => $parent.$emit('detail', props.row)" />
'''
# Under the type, what a credit note imputed ("Imputé sur la facture F…", "Avoir AV… imputé : 54,00 €").
NOTE = '<div v-if="props.row.note" class="app-muted text-xs" data-role=imputation>{{ props.row.note }}</div>'
CELLS = {
    'type': f'<q-td :props="props">{{{{ props.value }}}}{NOTE}</q-td>',
    'number': '<q-td :props="props"><a :href="props.row.url" class="app-doc-link" @click.stop>{{ props.value }}</a>'
              '</q-td>',
    'state': f'<q-td :props="props">{BADGE}</q-td>',
    'settled': f'<q-td :props="props">{TOGGLE}</q-td>',
    'actions': f'<q-td :props="props">{DETAIL}</q-td>',
}
CARD = rf'''
<div class="q-pa-xs col-12">
  <div class="app-pay-card" :data-id="props.row.id">
    <div class="app-pay-card-line">
      <a :href="props.row.url" class="app-doc-link">{{{{ props.row.number }}}}</a>{BADGE}
    </div>
    <div class="ellipsis">{{{{ props.row.client }}}}</div>
    <div class="app-pay-card-line app-pay-card-muted">
      <span>{{{{ props.row.due }}}} · {{{{ props.row.type }}}}</span>
      <span class="app-pay-card-amount">{{{{ props.row.amount }}}}</span>
    </div>
    {NOTE}
    <div class="app-pay-card-line app-pay-card-muted">
      <span v-if="props.row.has_left">Reste à payer {{{{ props.row.left }}}}</span><span v-else></span>
      <span class="row items-center no-wrap q-gutter-x-xs"><span>Réglé</span>{TOGGLE}{DETAIL}</span>
    </div>
  </div>
</div>
'''


@secured_page('/reglements', title='Règlements')
async def payments_page(ctx: PageContext):
    """The address carries the filters, sort and page (e.g. /reglements?etat=overdue from a dashboard)."""
    opened = opened_state(LIST)
    with frame(ctx, 'Règlements'):
        payments_tabs('/reglements')
        summary = PaymentSummary()
        with ui.element('div').classes('app-list-head'):
            ui.label('Les échéances des factures validées et les acomptes des devis acceptés, de la plus récente à '
                     'la plus ancienne.').classes('app-muted gt-xs')
            ui.space()
            ui.button('Export Excel', icon='download', on_click=ctx.handler(lambda: export())) \
                .props('outline no-caps data-action=export').mark('export')
        with ui.element('div').classes('app-filters app-pay-filters').props('data-role=filters'):
            search_input = ui.input('Numéro ou client', value=opened.values['search']) \
                .props('outlined dense clearable debounce=300 data-field=search').classes('w-full sm:w-56') \
                .mark('search')
            with search_input.add_slot('prepend'):
                ui.icon('search')
            state_select = ui.select({'': 'Tous les états', **STATES}, label='État',
                                     value=opened.values['state']) \
                .props('outlined dense data-field=state').classes('w-40').mark('state-filter')
            kind_select = ui.select({'': 'Tous les types', **TYPES}, label='Type',
                                    value=opened.values['kind']) \
                .props('outlined dense data-field=kind').classes('w-40').mark('type-filter')
            start_input = DateInput('Échéance du', opened.values['start'], field='start').classes('w-40')
            end_input = DateInput('Au', opened.values['end'], field='end').classes('w-40')
            count = ui.label().classes('app-muted self-center').props('data-role=count').mark('count')

        def current(request: PageRequest | None = None) -> payment_list.PaymentQuery:
            query = payment_list.PaymentQuery(
                status=state_select.value or '', kind=kind_select.value or '', date_from=_day(start_input.value),
                date_to=_day(end_input.value), search=(search_input.value or '').strip()[:100])
            if request is not None:
                query.offset, query.limit = request.offset, request.per_page
                if request.sort_by in payment_list.SORTS:
                    query.sort_by, query.descending = request.sort_by, request.descending
            return query

        async def fetch(request: PageRequest):
            # A page or sort change keeps the filters: the table passes the total it shows and nothing is counted.
            query = current(request)
            rows, total = await payment_list.list_installments(query, total=request.total)
            if request.total is not None and len(rows) < min(query.limit, max(total - query.offset, 0)):
                rows, total = await payment_list.list_installments(query)  # installments gone meanwhile: count again
            count.text = f'{total} échéance(s)'
            today = date.today()
            return [table_row(row, today) for row in rows], total

        async def reload(first_page: bool = False) -> None:
            # The summary follows the filters, not the page shown: it is computed again only when they change, beside
            # the count and the page (another read connection on SQLite, another of the pool's on PostgreSQL): a
            # filter click waits for the slower of the two, not for both in turn (issue 17: the payments list's p95).
            summing = asyncio.ensure_future(payment_list.payment_summary(current()))
            try:
                await table.reload(first_page=first_page)
            except BaseException:
                summing.cancel()
                raise
            summary.show(await summing)

        table = PagedTable(columns=COLUMNS, fetch=ctx.handler(fetch), sort_by='due', descending=True, name='payments',
                           state=opened)
        table.follow_address(LIST, lambda: {'search': search_input.value, 'state': state_select.value,
                                            'kind': kind_select.value, 'start': _day(start_input.value),
                                            'end': _day(end_input.value)})
        table.props(':grid="Quasar.Screen.lt.sm" :table-row-class-fn="row => row.state_key === \'overdue\' ? '
                    '\'app-pay-row-overdue\' : \'\'"')
        table.add_slot('item', CARD)
        for name, template in CELLS.items():
            table.add_slot(f'body-cell-{name}', template)
        actions = payment_actions.PaymentActions(ctx, reload=reload)
        table.on('toggle', ctx.handler(lambda event: actions.toggle(event.args)))
        table.on('detail', ctx.handler(lambda event: actions.detail(event.args)))
        table.on('row-click', ctx.handler(lambda event: actions.detail(event.args[1])))
        for control in (search_input, state_select, kind_select):
            control.on_value_change(ctx.handler(lambda: reload(first_page=True)))
        for day_input in (start_input, end_input):  # once the typed text is a date (or emptied), not every key
            day_input.on_change(ctx.handler(lambda: reload(first_page=True)))

    async def export() -> None:  # made by a job worker (issue 17, db/job_kinds.py), never in this process
        await start_job(ctx, job_kinds.EXPORT_PAYMENTS, {'filters': job_kinds.plain(current())},
                        title='Export des règlements')

    follow(ctx, table, reload)
    await reload()


def table_row(row: dict, today: date) -> dict:
    """An installment as the list shows it: French amounts and dates, the badge's key, the document's page.

    "Payé" is money only (received, or given back on a credit note): what a credit note imputed is said under the
    type, and a row settled by credit notes alone is not ticked "Réglé" (there is no payment to cancel).
    """
    imputed = row.get('imputed', ZERO)
    key, label = installment_display(row['status'], row['amount'], row['paid_amount'], row['due_date'], today,
                                     row['kind'], imputed)
    left = open_amount(row['amount'], row['paid_amount'])
    settled = is_settled_by_money(row['status'], row['paid_amount'], imputed)
    return {
        'id': row['id'], 'document_id': row['document_id'], 'kind': row['kind'], 'status': row['status'],
        'url': f'/devis/{row["document_id"]}' if row['kind'] == 'deposit' else f'/factures/{row["document_id"]}',
        'due': format_date(row['due_date']), 'number': row['number'], 'client': row['client_name'],
        'type': TYPE_LABELS.get(type_of(row['kind'], row['status']), row['kind']),
        'note': imputation_note(row['kind'], imputed, row.get('imputed_refs', [])),
        'amount': format_eur(abs(row['amount'])), 'paid': format_eur(abs(row['paid_amount'] - imputed)),
        'left': format_eur(left), 'has_left': bool(left), 'state': label, 'state_key': key,
        'settled': settled, 'can_toggle': row['status'] == 'open' or settled,
    }


def imputation_note(kind: str, imputed, references: list[str]) -> str:
    """'Imputé sur la facture F2026-00001' (a credit note), 'Avoir AV2026-00001 imputé : 54,00 €' (an installment)."""
    if not imputed:
        return ''
    if kind == 'refund':
        return f'Imputé sur la facture {", ".join(references)} : {format_eur(abs(imputed))}' if references \
            else f'Imputé sur sa facture : {format_eur(abs(imputed))}'
    what = f'Avoir {", ".join(references)}' if references else 'Avoir'
    return f'{what} imputé : {format_eur(abs(imputed))}'


def export_workbook(rows: list[list]) -> bytes:
    # Plain data in and out: the job worker runs it in its pool of processes (db/job_kinds.py).
    return xlsx_bytes([Sheet(title='Règlements', headers=list(payment_list.EXPORT_HEADERS), rows=rows,
                             column_widths=EXPORT_WIDTHS)])


def follow(ctx: PageContext, table: PagedTable, reload: Callable[[], Awaitable[None]],
           topics: tuple[str, ...] = (changes.PAYMENTS,)) -> None:
    """Reload the summary and the page shown after any committed change of `topics` (the installments and payments,
    not every draft saved: the list shows only what is due); a burst of changes makes one reload."""
    client = table.client
    # The reload runs in this page's own context, never in the publisher's: an operation that publishes from inside
    # a caller's transaction (e.g. cancel_settlement within unsettle_deposit) would otherwise lend it its
    # transaction's connection, released to the pool by the time we query (PostgreSQL).
    home = contextvars.copy_context()
    tasks: set[asyncio.Task] = set()  # the loop only keeps weak references to tasks
    waiting = False

    def changed(_doc_id: int | None) -> None:
        nonlocal waiting
        if waiting:
            return
        waiting = True
        task = asyncio.get_running_loop().create_task(later(), context=home.copy())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def later() -> None:
        nonlocal waiting
        try:
            await asyncio.sleep(0.3)
        finally:
            waiting = False  # a change from now on makes another reload
        if table.is_deleted or Client.instances.get(client.id) is not client:  # the tab is gone
            stop()
            return
        with table:
            await ctx.handler(reload)()

    unsubscribes = [changes.subscribe(topic, changed) for topic in topics]

    def stop() -> None:
        for unsubscribe in unsubscribes:
            unsubscribe()

    client.on_delete(stop)


def _day(text: str | None) -> date | None:
    try:
        return read_day(text)
    except ValueError:
        return None
