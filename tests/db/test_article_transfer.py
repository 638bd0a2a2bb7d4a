import io
from decimal import Decimal

import openpyxl
import pytest

from db import article_parts, article_transfer, articles
from db.article import Article
from db.audit import AuditEntry
from db.company import Unit, VatRate
from logic.article_fields import export_workbook, sample_csv
from logic.importing import format_problems
from logic.tabular import read_table
from tests.personas import set_up_company


async def check(data: bytes, filename: str = 'articles.csv'):
    preview, _, _ = await article_transfer.preview_import(read_table(data, filename))
    return preview


async def test_the_sample_file_imports_with_units_and_vat_rates_found_by_name(db):
    admin = await set_up_company()
    preview = await check(sample_csv())
    assert preview.ok, format_problems(preview.problems)
    assert await article_transfer.commit_import(admin, preview, filename='exemple.csv') == 3
    screws = await Article.get(reference='VIS-4x40')
    assert (screws.kind, screws.sale_price, screws.purchase_price) == ('good', Decimal('12.9'), Decimal('6.125'))
    assert (await Unit.get(id=screws.unit_id)).code == 'C62'
    assert (await VatRate.get(id=screws.vat_rate_id)).rate == Decimal('20')
    assert (await Article.get(reference='POSE-H')).sort_designation == 'main d’oeuvre de pose'
    assert (await AuditEntry.get(action='article.import')).details == {'file': 'exemple.csv', 'count': 3}


async def test_every_problem_is_reported_and_nothing_is_written(db):
    admin = await set_up_company()
    await articles.create_article(admin, {'reference': 'EXISTE', 'designation': 'Déjà là'})
    data = ('Référence;Désignation;Prix HT;TVA;Unité\n'
            'A1;Article un;12,50;20;heure\n'
            'A2;Article deux;12.50;7;heure\n'        # no 7 % rate
            'a1;Article trois;12,5,0;20;heure\n'     # duplicate reference, bad number
            'existe;Article quatre;3;0;heure\n'      # in the base already; several 0 % rates
            'A5;;3;20;boisseau\n').encode('cp1252')  # no designation, unknown unit
    preview = await check(data)
    assert format_problems(preview.problems) == [
        'Ligne 3, colonne « TVA » : Taux de TVA inconnu : « 7 ». Ajoutez-le dans Paramètres > Listes par défaut ou '
        'corrigez la cellule.',
        'Ligne 4, colonne « Référence » : « a1 » figure deux fois dans cette colonne (lignes 2 et 4) : chaque '
        'valeur doit être unique.',
        'Ligne 4, colonne « Prix HT » : Prix de vente HT : « 12,5,0 » n’est pas un nombre valide (exemple : '
        '1 234,50).',
        'Ligne 5, colonne « TVA » : « 0 » : plusieurs taux de TVA valent 0 ; indiquez leur libellé (par exemple '
        '« Exonéré (franchise en base) »).',
        'Ligne 5, colonne « Référence » : La référence existe est déjà celle d’un article de la base : '
        'changez-la, ou modifiez cet article depuis sa fiche.',
        'Ligne 6, colonne « Désignation » : Valeur obligatoire manquante (Désignation).',
        'Ligne 6, colonne « Unité » : Unité inconnue : « boisseau » (valeurs possibles : unité, C62, heure, '
        'HUR, jour, DAY, forfait, kg).',
    ]
    with pytest.raises(article_transfer.ImportRefused):
        await article_transfer.commit_import(admin, preview, filename='articles.csv')
    assert await Article.all().count() == 1


async def test_the_full_export_lists_every_article_and_the_parts_of_composites(db):
    admin = await set_up_company()
    await article_transfer.commit_import(admin, await check(sample_csv()), filename='exemple.csv')
    kit = await articles.create_article(admin, {'reference': 'KIT', 'designation': 'Kit parquet'})
    parquet = await Article.get(reference='PARQ-CH-14')
    await article_parts.save_components(admin, kit.id, [(parquet.id, '10')], version=1)
    records, units, rates, parts = await article_transfer.export_data(admin, None, full=True)
    workbook = openpyxl.load_workbook(io.BytesIO(export_workbook(records, units, rates, full=True,
                                                                 components=parts)), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:6] == ('Référence', 'Type', 'Désignation', 'Description', 'Unité', 'Prix de vente HT')
    assert [row[0] for row in rows[1:]] == ['KIT', 'POSE-H', 'PARQ-CH-14', 'VIS-4x40']
    assert rows[1][5] == 625 and rows[1][10:12] == ('Oui', 'Non')
    assert list(workbook.worksheets[1].iter_rows(values_only=True)) == [
        ('Article composé', 'Composant', 'Quantité'), ('KIT', 'PARQ-CH-14', 10)]


async def test_the_selection_export_follows_the_filters_and_order(db):
    admin = await set_up_company()
    await article_transfer.commit_import(admin, await check(sample_csv()), filename='exemple.csv')
    records, units, rates, _ = await article_transfer.export_data(
        admin, articles.ArticleFilter(kind='good'), ['-sale_price', 'id'], full=False)
    sheet = openpyxl.load_workbook(io.BytesIO(export_workbook(records, units, rates, full=False))).worksheets[0]
    assert [row[:2] for row in sheet.iter_rows(values_only=True)] == [
        ('Référence', 'Désignation'), ('PARQ-CH-14', 'Parquet chêne massif 14 mm'),
        ('VIS-4x40', 'Vis inox 4 x 40 (boîte de 200)')]
