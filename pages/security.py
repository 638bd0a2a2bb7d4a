"""Every page and every event handler checks the session and the role on the server.

`secured_page` wraps `ui.page`: no valid session -> redirect to the login page; a user without the role -> the
attempt is recorded and a refusal page is shown. Handlers built with `ctx.handler(...)` re-check the session and
the role at each event (a user demoted or deactivated meanwhile is refused), and turn a `DomainError` into a
French notification.

`Transport` is the outermost ASGI middleware (main.py): the client's address and scheme as a trusted reverse proxy
reports them, and Secure cookies on HTTPS. `csrf_token` protects the plain-HTTP forms (logout) against requests
forged by other sites.
"""
import functools
import hashlib
import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

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

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

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


# How long a page may take to build before NiceGUI gives up with an English error page (HTTP 500). Its default, 3 s, was
# the soak's only error at 50 browsers (issue 18: a page queued behind others on a busy event loop): a slow page beats
# an error page, and a proxy waits longer than this (nginx: 60 s).
PAGE_BUILD_SECONDS = 20.0


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
        ui.page(path, title=f'{title} · Facturier', response_timeout=PAGE_BUILD_SECONDS)(page)
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
    """The connecting address, or the client's as a trusted proxy reported it (`Transport`)."""
    return request.client.host if request.client else ''


def csrf_token(session_token: str) -> str:
    """What a form posted to /_auth/ must carry: derived from the session, unreadable by another site. SameSite=Lax
    already keeps the cookie off cross-site POSTs; this also holds for a browser that ignores SameSite."""
    return hmac.new(runtime.config().secret.encode(), f'csrf:{session_token}'.encode(), hashlib.sha256).hexdigest()


def csrf_matches(session_token: str | None, candidate: object) -> bool:
    return bool(session_token) and isinstance(candidate, str) and hmac.compare_digest(candidate,
                                                                                       csrf_token(session_token))


async def signed_in_user(request: Request) -> User | None:
    """The user of the request's session, for plain HTTP routes and pages outside `secured_page`."""
    return await _resolve(request.session.get('auth'))


class Transport:
    """ASGI middleware around everything else, the session cookie included.

    Uvicorn's own proxy handling is switched off (main.py): it believes X-Forwarded-For and -Proto from 127.0.0.1
    by default, so any local process could choose the address that login throttling and the audit log record.
    Here they are believed only from FACTURIER_TRUSTED_PROXIES (parsed by uvicorn's middleware: the client is the
    right-most address that is not a trusted proxy). Cookies get `Secure` when the request came over HTTPS, or
    always (FACTURIER_SECURE_COOKIES=always): a session cookie must never travel in clear.
    """

    def __init__(self, app, *, trusted_proxies: tuple[str, ...] = (), always_secure: bool = False) -> None:
        self.app = app
        self.always_secure = always_secure
        self.entry = (ProxyHeadersMiddleware(self._secure_cookies, trusted_hosts=list(trusted_proxies))
                      if trusted_proxies else self._secure_cookies)

    async def __call__(self, scope, receive, send) -> None:
        await self.entry(scope, receive, send)

    async def _secure_cookies(self, scope, receive, send) -> None:
        if scope['type'] != 'http' or not (self.always_secure or scope.get('scheme') == 'https'):
            await self.app(scope, receive, send)
            return

        async def send_secure(message) -> None:
            if message['type'] == 'http.response.start':
                message = {**message, 'headers': [(name, secure_cookie(value) if name.lower() == b'set-cookie'
                                                   else value) for name, value in message.get('headers', [])]}
            await send(message)

        await self.app(scope, receive, send_secure)


def secure_cookie(header: bytes) -> bytes:
    """A Set-Cookie value with the Secure attribute.

    >>> secure_cookie(b'session=abc; path=/; httponly; samesite=lax')
    b'session=abc; path=/; httponly; samesite=lax; secure'
    """
    attributes = [part.strip().lower() for part in header.split(b';')[1:]]
    return header if b'secure' in attributes else header + b'; secure'


async def request_user(request: Request) -> User | None:
    """The signed-in, active user of a plain HTTP route (a file download), or None: the pages' same checks."""
    return await _resolve(request.session.get('auth'))


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
