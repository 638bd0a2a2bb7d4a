"""Sending a document by e-mail to a real SMTP server on 127.0.0.1, and recording every attempt."""
import email
from email import policy

import pytest

from db import mailer
from db.audit import AuditEntry
from db.output import MailLog
from logic.errors import DomainError
from tests.helpers import SECRET, free_port
from tests.mail import configured
from tests.personas import add_clerk, set_up_company

PDF = b'%PDF-1.7\n' + bytes(range(256)) * 40


async def test_a_document_is_delivered_with_its_pdf_and_recorded(db, smtp_server):
    controller, inbox = smtp_server
    admin = await set_up_company()
    settings = await configured(admin, controller.port)
    log = await mailer.send_document(admin, settings, 'compta@boulangerie-martin.fr; achats@boulangerie-martin.fr',
                                     'Facture F2026-00042 — Atelier Durand', 'Bonjour,\nVoici la facture.',
                                     [mailer.Attachment(name='Facture_F2026-00042.pdf', data=PDF)], secret=SECRET,
                                     document_id=42, document_label='Facture F2026-00042')
    assert log.status == 'sent'
    recipients, raw = inbox.messages[0]
    assert recipients == ['compta@boulangerie-martin.fr', 'achats@boulangerie-martin.fr']
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message['Subject'] == 'Facture F2026-00042 — Atelier Durand'
    assert message['From'] == 'factures@atelier-durand.fr'
    assert 'Voici la facture.' in message.get_body(('plain',)).get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == 'Facture_F2026-00042.pdf'
    assert attachment.get_content_type() == 'application/pdf'
    assert attachment.get_content() == PDF
    entry = await AuditEntry.get(action='mail.sent')
    assert entry.target == 'document:42' and entry.details['mail_log'] == log.id
    assert [row.id for row in await mailer.mail_history(42)] == [log.id]


async def test_an_smtp_refusal_is_shown_and_recorded(db, smtp_server):
    controller, inbox = smtp_server
    admin = await set_up_company()
    settings = await configured(admin, controller.port)
    inbox.refuse = True
    with pytest.raises(DomainError, match='L’envoi a échoué'):
        await mailer.send_document(admin, settings, ['compta@boulangerie-martin.fr'], 'Objet', 'Texte', [],
                                   secret=SECRET, document_id=7)
    log = await MailLog.get(document_id=7)
    assert log.status == 'failed' and 'Destinataire inconnu' in log.error
    assert (await AuditEntry.get(action='mail.failed')).details['error'] == log.error


async def test_an_unreachable_server_is_a_recorded_failure(db):
    admin = await set_up_company()
    settings = await configured(admin, free_port())
    with pytest.raises(DomainError):
        await mailer.send_document(admin, settings, ['a@example.org'], 'Objet', 'Texte', [], secret=SECRET)
    assert (await MailLog.get()).status == 'failed'


async def test_the_smtp_password_is_stored_encrypted_and_never_audited(db):
    admin = await set_up_company()
    settings = await configured(admin, 2525)
    assert 'mot de passe' not in settings.password_encrypted
    assert mailer.decrypt_password(settings.password_encrypted, SECRET) == 'mot de passe smtp'
    with pytest.raises(DomainError, match='déchiffré'):
        mailer.decrypt_password(settings.password_encrypted, 'another-secret-' + 'y' * 40)
    for entry in await AuditEntry.filter(action='settings.mail'):
        assert 'mot de passe smtp' not in str(entry.details)
    kept = await mailer.save_settings(admin, {'host': 'smtp.example.org', 'port': '465', 'security': 'tls',
                                              'sender': 'a@example.org', 'username': 'facturier'}, secret=SECRET)
    assert mailer.decrypt_password(kept.password_encrypted, SECRET) == 'mot de passe smtp'


@pytest.mark.parametrize('recipients', ['', 'pas-une-adresse', 'a@b.fr\r\nBcc: x@y.fr', ','.join(['a@b.fr'] * 0)])
def test_bad_recipients_are_refused(recipients):
    with pytest.raises(DomainError):
        mailer.parse_recipients(recipients)


async def test_only_admins_change_the_mail_settings(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    with pytest.raises(Exception, match='administrateurs'):
        await mailer.save_settings(clerk, {'host': 'x', 'port': 25}, secret=SECRET)
