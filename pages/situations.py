"""Situations (IN8): the building contracts billed by progress invoices, one contract's progress, a new situation.

- /situations: the contracts ("marchés"), paged in SQL, newest first; filter open / closed.
- /situations/{id}: the progress grid (lines x situations, billed, remaining), the holdback, the situations issued
  (links to their invoices) and, while none is issued, the contract's settings.
- /situations/{id}/nouvelle: the editor (cumulative % or quantity per line, the amounts live), then "Émettre".
A contract is opened from an accepted quote ("Situations", pages/quotes.py). Rules and money are in
logic/situations.py and db/situations.py; this module lays them out.
"""
from datetime import date
from decimal import Decimal

from nicegui import run, ui

from components.date_input import DateInput
from components.dialog import Dialog
from components.frame import frame
from components.paged_table import PagedTable, PageRequest
from components.situation_editor import SituationEditor
from components.situation_grid import Head, SituationGrid
from db import situations
from db.issuing import Issuer
from db.situation import CONTRACT_STATES
from logic.errors import DomainError
from logic.money import format_decimal_fr, format_eur, parse_number
from logic.situations import DEPOSIT_MODES, GUARANTEES
from pages import runtime
from pages.security import PageContext, secured_page

COLUMNS = [
    {'name': 'quote', 'label': 'Devis', 'field': 'quote', 'sortable': True, 'align': 'left'},
    {'name': 'client', 'label': 'Client', 'field': 'client', 'sortable': True, 'align': 'left'},
    {'name': 'total_ht', 'label': 'Marché HT', 'field': 'total_ht', 'sortable': True, 'align': 'right'},
    {'name': 'billed_ht', 'label': 'Facturé HT', 'field': 'billed_ht', 'sortable': True, 'align': 'right'},
    {'name': 'situations', 'label': 'Situations', 'field': 'situations', 'align': 'right'},
    {'name': 'holdback', 'label': 'Retenue', 'field': 'holdback', 'align': 'right'},
    {'name': 'state', 'label': 'État', 'field': 'state', 'sortable': True, 'align': 'left'},
]
# Phones get one card per contract (Quasar's grid mode), the whole card a link; Vue's {{ }} escapes the text.
CARD = r'''
<div class="q-pa-xs col-12">
  <a class="app-pay-card app-card-link" :href="'/situations/' + props.row.id" :data-contract="props.row.id">
    <div class="app-pay-card-line"><strong>{{ props.row.quote }}</strong>
      <span class="app-pay-card-muted">{{ props.row.state }}</span></div>
    <div class="app-pay-card-line"><span>{{ props.row.client }}</span></div>
    <div class="app-pay-card-line app-pay-card-muted">
      <span>Facturé {{ props.row.billed_ht }} sur {{ props.row.total_ht }} HT</span></div>
    <div class="app-pay-card-line app-pay-card-muted">
      <span>{{ props.row.situations }} situation(s) · retenue {{ props.row.holdback }}</span></div>
  </a>
</div>
'''


def contract_url(contract_id: int) -> str:
    return f'/situations/{contract_id}'


def contract_row(row) -> dict:
    """One row of the contracts list, as the table shows it (bench/lists.py times the same)."""
    return {'id': row.id, 'quote': row.quote_number, 'client': row.client_name,
            'total_ht': format_eur(row.total_ht), 'billed_ht': format_eur(row.billed_ht),
            'situations': row.situations, 'holdback': format_eur(row.holdback_total),
            'state': CONTRACT_STATES.get(row.state, row.state)}


@secured_page('/situations', title='Situations')
async def contracts_page(ctx: PageContext):
    with frame(ctx, 'Situations'):
        ui.label('Les marchés facturés en situations. Ouvrez un marché depuis un devis accepté (bouton '
                 '« Situations »).').classes('app-muted')
        state = ui.select({'': 'Tous', **CONTRACT_STATES}, value='', label='État') \
            .props('outlined dense data-field=state').classes('w-48').mark('contract-state')

        async def fetch(request: PageRequest) -> tuple[list[dict], int]:
            rows, total = await situations.contract_page(offset=request.offset, limit=request.per_page,
                                                         sort=request.sort_by or 'id', descending=request.descending,
                                                         state=state.value or '', total=request.total)
            return [contract_row(row) for row in rows], total

        table = PagedTable(columns=COLUMNS, fetch=ctx.handler(fetch), sort_by='id', descending=True,
                           name='contracts')
        table.props(':grid="Quasar.Screen.lt.sm"')
        table.add_slot('item', CARD)
        table.on('row-click', lambda event: ui.navigate.to(contract_url(event.args[1]['id'])))
        state.on_value_change(lambda: table.reload())
    await table.reload()


