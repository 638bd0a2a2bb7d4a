"""Règlements > Remises de chèques (PA4): the slips, newest first (paged in SQL, cards on phones), each with its PDF;
"Nouvelle remise" picks cheques still to remit and makes a numbered slip; a slip is only ever cancelled as a whole.

Every signed-in user works here, as on the payments list (pages/payments.py): the same rules as settling. The PDF
is served at /reglements/cheques/{id}/pdf to signed-in users only.
"""

from fastapi import Request
from fastapi.responses import Response
from nicegui import app, run, ui

from components.dialog import ConfirmDialog
from components.frame import frame
from components.paged_table import PagedTable, PageRequest
from components.subnav import payments_tabs
from components.remittance_dialog import PendingCheque, RemittanceDialog
from db import changes, cheques
from db.cheque import SLIP_STATES
from logic.dates import format_date
from logic.money import format_eur
from pages import runtime
from pages.payments import follow
from pages.security import PageContext, request_user, secured_page

PATH = '/reglements/cheques'
SHOWN_CHEQUES = 200  # the dialog lists the oldest cheques to remit, never an unbounded list


def _column(name: str, label: str, *, align: str = 'left', sortable: bool = False) -> dict:
    return {'name': name, 'label': label, 'field': name, 'align': align, 'sortable': sortable,
            'classes': 'text-no-wrap'}


COLUMNS = [
    _column('number', 'N° de remise', sortable=True), _column('date', 'Date', sortable=True),
    _column('count', 'Chèques', align='right', sortable=True), _column('total', 'Montant', align='right',
                                                                       sortable=True),
    _column('state', 'État'), _column('actions', '', align='right'),
]
BADGE = '<span class="app-badge" :class="\'app-pay-\' + props.row.state_key">{{ props.row.state }}</span>'
ACTIONS = r'''
<a :href="props.row.pdf" target="_blank" class="q-mr-sm" :data-pdf="props.row.id" @click.stop>
  <q-btn flat round dense size="sm" color="grey-8" icon="picture_as_pdf" :aria-label="'PDF de ' + props.row.number" />
</a>
<q-btn v-if="props.row.can_cancel" flat round dense size="sm" color="negative" icon="block"
       :data-cancel="props.row.id" :aria-label="'Annuler la remise ' + props.row.number"
       @click.stop="() => $parent.$emit('cancel', props.row)" />
'''
CELLS = {'state': f'<q-td :props="props">{BADGE}</q-td>', 'actions': f'<q-td :props="props">{ACTIONS}</q-td>'}
CARD = rf'''
<div class="q-pa-xs col-12">
  <div class="app-pay-card" :data-slip="props.row.id">
    <div class="app-pay-card-line"><strong>{{{{ props.row.number }}}}</strong>{BADGE}</div>
    <div class="app-pay-card-line app-pay-card-muted">
      <span>{{{{ props.row.date }}}} · {{{{ props.row.count }}}} chèque(s)</span>
      <span class="app-pay-card-amount">{{{{ props.row.total }}}}</span>
    </div>
    <div class="app-pay-card-line"><span></span><span>{ACTIONS}</span></div>
  </div>
</div>
'''


