"""The "Demande d'acompte" dialog (DE2): a request, not an invoice (it takes no number), as a PDF or by e-mail.

It never queries: `on_pdf()` downloads the request (wrapped with `guard`), `on_send()` opens the send dialog once this
one is closed.

    DepositRequestDialog(text='360,00 € à régler le 30/04/2026.', on_pdf=download, on_send=open_send,
                         guard=ctx.handler).open()
"""
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.dialog import Dialog, Guard


class DepositRequestDialog(Dialog):

    def __init__(self, *, text: str, on_pdf: Callable[[], Awaitable[None]], on_send: Callable[[], None],
                 guard: Guard) -> None:
        super().__init__('Demande d’acompte', f'{text} Ce document n’est pas une facture : il ne prend pas de numéro.',
                         width=480, role='deposit-request')
        self._on_send = on_send
        with self.actions:
            ui.button('Fermer', on_click=self.close).props('flat')
            ui.button('PDF', icon='picture_as_pdf', on_click=guard(on_pdf)) \
                .props('outline data-action=deposit-request-pdf').mark('deposit-request-pdf')
            ui.button('Envoyer', icon='send', on_click=self._send) \
                .props('unelevated data-action=deposit-request-send').mark('deposit-request-send')

    def _send(self) -> None:
        self.close()
        self._on_send()
