"""Article operations (AR1, AR3-AR5): checked, audited, each in one short transaction, and the list queries.

An article named on a document is archived, never deleted. A composite article's price follows its parts: any
change of a part's price reprices the composites that contain it, in the same transaction.
"""
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from db.actor import Actor
from db.article import Article, ArticleComponent
from db.audit import changes, record
from db.company import Unit, VatRate
from db.unit_of_work import transaction
from logic.article import ARTICLE_KINDS, clean_article
from logic.composite import composite_price, containers_in_order
from logic.contact import FieldsInvalid
from logic.errors import DomainError
from logic.search_text import search_words

EDITABLE = ('reference', 'kind', 'designation', 'description', 'unit_id', 'sale_price', 'purchase_price',
            'vat_rate_id', 'sales_account', 'fixed_price', 'show_parts')
SORTS = {'reference': 'reference', 'designation': 'sort_designation', 'kind': 'kind', 'sale_price': 'sale_price',
         'sales_account': 'sales_account'}
DEFAULT_ORDER = ['sort_designation', 'id']
LIST_FIELDS = ('id', 'reference', 'designation', 'kind', 'unit_id', 'sale_price', 'vat_rate_id', 'sales_account',
               'is_composite', 'active')
STALE = 'Cet article a été modifié par quelqu’un d’autre entre-temps : rechargez la page pour voir ses changements.'


@dataclass(kw_only=True, slots=True, frozen=True)
class ArticleFilter:
    kind: str = ''           # '' for both kinds
    search: str = ''         # words looked for in the reference and the designation
    status: str = 'active'   # 'active', 'archived' or 'all'
    composite: str = ''      # '' all, 'composite' or 'simple'


def list_order(column: str | None, descending: bool = False) -> list[str]:
    """ORDER BY terms for a list column, ties broken by designation then id in the same direction (an index walked
    forwards or backwards gives the page without a sort)."""
    field = SORTS.get(column or '', 'sort_designation')
    terms = [field] if field == 'reference' else [field, *(term for term in DEFAULT_ORDER if term != field)]
    return [f'-{term}' for term in terms] if descending else terms


def article_query(filters: ArticleFilter) -> QuerySet[Article]:
    query = Article.all()
    if filters.kind:
        query = query.filter(kind=filters.kind)
    if filters.status in ('active', 'archived'):
        query = query.filter(active=filters.status == 'active')
    if filters.composite in ('composite', 'simple'):
        query = query.filter(is_composite=filters.composite == 'composite')
    for word in search_words(filters.search):
        query = query.filter(search_text__contains=word)
    return query


async def list_articles(filters: ArticleFilter, order: list[str], *, offset: int, limit: int,
                        total: int | None = None) -> tuple[list[dict], int]:
    """One page of the list and the number of matching articles; `total` known already: no COUNT (as contacts)."""
    query = article_query(filters)
    total = await query.count() if total is None else total
    rows = await query.order_by(*order).offset(offset).limit(limit).values(*LIST_FIELDS)
    return rows, total


async def search_for_picker(text: str, *, limit: int = 8, exclude: int | None = None) -> list[dict]:
    """Active articles matching the words typed, for an autocomplete (id, reference, label, detail, price)."""
    query = article_query(ArticleFilter(search=text))
    if exclude is not None:
        query = query.exclude(id=exclude)
    rows = await query.order_by(*DEFAULT_ORDER).limit(limit).values('id', 'reference', 'designation', 'kind',
                                                                    'sale_price')
    return [{'id': row['id'], 'reference': row['reference'], 'label': row['designation'], 'price': row['sale_price'],
             'detail': f'{row["reference"]} · {ARTICLE_KINDS.get(row["kind"], "")}'} for row in rows]


async def get_article(article_id: int) -> Article:
    article = await Article.get_or_none(id=article_id)
    if article is None:
        raise DomainError('Cet article n’existe pas ou a été supprimé.')
    return article


