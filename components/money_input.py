"""A text input read as a Decimal the French way ('1 234,50', '12.5', '20 %'); never `ui.number` (floats).

>>> price = MoneyInput('Prix unitaire HT', value=Decimal('12.5'), on_change=lambda value: ...)
>>> price.decimal
Decimal('12.50')

`places=None` reads an amount at the cent (`logic.money.parse_money`); `places=k` a quantity, a rate or a unit
price with at most k decimals (`parse_decimal`). A typo keeps the last good value, shows a French message under
the field and does not call `on_change`; the owner checks `.error` before saving.
"""
import inspect
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from nicegui import background_tasks, ui

from logic.money import AMOUNT_UNITS, MoneyError, format_decimal_fr, parse_number


class MoneyInput(ui.input):

    def __init__(self, label: str | None = None, *, value: Decimal | None = None, places: int | None = None,
                 minimum: Decimal | None = None, maximum: Decimal | None = None, allow_negative: bool = True,
                 required: bool = True, suffix: str = '', what: str = '', min_places: int = 0, field: str = '',
                 on_change: Callable[[Decimal | None], Any] | None = None) -> None:
        self.places = places
        self.min_places = min_places
        self.minimum = minimum if allow_negative or minimum is not None else Decimal(0)
        self.maximum = maximum
        self.allow_negative = allow_negative
        self.required = required
        self.what = what or label or 'Valeur'
        self.decimal: Decimal | None = value
        self._on_change = on_change
        self._quiet = False
        super().__init__(label, value=self.format(value))
        self.without_auto_validation()  # errors come from the parsers below, not from a `validation` function
        # One dict, one change notification: editors create these by the hundred.
        self.props.update({'dense': True, 'outlined': True, 'hide-bottom-space': True, 'inputmode': 'decimal',
                           'autocomplete': 'off', **({'suffix': suffix} if suffix else {}),
                           **({'data-field': field} if field else {})})
        self.on_value_change(self._changed)
        self.on('blur', self._tidy)

    def format(self, value: Decimal | None) -> str:
        """The text shown for a value: '1 234,50' for amounts, '1,5' for quantities (no useless zeros)."""
        if value is None:
            return ''
        if self.places is None:
            return format_decimal_fr(value, 2)
        if self.min_places and -value.normalize().as_tuple().exponent < self.min_places:
            return format_decimal_fr(value, self.min_places)
        return format_decimal_fr(value)

    def parse(self, text: str | None) -> Decimal | None:
        if not (text or '').strip() and not self.required:
            return None
        # The app's one rule for numbers (logic.money.parse_number), as the import reads them.
        return parse_number(text, places=2 if self.places is None else self.places, minimum=self.minimum,
                            maximum=self.maximum, allow_negative=self.allow_negative, label=self.what,
                            units=AMOUNT_UNITS if self.places is None else ('%',))

    def set_decimal(self, value: Decimal | None) -> None:
        """Show `value` (from the program, e.g. an article's price) without calling `on_change`."""
        self.decimal = value
        self._quiet = True
        try:
            self.value = self.format(value)
        finally:
            self._quiet = False
        self._show_error(None)

    def reparse(self) -> None:
        """Read the text again after `places` or the limits changed (e.g. a discount switched from % to €)."""
        try:
            self.decimal = self.parse(self.value)
        except MoneyError as exc:
            self._show_error(_short(str(exc), self.what))
            return
        self._show_error(None)

    def _changed(self, event) -> None:
        if self._quiet:
            return
        try:
            value = self.parse(event.value)
        except MoneyError as exc:
            self._show_error(_short(str(exc), self.what))
            return
        self._show_error(None)
        changed = value != self.decimal
        self.decimal = value
        if changed and self._on_change is not None:
            result = self._on_change(value)
            if inspect.isawaitable(result):
                background_tasks.create(result, name='money input change', context=self)

    def _tidy(self) -> None:
        # '12,5' becomes '12,50' when the field is left: what is shown is what will be printed.
        if self.error is None and self.value != self.format(self.decimal):
            self._quiet = True
            try:
                self.value = self.format(self.decimal)
            finally:
                self._quiet = False

    def _show_error(self, message: str | None) -> None:
        self.error = message  # NiceGUI's ValidationElement shows it under the field


def _short(message: str, what: str) -> str:
    # parse_decimal prefixes its messages with the field's name, which the field's own label already shows.
    return message.removeprefix(f'{what} : ')
