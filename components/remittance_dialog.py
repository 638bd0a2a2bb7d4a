"""The "Nouvelle remise" dialog (PA4): the cheques still to remit, all ticked at first, the count and total of the
ones ticked shown as they change, and "Établir la remise".

It never queries: the page gives the cheques (`PendingCheque`, oldest first, at most a page of them) and an
`on_confirm(ids)` callback wrapped with `ctx.handler`, which returns something truthy once the slip is made; the
dialog then closes. A refusal (a cheque remitted meanwhile by someone else) leaves it open.

    RemittanceDialog(cheques, more=12, on_confirm=ctx.handler(remit)).open()
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from nicegui import ui

from logic.dates import format_date
from logic.money import format_eur


@dataclass(kw_only=True, slots=True, frozen=True)
class PendingCheque:
    id: int
    received_on: date
    drawer: str
    bank: str
    number: str
    invoice_number: str
    amount: Decimal


COLUMNS = [
    {'name': 'received', 'label': 'Reçu le', 'field': 'received', 'align': 'left', 'classes': 'text-no-wrap'},
    {'name': 'drawer', 'label': 'Tireur', 'field': 'drawer', 'align': 'left'},
    {'name': 'bank', 'label': 'Banque', 'field': 'bank', 'align': 'left'},
    {'name': 'number', 'label': 'N° de chèque', 'field': 'number', 'align': 'left'},
    {'name': 'invoice', 'label': 'Facture', 'field': 'invoice', 'align': 'left', 'classes': 'text-no-wrap'},
    {'name': 'amount', 'label': 'Montant', 'field': 'amount', 'align': 'right', 'classes': 'text-no-wrap'},
]
# Phones: one card per cheque, its box on the right (Vue's {{ }} escapes every value).
CARD = r'''
<div class="q-pa-xs col-12">
  <div class="app-pay-card" :data-cheque="props.row.id" @click="props.selected = !props.selected">
    <div class="app-pay-card-line">
      <span class="ellipsis">{{ props.row.drawer }}</span>
      <q-checkbox dense v-model="props.selected" :aria-label="'Remettre le chèque ' + props.row.number" />
    </div>
    <div class="app-pay-card-line app-pay-card-muted">
      <span>{{ props.row.received }} · n° {{ props.row.number }} · {{ props.row.bank }}</span>
      <span class="app-pay-card-amount">{{ props.row.amount }}</span>
    </div>
    <div class="app-pay-card-muted">{{ props.row.invoice }}</div>
  </div>
</div>
'''


class RemittanceDialog(ui.dialog):
    def __init__(self, cheques: list[PendingCheque], *, on_confirm: Callable[[list[int]], Awaitable[object]],
                 more: int = 0) -> None:
        super().__init__()
        self._on_confirm = on_confirm
        self._amounts = {cheque.id: cheque.amount for cheque in cheques}
        self.on_value_change(lambda event: None if event.value else self.delete())
        with self, ui.card().classes('app-card w-[860px] max-w-full').props('data-role=remittance-dialog'):
            ui.label('Nouvelle remise de chèques').classes('app-subtitle')
            if not cheques:
                ui.label('Aucun chèque à remettre : les chèques reçus s’ajoutent ici quand un règlement est '
                         'enregistré en « Chèque ».').classes('app-muted').mark('no-cheques')
            else:
                ui.label('Cochez les chèques que vous déposez à la banque ; le bordereau numéroté est établi à la '
                         'date du jour.').classes('app-muted')
                if more:
                    ui.label(f'Les {len(cheques)} plus anciens sont affichés ; {more} autre(s) attendront la remise '
                             'suivante.').classes('app-muted text-sm').mark('more-cheques')
                rows = [{'id': cheque.id, 'received': format_date(cheque.received_on), 'drawer': cheque.drawer,
                         'bank': cheque.bank, 'number': cheque.number, 'invoice': cheque.invoice_number,
                         'amount': format_eur(cheque.amount)} for cheque in cheques]
                self.table = ui.table(columns=COLUMNS, rows=rows, row_key='id', selection='multiple',
                                      pagination={'rowsPerPage': 0}) \
                    .props('flat bordered dense wrap-cells hide-bottom :grid="Quasar.Screen.lt.sm" '
                           'data-table=pending-cheques').classes('app-table w-full').mark('pending-cheques')
                self.table.add_slot('item', CARD)
                self.table.selected = list(rows)
                self.table.on_select(lambda _event: self._show_total())
                self._rows = rows
            with ui.row().classes('items-center gap-2 w-full'):
                self.summary = ui.label().classes('font-semibold').mark('remittance-total')
                ui.space()
                if cheques:  # the header's box is not shown on phones (cards): these do the same everywhere
                    ui.button('Tout cocher', on_click=lambda: self._select(True)) \
                        .props('flat dense no-caps data-action=select-all-cheques')
                    ui.button('Tout décocher', on_click=lambda: self._select(False)) \
                        .props('flat dense no-caps data-action=select-no-cheques')
            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=self.close).props('flat data-action=cancel-remittance')
                self.button = ui.button('Établir la remise', icon='account_balance', on_click=self._confirm) \
                    .props('unelevated color=primary data-action=confirm-remittance').mark('confirm-remittance')
            if not cheques:
                self.button.disable()
        self._show_total()

    def chosen(self) -> list[int]:
        table = getattr(self, 'table', None)
        return [row['id'] for row in table.selected] if table is not None else []

    def _select(self, everything: bool) -> None:
        self.table.selected = list(self._rows) if everything else []
        self.table.update()
        self._show_total()

    def _show_total(self) -> None:
        ids = self.chosen()
        total = sum((self._amounts[id_] for id_ in ids if id_ in self._amounts), Decimal('0.00'))
        self.summary.text = f'{len(ids)} chèque(s) sélectionné(s) · total {format_eur(total)}'

    async def _confirm(self) -> None:
        ids = self.chosen()
        if not ids:
            ui.notify('Cochez au moins un chèque à remettre.', type='warning')
            return
        self.button.disable()
        try:
            done = await self._on_confirm(ids)
        finally:
            self.button.enable()
        if done:
            self.close()
