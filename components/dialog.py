"""Dialogs of one shape: a white card with a title, a short text, the caller's fields and a row of actions.

A dialog leaves the page once closed (a new one is made for each opening), so a page never piles up hidden dialogs.
Its actions run through the page's `guard` (`ctx.handler`): the session and the role are checked on the server at the
click, and a refusal (DomainError) is shown in French while the dialog stays open with what was typed. It closes only
once the action has succeeded.

    ConfirmDialog('Supprimer ce devis ?', 'Cette suppression est définitive.', confirm='Supprimer',
                  on_confirm=delete, guard=ctx.handler, action='confirm-delete').open()

    dialog = ConfirmDialog('Annuler le règlement', confirm='Annuler le règlement', action='confirm-unsettle',
                           on_confirm=lambda: cancel(reason.value), guard=ctx.handler)
    with dialog.body:  # fields go between the text and the buttons
        reason = ui.input('Motif (facultatif)')
    dialog.open()
"""
import inspect
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.form import Form
from logic.contact import FieldsInvalid

Guard = Callable[[Callable], Callable]
Action = Callable[[], Awaitable[object] | object]


def unguarded(function: Callable) -> Callable:
    return function


class Dialog(ui.dialog):
    """The shell: `body` takes the caller's content, `actions` its buttons (right-aligned, wrapping on phones)."""

    def __init__(self, title: str = '', text: str = '', *, width: int = 480, role: str = '') -> None:
        super().__init__()
        self.on_value_change(lambda event: None if event.value else self.dispose())
        with self:
            self.card = ui.card().classes(f'app-card w-[{width}px] max-w-full')
            if role:
                self.card.props(f'data-role={role}')
            with self.card:
                if title:
                    ui.label(title).classes('app-subtitle').mark('dialog-title')
                if text:
                    ui.label(text).classes('app-muted')
                self.body = ui.element('div').classes('app-dialog-body')
                self.actions = ui.row().classes('app-actions')

    def done(self) -> None:
        """Close after a successful action. The action may have cleared the container the dialog was opened from
        (a list redrawn after a save): the dialog is then gone already."""
        if not self.is_deleted:
            self.close()

    def dispose(self) -> None:
        if not self.is_deleted:
            self.delete()


class ConfirmDialog(Dialog):
    """A yes/no question; `on_confirm()` does the work, then the dialog closes. `action` names the confirm button
    (data-action and test marker); `cancel_action` the other one when a test or a script needs it."""

    def __init__(self, title: str, text: str = '', *, confirm: str, on_confirm: Action, guard: Guard = unguarded,
                 action: str = 'confirm', cancel: str = 'Annuler', cancel_action: str = '', color: str = 'negative',
                 icon: str | None = None, width: int = 480, role: str = 'confirm-dialog') -> None:
        super().__init__(title, text, width=width, role=role)

        @_named_after(on_confirm)
        async def confirmed() -> None:
            result = on_confirm()
            if inspect.isawaitable(result):
                await result
            self.done()

        with self.actions:
            ui.button(cancel, on_click=self.close).props('flat' + (f' data-action={cancel_action}' if cancel_action
                                                                   else ''))
            self.button = ui.button(confirm, icon=icon, on_click=guard(confirmed)) \
                .props(f'unelevated color={color} data-action={action}').mark(action)


class FormDialog(Dialog):
    """A small form: the caller adds fields with `dialog.form` inside `dialog.fields` (a form grid, or a plain column
    with `grid=False`); `on_save(values)` stores them. A `FieldsInvalid` shows each message under its field."""

    def __init__(self, title: str, *, on_save: Callable[[dict], Awaitable[object]], guard: Guard = unguarded,
                 save: str = 'Enregistrer', action: str = 'save', text: str = '', width: int = 560,
                 grid: bool = True) -> None:
        super().__init__(title, text, width=width)
        self.form = Form()
        with self.body:
            self.fields = ui.element('div').classes('app-form-grid' if grid else 'app-dialog-body')

        @_named_after(on_save)
        async def saved() -> None:
            try:
                await on_save(self.form.values())
            except FieldsInvalid as exc:
                self.form.show_errors(exc.errors)
                raise
            self.done()

        with self.actions:
            ui.button('Annuler', on_click=self.close).props('flat')
            ui.button(save, on_click=guard(saved)).props(f'unelevated data-action={action}').mark(action)


def _named_after(function: Callable) -> Callable[[Callable], Callable]:
    """Give a wrapper the name of the page's function, so that the audit of a refused click names it. Only the name
    (no `__wrapped__`): NiceGUI reads a handler's signature to decide which arguments it passes."""
    def name(wrapper: Callable) -> Callable:
        wrapper.__name__ = getattr(function, '__name__', wrapper.__name__)
        wrapper.__qualname__ = getattr(function, '__qualname__', wrapper.__qualname__)
        return wrapper

    return name
