"""The page of a record that does not exist: a French "introuvable" page answered with HTTP 404 (issue 18).

Ids come from addresses (/contacts/42): one that no row can have (not a number, zero, beyond the 32-bit primary
keys of documents, contacts and articles) is not found like one that no row has, instead of a database error:

>>> record_id('42'), record_id('99999999999999999999'), record_id('abc'), record_id('0'), record_id('-1')
(42, None, None, None, None)
"""
from nicegui import ui

from components.frame import frame
from pages.security import PageContext

MAX_ID = 2**31 - 1


def record_id(value: object) -> int | None:
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def not_found(ctx: PageContext, *, title: str, message: str, back: str, back_label: str) -> None:
    """The whole page, in the app's frame."""
    mark_not_found()
    with frame(ctx, title):
        ui.label(message).mark('missing')
        ui.link(back_label, back)


def mark_not_found() -> None:
    """Answer the page being built with HTTP 404 (its content is still shown)."""
    ui.context.client.status_code = 404
