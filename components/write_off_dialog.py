"""The "Irrécouvrable" dialog (PA7): a date and a reason, then the caller's action (from the invoice page and from
the payments page). Like every component it never queries: `on_confirm(day, reason)` does the work, wrapped by the
page's `ctx.handler` (`guard`) so that the role is checked on the server at the click.

    WriteOffDialog(title='Créance irrécouvrable', text='…', on_confirm=write_off, guard=ctx.handler).open()
"""
from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import ui

from components.date_input import DateInput
from components.dialog import ConfirmDialog, Guard
from logic.errors import DomainError


class WriteOffDialog(ConfirmDialog):
    """Closes (and leaves the page) once `on_confirm` has succeeded."""

    def __init__(self, *, title: str, text: str, on_confirm: Callable[[date, str], Awaitable[None]],
                 guard: Guard) -> None:
        super().__init__(title, text, confirm='Déclarer irrécouvrable', icon='money_off', color='warning',
                         action='confirm-write-off', cancel='Fermer', width=500, role='write-off-dialog',
                         on_confirm=self._write_off, guard=guard)
        self._on_write_off = on_confirm
        with self.body:
            self.date_field = DateInput('Date', date.today(), field='write_off_date', marker='write-off-date')
            self.reason = ui.input('Motif').props('outlined dense maxlength=255 data-field=reason') \
                .classes('w-full').mark('write-off-reason')

    async def _write_off(self) -> None:
        day = self.date_field.day
        if day is None:
            raise DomainError('Date invalide.')
        reason = (self.reason.value or '').strip()
        if not reason:
            raise DomainError('Indiquez le motif (client en liquidation, créance prescrite…).')
        await self._on_write_off(day, reason)
