"""The SEPA mandates of a contact (PA5): the list with each mandate's state, "Ajouter un mandat", "Révoquer".

    editor = MandatesEditor(on_load=load, on_add=add, on_revoke=revoke, defaults={...}, guard=ctx.handler)
    await editor.load()

`on_load()` returns rows (dicts: id, reference, kind, signed_on, iban, state, state_label, last_used_on, lapses_on);
`on_add(values)` stores a mandate (values: reference, signed_on, kind, iban, bic, debtor_name); `on_revoke(id)`.
"""
from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import ui

from components.date_input import DateInput
from components.dialog import ConfirmDialog, Dialog, unguarded
from components.form import Form
from logic.dates import format_date
from logic.identifiers import format_iban

KINDS = {'recurrent': 'Récurrent', 'one_off': 'Ponctuel'}
COLUMNS = [
    {'name': 'reference', 'label': 'RUM', 'field': 'reference', 'align': 'left'},
    {'name': 'kind', 'label': 'Type', 'field': 'kind_label', 'align': 'left'},
    {'name': 'signed_on', 'label': 'Signé le', 'field': 'signed', 'align': 'left'},
    {'name': 'iban', 'label': 'Compte débité', 'field': 'account', 'align': 'left'},
    {'name': 'last', 'label': 'Dernier prélèvement', 'field': 'last', 'align': 'left'},
    {'name': 'state', 'label': 'État', 'field': 'state_label', 'align': 'left'},
    {'name': 'actions', 'label': '', 'field': 'id', 'align': 'right'},
]
REVOKE = r'''
<q-td :props="props">
  <q-btn v-if="props.row.state === 'active'" flat dense no-caps size="sm" color="negative" label="Révoquer"
         :data-revoke="props.row.id" @click="() => $parent.$emit('revoke', props.row)" />
</q-td>
'''


class MandatesEditor(ui.column):
    def __init__(self, *, on_load: Callable[[], Awaitable[list[dict]]], on_add: Callable[[dict], Awaitable[object]],
                 on_revoke: Callable[[int], Awaitable[object]], defaults: dict, guard=unguarded) -> None:
        super().__init__()
        self.classes('w-full gap-2').mark('mandates')
        self._load, self._add, self._revoke, self._defaults, self._guard = on_load, on_add, on_revoke, defaults, guard
        with self:
            with ui.row().classes('w-full items-center'):
                ui.label('Mandats de prélèvement SEPA').classes('font-medium')
                ui.space()
                ui.button('Ajouter un mandat', icon='add', on_click=guard(self.add_dialog)) \
                    .props('flat no-caps data-action=add-mandate').mark('add-mandate')
            ui.label('Un mandat non utilisé pendant 36 mois devient caduc : il faut en faire signer un nouveau.') \
                .classes('app-muted text-sm')
            self.table = ui.table(columns=COLUMNS, rows=[], row_key='id').classes('app-table w-full') \
                .props('flat bordered dense wrap-cells no-data-label="Aucun mandat"').mark('mandate-table')
            self.table.add_slot('body-cell-actions', REVOKE)
            self.table.on('revoke', guard(lambda event: self.confirm_revoke(event.args)))

    async def load(self) -> None:
        rows = await self._load()
        self.table.rows = [{**row, 'kind_label': KINDS.get(row['kind'], row['kind']),
                            'signed': format_date(row['signed_on']),
                            'last': format_date(row['last_used_on'], empty='—'),
                            'account': format_iban(row['iban'])} for row in rows]
        self.table.update()

    def add_dialog(self) -> None:
        dialog = Dialog('Nouveau mandat SEPA', 'Le mandat signé par le client autorise le prélèvement de son compte.',
                        width=560, role='mandate-dialog')
        form, defaults = Form(), self._defaults
        with dialog.body, ui.element('div').classes('app-form-grid'):
            form.input('reference', 'Référence unique du mandat (RUM) *', defaults.get('reference', ''), maxlength=35)
            signed = DateInput('Signé le *', defaults.get('signed_on') or date.today(), field='signed_on')
            form.select('kind', 'Type', KINDS, 'recurrent')
            form.input('debtor_name', 'Titulaire du compte', defaults.get('debtor_name', ''), maxlength=140)
            form.input('iban', 'IBAN *', format_iban(defaults.get('iban', '')), wide=True, maxlength=42)
            form.input('bic', 'BIC', defaults.get('bic', ''), maxlength=11)

        async def save() -> None:
            await self._add({**form.values(), 'signed_on': signed.day})
            dialog.done()
            ui.notify('Mandat enregistré.', type='positive')
            await self.load()

        with dialog.actions:
            ui.button('Annuler', on_click=dialog.close).props('flat')
            ui.button('Enregistrer', on_click=self._guard(save)).props('unelevated data-action=save-mandate') \
                .mark('save-mandate')
        dialog.open()

    def confirm_revoke(self, row: dict) -> None:
        async def revoke() -> None:
            await self._revoke(row['id'])
            await self.load()

        ConfirmDialog(f'Révoquer le mandat {row["reference"]} ?', 'Il ne pourra plus servir à prélever ce client.',
                      confirm='Révoquer', on_confirm=revoke, guard=self._guard, action='confirm-revoke').open()
