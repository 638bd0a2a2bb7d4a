"""Modules not built yet say so honestly instead of showing an empty screen."""
from nicegui import ui

from components.frame import frame
from pages.security import PageContext, secured_page

MODULES: dict[str, tuple[str, str]] = {}  # /commandes and /livraisons exist now (pages/orders.py)


def _register(path: str, title: str, what: str) -> None:
    @secured_page(path, title=title)
    async def soon(ctx: PageContext):
        with frame(ctx, title):
            with ui.card().classes('app-card items-center'):
                ui.icon('construction').classes('text-5xl text-grey-6')
                ui.label('Bientôt disponible').classes('app-subtitle').props('data-role=soon')
                ui.label(f'Ce module ({what}) est en cours de construction.').classes('app-muted text-center')


for _path, (_title, _what) in MODULES.items():
    _register(_path, _title, _what)
