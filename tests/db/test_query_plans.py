"""The paged lists read through an index: SQLite's EXPLAIN QUERY PLAN shows no full scan of the table.

A search ("words anywhere in the name, the city...") has to read every row (bench/bench_contacts.py times it at
20,000 contacts); a page of the list, sorted on any column either way and filtered by type or status, must not,
and neither must counting the rows for the pager. Unfiltered, a page needs no sort at all.
"""
import re

import pytest
from tortoise import connections

from db import articles, contacts
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
