"""Plain HTTP routes: finishing a login (session cookie renewed), logout, health check, the company logo."""
from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from nicegui import app

from db import accounts, engine, settings
from pages import runtime
from pages.security import client_ip, safe_next


@app.get('/_auth/finish')
async def finish_login(request: Request, ticket: str = '', next: str = '/') -> Response:  # noqa: A002 - query name
    token = await accounts.redeem_ticket(ticket)
    if token is None:
        return RedirectResponse('/login', status_code=303)
    # A brand-new cookie content: whatever session id the browser had before login is dropped.
    request.session.clear()
    request.session['auth'] = token
    return RedirectResponse(safe_next(next), status_code=303)


@app.get('/_auth/logout')
async def logout(request: Request) -> Response:
    await accounts.close_session(request.session.get('auth'), client_ip(request))
    request.session.clear()
    return RedirectResponse('/login', status_code=303)


@app.get('/healthz')
async def healthz() -> Response:
    if await engine.ping():
        return JSONResponse({'status': 'ok', 'database': 'ok'})
    return JSONResponse({'status': 'error', 'database': 'unreachable'}, status_code=503)


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