async def parts_of(article_id: int) -> list[dict]:
    """The parts of a composite, in order: for its page and for a document line that shows them."""
    return await ArticleComponent.filter(parent_id=article_id).order_by('position', 'id').values(
        'id', 'part_id', 'quantity', reference='part__reference', designation='part__designation',
        sale_price='part__sale_price', unit_id='part__unit_id', active='part__active')


async def is_used(article_id: int) -> bool:
    return False  # TODO(documents): true when a document line names the article (the documents area's check)


# --- changes --------------------------------------------------------------------------------------------------------

async def create_article(actor: Actor, data: dict) -> Article:
    cleaned = await _clean(data)
    try:
        async with transaction():
            await _check_reference_free(cleaned['reference'])
            article = await Article.create(**cleaned)
            await record('article.create', actor, target=f'article:{article.id}',
                         details={'reference': article.reference, 'designation': article.designation})
    except IntegrityError:  # the same reference saved in another window at the same moment
        raise _reference_taken(cleaned['reference']) from None
    return article


async def update_article(actor: Actor, article_id: int, data: dict, *, version: int) -> Article:
    """Save a form; refused when someone saved the article since the form was loaded (`version`)."""
    cleaned = await _clean(data)
    try:
        async with transaction():
            await lock_graph()
            article = await locked_article(article_id, version)
            if cleaned['reference'] != article.reference:
                await _check_reference_free(cleaned['reference'], article.id)
            if article.is_composite and not cleaned.get('fixed_price', article.fixed_price):
                cleaned.pop('sale_price', None)  # the sum of the parts, recomputed below
            if article.is_composite:
                cleaned.pop('purchase_price', None)
            diff = changes({key: getattr(article, key) for key in cleaned}, cleaned)
            if diff:
                article.update_from_dict(cleaned)
                article.version += 1
                await article.save()
                diff.update(await reprice([article.id] if article.is_composite else [], changed=article.id))
                await record('article.update', actor, target=f'article:{article.id}', details=diff)
    except IntegrityError:  # the new reference saved elsewhere at the same moment
        raise _reference_taken(cleaned['reference']) from None
    return article


async def set_active(actor: Actor, article_id: int, active: bool) -> None:
    """Archive (hidden from pickers, kept for the documents that name it) or bring back."""
    async with transaction():
        article = await get_article(article_id)
        if article.active != active:
            await Article.filter(id=article_id).update(active=active, version=F('version') + 1)
            await record('article.activate' if active else 'article.archive', actor,
                         target=f'article:{article_id}', details={'reference': article.reference})


async def delete_article(actor: Actor, article_id: int) -> str:
    """Delete an article nothing names; one named on a document or in a composite is archived instead.
    Returns 'deleted' or 'archived'. The foreign keys (ON DELETE RESTRICT) have the last word."""
    article = await get_article(article_id)
    if not await is_used(article_id) and not await ArticleComponent.exists(part_id=article_id):
        try:
            async with transaction():
                await lock_graph()
                await Article.filter(id=article_id).delete()
                await record('article.delete', actor, target=f'article:{article_id}',
                             details={'reference': article.reference, 'designation': article.designation})
            return 'deleted'
        except IntegrityError:
            pass
    await set_active(actor, article_id, False)
    return 'archived'


async def count_bulk_change(ids: list[int], *, vat_rate_id: int | None = None, sales_account: str | None = None
                            ) -> int:
    """How many of these articles the bulk change would really change (for the confirmation)."""
    return await _bulk_query(ids, vat_rate_id, _account(sales_account)).count()


async def bulk_change(actor: Actor, ids: list[int], *, vat_rate_id: int | None = None,
                      sales_account: str | None = None) -> int:
    """Set a VAT rate or a sales account on the selected articles (AR5); returns how many changed."""
    if (vat_rate_id is None) == (sales_account is None):
        raise DomainError('Choisissez soit un taux de TVA, soit un compte de vente.')
    sales_account = _account(sales_account)
    async with transaction():
        if vat_rate_id is not None and not await VatRate.exists(id=vat_rate_id):
            raise DomainError('Ce taux de TVA n’existe plus.')
        query = _bulk_query(ids, vat_rate_id, sales_account)
        field = 'vat_rate_id' if vat_rate_id is not None else 'sales_account'
        before = dict(await query.values_list('reference', field))
        if before:
            await query.update(**{field: vat_rate_id if vat_rate_id is not None else sales_account},
                               version=F('version') + 1)
            await record('article.bulk_change', actor, target='articles', details={
                'field': field, 'to': vat_rate_id if vat_rate_id is not None else sales_account,
                'count': len(before), 'before': before})
    return len(before)