@secured_page('/situations/{contract_id}', title='Marché')
async def contract_page(ctx: PageContext, contract_id: str):
    with frame(ctx, 'Situations'):
        view = await _view(contract_id)
        if view is None:
            return
        contract = view.contract
        _header(view)
        rows = situations.standing(view)
        heads = [Head(label=f'S{item.row.seq}', number=item.number, counted=item.counted)
                 for item in view.situations]
        billed = view.billed_ht
        percent = (billed * 100 / contract.total_ht).quantize(Decimal('0.01')) if contract.total_ht else Decimal(0)
        with ui.card().classes('app-card w-full'):
            ui.label('Avancement du marché').classes('app-subtitle')
            SituationGrid(rows=rows, heads=heads, totals={'contract': contract.total_ht, 'billed': billed,
                                                         'percent': percent})
        _money_card(view)
        _situations_card(view)
        if not view.situations and contract.state == 'open':
            _settings_card(ctx, contract)


async def _view(contract_id: str):
    try:
        return await situations.contract_view(int(contract_id))
    except (ValueError, DomainError):
        ui.label('Ce marché n’existe pas (ou plus).').classes('text-negative').mark('not-found')
        ui.link('Revenir aux situations', '/situations')
        return None


def _header(view) -> None:
    contract = view.contract
    with ui.row().classes('w-full items-center justify-between gap-2'):
        with ui.column().classes('gap-0'):
            ui.label(f'Marché du devis {contract.quote_number}').classes('app-title').mark('contract-title')
            ui.label(f'{contract.client_name} · {format_eur(contract.total_ht)} HT · '
                     f'{CONTRACT_STATES.get(contract.state, contract.state)}').classes('app-muted') \
                .mark('contract-summary')
        with ui.row().classes('gap-2'):
            ui.link('Voir le devis', f'/devis/{contract.quote_id}').mark('contract-quote')
            if contract.state == 'open':
                ui.button(f'Nouvelle situation (n° {view.next_seq})', icon='add',
                          on_click=lambda: ui.navigate.to(f'{contract_url(contract.id)}/nouvelle')) \
                    .props('unelevated data-action=new-situation').mark('new-situation')


def _money_card(view) -> None:
    contract = view.contract
    guarantee = GUARANTEES.get(contract.guarantee, contract.guarantee)
    if contract.guarantee == 'holdback':
        guarantee += f' de {format_decimal_fr(contract.holdback_rate)} %'
    release = ''
    if contract.reception_date:
        from logic.situations import release_date
        release = f' · libérée le {release_date(contract.reception_date):%d/%m/%Y}'
    with ui.card().classes('app-card w-full').props('data-role=contract-money'):
        ui.label('Retenue de garantie et acomptes').classes('app-subtitle')
        for label, value, marker in (
                ('Garantie', guarantee + release, 'contract-guarantee'),
                ('Retenue cumulée', format_eur(view.holdback), 'contract-holdback'),
                ('Acomptes facturés', format_eur(view.deposits), 'contract-deposits'),
                ('Acomptes déduits', format_eur(view.deposit_deducted), 'contract-deducted'),
                ('Déduction des acomptes', DEPOSIT_MODES.get(contract.deposit_mode, ''), 'contract-mode')):
            with ui.row().classes('w-full justify-between gap-2'):
                ui.label(label).classes('app-muted')
                ui.label(value).mark(marker)


def _situations_card(view) -> None:
    with ui.card().classes('app-card w-full').props('data-role=contract-situations'):
        ui.label('Situations émises').classes('app-subtitle')
        if not view.situations:
            ui.label('Aucune situation pour l’instant.').classes('app-muted')
        for item in view.situations:
            with ui.row().classes('w-full justify-between items-center gap-2'):
                text = f'S{item.row.seq} · {item.number} du {item.issue_date:%d/%m/%Y}' + (
                    ' · DGD' if item.row.final else '') + ('' if item.counted else ' · annulée par avoir')
                ui.link(text, f'/factures/{item.row.document_id}').mark('situation-link')
                ui.label(f'{format_eur(item.row.delta_ht)} HT · retenue {format_eur(item.row.holdback)}') \
                    .classes('app-muted')


