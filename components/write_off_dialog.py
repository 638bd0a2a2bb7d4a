"""The "Irrécouvrable" dialog (PA7): a date and a reason, then the caller's action (from the invoice page and from
the payments page). Like every component it never queries: `on_confirm(day, reason)` does the work, wrapped by the
page's `ctx.handler` (`wrap`) so that the role is checked on the server at the click."""
from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import ui

from logic.errors import DomainError


def open_write_off_dialog(*, title: str, text: str, on_confirm: Callable[[date, str], Awaitable[None]],
                          wrap: Callable[[Callable], Callable]) -> ui.dialog:
    """Open the dialog in the current container; it closes (and is removed) once `on_confirm` has succeeded."""
    with ui.dialog() as dialog, ui.card().classes('app-card w-[500px] max-w-full').props('data-role=write-off-dialog'):
        dialog.on_value_change(lambda event: None if event.value else dialog.delete())
        ui.label(title).classes('app-subtitle')
        ui.label(text).classes('app-muted')
        on = ui.input('Date', value=date.today().isoformat()) \
            .props('outlined dense type=date stack-label data-field=write_off_date').mark('write-off-date')
        reason = ui.input('Motif').props('outlined dense maxlength=255 data-field=reason').classes('w-full') \
            .mark('write-off-reason')

        async def confirm() -> None:
            try:
                day = date.fromisoformat(on.value or '')
            except ValueError:
                raise DomainError('Date invalide.') from None
            if not (reason.value or '').strip():
                raise DomainError('Indiquez le motif (client en liquidation, créance prescrite…).')
            await on_confirm(day, reason.value.strip())
            dialog.close()

        with ui.row().classes('app-actions'):
            ui.button('Fermer', on_click=dialog.close).props('flat')
            ui.button('Déclarer irrécouvrable', icon='money_off', on_click=wrap(confirm)) \
                .props('unelevated color=warning data-action=confirm-write-off').mark('confirm-write-off')
    dialog.open()
    return dialog
