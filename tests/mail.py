"""A real SMTP server on 127.0.0.1 for tests that send e-mail (aiosmtpd), and the settings pointing at it."""
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from db import mailer
from db.output import MailSettings
from tests.helpers import SECRET, free_port

SMTP_LOGIN = 'facturier'
SMTP_PASSWORD = 'mot de passe smtp'


class Inbox:
    """What the server received: (recipients, raw message) pairs; `refuse = True` makes it refuse recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return '550 5.1.1 Destinataire inconnu'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return '250 OK'


@contextmanager
def running_smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Controller, Inbox]]:
    """A server on a free port that accepts the login `facturier` / `mot de passe smtp` without TLS; its messages
    go to `inbox` (an Inbox of the caller's, e.g. one that holds a message back) or to a new one."""
    inbox = inbox or Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_LOGIN.encode() and \
            auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)

    controller = Controller(inbox, hostname='127.0.0.1', port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


async def configured(admin, port: int, **extra) -> MailSettings:
    """Save mail settings pointing at the test server on `port`."""
    values = {'host': '127.0.0.1', 'port': port, 'security': 'none', 'sender': 'factures@atelier-durand.fr',
              'username': SMTP_LOGIN, **extra}
    return await mailer.save_settings(admin, values, secret=SECRET, password=SMTP_PASSWORD)