def _settings_card(ctx: PageContext, contract) -> None:
    with ui.card().classes('app-card w-full').props('data-role=contract-settings'):
        ui.label('Réglages du marché').classes('app-subtitle')
        ui.label('Modifiables jusqu’à la première situation.').classes('app-muted')
        with ui.row().classes('w-full gap-2 items-start'):
            guarantee = ui.select(GUARANTEES, value=contract.guarantee, label='Garantie') \
                .props('outlined dense data-field=guarantee').classes('w-48').mark('guarantee')
            rate = ui.input('Taux de retenue (%)', value=format_decimal_fr(contract.holdback_rate)) \
                .props('outlined dense inputmode=decimal data-field=holdback-rate').classes('w-40') \
                .mark('holdback-rate')
            mode = ui.select(DEPOSIT_MODES, value=contract.deposit_mode, label='Acomptes') \
                .props('outlined dense data-field=deposit-mode').classes('w-64').mark('deposit-mode')

        async def save() -> None:
            value = parse_number(rate.value, places=2, allow_negative=False, label='Taux de retenue')
            await situations.set_contract(ctx.actor, contract.id, holdback_rate=value, guarantee=guarantee.value,
                                          deposit_mode=mode.value)
            ui.notify('Réglages du marché enregistrés.', type='positive')
            ui.navigate.to(contract_url(contract.id))

        ui.button('Enregistrer', on_click=ctx.handler(save)).props('outline data-action=save-contract') \
            .mark('save-contract')


@secured_page('/situations/{contract_id}/nouvelle', title='Nouvelle situation')
async def new_situation_page(ctx: PageContext, contract_id: str):
    with frame(ctx, 'Situations'):
        view = await _view(contract_id)
        if view is None:
            return
        contract = view.contract
        ui.label(f'Situation n° {view.next_seq} · marché du devis {contract.quote_number}').classes('app-title')
        ui.label(f'{contract.client_name} · {format_eur(contract.total_ht)} HT. Saisissez l’avancement CUMULÉ de '
                 'chaque ligne : la situation facture la différence avec la précédente.').classes('app-muted')
        if contract.state != 'open':
            ui.label('Ce marché est soldé : plus aucune situation.').classes('text-negative').mark('contract-closed')
            return
        editor = SituationEditor(lines=view.lines, previous=view.previous,
                                 plan=lambda percents, quantities: situations.plan_situation(view, percents,
                                                                                             quantities))

        def ask() -> None:
            if editor.current is None:
                ui.notify(editor.error.text or 'Rien à facturer.', type='negative')
                return
            IssueDialog(ctx, contract.id, editor).open()

        with ui.row().classes('gap-2'):
            ui.button('Émettre la situation', icon='task_alt', on_click=ctx.handler(ask)) \
                .props('unelevated data-action=issue-situation').mark('issue-situation')
            ui.link('Annuler', contract_url(contract.id))


class IssueDialog(Dialog):
    """The date of the invoice and, for the DGD, the date the works were accepted; then the issuing."""

    def __init__(self, ctx: PageContext, contract_id: int, editor: SituationEditor) -> None:
        plan = editor.current
        final = plan.final
        super().__init__(f'Émettre la situation n° {plan.seq}' + (' (décompte général définitif)' if final else ''),
                         f'{format_eur(plan.totals.total_ttc)} TTC, net à payer {format_eur(plan.amounts.pay_now)}. '
                         'Une situation émise ne se modifie plus : seule un avoir la corrige.', role='issue-situation')
        with self.body:
            on = DateInput('Date de la facture', date.today(), field='issue-date')
            reception = DateInput('Réception des travaux', date.today(), field='reception-date') if final else None
            if final:
                ui.label('La retenue de garantie devient exigible un an après la réception (loi n° 71-584).') \
                    .classes('app-muted')

        async def confirm() -> None:
            percents, quantities = editor.values()
            document = await situations.issue_situation(
                ctx.actor, contract_id, percents=percents, quantities=quantities, issue_date=on.day,
                reception_date=reception.day if reception else None,
                issuer=Issuer.of(runtime.config(), run.cpu_bound))
            ui.notify(f'Situation émise : facture {document.number}.', type='positive')
            self.done()
            ui.navigate.to(contract_url(contract_id))

        with self.actions:
            ui.button('Annuler', on_click=self.close).props('flat')
            ui.button('Émettre', icon='task_alt', on_click=ctx.handler(confirm)) \
                .props('unelevated color=primary data-action=confirm-issue').mark('confirm-issue')
