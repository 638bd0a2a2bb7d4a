"""Choose and order the dashboard's widgets (DA5): a box per widget to show it, arrows to move it, and a way back to
the defaults. `on_save(keys)` stores the choice (None: the defaults)."""
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.dialog import Dialog, Guard


class WidgetChooser(Dialog):
    def __init__(self, *, widgets: dict[str, str], shown: list[str], on_save: Callable[[list[str] | None], Awaitable],
                 guard: Guard) -> None:
        super().__init__('Personnaliser le tableau de bord', 'Cochez les éléments à afficher et rangez-les dans '
                         'l’ordre voulu.', width=520, role='widget-chooser')
        self.labels = widgets
        # Shown ones first in their order, then the others in the default order.
        self.order = shown + [key for key in widgets if key not in shown]
        self.ticked = set(shown)
        with self.body:
            self.rows = ui.column().classes('w-full gap-1')
        self._draw()

        async def save() -> None:
            await on_save([key for key in self.order if key in self.ticked])
            self.done()

        async def reset() -> None:
            await on_save(None)
            self.done()

        with self.actions:
            ui.button('Par défaut', on_click=guard(reset)).props('flat no-caps data-action=reset-widgets')
            ui.space()
            ui.button('Annuler', on_click=self.close).props('flat')
            ui.button('Enregistrer', on_click=guard(save)).props('unelevated data-action=save-widgets') \
                .mark('save-widgets')

    def _draw(self) -> None:
        self.rows.clear()
        with self.rows:
            for index, key in enumerate(self.order):
                with ui.row().classes('app-chooser-row items-center no-wrap w-full gap-1'):
                    ui.checkbox(self.labels[key], value=key in self.ticked,
                                on_change=lambda event, key=key: self._tick(key, event.value)) \
                        .props(f'data-widget={key}').classes('grow').mark(f'choose-{key}')
                    ui.button(icon='arrow_upward', on_click=lambda index=index: self._move(index, -1)) \
                        .props(f'flat round dense aria-label="Monter" {"disable" if index == 0 else ""}')
                    ui.button(icon='arrow_downward', on_click=lambda index=index: self._move(index, 1)) \
                        .props(f'flat round dense aria-label="Descendre" '
                               f'{"disable" if index == len(self.order) - 1 else ""}')

    def _tick(self, key: str, on: bool) -> None:
        (self.ticked.add if on else self.ticked.discard)(key)

    def _move(self, index: int, step: int) -> None:
        other = index + step
        if 0 <= other < len(self.order):
            self.order[index], self.order[other] = self.order[other], self.order[index]
            self._draw()
