"""Sending documents by e-mail (DOC4): the SMTP settings, the encrypted password, the sending and its record.

The SMTP password is encrypted with a Fernet key derived (HKDF-SHA256) from the instance secret: a database dump
alone doesn't reveal it. Sending uses aiosmtplib, so the event loop keeps serving other users meanwhile; the result,
success or the server's error, goes to the mail log and the audit trail in one transaction.
"""
import base64
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from db.actor import Actor, require_admin
from db.audit import changes, record
from db.output import SECURITY_MODES, MailLog, MailSettings
from db.unit_of_work import transaction
from logic.errors import DomainError

SETTINGS_ID = 1
MAX_RECIPIENTS = 10
TIMEOUT_SECONDS = 30
_EMAIL = re.compile(r'[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+')


@dataclass(kw_only=True, slots=True, frozen=True)
class Attachment:
    name: str
    data: bytes
    mime_type: str = 'application/pdf'


def encrypt_password(password: str, secret: str) -> str:
    return _fernet(secret).encrypt(password.encode('utf-8')).decode('ascii') if password else ''


def decrypt_password(token: str, secret: str) -> str:
    if not token:
        return ''
    try:
        return _fernet(secret).decrypt(token.encode('ascii')).decode('utf-8')
    except InvalidToken:
        raise DomainError('Le mot de passe SMTP ne peut pas être déchiffré (le secret de l’instance a changé) : '
                          'saisissez-le de nouveau dans Paramètres > E-mail.') from None


async def get_settings() -> MailSettings:
    return await MailSettings.get_or_none(id=SETTINGS_ID) or MailSettings(id=SETTINGS_ID)


async def save_settings(actor: Actor, values: dict, *, secret: str, password: str | None = None) -> MailSettings:
    """`password=None` keeps the stored one; '' removes it. The audit entry never contains it."""
    require_admin(actor)
    cleaned = _clean_settings(values)
    async with transaction():
        settings = await MailSettings.get_or_none(id=SETTINGS_ID).select_for_update() \
            or await MailSettings.create(id=SETTINGS_ID)
        diff = changes({key: getattr(settings, key) for key in cleaned}, cleaned)
        settings.update_from_dict(cleaned)
        if password is not None:
            settings.password_encrypted = encrypt_password(password, secret)
            diff['password'] = ['***', '***' if password else '']
        if diff:
            settings.version += 1
            await settings.save()
            await record('settings.mail', actor, target='mail_settings', details=diff)
    return settings


def parse_recipients(text: str | list[str]) -> list[str]:
    items = text if isinstance(text, list) else re.split(r'[,;\s]+', text or '')
    recipients = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if not recipients:
        raise DomainError('Indiquez au moins un destinataire.')
    if len(recipients) > MAX_RECIPIENTS:
        raise DomainError(f'{MAX_RECIPIENTS} destinataires au plus.')
    for address in recipients:
        if not _EMAIL.fullmatch(address):
            raise DomainError(f'Adresse e-mail invalide : « {address} ».')
    return recipients


async def send_document(actor: Actor, settings: MailSettings, recipients: list[str] | str, subject: str, body: str,
                        attachments: list[Attachment], *, secret: str, document_id: int | None = None,
                        document_label: str = '') -> MailLog:
    """Send, then record the outcome (MailLog + audit). Raises DomainError with the SMTP error after recording it."""
    recipients = parse_recipients(recipients)
    subject = ' '.join((subject or '').split())[:255]
    if not subject:
        raise DomainError('L’objet du message est obligatoire.')
    if not settings.host or not settings.sender:
        raise DomainError('Configurez d’abord l’envoi des e-mails (Paramètres > E-mail).')
    message = build_message(settings.sender, recipients, subject, body, attachments)
    password = decrypt_password(settings.password_encrypted, secret) if settings.username else ''
    error = ''
    try:
        await aiosmtplib.send(message, hostname=settings.host, port=settings.port,
                              use_tls=settings.security == 'tls', start_tls=settings.security == 'starttls',
                              username=settings.username or None, password=password or None,
                              timeout=TIMEOUT_SECONDS)
    except (aiosmtplib.SMTPException, OSError) as exc:
        error = _smtp_error(exc)
    async with transaction():
        log = await MailLog.create(at=datetime.now(timezone.utc), document_id=document_id,
                                   document_label=document_label[:120], recipients=recipients, subject=subject,
                                   attachments=[a.name for a in attachments], status='failed' if error else 'sent',
                                   error=error, user_id=actor.user_id, actor=actor.email)
        await record('mail.failed' if error else 'mail.sent', actor,
                     target=f'document:{document_id}' if document_id else 'mail',
                     details={'recipients': recipients, 'subject': subject, 'mail_log': log.id,
                              **({'error': error} if error else {})})
    if error:
        raise DomainError(f'L’envoi a échoué : {error}')
    return log


def build_message(sender: str, recipients: list[str], subject: str, body: str,
                  attachments: list[Attachment]) -> EmailMessage:
    message = EmailMessage()
    message['From'] = sender
    message['To'] = ', '.join(recipients)
    message['Subject'] = subject
    message['Date'] = formatdate(localtime=True)
    message['Message-ID'] = make_msgid(domain=sender.rpartition('@')[2] or None)
    message.set_content(body or '')
    for attachment in attachments:
        maintype, _, subtype = attachment.mime_type.partition('/')
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name)
    return message


async def mail_history(document_id: int) -> list[MailLog]:
    return await MailLog.filter(document_id=document_id)


def _clean_settings(values: dict) -> dict:
    host = str(values.get('host') or '').strip()
    sender = str(values.get('sender') or '').strip()
    security = values.get('security') or 'starttls'
    try:
        port = int(str(values.get('port') or '').strip())
    except ValueError:
        raise DomainError('Le port SMTP doit être un nombre entier.') from None
    if not 1 <= port <= 65535:
        raise DomainError('Le port SMTP doit être compris entre 1 et 65535.')
    if security not in SECURITY_MODES:
        raise DomainError('Mode de sécurité inconnu.')
    if host and not re.fullmatch(r'[A-Za-z0-9.-]{1,200}', host):
        raise DomainError('Nom du serveur SMTP invalide.')
    if sender and not _EMAIL.search(sender):
        raise DomainError('Adresse d’expéditeur invalide.')
    templates = values.get('templates')
    cleaned = {'host': host, 'port': port, 'security': security, 'sender': sender,
               'username': str(values.get('username') or '').strip()[:200]}
    if isinstance(templates, dict):
        cleaned['templates'] = {str(k): {'subject': str(v.get('subject', ''))[:255],
                                         'body': str(v.get('body', ''))[:5000]}
                                for k, v in templates.items() if isinstance(v, dict)}
    return cleaned


def _smtp_error(exc: Exception) -> str:
    text = ' '.join(str(exc).split()) or type(exc).__name__
    return text[:500]


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b'facturier-smtp-password', info=b'fernet-v1') \
        .derive(secret.encode('utf-8'))
    return Fernet(base64.urlsafe_b64encode(key))
