"""A document's state as a coloured French label: `state_badge('quote', 'accepted')` shows "Accepté".

The colours are CSS classes (`app-state-<state>`, assets/components.css), so that badges drawn by Vue templates in
list cells and cards use the same ones.
"""
from nicegui import ui

from logic.states import state_label


def state_badge(doc_type: str, state: str) -> ui.label:
    return ui.label(state_label(doc_type, state)).classes(f'app-badge app-state app-state-{state}') \
        .props(f'data-state={state}').mark('state')
