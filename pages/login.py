"""Login by email and password (US1). One generic error whatever went wrong."""
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from components.frame import apply_theme
from db import accounts, settings
from logic.errors import DomainError
from pages.security import client_ip, safe_next


@ui.page('/login', title='Connexion · Facturier')
async def login_page(request: Request, next: str = '/'):  # noqa: A002 - query parameter name
    if not await settings.is_set_up():
        return RedirectResponse('/setup')
    apply_theme()
    ip = client_ip(request)
    target = safe_next(next)
    company = await settings.get_company()
    with ui.element('div').classes('app-auth'):
        with ui.card().classes('app-card app-auth-card'):
            ui.label('Facturier').classes('app-title')
            ui.label(company.name if company else '').classes('app-muted')
            email = ui.input('Adresse e-mail').props('outlined autocomplete=username autofocus data-field=email') \
                .classes('w-full').mark('email')
            password = ui.input('Mot de passe', password=True, password_toggle_button=True) \
                .props('outlined autocomplete=current-password data-field=password').classes('w-full').mark('password')
            error = ui.label('').classes('text-negative').props('data-role=login-error').mark('login-error')
            error.set_visibility(False)

            async def submit() -> None:
                button.disable()
                try:
                    user = await accounts.authenticate(email.value, password.value, ip)
                except DomainError as exc:
                    error.text = str(exc)
                    error.set_visibility(True)
                    password.value = ''
                    return
                finally:
                    button.enable()
                ticket = await accounts.open_session(user, ip)
                ui.navigate.to(f'/_auth/finish?ticket={ticket}&next={quote(target, safe="")}')

            password.on('keydown.enter', submit)
            button = ui.button('Se connecter', on_click=submit).props('unelevated color=primary data-action=login').mark('login') \
                .classes('w-full')
    return None
