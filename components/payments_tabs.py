"""The sub-menu of the payments area: the installments list, cheque remittances, direct debits and dunning.

Each page of the area calls `payments_tabs(path)` first in its frame; the entry of the current page is shown active.
"""
from nicegui import ui

TABS = [
    # (label, path, icon)
    ('Échéances', '/reglements', 'event'),
    ('Remises de chèques', '/reglements/cheques', 'account_balance'),
    ('Prélèvements', '/reglements/prelevements', 'autorenew'),
    ('Relances', '/reglements/relances', 'campaign'),
]


def payments_tabs(current: str) -> None:
    """Links, not tab panels: each entry is its own page (bookmarkable, checked by its own role on the server)."""
    with ui.element('nav').classes('app-subnav').props('aria-label="Règlements"').mark('payments-tabs'):
        for label, path, icon in TABS:
            active = path == current
            with ui.link(target=path).classes('app-subnav-link' + (' active' if active else '')) \
                    .props(f'data-tab={path.rsplit("/", 1)[-1]}' + (' aria-current=page' if active else '')):
                ui.icon(icon).classes('text-lg')
                ui.label(label)
