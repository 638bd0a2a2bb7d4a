from tortoise import migrations
from tortoise.migrations import operations as ops
from db.fields import FixedDecimalField
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_audit_append_only')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Article',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=40)),
                ('kind', fields.CharField(default='service', db_index=True, max_length=16)),
                ('designation', fields.CharField(db_index=True, max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('sale_price', FixedDecimalField(default=0, scale=6)),
                ('purchase_price', FixedDecimalField(default=0, scale=6)),
                ('vat_rate', fields.ForeignKeyField('models.VatRate', source_field='vat_rate_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('sales_account', fields.CharField(default='', max_length=20)),
                ('is_composite', fields.BooleanField(default=False)),
                ('fixed_price', fields.BooleanField(default=False)),
                ('show_parts', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'article', 'app': 'contacts', 'pk_attr': 'id', 'table_description': "An article. Prices are HT. A composite article's price is the sum of its parts unless fixed."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArticleComponent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('parent', fields.ForeignKeyField('contacts.Article', source_field='parent_id', db_constraint=True, to_field='id', related_name='components', on_delete=OnDelete.CASCADE)),
                ('part', fields.ForeignKeyField('contacts.Article', source_field='part_id', db_constraint=True, to_field='id', related_name='used_in', on_delete=OnDelete.RESTRICT)),
                ('quantity', FixedDecimalField(default=1, scale=4)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'article_component', 'app': 'contacts', 'unique_together': (('parent', 'part'),), 'pk_attr': 'id', 'table_description': 'One part of a composite article, with its quantity.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Contact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=20)),
                ('kind', fields.CharField(default='client', db_index=True, max_length=16)),
                ('is_company', fields.BooleanField(default=True)),
                ('category', fields.CharField(default='fr_business', max_length=20)),
                ('name', fields.CharField(db_index=True, max_length=200)),
                ('first_name', fields.CharField(default='', max_length=100)),
                ('legal_form', fields.CharField(default='', max_length=60)),
                ('siren', fields.CharField(default='', db_index=True, max_length=9)),
                ('siret', fields.CharField(default='', max_length=14)),
                ('vat_number', fields.CharField(default='', max_length=20)),
                ('electronic_address', fields.CharField(default='', max_length=200)),
                ('email', fields.CharField(default='', max_length=254)),
                ('phone', fields.CharField(default='', max_length=40)),
                ('mobile', fields.CharField(default='', max_length=40)),
                ('website', fields.CharField(default='', max_length=200)),
                ('address', fields.CharField(default='', max_length=200)),
                ('address2', fields.CharField(default='', max_length=200)),
                ('postcode', fields.CharField(default='', db_index=True, max_length=20)),
                ('city', fields.CharField(default='', db_index=True, max_length=100)),
                ('country', fields.CharField(default='FR', max_length=2)),
                ('iban', fields.CharField(default='', max_length=34)),
                ('bic', fields.CharField(default='', max_length=11)),
                ('mandate_reference', fields.CharField(default='', max_length=35)),
                ('mandate_signed_on', fields.DateField(null=True)),
                ('account', fields.CharField(default='', max_length=20)),
                ('default_vat_rate', fields.ForeignKeyField('models.VatRate', source_field='default_vat_rate_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('default_payment_method', fields.ForeignKeyField('models.PaymentMethod', source_field='default_payment_method_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('quote_template_id', fields.IntField(null=True)),
                ('invoice_template_id', fields.IntField(null=True)),
                ('dunning_template_id', fields.IntField(null=True)),
                ('notes', fields.TextField(default='', unique=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'contact', 'app': 'contacts', 'pk_attr': 'id', 'table_description': 'A contact. The main billing address is kept on the row itself, for fast lists and searches.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Address',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact', fields.ForeignKeyField('contacts.Contact', source_field='contact_id', db_constraint=True, to_field='id', related_name='addresses', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(default='delivery', max_length=16)),
                ('label', fields.CharField(default='', max_length=100)),
                ('address', fields.CharField(default='', max_length=200)),
                ('address2', fields.CharField(default='', max_length=200)),
                ('postcode', fields.CharField(default='', max_length=20)),
                ('city', fields.CharField(default='', max_length=100)),
                ('country', fields.CharField(default='FR', max_length=2)),
            ],
            options={'table': 'contact_address', 'app': 'contacts', 'pk_attr': 'id', 'table_description': 'Further addresses of a contact: billing (if several), delivery, other.'},
            bases=['Model'],
        ),
    ]
