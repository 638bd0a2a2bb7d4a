"""Contacts (CO1-CO7): clients, prospects, suppliers, partners, with what invoices and e-invoices need."""
from tortoise import fields
from tortoise.models import Model

CONTACT_KINDS = {'client': 'Client', 'prospect': 'Prospect', 'supplier': 'Fournisseur', 'partner': 'Partenaire',
                 'other': 'Autre'}
# Drives legal mentions and the e-invoice routing note BAR (B2B, B2BINT, B2C) of LEGAL.md §3.
CLIENT_CATEGORIES = {'fr_business': 'Entreprise française', 'eu_business': 'Entreprise de l’UE',
                     'non_eu_business': 'Entreprise hors UE', 'individual': 'Particulier',
                     'public': 'Organisme public'}
ADDRESS_KINDS = {'billing': 'Facturation', 'delivery': 'Livraison', 'other': 'Autre'}


class Contact(Model):
    """A contact. The main billing address is kept on the row itself, for fast lists and searches."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=20, unique=True)
    kind = fields.CharField(max_length=16, default='client', db_index=True)
    is_company = fields.BooleanField(default=True)
    category = fields.CharField(max_length=20, default='fr_business')
    name = fields.CharField(max_length=200, db_index=True)
    first_name = fields.CharField(max_length=100, default='')
    legal_form = fields.CharField(max_length=60, default='')
    siren = fields.CharField(max_length=9, default='', db_index=True)
    siret = fields.CharField(max_length=14, default='')
    vat_number = fields.CharField(max_length=20, default='')
    electronic_address = fields.CharField(max_length=200, default='')
    email = fields.CharField(max_length=254, default='')
    phone = fields.CharField(max_length=40, default='')
    mobile = fields.CharField(max_length=40, default='')
    website = fields.CharField(max_length=200, default='')
    address = fields.CharField(max_length=200, default='')
    address2 = fields.CharField(max_length=200, default='')
    postcode = fields.CharField(max_length=20, default='', db_index=True)
    city = fields.CharField(max_length=100, default='', db_index=True)
    country = fields.CharField(max_length=2, default='FR')
    iban = fields.CharField(max_length=34, default='')
    bic = fields.CharField(max_length=11, default='')
    mandate_reference = fields.CharField(max_length=35, default='')
    mandate_signed_on = fields.DateField(null=True)
    account = fields.CharField(max_length=20, default='')
    default_vat_rate = fields.ForeignKeyField('models.VatRate', null=True, on_delete=fields.SET_NULL,
                                              related_name=False)
    default_payment_method = fields.ForeignKeyField('models.PaymentMethod', null=True, on_delete=fields.SET_NULL,
                                                    related_name=False)
    quote_template_id = fields.IntField(null=True)
    invoice_template_id = fields.IntField(null=True)
    dunning_template_id = fields.IntField(null=True)
    notes = fields.TextField(default='')
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = 'contact'

    @property
    def display_name(self) -> str:
        return f'{self.first_name} {self.name}'.strip() if not self.is_company and self.first_name else self.name


class Address(Model):
    """Further addresses of a contact: billing (if several), delivery, other."""

    id = fields.IntField(primary_key=True)
    contact = fields.ForeignKeyField('contacts.Contact', related_name='addresses', on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=16, default='delivery')
    label = fields.CharField(max_length=100, default='')
    address = fields.CharField(max_length=200, default='')
    address2 = fields.CharField(max_length=200, default='')
    postcode = fields.CharField(max_length=20, default='')
    city = fields.CharField(max_length=100, default='')
    country = fields.CharField(max_length=2, default='FR')

    class Meta:
        table = 'contact_address'
