"""The "Acomptes non réglés" dialog (DE5), met when a balance invoice is validated while deposits of its quote are
still open: settle each (its deposit invoice is made) or give it up, then validate again.

It never queries: the page gives the open deposits and callbacks. `on_settle(deposit)` opens the settle dialog and,
once settled, calls `settled(deposit_id, still_open)`; `on_delete(deposit)` gives it up (wrapped with `guard`);
`on_retry()` validates again once none is left.

    UnpaidDepositsDialog([UnpaidDeposit(id=4, label='Acompte 30 %', left=Decimal('360.00'), due_date=day)],
                         on_settle=settle, on_delete=delete, on_retry=retry, guard=ctx.handler).open()
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from nicegui import ui

from components.dialog import Dialog, Guard
from logic.dates import format_date
from logic.money import format_eur


@dataclass(kw_only=True, slots=True, frozen=True)
class UnpaidDeposit:
    id: int
    label: str
    left: Decimal  # what is still to be paid
    due_date: date


class UnpaidDepositsDialog(Dialog):

    def __init__(self, deposits: list[UnpaidDeposit], *, on_settle: Callable[[UnpaidDeposit], object],
                 on_delete: Callable[[UnpaidDeposit], Awaitable[None]], on_retry: Callable[[], None],
                 guard: Guard) -> None:
        super().__init__('Acomptes non réglés', 'La facture de solde ne peut être validée tant que des acomptes du '
                         'devis restent à régler : réglez-les (la facture d’acompte est établie) ou supprimez-les.',
                         width=600, role='unpaid-deposits')
        self.remaining = {deposit.id: deposit for deposit in deposits}
        self._on_settle, self._on_delete, self._on_retry = on_settle, on_delete, on_retry
        self._delete = guard(self._give_up)
        with self.body:
            self.box = ui.column().classes('w-full gap-2')
        with self.actions:
            ui.button('Fermer', on_click=self.close).props('flat')
            self.retry = ui.button('Valider la facture', icon='verified', on_click=self._again) \
                .props('unelevated color=positive data-action=retry-validate').mark('retry-validate')
        self.draw()

    def settled(self, deposit_id: int, still_open: UnpaidDeposit | None) -> None:
        """A deposit was settled: gone from the list, or still there for what is left of it."""
        if still_open is None:
            self.remaining.pop(deposit_id, None)
        else:
            self.remaining[deposit_id] = still_open
        self.draw()

    def draw(self) -> None:
        self.box.clear()
        with self.box:
            if not self.remaining:
                ui.label('Tous les acomptes sont traités : vous pouvez valider la facture.') \
                    .classes('text-positive font-medium').mark('deposits-done')
            for deposit in self.remaining.values():
                with ui.row().classes('w-full items-center gap-2').props(f'data-unpaid-deposit={deposit.id}'):
                    with ui.column().classes('grow gap-0'):
                        ui.label(deposit.label or 'Acompte').classes('font-medium')
                        ui.label(f'{format_eur(deposit.left)} — échéance du {format_date(deposit.due_date)}') \
                            .classes('app-muted text-sm')
                    ui.button('Régler', icon='payments', on_click=lambda deposit=deposit: self._on_settle(deposit)) \
                        .props('outline dense no-caps data-action=settle-unpaid-deposit').mark('settle-unpaid-deposit')
                    ui.button('Supprimer', icon='delete_outline',
                              on_click=lambda deposit=deposit: self._delete(deposit)) \
                        .props('flat dense no-caps color=negative data-action=delete-unpaid-deposit') \
                        .mark('delete-unpaid-deposit')
        self.retry.set_enabled(not self.remaining)

    async def _give_up(self, deposit: UnpaidDeposit) -> None:
        await self._on_delete(deposit)
        self.remaining.pop(deposit.id, None)
        self.draw()

    def _again(self) -> None:
        self.close()
        self._on_retry()
