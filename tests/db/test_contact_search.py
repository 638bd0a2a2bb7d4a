"""The contacts' words index (db/contact_search.py): on SQLite a trigram FTS5 table kept by triggers finds exactly the
contacts a contains-search finds, through every insert, update and delete; on PostgreSQL the contains-search stays."""
import random
from datetime import date
from decimal import Decimal

import pytest
from tortoise import connections

from db import contact_search, contacts, document_list, engine, payment_list
from db.contact import Contact
from db.contact_search import clients_named, match_expression, with_words
from db.document import Document, Installment
from db.document_list import DocumentQuery, list_documents
from db.payment_list import PaymentQuery, list_installments
from tests.databases import use_postgres
from tests.personas import set_up_company

NAMES = ['Élise Durand', 'Boulangerie Martin', 'Garage du Centre', 'SARL L’Atelier "Bois & Fer"', 'Œuvre d’art',
         'Cabinet Dupont-Martin', 'Martine Lefèvre', 'A.B.C. Services', 'Müller GmbH', 'Menuiserie 2000',
         'Dupont', 'Café de la Gare', 'Zoé', 'Bâtiment (Nord) 50%', 'Jean_Pierre', 'x', 'l\'ange du*', '']
CITIES = ['Lyon', 'Saint-Étienne', 'Nantes', 'Paris 11e', 'Lille', '']


def _searches(rng: random.Random, texts: list[str]) -> list[str]:
    """Words people type: whole names, pieces of every length cut from the contacts' own texts (accents and
    case changed), words no one holds, and the characters FTS5 reads as query syntax."""
    searches = ['martin', 'MARTIN dupont', 'élise', 'gare', 'de', 'x', 'ab', 'abc', 'zz', 'bois & fer', '"bois"',
                'du*', 'l\'ange', 'AND', 'or', 'NEAR', '(nord)', '50%', 'jean_pierre', 'oe', 'œuvre', 'ss', '"',
                'c00', '69', 'lyon 69003', 'nantes', 'a:b', '^bou', '-martin', 'martin martin', '']
    for _ in range(120):
        text = rng.choice(texts)
        if len(text) < 2:
            continue
        start = rng.randrange(len(text) - 1)
        piece = text[start:start + rng.randint(1, 9)]
        searches.append(piece.upper() if rng.random() < 0.3 else piece)
    return searches


async def _ids(filters: contacts.ContactFilter) -> list[int]:
    rows, total = await contacts.list_contacts(filters, contacts.DEFAULT_ORDER, offset=0, limit=10_000)
    assert total == len(rows)
    return [row['id'] for row in rows]


async def _both_ways(monkeypatch, search: str, *, status: str = 'all') -> tuple[list[int], list[int], list[int],
                                                                              list[int]]:
    """The contacts list's and the name search's ids for `search`, through the index and by contains-conditions."""
    filters = contacts.ContactFilter(search=search, status=status)
    indexed = await _ids(filters), sorted(await clients_named(search).values_list('id', flat=True))
    monkeypatch.setattr(contact_search, '_indexed', False)
    plain = await _ids(filters), sorted(await clients_named(search).values_list('id', flat=True))
    monkeypatch.setattr(contact_search, '_indexed', True)
    return *indexed, *plain


@pytest.mark.skipif(use_postgres(), reason='the words index is SQLite’s (PostgreSQL keeps contains-conditions)')
async def test_the_index_finds_what_a_contains_search_finds_through_inserts_updates_and_deletes(db, monkeypatch):
    assert contact_search._indexed, 'db/engine.open_database notes the index of a migrated SQLite database'
    admin = await set_up_company()
    rng = random.Random(17)
    made = []
    for number, name in enumerate(NAMES * 3):
        if not name:
            continue
        made.append(await contacts.create_contact(admin, {
            'name': name, 'first_name': rng.choice(['', 'Jean', 'Anaïs', 'Åsa']), 'city': rng.choice(CITIES),
            'postcode': rng.choice(['69003', '42000', '']), 'email': f'c{number}@exemple.fr',
            'kind': rng.choice(['client', 'supplier', 'prospect'])}))
    # Changes after creation: names edited (the update trigger), contacts archived (no change of text), deleted.
    for contact in rng.sample(made, 12):
        await contacts.update_contact(admin, contact.id, {'name': rng.choice(NAMES[:-1]) + ' bis',
                                                          'city': rng.choice(CITIES)}, version=contact.version)
    for contact in rng.sample(made, 5):
        await Contact.filter(id=contact.id).update(active=False)
    gone = rng.sample(made, 4)
    await Contact.filter(id__in=[contact.id for contact in gone]).delete()
    texts = [text for row in await Contact.all().values('search_text', 'sort_name') for text in row.values()]
    compared = found = 0
    for search in _searches(rng, texts):
        listed, named, plain_listed, plain_named = await _both_ways(monkeypatch, search)
        assert listed == plain_listed, search
        assert named == plain_named, search
        compared += 1
        found += bool(listed)
    assert compared > 100 and found > 60  # the searches found contacts, not only nothing
    # The index holds one row per contact, with the texts as saved.
    client = connections.get('default')
    indexed = await client.execute_query_dict('SELECT rowid AS id, search_text, sort_name FROM contact_fts')
    assert sorted((row['id'], row['search_text'], row['sort_name']) for row in indexed) == sorted(
        await Contact.all().values_list('id', 'search_text', 'sort_name'))
    assert not {contact.id for contact in gone} & {row['id'] for row in indexed}


