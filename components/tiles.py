"""Link tiles: an icon, a title and a line of text, in a responsive grid."""
from nicegui import ui


def tiles(entries: list[tuple[str, str, str, str, bool]], *, is_admin: bool) -> None:
    """Entries are (icon, title, text, path, admin only); admin-only entries are left out for other users."""
    with ui.element('div').classes('app-tiles'):
        for icon, title, text, path, admin in entries:
            if admin and not is_admin:
                continue
            with ui.link(target=path).classes('app-tile'):
                ui.icon(icon)
                with ui.column().classes('gap-1'):
                    ui.label(title).classes('app-tile-title')
                    ui.label(text).classes('app-tile-text')
