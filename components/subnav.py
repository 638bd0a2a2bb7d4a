"""An area's sub-menu: a row of links (each entry its own page, bookmarkable, checked by its own role on the server),
wrapping onto a second line on a phone; the entry of the current page is shown active.

Each page of an area calls its area's function first in its frame: `payments_tabs(path)`, `accounting_tabs(path)`.
"""
from nicegui import ui

PAYMENTS = [
    # (label, path, icon)
    ('Échéances', '/reglements', 'event'),
    ('Remises de chèques', '/reglements/cheques', 'account_balance'),
    ('Prélèvements', '/reglements/prelevements', 'autorenew'),
    ('Relances', '/reglements/relances', 'campaign'),
]
ACCOUNTING = [
    ('Exports comptables', '/comptabilite', 'file_download'),
    ('Clôtures', '/comptabilite/clotures', 'lock_clock'),
    ('Archives', '/comptabilite/archives', 'inventory'),
]


def subnav(name: str, marker: str, tabs: list[tuple[str, str, str]], current: str) -> None:
    with ui.element('nav').classes('app-subnav').props(f'aria-label="{name}"').mark(marker):
        for label, path, icon in tabs:
            active = path == current
            with ui.link(target=path).classes('app-subnav-link' + (' active' if active else '')) \
                    .props(f'data-tab={path.rsplit("/", 1)[-1]}' + (' aria-current=page' if active else '')):
                ui.icon(icon).classes('text-lg')
                ui.label(label)


def payments_tabs(current: str) -> None:
    subnav('Règlements', 'payments-tabs', PAYMENTS, current)


def accounting_tabs(current: str) -> None:
    subnav('Comptabilité', 'accounting-tabs', ACCOUNTING, current)
