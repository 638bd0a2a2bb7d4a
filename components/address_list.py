"""A contact's other addresses (CO2): one row each with its kind, label and address, and edit/delete buttons.

It never queries: the page gives the rows and the callbacks (wrapped with its `ctx.handler`), and calls `show(rows)`
again after a change.

    addresses = AddressList(on_edit=ctx.handler(edit), on_delete=ctx.handler(remove))
    addresses.show([AddressRow(id=4, kind='Livraison', label='Chantier', text='3 rue X, 69002 Lyon')])
"""
from collections.abc import Callable
from dataclasses import dataclass

from nicegui import ui


@dataclass(kw_only=True, slots=True, frozen=True)
class AddressRow:
    id: int
    kind: str  # the French name of its kind
    label: str
    text: str  # the address on one line


class AddressList(ui.column):

    def __init__(self, *, on_edit: Callable[[int], object], on_delete: Callable[[int], object]) -> None:
        super().__init__()
        self.classes('w-full gap-2')
        self._on_edit, self._on_delete = on_edit, on_delete

    def show(self, rows: list[AddressRow]) -> None:
        self.clear()
        with self:
            if not rows:
                ui.label('Aucune autre adresse.').classes('app-muted').mark('no-address')
            for row in rows:
                with ui.row().classes('w-full items-center gap-3 py-2 border-b').props(f'data-address={row.id}'):
                    ui.label(row.kind).classes('app-badge bg-grey-3')
                    with ui.column().classes('gap-0 grow'):
                        if row.label:
                            ui.label(row.label).classes('font-medium')
                        ui.label(row.text).mark('address-line')
                    ui.button(icon='edit', on_click=lambda row=row: self._on_edit(row.id)) \
                        .props('flat round dense aria-label=Modifier').mark('edit-address')
                    ui.button(icon='delete', on_click=lambda row=row: self._on_delete(row.id)) \
                        .props('flat round dense aria-label=Supprimer').mark('delete-address')
