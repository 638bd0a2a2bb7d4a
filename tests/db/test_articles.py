from decimal import Decimal

import pytest

from db import article_parts, articles
from db.article import Article, ArticleComponent
from db.audit import AuditEntry
from db.company import Unit, VatRate
from logic.contact import FieldsInvalid
from logic.errors import DomainError
from tests.personas import add_clerk, set_up_company

D = Decimal


async def new(admin, reference: str, price: str = '10', **extra) -> Article:
    return await articles.create_article(admin, {'reference': reference, 'designation': f'Article {reference}',
                                                 'sale_price': price, 'kind': 'good', **extra})


async def test_an_article_is_created_with_its_prices_exact_to_six_decimals(db):
    admin = await set_up_company()
    rate = await VatRate.get(is_default=True)
    hour = await Unit.get(code='HUR')
    article = await articles.create_article(admin, {
        'reference': 'POSE-H', 'designation': 'Main d’œuvre de pose', 'kind': 'prestation', 'sale_price': '45,5',
        'purchase_price': '0,125', 'vat_rate_id': rate.id, 'unit_id': hour.id, 'sales_account': '706 000'})
    stored = await Article.get(id=article.id)
    assert (stored.kind, stored.sale_price, stored.purchase_price, stored.sales_account) == (
        'service', D('45.500000'), D('0.125000'), '706000')
    assert stored.sort_designation == 'main d’oeuvre de pose'
    assert (await AuditEntry.get(action='article.create')).details == {'reference': 'POSE-H',
                                                                         'designation': 'Main d’œuvre de pose'}


async def test_references_are_unique_whatever_their_case(db):
    admin = await set_up_company()
    await new(admin, 'kit-01')
    with pytest.raises(FieldsInvalid) as refused:
        await new(admin, 'KIT-01')
    assert 'reference' in refused.value.errors


async def test_it_refuses_bad_prices_and_missing_fields(db):
    admin = await set_up_company()
    with pytest.raises(FieldsInvalid) as refused:
        await articles.create_article(admin, {'reference': '', 'sale_price': '12,5,0', 'purchase_price': '-3'})
    assert set(refused.value.errors) == {'reference', 'designation', 'sale_price', 'purchase_price'}
    assert 'n’est pas un nombre valide' in refused.value.errors['sale_price']
    assert 'négatif' in refused.value.errors['purchase_price']


