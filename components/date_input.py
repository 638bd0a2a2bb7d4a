"""A date field: the browser's own date picker, read back as a `date`.

The browser's <input type=date> speaks ISO text ('2026-03-31') whatever the language it shows; `day` turns it back
into a date (None when empty) and refuses a malformed one with a French DomainError, shown by the page's handler.

    on = DateInput('Date de la facture', date.today(), field='validation_date')
    chosen = on.day  # date | None
"""
from datetime import date

from nicegui import ui

from logic.errors import DomainError


class DateInput(ui.input):

    def __init__(self, label: str, value: date | None = None, *, field: str, marker: str = '',
                 error: str = 'Date invalide.') -> None:
        super().__init__(label, value=value.isoformat() if value else '')
        self.error_text = error
        self.props(f'outlined dense type=date stack-label data-field={field}').mark(marker or field)

    @property
    def day(self) -> date | None:
        if not self.value:
            return None
        try:
            return date.fromisoformat(self.value)
        except ValueError:
            raise DomainError(self.error_text) from None