@pytest.mark.skipif(use_postgres(), reason='the words index is SQLite’s')
async def test_a_search_reads_the_index_and_short_words_stay_contains_conditions(db):
    sql = contacts.contact_query(contacts.ContactFilter(search='dupont ab')).sql()
    assert 'contact_fts MATCH ?' in sql and '"search_text" AS VARCHAR) LIKE ?' in sql
    plan = ' / '.join(row['detail'] for row in await connections.get('default').execute_query_dict(
        'EXPLAIN QUERY PLAN ' + contacts.contact_query(contacts.ContactFilter(search='dupont')).order_by(
            *contacts.DEFAULT_ORDER).limit(25).sql(params_inline=True)))
    assert 'VIRTUAL TABLE' in plan, plan
    assert 'contact_fts' not in contacts.contact_query(contacts.ContactFilter(search='ab 12')).sql()
    named = clients_named('dupont').values('id').sql()
    assert 'contact_fts MATCH ?' in named and 'LIKE' not in named


@pytest.mark.parametrize('max_clients', [500, 0])
async def test_the_documents_and_payments_lists_find_their_clients_by_name(db, monkeypatch, max_clients):
    """Both lists look for clients through the same search, with their ids listed or in a subquery (whose bound
    parameters, a short word's and an indexed word's, must reach the outer query in order), on both databases."""
    monkeypatch.setattr(document_list, 'MAX_CLIENTS', max_clients)
    monkeypatch.setattr(payment_list, 'MAX_CLIENTS', max_clients)
    names = [('Durand', 'Élise'), ('Dupuis', 'Élise'), ('Durand', 'Marc'), ('Lelise', 'Anne')]
    made = [Contact(code=f'S{index}', name=name, first_name=first) for index, (name, first) in enumerate(names)]
    for contact in made:
        contact.refresh_derived()
    await Contact.bulk_create(made)
    clients = await Contact.all().order_by('id')
    for contact in clients:
        document = await Document.create(doc_type='invoice', family='invoice', series='invoice', client_id=contact.id,
                                         client_name=contact.name, issue_date=date(2026, 1, 1))
        await Installment.create(document_id=document.id, position=0, kind='installment', status='open',
                                 due_date=date(2026, 2, 1), amount=Decimal('10.00'), paid_amount=Decimal('0.00'),
                                 number=f'F2026-{contact.id:05d}', client_id=contact.id, client_name=contact.name)
    expected = {contact.id for contact in clients if 'elise' in contact.sort_name and 'du' in contact.sort_name}
    assert len(expected) == 2
    rows, total = await list_documents(DocumentQuery(family='invoice', search='ÉLISE du'))
    assert total == 2 and {row['client_id'] for row in rows} == expected
    payments, total = await list_installments(PaymentQuery(search='Du élise', today=date(2026, 1, 15)))
    assert total == 2 and {row['number'] for row in payments} == {f'F2026-{id_:05d}' for id_ in expected}


async def test_the_words_are_quoted_so_that_nothing_in_them_is_query_syntax(db):
    assert match_expression('search_text', ['a"b', 'near', '*']) == \
        'search_text : "a""b" AND search_text : "near" AND search_text : "*"'
    with pytest.raises(ValueError):
        with_words(Contact.all(), 'x', column='notes')


@pytest.mark.skipif(use_postgres(), reason='the words index is SQLite’s')
async def test_an_upgraded_base_indexes_the_contacts_it_already_had(tmp_path):
    """Migration contacts/0004 fills the index from the contacts already there, and creates its triggers."""
    from tortoise.migrations.executor import MigrationExecutor, MigrationTarget  # noqa: PLC0415

    from tests.db.test_migrations import insert_row  # noqa: PLC0415

    url = f'sqlite://{tmp_path / "before.sqlite3"}'
    await engine.open_database(url, migrate=False)
    try:
        apps = engine.tortoise_config(url)['apps']
        await MigrationExecutor(connections.get('default'), apps).migrate(
            [MigrationTarget(app_label='contacts', name='0003_payment_terms_derogation')])
        kept = await insert_row('contact', {'kind': 'client', 'name': 'Boulangerie Martin', 'code': 'C00001',
                                            'sort_name': 'boulangerie martin',
                                            'search_text': 'c00001 | boulangerie martin | lyon'})
        await MigrationExecutor(connections.get('default'), apps).migrate()
        assert await contact_search.detect_index()
        assert await clients_named('MARTIN').values_list('id', flat=True) == [kept]
        rows, _ = await contacts.list_contacts(contacts.ContactFilter(search='lyon', status='all'),
                                               contacts.DEFAULT_ORDER, offset=0, limit=25)
        assert [row['id'] for row in rows] == [kept]
        triggers = await connections.get('default').execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contact' ORDER BY name")
        assert [row['name'] for row in triggers] == ['contact_fts_delete', 'contact_fts_insert', 'contact_fts_update']
    finally:
        await engine.close_database()
