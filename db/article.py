"""Articles (AR1-AR5): goods and services, possibly composite. Used articles are archived, never deleted."""
from tortoise import fields
from tortoise.models import Model

from db.fields import FixedDecimalField, MoneyField

ARTICLE_KINDS = {'good': 'Bien', 'service': 'Prestation'}


class Article(Model):
    """An article. Prices are HT. A composite article's price is the sum of its parts unless fixed."""

    id = fields.IntField(primary_key=True)
    reference = fields.CharField(max_length=40, unique=True)
    kind = fields.CharField(max_length=16, default='service', db_index=True)
    designation = fields.CharField(max_length=200, db_index=True)
    description = fields.TextField(default='')
    unit = fields.ForeignKeyField('models.Unit', null=True, on_delete=fields.SET_NULL, related_name=False)
    sale_price = FixedDecimalField(scale=6, default=0)
    purchase_price = FixedDecimalField(scale=6, default=0)
    vat_rate = fields.ForeignKeyField('models.VatRate', null=True, on_delete=fields.SET_NULL, related_name=False)
    sales_account = fields.CharField(max_length=20, default='')
    is_composite = fields.BooleanField(default=False)
    fixed_price = fields.BooleanField(default=False)
    show_parts = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = 'article'


class ArticleComponent(Model):
    """One part of a composite article, with its quantity."""

    id = fields.IntField(primary_key=True)
    parent = fields.ForeignKeyField('contacts.Article', related_name='components', on_delete=fields.CASCADE)
    part = fields.ForeignKeyField('contacts.Article', related_name='used_in', on_delete=fields.RESTRICT)
    quantity = FixedDecimalField(scale=4, default=1)
    position = fields.IntField(default=0)

    class Meta:
        table = 'article_component'
        unique_together = (('parent', 'part'),)
