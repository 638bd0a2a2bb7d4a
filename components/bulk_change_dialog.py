"""The "Modifier la sélection" dialog of the articles list (AR5): a new VAT rate or sales account for the ticked
articles, applied only after saying how many will change.

It never queries: `on_check(change)` returns how many articles the change would modify, `on_apply(change)` applies
it; `change` is {'vat_rate_id': id} or {'sales_account': text}, as db.articles takes it. Both are wrapped with `guard`.

    BulkChangeDialog(count=12, rates={3: 'TVA 20 %'}, on_check=count_changes, on_apply=apply, guard=ctx.handler).open()
"""
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.dialog import Dialog, Guard


class BulkChangeDialog(Dialog):

    def __init__(self, *, count: int, rates: dict[int, str], on_check: Callable[[dict], Awaitable[int]],
                 on_apply: Callable[[dict], Awaitable[None]], guard: Guard) -> None:
        super().__init__(f'Modifier {count} article(s) sélectionné(s)', width=520, role='bulk')
        self.count, self.rates, self._on_check, self._on_apply = count, rates, on_check, on_apply
        with self.body:
            self.field = ui.toggle({'vat': 'Taux de TVA', 'account': 'Compte de vente'}, value='vat') \
                .props('no-caps data-field=bulk-field').mark('bulk-field')
            self.vat = ui.select(rates, label='Nouveau taux de TVA', value=next(iter(rates), None)) \
                .props('outlined dense data-field=bulk-vat').classes('w-full').mark('bulk-vat')
            self.account = ui.input('Nouveau compte de vente (ex. 706000)') \
                .props('outlined dense data-field=bulk-account').classes('w-full').mark('bulk-account')
            self.vat.bind_visibility_from(self.field, 'value', value='vat')
            self.account.bind_visibility_from(self.field, 'value', value='account')
            self.confirmation = ui.label().classes('font-medium').mark('bulk-confirmation')
        with self.actions:
            ui.button('Annuler', on_click=self.close).props('flat')
            ui.button('Vérifier', on_click=guard(self._check)).props('outline no-caps').mark('bulk-check')
            self.apply = ui.button('Confirmer', on_click=guard(self._apply)) \
                .props('unelevated no-caps data-action=bulk-apply').mark('bulk-apply')
            self.apply.disable()
        for control in (self.field, self.vat, self.account):  # a new choice must be checked again
            control.on_value_change(lambda: (self.apply.disable(), self.confirmation.set_text('')))

    def change(self) -> dict:
        if self.field.value == 'vat':
            return {'vat_rate_id': self.vat.value}
        return {'sales_account': self.account.value or ''}

    async def _check(self) -> None:
        changing = await self._on_check(self.change())
        target = self.rates.get(self.vat.value, '') if self.field.value == 'vat' else (self.account.value or '').strip()
        self.confirmation.text = (f'{changing} article(s) sur {self.count} vont passer à « {target} » ; les autres '
                                  'l’ont déjà. Confirmez pour appliquer.')
        self.apply.enable()

    async def _apply(self) -> None:
        await self._on_apply(self.change())
        self.done()
