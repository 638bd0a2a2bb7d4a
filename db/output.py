"""Documents out (DOC3, DOC4): print templates, the SMTP settings and the log of every e-mail sent."""
from tortoise import fields
from tortoise.models import Model

from logic import doctypes

# Every type that prints (documents and printouts such as the deposit request) can be given a template.
TEMPLATE_DOC_TYPES: dict[str, str] = {key: entry.label for key, entry in doctypes.TYPES.items()}
LOGO_CHOICES = {'company': 'Logo de la société', 'own': 'Logo propre au modèle', 'none': 'Sans logo'}
SECURITY_MODES = {'starttls': 'STARTTLS (port 587)', 'tls': 'TLS implicite (port 465)', 'none': 'Aucun (réseau local)'}


class PrintTemplate(Model):
    """A print template ("modèle d'édition"): look and options of the PDF, assigned to document types."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    doc_types = fields.JSONField(default=list)
    default_for = fields.JSONField(default=list)
    layout = fields.CharField(max_length=20, default='classique')
    primary_color = fields.CharField(max_length=7, default='#1f3a5f')
    accent_color = fields.CharField(max_length=7, default='#b5452b')
    font = fields.CharField(max_length=30, default='dejavu-serif')
    logo_choice = fields.CharField(max_length=10, default='company')
    logo_file = fields.CharField(max_length=100, default='')
    header_text = fields.TextField(default='')
    footer_text = fields.TextField(default='')
    show_reference = fields.BooleanField(default=True)
    show_unit = fields.BooleanField(default=True)
    show_discount = fields.BooleanField(default=True)
    show_bank = fields.BooleanField(default=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = 'print_template'
        ordering = ['name', 'id']


class MailSettings(Model):
    """The SMTP server and the message templates: one row. The password is encrypted with the instance secret."""

    id = fields.IntField(primary_key=True)
    host = fields.CharField(max_length=200, default='')
    port = fields.IntField(default=587)
    security = fields.CharField(max_length=10, default='starttls')
    username = fields.CharField(max_length=200, default='')
    password_encrypted = fields.TextField(default='')
    sender = fields.CharField(max_length=254, default='')
    templates = fields.JSONField(default=dict)
    version = fields.IntField(default=1)

    class Meta:
        table = 'mail_settings'


class MailLog(Model):
    """One sending attempt of a document (or a test message), successful or not."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    document_id = fields.IntField(null=True, db_index=True)
    document_label = fields.CharField(max_length=120, default='')
    recipients = fields.JSONField(default=list)
    subject = fields.CharField(max_length=255, default='')
    attachments = fields.JSONField(default=list)
    status = fields.CharField(max_length=10, default='sent')
    error = fields.TextField(default='')
    user_id = fields.IntField(null=True)
    actor = fields.CharField(max_length=254, default='')

    class Meta:
        table = 'mail_log'
        ordering = ['-at', '-id']
