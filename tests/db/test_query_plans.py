"""The paged lists read through an index: SQLite's EXPLAIN QUERY PLAN shows no full scan of the table.

An article search ("words anywhere in the reference or designation") has to read every row (bench/bench_contacts.py
times it at 20,000 contacts; a contact search reads the words index, tests/db/test_contact_search.py); a page of the
list, sorted on any column either way and filtered by type or status, must not, and neither must counting the rows
for the pager. Unfiltered, a page needs no sort at all.
"""
import re

import pytest
from tortoise import connections

from db import articles, contacts
from db.document_list import sorted_apart
from tests.databases import use_postgres

pytestmark = pytest.mark.skipif(use_postgres(), reason='EXPLAIN QUERY PLAN is SQLite’s; PostgreSQL plans by size')

CONTACT_FILTERS = [contacts.ContactFilter(), contacts.ContactFilter(kind='supplier'),
                   contacts.ContactFilter(status='all'), contacts.ContactFilter(status='archived', kind='client')]
ARTICLE_FILTERS = [articles.ArticleFilter(), articles.ArticleFilter(kind='good'), articles.ArticleFilter(status='all'),
                   articles.ArticleFilter(status='all', composite='composite')]


async def plan(query) -> list[str]:
    rows = await connections.get('default').execute_query_dict(f'EXPLAIN QUERY PLAN {query.sql(params_inline=True)}')
    return [row['detail'] for row in rows]


def full_scans(details: list[str], table: str) -> list[str]:
    """'SCAN contact' reads the whole table; 'SCAN contact USING INDEX ...' walks an index in order."""
    return [detail for detail in details if re.fullmatch(rf'SCAN {table}( AS \w+)?', detail)]


def orders(module) -> list[list[str]]:
    return [module.list_order(column, descending) for column in [None, *module.SORTS] for descending in (False, True)]


@pytest.mark.parametrize('filters', CONTACT_FILTERS, ids=repr)
async def test_every_sorted_page_of_contacts_reads_an_index(db, filters):
    for order in orders(contacts):
        query = contacts.contact_query(filters).order_by(*order).offset(50).limit(25).values(*contacts.LIST_FIELDS)
        details = await plan(query)
        assert not full_scans(details, 'contact'), (order, details)
    assert not full_scans(await plan(contacts.contact_query(filters).count()), 'contact')


@pytest.mark.parametrize('filters', ARTICLE_FILTERS, ids=repr)
async def test_every_sorted_page_of_articles_reads_an_index(db, filters):
    for order in orders(articles):
        query = articles.article_query(filters).order_by(*order).offset(50).limit(25).values(*articles.LIST_FIELDS)
        details = await plan(query)
        assert not full_scans(details, 'article'), (order, details)
    assert not full_scans(await plan(articles.article_query(filters).count()), 'article')


@pytest.mark.parametrize('status', ['active', 'all'])
async def test_a_page_of_contacts_in_any_order_needs_no_sort(db, status):
    for order in orders(contacts):
        query = contacts.contact_query(contacts.ContactFilter(status=status)).order_by(*order).limit(25) \
            .values(*contacts.LIST_FIELDS)
        details = await plan(query)
        assert not any('TEMP B-TREE' in detail for detail in details), (order, details)


async def test_the_default_page_of_articles_needs_no_sort(db):
    details = await plan(articles.article_query(articles.ArticleFilter()).order_by(*articles.list_order(None))
                         .limit(25).values(*articles.LIST_FIELDS))
    assert not any('TEMP B-TREE' in detail for detail in details), details


# sqlite_stat1 of `contact` with 200,000 contacts of three types (the benchmark's million-invoice dataset, whose
# contacts are all clients, with its one type made three).
CONTACT_STATISTICS = {
    'contact_phone_sort_name': '200006 200006 442', 'contact_email_sort_name': '200006 1 1',
    'contact_siren_sort_name': '200006 2 2', 'contact_city_sort_name': '200006 20001 65',
    'contact_postcode_sort_name': '200006 16668 57', 'contact_kind_sort_name': '200006 66669 442',
    'contact_sort_name': '200006 442 1 1', 'idx_contact_city_373c7a': '200006 20001',
    'idx_contact_postcod_42d343': '200006 16668', 'idx_contact_siren_cc9682': '200006 2',
    'idx_contact_name_bbcf0f': '200006 859', 'idx_contact_kind_f917f8': '200006 66669',
    'sqlite_autoindex_contact_1': '200006 1'}


async def test_a_page_of_few_contacts_sorted_apart_reads_the_type_index_then_sorts(db):
    """A rare type sorted by city (issue 17: SQLite walked the city index to its end, a row read per contact, 330 ms
    at 200,000): sorted apart, the page reads the type's index and sorts the few it found."""
    client = connections.get('default')
    await client.execute_script('ANALYZE')
    await client.execute_query("DELETE FROM sqlite_stat1 WHERE tbl = 'contact'")
    for index, stat in CONTACT_STATISTICS.items():
        await client.execute_query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('contact', ?, ?)", [index, stat])
    await client.execute_script('ANALYZE sqlite_schema')  # the planner reloads them
    query = contacts.contact_query(contacts.ContactFilter(kind='supplier'))
    walked = ' / '.join(await plan(query.order_by(*contacts.list_order('city')).limit(25).values('id')))
    apart, order = sorted_apart(query, contacts.list_order('city'))
    details = ' / '.join(await plan(apart.order_by(*order).limit(25).values('id')))
    assert 'contact_city_sort_name' in walked and 'TEMP B-TREE' not in walked, walked
    assert 'contact_city_sort_name' not in details and 'USING INDEX' in details and 'kind' in details \
        and 'TEMP B-TREE FOR ORDER BY' in details, details
