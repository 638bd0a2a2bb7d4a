"""The company that invoices (SE1), its options (SE2) and default lists (SE3)."""
from tortoise import fields
from tortoise.models import Model

from logic.company import LEGAL_KINDS, TRADE_REGISTERS  # noqa: F401 - the settings page's choices

VAT_REGIMES = {'normal': 'Régime réel (TVA collectée)', 'franchise': 'Franchise en base (art. 293 B du CGI)'}
ACTIVITY_TYPES = {'goods': 'Livraisons de biens', 'services': 'Prestations de services', 'mixed': 'Mixte'}
PAYMENT_KINDS = {
    'transfer': 'Virement', 'cheque': 'Chèque', 'direct_debit': 'Prélèvement', 'card': 'Carte bancaire',
    'cash': 'Espèces', 'other': 'Autre',
}
VAT_CATEGORIES = {
    'S': 'Taux normal', 'Z': 'Taux zéro', 'E': 'Exonéré', 'AE': 'Autoliquidation',
    'K': 'Livraison intracommunautaire', 'G': 'Exportation hors UE', 'O': 'Hors champ de la TVA',
}


class Company(Model):
    """The seller: one row. Every field here may be printed on invoices as a legal mention."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    legal_kind = fields.CharField(max_length=16, default='company', db_default='company')
    trade_register = fields.CharField(max_length=8, default='rcs', db_default='rcs')
    legal_form = fields.CharField(max_length=60, default='')
    capital = fields.CharField(max_length=40, default='')
    address = fields.CharField(max_length=200, default='')
    address2 = fields.CharField(max_length=200, default='')
    postcode = fields.CharField(max_length=20, default='')
    city = fields.CharField(max_length=100, default='')
    country = fields.CharField(max_length=2, default='FR')
    siren = fields.CharField(max_length=9, default='')
    siret = fields.CharField(max_length=14, default='')
    rcs = fields.CharField(max_length=120, default='')
    vat_number = fields.CharField(max_length=20, default='')
    ape_code = fields.CharField(max_length=10, default='')
    email = fields.CharField(max_length=254, default='')
    phone = fields.CharField(max_length=40, default='')
    website = fields.CharField(max_length=200, default='')
    electronic_address = fields.CharField(max_length=200, default='')
    logo_file = fields.CharField(max_length=100, default='')
    bank_name = fields.CharField(max_length=100, default='')
    iban = fields.CharField(max_length=34, default='')
    bic = fields.CharField(max_length=11, default='')
    ics = fields.CharField(max_length=35, default='')
    vat_regime = fields.CharField(max_length=16, default='normal')
    activity_type = fields.CharField(max_length=16, default='services')
    vat_on_debits = fields.BooleanField(default=False)
    penalty_text = fields.TextField(default='')
    indemnity_text = fields.TextField(default='')
    discount_text = fields.TextField(default='')
    version = fields.IntField(default=1)

    class Meta:
        table = 'company'


class Options(Model):
    """Switchable modules (SE2): one row."""

    id = fields.IntField(primary_key=True)
    quotes = fields.BooleanField(default=True)
    deal_tracking = fields.BooleanField(default=True)
    margin = fields.BooleanField(default=True)
    orders = fields.BooleanField(default=False)
    delivery_notes = fields.BooleanField(default=False)
    quote_validity_days = fields.IntField(default=30)
    # Superseded by the accounting settings (db/accounting.py, Paramètres > Comptabilité), whose migration took it
    # over as their deposit account; no longer read nor changed.
    deposit_account = fields.CharField(max_length=12, default='4191', db_default='4191')
    # The month the fiscal year starts on (1 = January): the dashboard's cumulated figures, the closings.
    fiscal_year_start = fields.SmallIntField(default=1, db_default=1)
    version = fields.IntField(default=1)

    class Meta:
        table = 'options'


class PaymentMethod(Model):
    """A payment method with its terms, e.g. transfer at "30 jours fin de mois"."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    kind = fields.CharField(max_length=16, default='transfer')
    days = fields.IntField(default=30)
    end_of_month = fields.BooleanField(default=False)
    is_default = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    position = fields.IntField(default=0)

    class Meta:
        table = 'payment_method'
        ordering = ['position', 'id']


class Unit(Model):
    """A unit of measure, with its UN/ECE rec. 20 code for e-invoices."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=40, unique=True)
    code = fields.CharField(max_length=3, default='C62')
    active = fields.BooleanField(default=True)
    position = fields.IntField(default=0)

    class Meta:
        table = 'unit'
        ordering = ['position', 'id']


class VatRate(Model):
    """A VAT rate or an exemption with its reason, as printed on invoices and coded in e-invoices."""

    id = fields.IntField(primary_key=True)
    rate = fields.DecimalField(max_digits=5, decimal_places=2)
    category = fields.CharField(max_length=2, default='S')
    label = fields.CharField(max_length=80)
    exemption_reason = fields.CharField(max_length=255, default='')
    exemption_code = fields.CharField(max_length=30, default='')
    is_default = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    position = fields.IntField(default=0)

    class Meta:
        table = 'vat_rate'
        ordering = ['position', 'id']
