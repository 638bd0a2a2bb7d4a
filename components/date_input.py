"""The one date field: typed and shown as jj/mm/aaaa whatever the browser's language, with a calendar beside it.

A native <input type=date> follows the browser's locale (mm/dd/yyyy in an English Chromium, next to our dd/mm text
fields), so this is a text field that reads French dates. It also takes ISO text ('2026-03-31', what a program or
a test may set) and shows it the French way at once; other spellings ('1/3/2026', '01.03.2026', '01032026') are
tidied when the field is left, and a text that is not a date is marked there.

    on = DateInput('Date de la facture', date.today(), field='validation_date')
    chosen = on.day  # date | None; a DomainError (shown by the page's handler) when the text is not a date
    DateInput('Échéance', due, field='due', on_change=lambda day: ...)  # day: date | None (None while not a date)
"""
from collections.abc import Callable
from datetime import date
from typing import Any, Self

from nicegui import ui
from nicegui.events import ValueChangeEventArguments, handle_event
from nicegui.helpers import expects_arguments

from logic.dates import ISO_DATE, format_date, read_day
from logic.errors import DomainError

PLACEHOLDER = 'jj/mm/aaaa'


class DateInput(ui.input):
    """`on_change(day)` runs when the date the text means changes (None when empty or not a date), not at every key;
    it may be async."""

    def __init__(self, label: str, value: date | None = None, *, field: str, marker: str = '',
                 error: str = 'Date invalide.', on_change: Callable[[date | None], Any] | None = None) -> None:
        super().__init__(label, value=format_date(value), placeholder=PLACEHOLDER)
        self.error_text = error
        self._callbacks: list[Callable[..., Any]] = [on_change] if on_change else []
        self._last = value
        self.props(f'outlined dense stack-label maxlength=10 autocomplete=off data-field={field}') \
            .classes('app-date').mark(marker or field)
        with self.add_slot('append'):
            self.picker_button = ui.button(icon='event').classes('app-date-btn') \
                .props('flat round dense data-action=pick-date aria-label="Choisir dans le calendrier"')
        with self.picker_button, ui.menu() as self.menu:
            # Quasar's calendar speaks the app's language (French months, weeks from Monday).
            ui.date(mask='DD/MM/YYYY', on_change=self._picked).bind_value(self).props('minimal')
        self.on_value_change(self._typed)
        self.on('blur', self._left)

    @property
    def day(self) -> date | None:
        try:
            return read_day(self.value)
        except ValueError:
            raise DomainError(self.error_text) from None

    @day.setter
    def day(self, value: date | None) -> None:
        self.value = format_date(value)

    @property
    def current(self) -> date | None:
        """The date the text means, None when empty or not (yet) a date: for filters, which never refuse."""
        return self._last

    def on_change(self, callback: Callable[..., Any]) -> Self:
        """Also run `callback(day)` (or `callback()`) when the date the text means changes."""
        self._callbacks.append(callback)
        return self

    def _handle_enabled_change(self, enabled: bool) -> None:
        super()._handle_enabled_change(enabled)
        self.picker_button.set_enabled(enabled)  # a disabled field (a schedule by terms) keeps its date

    def _typed(self, event: ValueChangeEventArguments) -> None:
        text = (event.value or '').strip()
        try:
            day = read_day(text)
        except ValueError:
            day = None
        else:
            if day is not None and ISO_DATE.fullmatch(text):
                self.value = format_date(day)  # runs this again, which tells the caller
                return
            self._show_error(None)
        if day != self._last:
            self._last = day
            for callback in self._callbacks:
                # A wrapped page handler (ctx.handler) may take no argument: it reads the fields itself.
                handle_event((lambda c=callback: c(day)) if expects_arguments(callback) else callback, event,
                             expect_args=False)

    def _picked(self, _event) -> None:
        self.menu.close()

    def _left(self) -> None:
        try:
            day = read_day(self.value)
        except ValueError:
            self._show_error(f'{self.error_text} (jj/mm/aaaa)')
            return
        if day is not None and self.value != format_date(day):
            self.value = format_date(day)

    def _show_error(self, message: str | None) -> None:
        if (self.props.get('error-message') or None) == message:
            return
        self.props['error'] = message is not None
        self.props['error-message'] = message
        self.update()
