import io
from decimal import Decimal

import openpyxl
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from db import article_parts, articles
from db.article import Article, ArticleComponent
from db.audit import AuditEntry
from db.company import VatRate
from tests.pages.helpers import log_in


async def add(admin, reference: str, price: str = '10', **values) -> Article:
    return await articles.create_article(admin, {'reference': reference, 'designation': f'Article {reference}',
                                                 'sale_price': price, **values})


def table(user: User):
    return user.find(marker='articles').elements.pop()


async def test_the_list_shows_articles_with_french_prices_and_filters_them(user: User, admin):
    await add(admin, 'POSE', '45.5', kind='service', designation='Pose de parquet')
    await add(admin, 'VIS', '0.125', kind='good', designation='Vis inox')
    await log_in(user, next_path='/articles')
    await user.should_see('2 article(s)', retries=50)
    assert [(row['reference'], row['sale_price'], row['kind']) for row in table(user).rows] == [
        ('POSE', '45,50', 'Prestation'), ('VIS', '0,125', 'Bien')]
    user.find(marker='kind').elements.pop().set_value('good')
    await user.should_see(marker='count', content='1 article(s)')
    assert [row['reference'] for row in table(user).rows] == ['VIS']


async def test_a_new_article_is_created_with_a_french_price(user: User, admin):
    await log_in(user, next_path='/articles/nouveau')
    await user.should_see('Nouvel article', retries=50)
    user.find(marker='reference').type('PARQ-14')
    user.find(marker='designation').type('Parquet chêne 14 mm')
    user.find(marker='sale_price').type('62,5.0')
    user.find(marker='save').click()
    await user.should_see('n’est pas un nombre valide')
    assert not await Article.exists()
    user.find(marker='sale_price').clear().type('62,50')
    user.find(marker='save').click()
    await user.should_see(marker='reference-badge', content='PARQ-14', retries=50)
    article = await Article.get(reference='PARQ-14')
    assert article.sale_price == Decimal('62.5') and article.vat_rate_id == (await VatRate.get(is_default=True)).id


async def test_parts_are_added_to_a_composite_and_its_price_follows(user: User, admin):
    part = await add(admin, 'VIS', '0.5', designation='Vis inox')
    kit = await add(admin, 'KIT', '0', designation='Kit de fixation')
    await log_in(user, next_path=f'/articles/{kit.id}')
    await user.should_see('Composition', retries=50)
    user.find(marker='part-search').type('vis')
    await user.should_see('Vis inox')
    user.find(marker='part-result').click()
    await user.should_see(marker='part-quantity')
    user.find(marker='part-quantity').clear().type('12')
    user.find(marker='save-parts').click()
    await user.should_see('Composition enregistrée.')
    saved = await Article.get(id=kit.id)
    assert saved.is_composite and saved.sale_price == Decimal('6')
    assert await ArticleComponent.filter(parent_id=kit.id, part_id=part.id).exists()


async def test_a_cycle_is_refused_with_a_french_message(user: User, admin):
    a, b = await add(admin, 'A', designation='Alpha'), await add(admin, 'B', designation='Bravo')
    await article_parts.save_components(admin, b.id, [(a.id, '1')], version=1)
    await log_in(user, next_path=f'/articles/{a.id}')
    await user.should_see('Composition', retries=50)
    user.find(marker='part-search').type('bravo')
    await user.should_see(marker='part-result')
    user.find(marker='part-result').click()
    await user.should_see(marker='part-quantity')
    user.find(marker='save-parts').click()
    await user.should_see('« A » ne peut pas contenir « B », qui le contient déjà : B → A.')
    assert not await ArticleComponent.exists(parent_id=a.id)


async def test_bulk_change_says_how_many_change_then_applies(user: User, admin):
    rates = {rate.rate: rate for rate in await VatRate.filter(category='S')}
    for reference, rate in (('A', '20'), ('B', '10'), ('C', '20')):
        await add(admin, reference, vat_rate_id=rates[Decimal(rate)].id)
    await log_in(user, next_path='/articles')
    await user.should_see('3 article(s)', retries=50)
    articles_table = table(user)
    articles_table.selected = list(articles_table.rows)
    user.find(marker='bulk').click()
    await user.should_see(marker='bulk-check')
    user.find(marker='bulk-vat').elements.pop().set_value(rates[Decimal('10')].id)
    user.find(marker='bulk-check').click()
    await user.should_see(marker='bulk-confirmation', content='2 article(s) sur 3 vont passer à « TVA 10 % »')
    user.find(marker='bulk-apply').click()
    await user.should_see('2 article(s) modifié(s).')
    assert set(await Article.all().values_list('vat_rate_id', flat=True)) == {rates[Decimal('10')].id}
    assert (await AuditEntry.get(action='article.bulk_change')).details['count'] == 2


async def test_articles_are_imported_and_exported(user: User, admin):
    await log_in(user, next_path='/articles')
    await user.should_see('Importer', retries=50)
    user.find(marker='import').click()
    await user.should_see(marker='import-file')
    data = 'Réf.;Libellé;PU HT;TVA\nA1;Article un;12,50;20\nA2;Article deux;3.5;5,5 %\n'.encode('cp1252')
    uploader = user.find(marker='import-file').elements.pop()
    await uploader.handle_uploads([SmallFileUpload(name='articles.csv', content_type='text/csv', _data=data)])
    await user.should_see(marker='import-ready', content='2 articles seront créés', retries=50)
    user.find(marker='import-commit').click()
    await user.should_see('2 articles importés.')
    await user.should_see('2 article(s)')
    user.find(marker='export-all').click()
    response = await user.download.next(timeout=10)
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert [(row[0], row[5], row[7]) for row in rows[1:]] == [('A2', 3.5, 'TVA 5,5 %'), ('A1', 12.5, 'TVA 20 %')]
    assert (await AuditEntry.get(action='article.export')).details == {'scope': 'all', 'full': True, 'count': 2}
