"""Composite articles (AR4): the parts of an article, saved as a whole list, never making a cycle.

The graph is checked inside the transaction, after taking the 'article_graph' lock, so that two users each adding
half of a cycle at the same moment can't both succeed.
"""
from decimal import Decimal

from tortoise.expressions import F

from db.actor import Actor
from db.article import Article, ArticleComponent
from db.articles import lock_graph, locked_article, reprice
from db.audit import record
from db.unit_of_work import transaction
from logic.composite import find_cycle
from logic.errors import DomainError
from logic.money import MoneyError, format_decimal_fr, parse_decimal

MAX_PARTS = 200


async def save_components(actor: Actor, article_id: int, parts: list[tuple[int, Decimal | str]], *,
                          version: int) -> Article:
    """Replace the parts of an article by `parts` [(part id, quantity)]; no parts makes it a simple article again.
    The composite's price becomes the sum of its parts (unless fixed), and so do those of composites containing it.
    """
    wanted = _quantities(parts)
    async with transaction():
        await lock_graph()
        article = await locked_article(article_id, version)
        if article_id in wanted:
            raise DomainError('Un article ne peut pas faire partie de lui-même.')
        references = dict(await Article.filter(id__in=list(wanted)).values_list('id', 'reference'))
        if len(references) != len(wanted):
            raise DomainError('Un des composants n’existe plus : rechargez la page.')
        edges = await ArticleComponent.all().values_list('parent_id', 'part_id')
        cycle = find_cycle(edges, parent=article_id, parts=list(wanted))
        if cycle:
            names = dict(await Article.filter(id__in=cycle).values_list('id', 'reference'))
            part = names[cycle[1]]
            raise DomainError(f'« {article.reference} » ne peut pas contenir « {part} », qui le contient déjà : '
                              f'{" → ".join(names[node] for node in cycle[1:])}.')
        before = {reference: format_decimal_fr(quantity) for reference, quantity in
                  await ArticleComponent.filter(parent_id=article_id).values_list('part__reference', 'quantity')}
        await ArticleComponent.filter(parent_id=article_id).delete()
        await ArticleComponent.bulk_create([
            ArticleComponent(parent_id=article_id, part_id=part_id, quantity=quantity, position=position)
            for position, (part_id, quantity) in enumerate(wanted.items())])
        await Article.filter(id=article_id).update(is_composite=bool(wanted), version=F('version') + 1)
        details = {'before': before,
                   'after': {references[part_id]: format_decimal_fr(quantity) for part_id, quantity in wanted.items()}}
        details.update(await reprice([article_id] if wanted else [], changed=article_id))
        await record('article.components', actor, target=f'article:{article_id}', details=details)
    return await Article.get(id=article_id)


def _quantities(parts: list[tuple[int, Decimal | str]]) -> dict[int, Decimal]:
    """{part id: quantity}, each quantity positive with 4 decimals at most, each part once."""
    if len(parts) > MAX_PARTS:
        raise DomainError(f'Un article composé a {MAX_PARTS} composants au plus.')
    wanted: dict[int, Decimal] = {}
    for part_id, quantity in parts:
        try:
            value = quantity if isinstance(quantity, Decimal) else parse_decimal(str(quantity), places=4,
                                                                                label='Quantité')
        except MoneyError as exc:
            raise DomainError(str(exc)) from None
        if value <= 0:
            raise DomainError('Quantité : un composant entre au moins une fois (quantité positive).')
        if -value.as_tuple().exponent > 4:
            raise DomainError('Quantité : 4 décimales au plus.')
        if part_id in wanted:
            raise DomainError('Un composant figure deux fois : additionnez ses quantités sur une seule ligne.')
        wanted[part_id] = value
    return wanted
