"""A cap on the size of every request body, checked by the server (issue 18).

Why: the size limits of the upload fields (`ui.upload(max_file_size=...)`) are checked in the browser only. NiceGUI
registers each upload field as a route, `POST /_nicegui/client/{client_id}/upload/{upload_id}`, whose handler parses
the whole multipart body before any code of ours runs: a 300 MB POST to it took the server from 137 to 440 MB.
This ASGI middleware answers 413 beyond `MAX_BODY`, on the announced Content-Length before reading anything, and
while the body streams in when it has none (chunked transfer) or lies. It is a plain ASGI middleware rather than a
Starlette `BaseHTTPMiddleware`, which only sees the request once its body has been handed on.

One cap for every route: the largest legitimate body is an upload (an import file, or a 2 MB logo) with its
multipart framing; no other request of the app comes near it.
"""
from logic.images import MAX_LOGO_BYTES
from logic.tabular import MAX_BYTES

# Multipart framing (boundaries, part headers, the file name) adds well under a kilobyte per file.
MAX_BODY = max(MAX_BYTES, MAX_LOGO_BYTES) + 64 * 1024
REFUSAL = f'Fichier trop volumineux : {MAX_BYTES // 1024 // 1024} Mo au maximum.'.encode()


class BodyTooLarge(Exception):
    """Raised in the application's `receive` once the body has grown past the cap."""


class UploadLimit:
    """`app.add_middleware(UploadLimit)`; `max_bytes` only for tests."""

    def __init__(self, app, *, max_bytes: int = MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        length = dict(scope['headers']).get(b'content-length', b'')
        if length.isdigit() and int(length) > self.max_bytes:
            await _refuse(send)  # before reading a byte of the body
            return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message['type'] == 'http.request':
                received += len(message.get('body', b''))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched_send(message) -> None:
            nonlocal started
            started = started or message['type'] == 'http.response.start'
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception:
            # The route (or a middleware between) may let BodyTooLarge through wrapped in another exception.
            if received <= self.max_bytes:
                raise
            if not started:
                await _refuse(send)


async def _refuse(send) -> None:
    # Connection: close, so that the client stops sending the rest of a body nobody will read.
    await send({'type': 'http.response.start', 'status': 413,
                'headers': [(b'content-type', b'text/plain; charset=utf-8'), (b'connection', b'close'),
                            (b'content-length', str(len(REFUSAL)).encode())]})
    await send({'type': 'http.response.body', 'body': REFUSAL})
