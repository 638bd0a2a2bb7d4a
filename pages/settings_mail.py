"""Paramètres > E-mail (DOC4): the SMTP server, the sender, the message templates, and a test message. Admins only."""
from nicegui import ui

from components.form import Form, section
from components.frame import frame
from db import mailer
from db.output import SECURITY_MODES
from logic import doctypes
from logic.render.mail_text import DEFAULT_BODY, DEFAULT_SUBJECT, PLACEHOLDERS
from pages import runtime
from pages.document_page import PATHS
from pages.security import PageContext, secured_page

# A message template for each type "Envoyer" sends (the registry's sendable types) on the screens that exist.
MAIL_DOC_TYPES = {key: label for key, label in doctypes.labels(sendable=True).items()
                  if doctypes.doc_type(key).family in PATHS}


@secured_page('/parametres/email', admin=True, title='E-mail')
async def mail_page(ctx: PageContext):
    current = await mailer.get_settings()
    form = Form()
    texts: dict[str, tuple[ui.input, ui.textarea]] = {}
    with frame(ctx, 'E-mail'):
        with section('Serveur d’envoi (SMTP)', 'Les documents partent de ce serveur, avec cet expéditeur.'):
            with ui.element('div').classes('app-form-grid'):
                form.input('host', 'Serveur SMTP (ex. smtp.example.org)', current.host)
                form.input('port', 'Port', str(current.port), maxlength=5)
                form.select('security', 'Sécurité', SECURITY_MODES, current.security)
                form.input('sender', 'Expéditeur (adresse e-mail)', current.sender, maxlength=254)
                form.input('username', 'Identifiant', current.username, autocomplete='off')
                password = ui.input('Mot de passe', password=True, password_toggle_button=True,
                                    placeholder='inchangé' if current.password_encrypted else '') \
                    .props('outlined dense autocomplete=new-password data-field=password').classes('w-full') \
                    .mark('password')
                forget = ui.checkbox('Effacer le mot de passe enregistré').props('data-field=forget_password') \
                    .mark('forget_password')
                forget.set_visibility(bool(current.password_encrypted))
        with section('Messages', 'Objet et texte proposés dans « Envoyer » ; champs : '
                     + ', '.join(f'{{{key}}} ({label})' for key, label in PLACEHOLDERS.items()) + '.'):
            for doc_type, label in MAIL_DOC_TYPES.items():
                saved = (current.templates or {}).get(doc_type, {})
                with ui.expansion(label).classes('w-full').props(f'data-template={doc_type}'):
                    subject = ui.input('Objet', value=saved.get('subject') or DEFAULT_SUBJECT) \
                        .props('outlined dense maxlength=255').classes('w-full').mark(f'subject-{doc_type}')
                    body = ui.textarea('Message', value=saved.get('body') or DEFAULT_BODY) \
                        .props('outlined dense autogrow').classes('w-full').mark(f'body-{doc_type}')
                texts[doc_type] = (subject, body)

        async def save() -> None:
            values = {**form.values(), 'templates': {key: {'subject': s.value, 'body': b.value}
                                                     for key, (s, b) in texts.items()}}
            new_password = '' if forget.value else (password.value or None)
            await mailer.save_settings(ctx.actor, values, secret=runtime.config().secret, password=new_password)
            password.value = ''
            ui.notify('Réglages d’e-mail enregistrés.', type='positive')

        with ui.row().classes('app-actions'):
            ui.button('Enregistrer', on_click=ctx.handler(save, admin=True)).props('unelevated data-action=save') \
                .mark('save')

        with section('Essai', 'Enregistrez d’abord, puis envoyez-vous un message pour vérifier les réglages.'):
            recipient = ui.input('Destinataire du test', value=ctx.user.email).props('outlined dense') \
                .classes('w-full').mark('test_recipient')

            async def send_test() -> None:
                settings = await mailer.get_settings()
                await mailer.send_document(ctx.actor, settings, recipient.value, 'Facturier : message d’essai',
                                           'Ce message confirme que Facturier peut envoyer des e-mails.', [],
                                           secret=runtime.config().secret, document_label='essai')
                ui.notify('Message d’essai envoyé.', type='positive')

            ui.button('Envoyer un e-mail de test', icon='send', on_click=ctx.handler(send_test, admin=True)) \
                .props('flat data-action=send-test').mark('send-test')
