"""One direct debit collection (PA5): its debits, "Confirmer le paiement" of what is still debited, "Rejeter" a
single debit with the bank's reason code, and the file again.

    CollectionDialog(summary, items, on_confirm=confirm, on_reject=reject, on_download=download,
                     guard=ctx.handler).open()

`summary`: number, collection_date, version, total, count, state; `items`: dicts (id, number, client_name, amount,
sequence, end_to_end_id, status, reason). `on_confirm(paid_on)`, `on_reject(item_id, code)`, `on_download()`.
"""
from datetime import date

from nicegui import ui

from components.date_input import DateInput
from components.dialog import Dialog, unguarded
from logic.dates import format_date
from logic.money import format_eur
from logic.sepa import REJECT_REASONS, SEQUENCE_LABELS, VERSION_LABELS

STATUS = {'debited': 'Prélevé', 'settled': 'Réglé', 'rejected': 'Rejeté'}
COLUMNS = [
    {'name': 'number', 'label': 'Facture', 'field': 'number', 'align': 'left'},
    {'name': 'client', 'label': 'Client', 'field': 'client_name', 'align': 'left'},
    {'name': 'amount', 'label': 'Montant', 'field': 'amount_text', 'align': 'right'},
    {'name': 'sequence', 'label': 'Séquence', 'field': 'sequence_text', 'align': 'left'},
    {'name': 'status', 'label': 'État', 'field': 'status_text', 'align': 'left'},
    {'name': 'actions', 'label': '', 'field': 'id', 'align': 'right'},
]
REJECT = r'''
<q-td :props="props">
  <q-btn v-if="props.row.status !== 'rejected'" flat dense no-caps size="sm" color="negative" label="Rejeter"
         :data-reject="props.row.id" @click="() => $parent.$emit('reject', props.row)" />
</q-td>
'''


class CollectionDialog(Dialog):
    def __init__(self, summary: dict, items: list[dict], *, on_confirm, on_reject, on_download,
                 guard=unguarded) -> None:
        super().__init__(f'Prélèvement {summary["number"]}', width=860, role='collection-dialog')
        self._on_confirm, self._on_reject, self._guard = on_confirm, on_reject, guard
        debited = [item for item in items if item['status'] == 'debited']
        with self.body:
            ui.label(f'Prélevé le {format_date(summary["collection_date"])} · {summary["count"]} prélèvement(s) · '
                     f'{format_eur(summary["total"])} · {VERSION_LABELS[summary["version"]]}').classes('app-muted')
            rows = [{**item, 'amount_text': format_eur(item['amount']),
                     'sequence_text': f'{item["sequence"]} ({SEQUENCE_LABELS[item["sequence"]]})',
                     'status_text': STATUS[item['status']] + (f' : {item["reason"]} {REJECT_REASONS[item["reason"]]}'
                                                              if item['reason'] else '')} for item in items]
            table = ui.table(columns=COLUMNS, rows=rows, row_key='id').classes('app-table w-full') \
                .props('flat bordered dense wrap-cells').mark('collection-items')
            table.add_slot('body-cell-actions', REJECT)
            table.on('reject', guard(lambda event: self.reject_dialog(event.args)))
            if debited:
                today = date.today()
                self.paid_on = DateInput('Payé par la banque le', min(today, summary['collection_date']),
                                         field='paid_on')
        with self.actions:
            ui.button('Fermer', on_click=self.close).props('flat')
            ui.button('Télécharger le fichier', icon='download', on_click=guard(on_download)) \
                .props('flat no-caps data-action=download-collection').mark('download-collection')
            if debited:
                ui.button('Confirmer le paiement', icon='done_all', on_click=guard(self.confirm)) \
                    .props('unelevated no-caps data-action=confirm-collection').mark('confirm-collection')

    async def confirm(self) -> None:
        await self._on_confirm(self.paid_on.day)
        self.done()

    def reject_dialog(self, row: dict) -> None:
        dialog = Dialog(f'Rejet du prélèvement de {row["number"]}',
                        'L’échéance redevient due ; un règlement déjà enregistré est annulé.', role='reject-dialog')
        with dialog.body:
            reason = ui.select({code: f'{code} – {label}' for code, label in REJECT_REASONS.items()},
                               label='Motif donné par la banque').props('outlined dense data-field=reason') \
                .classes('w-full').mark('reason')

        async def reject() -> None:
            await self._on_reject(row['id'], reason.value or '')
            dialog.done()
            self.done()

        with dialog.actions:
            ui.button('Annuler', on_click=dialog.close).props('flat')
            ui.button('Rejeter', on_click=self._guard(reject)).props('unelevated color=negative data-action=reject') \
                .mark('confirm-reject')
        dialog.open()
