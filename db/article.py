"""Articles (AR1-AR5): goods and services, possibly composite. Used articles are archived, never deleted."""
from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from db.fields import FixedDecimalField
from logic.article import ARTICLE_KINDS  # noqa: F401 - re-exported
from logic.article import article_search_text
from logic.article import sort_designation as folded_designation

DERIVED = ('sort_designation', 'search_text')


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
    # Folded copies kept by db/articles.py, as for contacts: sort on sort_designation, search in search_text.
    sort_designation = fields.CharField(max_length=200, default='', db_default='')
    search_text = fields.TextField(default='', db_default='')

    class Meta:
        table = 'article'
        # As for contacts: each sortable column through an index, ties broken by designation then id.
        indexes = (Index(fields=('sort_designation', 'id', 'active'), name='article_sort_designation'),
                   Index(fields=('active', 'sort_designation'), name='article_active_sort_designation'),
                   *(Index(fields=(column, 'sort_designation'), name=f'article_{column}_sort_designation')
                     for column in ('kind', 'is_composite', 'sale_price', 'sales_account')))

    def refresh_derived(self) -> None:
        """Recompute the folded sort and search copies (bulk_create skips save(): callers call this first)."""
        values = {'reference': self.reference, 'designation': self.designation}
        self.sort_designation, self.search_text = folded_designation(values), article_search_text(values)

    async def save(self, *args, update_fields=None, **kwargs) -> None:
        self.refresh_derived()
        if update_fields is not None:
            update_fields = [*update_fields, *(key for key in DERIVED if key not in update_fields)]
        await super().save(*args, update_fields=update_fields, **kwargs)


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
