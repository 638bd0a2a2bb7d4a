"""A document's state as a coloured French label: `state_badge('quote', 'accepted')` shows "Accepté"."""
from nicegui import ui

from logic.states import LABELS

# A credit note ("un avoir") is masculine; its life cycle is the invoice's.
CREDIT_NOTE_LABELS = {'draft': 'Brouillon', 'validated': 'Validé', 'paid': 'Remboursé', 'cancelled': 'Annulé',
                      'irrecoverable': 'Irrécouvrable'}
COLOURS = {
    'draft': ('#eef1f4', '#4a5563'), 'sent': ('#e3ecf7', '#1d4e89'), 'accepted': ('#e3f2e5', '#2e7d32'),
    'refused': ('#fbe4e4', '#c62828'), 'invoiced': ('#ede7f6', '#5e35b1'), 'validated': ('#e3ecf7', '#1d4e89'),
    'paid': ('#e3f2e5', '#2e7d32'), 'irrecoverable': ('#fff1dc', '#a15c00'), 'cancelled': ('#fbe4e4', '#c62828'),
}


def state_label(doc_type: str, state: str) -> str:
    if doc_type == 'credit_note':
        return CREDIT_NOTE_LABELS.get(state, state)
    machine = 'quote' if doc_type == 'quote' else 'invoice'
    return LABELS[machine].get(state, state)


def state_badge(doc_type: str, state: str) -> ui.label:
    background, ink = COLOURS.get(state, COLOURS['draft'])
    return ui.label(state_label(doc_type, state)).classes('app-badge') \
        .style(f'background:{background};color:{ink}').props(f'data-state={state}').mark('state')


def state_css() -> str:
    """The badge colours as classes, for badges drawn by Vue templates (list cells and cards)."""
    return '\n'.join(f'.app-state-{state} {{ background: {background}; color: {ink}; }}'
                     for state, (background, ink) in COLOURS.items())
