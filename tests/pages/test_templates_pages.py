"""Paramètres > Modèles d'édition and > E-mail, and the "Envoyer" dialog, driven like a person would."""
import email
from email import policy

from nicegui import ui
from nicegui.testing import User

from components.send_dialog import SendDialog
from db import mailer
from db.audit import AuditEntry
from db.output import MailSettings, PrintTemplate
from pages import settings_templates
from tests.helpers import SECRET, free_port
from tests.mail import Inbox
from tests.pages.helpers import log_in
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD


async def open_as_admin(user: User, path: str) -> None:
    await log_in(user, next_path=path)


async def test_the_templates_page_lists_the_default_template(user: User, admin):
    await open_as_admin(user, '/parametres/modeles')
    await user.should_see(marker='add-template', retries=50)
    table = next(iter(user.find(ui.table).elements))
    assert [row['name'] for row in table.rows] == ['Classique']
    assert 'Facture' in table.rows[0]['default']


async def test_an_admin_creates_a_template_and_sees_its_preview(user: User, admin):
    await open_as_admin(user, '/parametres/modeles')
    await user.should_see(marker='add-template', retries=50)
    user.find(marker='add-template').click()
    await user.should_see(marker='name')
    user.find(marker='name').type('Moderne bleu')
    user.find(marker='preview').click()
    await user.should_see(marker='preview-frame', retries=100)
    frame = next(iter(user.find(marker='preview-frame').elements))
    key = frame.props['src'].rsplit('/', 1)[1]
    assert settings_templates._previews[key][2].startswith(b'%PDF-')
    user.find(marker='save').click()
    await user.should_see('Modèle enregistré.', retries=50)
    template = await PrintTemplate.get(name='Moderne bleu')
    assert await AuditEntry.filter(action='template.create', target=f'print_template:{template.id}').exists()


async def test_a_clerk_cannot_open_the_templates_page(user: User, admin, clerk):
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD, next_path='/parametres/modeles')
    await user.should_see('réservée aux administrateurs', retries=50)
    await user.should_not_see('Ajouter un modèle')


async def test_an_admin_saves_the_smtp_settings_and_sends_a_test_message(user: User, admin):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname='127.0.0.1', port=free_port())
    controller.start()
    try:
        await open_as_admin(user, '/parametres/email')
        await user.should_see(marker='host', retries=50)
        user.find(marker='host').clear().type('127.0.0.1')
        user.find(marker='port').clear().type(str(controller.port))
        user.find(marker='security').click()
        user.find('Aucun (réseau local)').click()
        user.find(marker='sender').clear().type('factures@atelier-durand.fr')
        user.find(marker='username').clear().type('')
        user.find(marker='password').type('secret smtp')
        user.find(marker='save').click()
        await user.should_see('Réglages d’e-mail enregistrés.', retries=50)
        settings = await MailSettings.get(id=1)
        assert settings.host == '127.0.0.1' and settings.security == 'none'
        assert mailer.decrypt_password(settings.password_encrypted, SECRET) == 'secret smtp'
        user.find(marker='send-test').click()
        await user.should_see('Message d’essai envoyé.', retries=100)
        recipients, raw = inbox.messages[0]
        assert recipients == ['alice@atelier-durand.fr']
        assert email.message_from_bytes(raw, policy=policy.default)['Subject'] == 'Facturier : message d’essai'
    finally:
        controller.stop()


async def test_the_send_dialog_hands_the_edited_message_to_its_callback(user: User):
    sent: list[tuple[str, str, str]] = []

    async def on_send(recipients: str, subject: str, body: str) -> bool:
        sent.append((recipients, subject, body))
        return True

    @ui.page('/essai-envoi')
    def page() -> None:
        ui.button('Ouvrir', on_click=lambda: SendDialog(recipients=['compta@client.fr'], subject='Facture F1',
                                                        body='Bonjour', attachment_name='Facture_F1.pdf',
                                                        on_send=on_send).open()).mark('open')

    await user.open('/essai-envoi')
    user.find(marker='open').click()
    await user.should_see('Facture_F1.pdf')
    user.find(marker='send-subject').clear().type('Votre facture F1')
    user.find(marker='send').click()
    await user.should_see('Message envoyé.')
    assert sent == [('compta@client.fr', 'Votre facture F1', 'Bonjour')]


async def test_opening_the_templates_page_writes_nothing(user: User, admin):
    templates = await PrintTemplate.all().values_list('id', 'version')
    audit = await AuditEntry.all().count()
    await open_as_admin(user, '/parametres/modeles')
    await user.should_see(marker='add-template', retries=50)
    table = next(iter(user.find(ui.table).elements))
    assert [row['name'] for row in table.rows] == ['Classique']  # seeded with the database
    assert await PrintTemplate.all().values_list('id', 'version') == templates
    assert await AuditEntry.exclude(action__startswith='login.').count() == audit
    assert not await AuditEntry.filter(action__startswith='template.').exists()
