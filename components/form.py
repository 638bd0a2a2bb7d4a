"""A small form helper: labelled inputs by key, their values, and per-field French error messages."""
from nicegui import ui


class Form:
    """Keeps the inputs of a form so that values can be read and server-side errors shown next to each field."""

    def __init__(self) -> None:
        self.fields: dict[str, ui.element] = {}

    def input(self, key: str, label: str, value: str = '', *, password: bool = False, hint: str = '',
              autocomplete: str = '', wide: bool = False, maxlength: int = 200) -> ui.input:
        field = ui.input(label, value=value or '', password=password, password_toggle_button=password) \
            .props(f'outlined dense hide-bottom-space maxlength={maxlength} data-field={key}' + (f' autocomplete={autocomplete}' if autocomplete else '')) \
            .classes('w-full' + (' app-wide' if wide else ''))
        if hint:
            field.props['hint'] = hint
        field.mark(key)
        self.fields[key] = field
        return field

    def textarea(self, key: str, label: str, value: str = '', *, wide: bool = True) -> ui.textarea:
        field = ui.textarea(label, value=value or '').props(f'outlined dense hide-bottom-space autogrow data-field={key}') \
            .classes('w-full' + (' app-wide' if wide else ''))
        field.mark(key)
        self.fields[key] = field
        return field

    def select(self, key: str, label: str, options: dict, value) -> ui.select:
        field = ui.select(options, label=label, value=value).props(f'outlined dense data-field={key}').classes('w-full')
        field.mark(key)
        self.fields[key] = field
        return field

    def checkbox(self, key: str, label: str, value: bool) -> ui.checkbox:
        field = ui.checkbox(label, value=bool(value)).props(f'data-field={key}')
        field.mark(key)
        self.fields[key] = field
        return field

    def values(self) -> dict:
        return {key: field.value for key, field in self.fields.items()}

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, field in self.fields.items():
            message = errors.get(key)
            field.props['error'] = bool(message)
            field.props['error-message'] = message or ''
            field.update()


def section(title: str, text: str = ''):
    """A white card with a title, for one block of a page."""
    card = ui.card().classes('app-card')
    with card:
        ui.label(title).classes('app-subtitle')
        if text:
            ui.label(text).classes('app-muted')
    return card