def _account(sales_account: str | None) -> str | None:
    if sales_account is None:
        return None
    cleaned, errors = clean_article({'sales_account': sales_account})
    if errors:
        raise DomainError(errors['sales_account'])
    return cleaned['sales_account']


def _bulk_query(ids: list[int], vat_rate_id: int | None, sales_account: str | None) -> QuerySet[Article]:
    query = Article.filter(id__in=list(ids))
    if vat_rate_id is not None:  # NOT (x = 5) is not true when x is NULL: articles without a rate change too
        return query.filter(Q(vat_rate_id__isnull=True) | ~Q(vat_rate_id=vat_rate_id))
    return query.exclude(sales_account=sales_account)


# --- helpers shared with db/article_parts.py ---------------------------------------------------------------------

async def reprice(composites: list[int], *, changed: int | None = None) -> dict:
    """Recompute the prices of these composites and of every composite containing them (or `changed`), parts
    first. Returns {'repriced': [references]} for the audit entry, or {} when nothing moved."""
    edges = await ArticleComponent.all().values_list('parent_id', 'part_id')
    order = list(composites)
    for start in [*composites, *([changed] if changed is not None else [])]:
        order += [node for node in containers_in_order(edges, start) if node not in order]
    repriced = []
    for article_id in order:
        article = await Article.get(id=article_id)
        parts = await ArticleComponent.filter(parent_id=article_id).values_list(
            'quantity', 'part__sale_price', 'part__purchase_price')
        values = {'purchase_price': composite_price([(quantity, cost) for quantity, _, cost in parts])}
        if not article.fixed_price:
            values['sale_price'] = composite_price([(quantity, price) for quantity, price, _ in parts])
        if any(getattr(article, key) != value for key, value in values.items()):
            await Article.filter(id=article_id).update(**values, version=F('version') + 1)
            repriced.append(article.reference)
    return {'repriced': repriced} if repriced else {}


async def lock_graph() -> None:
    """Serialise changes to composites: two concurrent edits could each add half of a cycle."""
    from db.contact import Counter  # noqa: PLC0415 - the contacts area's counters live with the contact model

    await Counter.filter(key='article_graph').update(value=F('value') + 1)


async def locked_article(article_id: int, version: int) -> Article:
    article = await Article.get_or_none(id=article_id).select_for_update()
    if article is None:
        raise DomainError('Cet article n’existe pas ou a été supprimé.')
    if article.version != version:
        raise DomainError(STALE)
    return article


async def _check_reference_free(reference: str, article_id: int | None = None) -> None:
    query = Article.filter(reference__iexact=reference)
    if article_id is not None:
        query = query.exclude(id=article_id)
    if await query.exists():
        raise _reference_taken(reference)


def _reference_taken(reference: str) -> FieldsInvalid:
    return FieldsInvalid({'reference': f'La référence {reference} est déjà celle d’un autre article.'})


async def _clean(data: dict) -> dict:
    cleaned, errors = clean_article({key: value for key, value in data.items() if key in EDITABLE})
    for key in ('reference', 'designation'):
        if key not in cleaned and key not in errors:
            errors[key] = 'Ce champ est obligatoire.'
    for key, model in (('unit_id', Unit), ('vat_rate_id', VatRate)):
        if cleaned.get(key) and not await model.exists(id=cleaned[key]):
            errors[key] = 'Ce choix n’existe plus : choisissez-en un autre.'
    if errors:
        raise FieldsInvalid(errors)
    return cleaned

