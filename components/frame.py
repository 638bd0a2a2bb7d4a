"""The app shell: header, menu (a drawer on phones) and the page body, defined once for every page."""
from contextlib import contextmanager

from nicegui import ui

MENU = [
    # (label, path, icon, option that must be on, or None; ADMIN: administrators only, as the pages check)
    ('Accueil', '/', 'home', None),
    ('Contacts', '/contacts', 'people', None),
    ('Articles', '/articles', 'inventory_2', None),
    ('Devis', '/devis', 'request_quote', 'quotes'),
    ('Situations', '/situations', 'construction', 'quotes'),
    ('Commandes', '/commandes', 'shopping_cart', 'orders'),
    ('Livraisons', '/livraisons', 'local_shipping', 'delivery_notes'),
    ('Factures', '/factures', 'receipt_long', None),
    ('Règlements', '/reglements', 'payments', None),
    ('Comptabilité', '/comptabilite', 'calculate', 'ADMIN'),
    ('Paramètres', '/parametres', 'settings', None),
]
PRIMARY = '#1d4e89'
# The components' styles (editor, lists, payments, dialogs), after assets/style.css which main.py loads on every page.
STYLESHEET = '<link rel="stylesheet" href="/assets/components.css">'


def apply_theme() -> None:
    ui.colors(primary=PRIMARY, secondary='#4f6d8f', accent='#d9822b', positive='#2e7d32', negative='#c62828',
              info='#1565c0', warning='#ef8f00')


def menu_entries(options, *, admin: bool = True) -> list[tuple[str, str, str]]:
    """Entries of switched-off options are hidden (SE2), and those of pages reserved to administrators from others."""
    return [(label, path, icon) for label, path, icon, option in MENU
            if option is None or (admin if option == 'ADMIN' else getattr(options, option))]


def logout_form(csrf: str, *, button: bool = False) -> ui.element:
    """The form that signs out (pages/auth_routes.py), hidden unless it shows its own button."""
    with ui.element('form').props('method=post action=/_auth/logout').classes('' if button else 'hidden') as form:
        ui.element('input').props(f'type=hidden name=csrf value={csrf}').mark('logout-csrf')
        if button:
            ui.button('Se déconnecter').props('type=submit unelevated color=primary').mark('logout-confirm')
    return form


@contextmanager
def frame(ctx, title: str):
    """Lay out the shell around a page body: `with frame(ctx, 'Contacts'): ...`."""
    apply_theme()
    ui.add_head_html(STYLESHEET)
    current = '/' + ctx.path.strip('/').split('/')[0] if ctx.path != '/' else '/'
    with ui.header(elevated=False).classes('app-header items-center'):
        ui.button(icon='menu', on_click=lambda: drawer.toggle()).props('flat round color=white aria-label=Menu') \
            .classes('lt-md')
        with ui.link(target='/').classes('app-brand'):
            ui.label('Facturier')
        ui.label(ctx.company_name).classes('app-company gt-xs')
        ui.space()
        # Logging out is a POST (a link elsewhere must not sign anyone out): the menu item submits this form.
        form = logout_form(ctx.csrf)
        with ui.button(icon='account_circle').props('flat round color=white aria-label="Mon compte"'):
            with ui.menu():
                ui.label(ctx.user.name).classes('app-menu-name')
                ui.label(ctx.user.email).classes('app-menu-email')
                ui.separator()
                ui.menu_item('Mon compte', on_click=lambda: ui.navigate.to('/compte'))
                ui.menu_item('Téléchargements', on_click=lambda: ui.navigate.to('/telechargements')) \
                    .props('data-action=downloads').mark('downloads-menu')
                ui.menu_item('Se déconnecter').on('click', js_handler=f'() => getHtmlElement({form.id}).submit()') \
                    .props('data-action=logout').mark('logout')
    with ui.left_drawer(value=None, bordered=True).props('breakpoint=1023 width=220').classes('app-drawer gap-0') as drawer:
        for label, path, icon in menu_entries(ctx.options, admin=ctx.user.is_admin):
            with ui.link(target=path).classes('app-nav' + (' app-nav-active' if path == current else '')).mark('nav'):
                ui.icon(icon).classes('app-nav-icon')
                ui.label(label)
    with ui.column().classes('app-page'):
        ui.label(title).classes('app-title')
        yield
