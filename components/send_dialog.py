"""The "Envoyer" dialog (DOC4): recipients, subject and body already filled in, editable, and the attachment name.

It never queries: the page gives the values and an `on_send(recipients, subject, body)` callback (wrapped with
`ctx.handler`) that returns something truthy once the message is sent; the dialog then closes. On failure the
handler has shown the SMTP error and the dialog stays open with what was typed.

    SendDialog(recipients=[contact.email], subject=fill(tpl.subject, values), body=fill(tpl.body, values),
               attachment_name=attachment_name(snapshot), on_send=ctx.handler(send)).open()
"""
from collections.abc import Awaitable, Callable

from nicegui import ui

SendCallback = Callable[[str, str, str], Awaitable[object]]


class SendDialog(ui.dialog):
    def __init__(self, *, recipients: list[str], subject: str, body: str, attachment_name: str,
                 on_send: SendCallback) -> None:
        super().__init__()
        self._on_send = on_send
        self.on_value_change(lambda event: None if event.value else self.delete())  # a new one for each message
        with self, ui.card().classes('app-card w-[640px] max-w-full'):
            ui.label('Envoyer par e-mail').classes('app-subtitle')
            self.recipients = ui.input('Destinataires (séparés par des virgules)', value=', '.join(recipients)) \
                .props('outlined dense data-field=recipients').classes('w-full').mark('send-recipients')
            self.subject = ui.input('Objet', value=subject).props('outlined dense maxlength=255 data-field=subject') \
                .classes('w-full').mark('send-subject')
            self.body = ui.textarea('Message', value=body).props('outlined dense autogrow data-field=body') \
                .classes('w-full').mark('send-body')
            with ui.row().classes('items-center gap-2'):
                ui.icon('attach_file')
                ui.label(attachment_name).mark('send-attachment')
            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=self.close).props('flat')
                self.button = ui.button('Envoyer', icon='send', on_click=self._send) \
                    .props('unelevated data-action=send').mark('send')

    async def _send(self) -> None:
        self.button.disable()
        try:
            sent = await self._on_send(self.recipients.value, self.subject.value, self.body.value)
        finally:
            self.button.enable()
        if sent:
            ui.notify('Message envoyé.', type='positive')
            self.close()
