"""Contacts found by the words of a search (CO1 and every list that searches by client name), through a trigram index.

Each word must appear somewhere in the contact's folded text (logic/search_text.py): `search_text` (code, name, city,
postcode, SIREN, e-mail...) for the contacts list and its pickers, `sort_name` (name and first name) for the
documents and payments lists. A contains-search can't use a B-tree index: on SQLite it read every contact, 12 ms for
the names and 45 ms for the whole text at 200,000 contacts, repeated by each count and page. Worse, a page sorted
along an index walked that index to the end when few contacts matched, fetching each row to test its text: 350 ms
for a word no contact holds (issue 17, the contacts list at a million invoices).

On SQLite, `contact_fts` (migration contacts/0004) is an FTS5 table with the trigram tokenizer, kept by triggers in
step with both columns: a word of three letters or more is looked for there (`MATCH '"word"'` finds the contacts
whose text holds it, as LIKE '%word%' would; 0.1-7 ms at 200,000 contacts). Shorter words, which trigrams can't
find, stay contains-conditions. PostgreSQL keeps the contains-conditions (no trigram index there yet).
"""
from pypika_tortoise.terms import Term, ValueWrapper
from tortoise import connections
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from db.contact import Contact
from logic.search_text import search_words

WORDS_TABLE = 'contact_fts'
COLUMNS = ('search_text', 'sort_name')
SHORTEST_INDEXED = 3  # a trigram index finds substrings of three characters or more

_indexed = False  # the open database has the words index (set by db/engine.open_database)


async def detect_index() -> bool:
    """Note whether the open database has the words index (SQLite with FTS5, migrated): db/engine calls this once
    the database is open, so that searches need not ask."""
    global _indexed
    client = connections.get('default')
    _indexed = client.capabilities.dialect == 'sqlite' and bool(await client.execute_query_dict(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [WORDS_TABLE]))
    return _indexed


class _IndexedIds(Term):
    """`(SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?)`, the expression bound as a parameter."""

    def __init__(self, expression: str) -> None:
        super().__init__()
        self.expression = expression

    def get_sql(self, ctx) -> str:
        expression = ValueWrapper(self.expression).get_sql(ctx)
        return f'(SELECT rowid FROM {WORDS_TABLE} WHERE {WORDS_TABLE} MATCH {expression})'


def match_expression(column: str, words: list[str]) -> str:
    """The FTS5 query of contacts whose `column` holds every word: each word a quoted string (its double quotes
    doubled), so that no character of it is read as query syntax.

    >>> match_expression('sort_name', ['dupont', 'l"ange'])
    'sort_name : "dupont" AND sort_name : "l""ange"'
    """
    return ' AND '.join(f'{column} : "{word.replace(chr(34), chr(34) * 2)}"' for word in words)


def with_words(queryset: QuerySet[Contact], text: str, *, column: str = 'search_text') -> QuerySet[Contact]:
    """`queryset` narrowed to the contacts whose folded `column` holds every word of `text` (none: unchanged)."""
    if column not in COLUMNS:
        raise ValueError(f'no words index on {column}')
    words = search_words(text)
    indexed = [word for word in words if len(word) >= SHORTEST_INDEXED] if _indexed else []
    for word in words:
        if word not in indexed:
            queryset = queryset.filter(**{f'{column}__contains': word})
    if indexed:
        queryset = queryset.filter(id__in=_IndexedIds(match_expression(column, indexed)))
    return queryset


def clients_named(search: str) -> QuerySet[Contact]:
    """Contacts whose folded name and first name (db/contact.py sort_name) hold every word of the search: what the
    documents and payments lists look for by client. No word: no contact."""
    if not search_words(search):
        return Contact.filter(id__in=[0])
    return with_words(Contact.all(), search, column='sort_name')


def named_ids(search: str) -> Term:
    """The ids of the contacts `clients_named` finds, for an `__in` condition: the words index's own rowids (its
    rows are the contacts, by id) when every word is indexed, reading no contact row (13,823 ids for "cabinet" at
    200,000 contacts: 32 -> 3 ms); else a subquery of the contacts."""
    words = search_words(search)
    if _indexed and words and all(len(word) >= SHORTEST_INDEXED for word in words):
        return _IndexedIds(match_expression('sort_name', words))
    return Subquery(clients_named(search).values('id'))
