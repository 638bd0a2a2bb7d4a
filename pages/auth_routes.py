"""Plain HTTP routes: finishing a login (session cookie renewed), logout (a POST, asked first on a GET), health check,
the company logo."""
from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from nicegui import app, ui

from components.frame import apply_theme, logout_form
from db import accounts, change_relay, engine, settings
from pages import runtime
from pages.security import client_ip, csrf_matches, csrf_token, safe_next, signed_in_user


@app.get('/_auth/finish')
async def finish_login(request: Request, ticket: str = '', next: str = '/') -> Response:  # noqa: A002 - query name
    token = await accounts.redeem_ticket(ticket)
    if token is None:
        return RedirectResponse('/login', status_code=303)
    # A brand-new cookie content: whatever session id the browser had before login is dropped.
    request.session.clear()
    request.session['auth'] = token
    return RedirectResponse(safe_next(next), status_code=303)


# Before the POST route: a NiceGUI page removes every route of its path when it is declared.
@ui.page('/_auth/logout', title='Déconnexion · Facturier')
async def logout_page(request: Request):
    """A GET never signs out (another site could link here): it asks, and its button posts the form."""
    user = await signed_in_user(request)
    if user is None:
        return RedirectResponse('/login')
    apply_theme()
    with ui.element('div').classes('app-auth'), ui.card().classes('app-card app-auth-card'):
        ui.label('Se déconnecter ?').classes('app-title')
        ui.label(f'Vous êtes connecté en tant que {user.email}.').classes('app-muted')
        with ui.row().classes('app-actions items-center'):
            logout_form(csrf_token(request.session['auth']), button=True)
            ui.link('Revenir à l’accueil', '/')
    return None


@app.post('/_auth/logout')
async def logout(request: Request) -> Response:
    """Signs out on a POST carrying the session's form token only (a GET asks first, above): a link, an image or a
    form on another site must not sign anyone out."""
    token = request.session.get('auth')
    if token and not csrf_matches(token, (await request.form()).get('csrf')):
        return RedirectResponse('/_auth/logout', status_code=303)
    await accounts.close_session(token, client_ip(request))
    request.session.clear()
    return RedirectResponse('/login', status_code=303)


@app.get('/healthz')
async def healthz() -> Response:
    """503 when the database does not answer, or when this process no longer hears the others' changes (its
    PostgreSQL relay is cut for more than a few seconds): its pages would show stale data."""
    database = 'ok' if await engine.ping() else 'unreachable'
    relay = change_relay.status()
    body = {'status': 'ok' if database == 'ok' and relay != 'down' else 'error', 'database': database,
            **({'relay': relay} if relay else {})}
    return JSONResponse(body, status_code=200 if body['status'] == 'ok' else 503)


@app.get('/_files/logo')
async def company_logo(request: Request) -> Response:
    """The logo is served to signed-in users only, from the server-made file name."""
    config = runtime.config()
    user = await accounts.resolve_session(request.session.get('auth'), idle_minutes=config.idle_timeout_minutes,
                                          absolute_hours=config.absolute_timeout_hours)
    company = await settings.get_company()
    if user is None or company is None or not company.logo_file:
        return Response(status_code=404)
    path = config.uploads_dir / company.logo_file
    if not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, headers={'Cache-Control': 'private, max-age=60', 'X-Content-Type-Options': 'nosniff'})


@app.middleware('http')
async def security_headers(request: Request, call_next) -> Response:
    """No framing by other sites (clickjacking), no MIME sniffing, no full URLs leaked to other sites."""
    response = await call_next(request)
    response.headers.setdefault('X-Frame-Options', 'SAMEORIGIN')
    response.headers.setdefault('X-Content-Type-Options', 'nosniff')
    response.headers.setdefault('Referrer-Policy', 'same-origin')
    return response