@secured_page(PATH, title='Remises de chèques')
async def cheques_page(ctx: PageContext):
    with frame(ctx, 'Règlements'):
        payments_tabs(PATH)
        with ui.element('div').classes('app-list-head'):
            pending = ui.label().classes('app-muted').mark('pending-cheques-summary')
            ui.space()
            ui.button('Nouvelle remise', icon='add', on_click=ctx.handler(lambda: new_slip())) \
                .props('unelevated no-caps data-action=new-slip').mark('new-slip')

        async def fetch(request: PageRequest):
            rows, total = await cheques.list_slips(offset=request.offset, limit=request.per_page,
                                                   sort_by=request.sort_by or 'date', descending=request.descending,
                                                   total=request.total)
            return [slip_row(slip) for slip in rows], total

        table = PagedTable(columns=COLUMNS, fetch=ctx.handler(fetch), sort_by='date', descending=True,
                           name='cheque-slips')
        table.props(':grid="Quasar.Screen.lt.sm"')
        table.add_slot('item', CARD)
        for name, template in CELLS.items():
            table.add_slot(f'body-cell-{name}', template)
        table.on('cancel', ctx.handler(lambda event: cancel(event.args)))
        dialogs = ui.element('div')

    async def reload() -> None:
        count, total = await cheques.pending_totals()
        pending.text = f'{count} chèque(s) à remettre · {format_eur(total)}' if count else 'Aucun chèque à remettre.'
        await table.reload()

    async def new_slip() -> None:
        waiting = await cheques.cheques_to_remit(limit=SHOWN_CHEQUES)
        count, _ = await cheques.pending_totals()

        async def remit(ids: list[int]) -> bool:
            slip = await cheques.create_slip(ctx.actor, ids, secret=runtime.config().secret)
            ui.notify(f'Remise {slip.number} établie : {slip.count} chèque(s), {format_eur(slip.total)}.',
                      type='positive')
            await reload()
            ui.navigate.to(f'{PATH}/{slip.id}/pdf', new_tab=True)
            return True

        with dialogs:
            RemittanceDialog([PendingCheque(id=cheque.id, received_on=cheque.received_on, drawer=cheque.drawer,
                                            bank=cheque.bank, number=cheque.cheque_number,
                                            invoice_number=cheque.invoice_number, amount=cheque.amount)
                              for cheque in waiting], more=max(count - len(waiting), 0),
                             on_confirm=ctx.handler(remit)).open()

    async def cancel(row: dict) -> None:
        slip_id = int(row['id'])

        async def confirm() -> bool:
            slip = await cheques.cancel_slip(ctx.actor, slip_id, reason=reason.value or '',
                                             secret=runtime.config().secret)
            ui.notify(f'Remise {slip.number} annulée : ses chèques sont de nouveau à remettre.', type='positive')
            await reload()
            return True

        with dialogs:
            dialog = ConfirmDialog(f'Annuler la remise {row.get("number", "")} ?',
                                   'La remise garde son numéro et reste listée « Annulée » ; ses chèques reviennent '
                                   'dans les chèques à remettre. Un chèque ne se retire d’une remise qu’ainsi.',
                                   confirm='Annuler la remise', action='confirm-cancel-slip', on_confirm=confirm,
                                   guard=ctx.handler)
            with dialog.body:
                reason = ui.input('Motif (obligatoire)').props('outlined dense maxlength=255 data-field=reason') \
                    .classes('w-full').mark('cancel-reason')
            dialog.open()

    # Another user's remittance, or a settlement by cheque: one reload per burst.
    follow(ctx, table, reload, topics=(cheques.CHEQUES, changes.PAYMENTS))
    await reload()


def slip_row(slip) -> dict:
    return {'id': slip.id, 'number': slip.number, 'date': format_date(slip.issued_on), 'count': slip.count,
            'total': format_eur(slip.total), 'state': SLIP_STATES.get(slip.state, slip.state),
            'state_key': 'paid' if slip.state == 'issued' else 'overdue', 'can_cancel': slip.state == 'issued',
            'pdf': f'{PATH}/{slip.id}/pdf'}


@app.get(PATH + '/{slip_id}/pdf')
async def slip_pdf(request: Request) -> Response:
    config = runtime.config()
    user = await request_user(request)
    try:
        slip_id = int(request.path_params['slip_id'])
    except (KeyError, ValueError):
        slip_id = 0
    if user is None or not 0 < slip_id < 2**31:
        return Response(status_code=404)
    data = await cheques.slip_pdf(slip_id, files_dir=config.files_dir, run=run.cpu_bound)
    if data is None:
        return Response(status_code=404)
    return Response(data, media_type='application/pdf', headers={
        'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff',
        'Content-Disposition': f'inline; filename="remise-cheques-{slip_id}.pdf"'})