async def test_a_stale_form_is_refused(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    article = await new(admin, 'A1')
    values = {'reference': 'A1', 'designation': 'Article A1', 'sale_price': '11'}
    await articles.update_article(clerk, article.id, values, version=1)
    with pytest.raises(DomainError, match='modifié par quelqu’un d’autre'):
        await articles.update_article(admin, article.id, {**values, 'sale_price': '12'}, version=1)
    assert (await Article.get(id=article.id)).sale_price == D('11')


async def test_a_composite_costs_the_sum_of_its_parts_and_follows_their_prices(db):
    admin = await set_up_company()
    screw, board = await new(admin, 'VIS', '0.125', purchase_price='0.05'), await new(admin, 'PLANCHE', '20')
    kit = await new(admin, 'KIT', '0')
    kit = await article_parts.save_components(admin, kit.id, [(screw.id, '8'), (board.id, '2,5')], version=1)
    assert (kit.is_composite, kit.sale_price, kit.purchase_price) == (True, D('51.000000'), D('0.400000'))
    big_kit = await new(admin, 'GRAND-KIT', '0')
    big_kit = await article_parts.save_components(admin, big_kit.id, [(kit.id, '2'), (screw.id, '4')], version=1)
    assert big_kit.sale_price == D('102.500000')

    await articles.update_article(admin, screw.id, {'reference': 'VIS', 'designation': 'Vis', 'sale_price': '0,25'},
                                  version=1)
    assert (await Article.get(id=kit.id)).sale_price == D('52.000000')
    assert (await Article.get(id=big_kit.id)).sale_price == D('105.000000')
    entry = await AuditEntry.filter(action='article.update').order_by('-id').first()
    assert entry.details['repriced'] == ['KIT', 'GRAND-KIT']
    parts = await articles.parts_of(big_kit.id)
    assert [(part['reference'], part['quantity']) for part in parts] == [('KIT', D('2')), ('VIS', D('4'))]


async def test_a_fixed_price_composite_keeps_its_price(db):
    admin = await set_up_company()
    part = await new(admin, 'P', '10')
    kit = await new(admin, 'KIT', '99', fixed_price=True)
    kit = await article_parts.save_components(admin, kit.id, [(part.id, '3')], version=1)
    assert kit.sale_price == D('99') and kit.purchase_price == D('0')


@pytest.mark.parametrize('parts_of, new_parts, refused', [
    ({}, {'A': ['A']}, 'lui-même'),
    ({'B': ['A']}, {'A': ['B']}, '« A » ne peut pas contenir « B », qui le contient déjà : B → A.'),
    ({'B': ['C'], 'C': ['A']}, {'A': ['B']}, 'B → C → A'),
    ({'B': ['C'], 'C': ['D']}, {'A': ['B']}, None),
])
async def test_a_composite_can_never_contain_itself_even_indirectly(db, parts_of, new_parts, refused):
    admin = await set_up_company()
    made = {reference: await new(admin, reference) for reference in 'ABCD'}
    for parent, parts in parts_of.items():
        await article_parts.save_components(admin, made[parent].id, [(made[p].id, '1') for p in parts],
                                            version=(await Article.get(id=made[parent].id)).version)
    [(parent, parts)] = new_parts.items()
    attempt = article_parts.save_components(admin, made[parent].id, [(made[p].id, '1') for p in parts],
                                            version=(await Article.get(id=made[parent].id)).version)
    if refused:
        with pytest.raises(DomainError, match=refused.replace('(', r'\(')):
            await attempt
        assert not await ArticleComponent.exists(parent_id=made[parent].id)
    else:
        await attempt


async def test_a_part_used_in_a_composite_is_archived_rather_than_deleted(db):
    admin = await set_up_company()
    part, alone = await new(admin, 'P'), await new(admin, 'SEUL')
    kit = await new(admin, 'KIT')
    await article_parts.save_components(admin, kit.id, [(part.id, '1')], version=1)
    assert await articles.delete_article(admin, part.id) == 'archived'
    assert (await Article.get(id=part.id)).active is False
    assert await articles.delete_article(admin, alone.id) == 'deleted'
    assert await articles.delete_article(admin, kit.id) == 'deleted'  # its parts list goes with it
    assert not await ArticleComponent.exists()


async def test_bulk_change_counts_what_changes_and_is_audited(db):
    admin = await set_up_company()
    rates = {rate.rate: rate for rate in await VatRate.filter(category='S')}
    a = await new(admin, 'A', vat_rate_id=rates[D('20')].id)
    b = await new(admin, 'B', vat_rate_id=rates[D('10')].id)
    c = await new(admin, 'C')  # no rate yet
    ids = [a.id, b.id, c.id]
    assert await articles.count_bulk_change(ids, vat_rate_id=rates[D('10')].id) == 2
    assert await articles.bulk_change(admin, ids, vat_rate_id=rates[D('10')].id) == 2
    assert set(await Article.all().values_list('vat_rate_id', flat=True)) == {rates[D('10')].id}
    entry = await AuditEntry.get(action='article.bulk_change')
    assert entry.details == {'field': 'vat_rate_id', 'to': rates[D('10')].id, 'count': 2,
                             'before': {'A': rates[D('20')].id, 'C': None}}
    assert await articles.bulk_change(admin, ids, sales_account='707 100') == 3
    with pytest.raises(DomainError, match='Compte de vente invalide'):
        await articles.bulk_change(admin, ids, sales_account='ventes')


async def test_the_list_searches_filters_and_sorts_prices_as_numbers(db):
    admin = await set_up_company()
    await new(admin, 'P-100', '100', designation='Évier inox')
    await new(admin, 'P-20', '20', designation='robinet', kind='service')
    await new(admin, 'P-3', '3', designation='Joint')
    rows, total = await articles.list_articles(articles.ArticleFilter(), ['sale_price', 'id'], offset=0, limit=10)
    assert [row['reference'] for row in rows] == ['P-3', 'P-20', 'P-100'] and total == 3
    rows, total = await articles.list_articles(articles.ArticleFilter(), ['-sale_price', 'id'], offset=2, limit=10,
                                               total=7)  # known from the same filters: not counted again
    assert [row['reference'] for row in rows] == ['P-3'] and total == 7
    rows, _ = await articles.list_articles(articles.ArticleFilter(search='evier'), articles.DEFAULT_ORDER,
                                           offset=0, limit=10)
    assert [row['designation'] for row in rows] == ['Évier inox']
    rows, _ = await articles.list_articles(articles.ArticleFilter(kind='good'), articles.DEFAULT_ORDER,
                                           offset=0, limit=10)
    assert [row['designation'] for row in rows] == ['Évier inox', 'Joint']
    assert [found['reference'] for found in await articles.search_for_picker('p-')] == ['P-100', 'P-3', 'P-20']


async def test_the_database_has_the_last_word_an_article_it_still_references_is_archived(db, monkeypatch):
    admin = await set_up_company()
    part, kit = await new(admin, 'P'), await new(admin, 'KIT')
    await article_parts.save_components(admin, kit.id, [(part.id, '1')], version=1)

    async def nothing_known(**_filters) -> bool:  # as for a document line the articles area doesn't know of
        return False

    monkeypatch.setattr(articles.ArticleComponent, 'exists', nothing_known)
    assert await articles.delete_article(admin, part.id) == 'archived'
    assert (await Article.get(id=part.id)).active is False
    assert not await AuditEntry.filter(action='article.delete').exists()
