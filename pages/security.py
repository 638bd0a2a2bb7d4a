"""Every page and every event handler checks the session and the role on the server.

`secured_page` wraps `ui.page`: no valid session -> redirect to the login page; a user without the role -> the
attempt is recorded and a refusal page is shown. Handlers built with `ctx.handler(...)` re-check the session and
the role at each event (a user demoted or deactivated meanwhile is refused), and turn a `DomainError` into a
French notification.
"""
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from db import accounts, audit, settings
from db.actor import Actor, PermissionRefused
from db.company import Options
from db.user import User
from logic.errors import DomainError
from pages import runtime

log = logging.getLogger(__name__)
USER_ERRORS: tuple[type[Exception], ...] = (DomainError, PermissionRefused, ValueError)


@dataclass(kw_only=True, slots=True)
class PageContext:
    """What a page knows about who is looking at it."""

    user: User
    token: str
    ip: str
    path: str
    options: Options
    company_name: str

    @property
    def actor(self) -> Actor:
        return accounts.actor_of(self.user, self.ip)

    def handler(self, function: Callable[..., Awaitable | None], *, admin: bool = False) -> Callable:
        """Wrap an event handler with the server-side session and role checks."""

        @functools.wraps(function)
        async def guarded(*args, **kwargs):
            user = await _resolve(self.token)
            if user is None:
                ui.notify('Votre session a expiré : reconnectez-vous.', type='warning')
                ui.navigate.to(login_url(self.path))
                return None
            self.user = user
            if admin and not user.is_admin:
                await _refuse(self.actor, f'action:{self.path}:{function.__name__}')
                ui.notify('Action réservée aux administrateurs.', type='negative')
                return None
            try:
                result = function(*args, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
                return result
            except USER_ERRORS as exc:
                if isinstance(exc, PermissionRefused):
                    await _refuse(self.actor, f'action:{self.path}:{function.__name__}')
                elif isinstance(exc, ValueError) and not _is_domain_value_error(exc):
                    raise
                ui.notify(str(exc), type='negative', multi_line=True)
                return None

        return guarded


def secured_page(path: str, *, admin: bool = False, title: str = 'Facturier'):
    """Decorate `async def page(ctx: PageContext, **params)` as a NiceGUI page with the access checks."""

    def decorator(build: Callable[..., Awaitable[None]]):
        async def page(request: Request, **params):
            if not await settings.is_set_up():
                return RedirectResponse('/setup')
            token = request.session.get('auth')
            user = await _resolve(token)
            if user is None:
                return RedirectResponse(login_url(request.url.path + (f'?{request.url.query}' if request.url.query else '')))
            company = await settings.get_company()
            ctx = PageContext(user=user, token=token, ip=client_ip(request), path=request.url.path,
                              options=await settings.get_options(), company_name=company.name if company else '')
            if admin and not user.is_admin:
                await _refuse(ctx.actor, f'page:{request.url.path}')
                from components.frame import frame  # noqa: PLC0415 - components import pages' helpers lazily

                with frame(ctx, 'Accès refusé'):
                    ui.label('Cette page est réservée aux administrateurs.').classes('text-negative')
                    ui.link('Revenir à l’accueil', '/')
                return None
            await build(ctx, **params)
            return None

        # NiceGUI and FastAPI read the page function's signature for path and query parameters.
        page.__name__, page.__qualname__, page.__doc__ = build.__name__, build.__qualname__, build.__doc__
        page.__signature__ = inspect.Signature(
            [inspect.Parameter('request', inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
            + list(inspect.signature(build).parameters.values())[1:]
        )
        ui.page(path, title=f'{title} · Facturier')(page)
        return build

    return decorator


def login_url(next_path: str) -> str:
    return f'/login?next={quote(next_path, safe="")}' if safe_next(next_path) != '/' else '/login'


def safe_next(next_path: str | None) -> str:
    """Only a path of this app: no scheme, no host, no '//' or backslash tricks, nothing under /_auth."""
    if not next_path or not next_path.startswith('/') or next_path.startswith(('//', '/\\', '/_auth')):
        return '/'
    parts = urlsplit(next_path)
    if parts.scheme or parts.netloc or '\\' in next_path or any(ord(c) < 32 for c in next_path):
        return '/'
    return next_path


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ''


async def _resolve(token: str | None) -> User | None:
    config = runtime.config()
    return await accounts.resolve_session(token, idle_minutes=config.idle_timeout_minutes,
                                          absolute_hours=config.absolute_timeout_hours)


async def _refuse(actor: Actor, target: str) -> None:
    log.warning('access refused to %s for user %s', target, actor.user_id)
    await audit.record('access.denied', actor, target=target)


def _is_domain_value_error(exc: ValueError) -> bool:
    """The logic layer's typed errors (MoneyError, IdentifierError, ...) subclass ValueError with French text."""
    return type(exc) is not ValueError and type(exc).__module__.startswith('logic.')
