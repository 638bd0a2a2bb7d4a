"""Contacts (CO1-CO7): clients, prospects, suppliers, partners, with what invoices and e-invoices need."""
from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from logic.contact import ADDRESS_KINDS, CLIENT_CATEGORIES, CONTACT_KINDS  # noqa: F401 - re-exported
from logic.contact import SEARCHED, contact_search_text
from logic.contact import sort_name as folded_sort_name

DERIVED = ('sort_name', 'search_text')


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
    # A negotiated derogation to the B2B payment ceiling of C. com. L441-10 (docs/legal.md 7): the agreement's
    # reference or reason, typed on purpose; empty means none, and a due date beyond the ceiling is refused.
    payment_terms_derogation = fields.CharField(max_length=200, default='', db_default='')
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
    # Folded copies (no accents, lower case) kept by db/contacts.py: the list sorts on sort_name and searches
    # search_text, so that « elise » finds « Élise » on SQLite and PostgreSQL alike.
    sort_name = fields.CharField(max_length=300, default='', db_default='')
    search_text = fields.TextField(default='', db_default='')

    class Meta:
        table = 'contact'
        # Each column of the list sorts through an index walked forwards or backwards, its ties broken by name
        # then id in the same direction (db/contacts.py: list_order), so that a page needs no sort at all
        # (tests/db/test_query_plans.py). No index starts with `active`: without statistics, SQLite would find the
        # active rows through it, then sort all of them for each page. `active` ends the name index instead, so
        # that counting the active contacts reads that index rather than the table.
        # Declared here rather than with db_index: on SQLite, altering a field rebuilds the table.
        indexes = (Index(fields=('sort_name', 'id', 'active'), name='contact_sort_name'),
                   *(Index(fields=(column, 'sort_name'), name=f'contact_{column}_sort_name')
                     for column in ('kind', 'postcode', 'city', 'siren', 'email', 'phone')))

    def refresh_derived(self) -> None:
        """Recompute the folded sort and search copies (bulk_create skips save(): callers call this first)."""
        values = {key: getattr(self, key) for key in (*SEARCHED, 'name', 'first_name')}
        self.sort_name, self.search_text = folded_sort_name(values), contact_search_text(values)

    async def save(self, *args, update_fields=None, **kwargs) -> None:
        self.refresh_derived()
        if update_fields is not None:
            update_fields = [*update_fields, *(key for key in DERIVED if key not in update_fields)]
        await super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def display_name(self) -> str:
        return display_name(self.name, self.first_name, self.is_company)


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


class Counter(Model):
    """A named counter of the contacts area, bumped with an UPDATE first, which locks its row until the
    transaction ends. 'contact' numbers the client codes (C00001...), so that two imports never hand out one code.
    'article_graph' is bumped by every change to a composite article, so that two changes can't make a cycle."""

    key = fields.CharField(max_length=30, primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = 'contacts_counter'


def display_name(name: str, first_name: str | None, is_company) -> str:
    """How a contact is named on documents and lists: a person's first name first (also for raw rows)."""
    return f'{first_name} {name}'.strip() if not is_company and first_name else name
