"""The contacts' words index on SQLite (db/contact_search.py; issue 17).

An FTS5 table with the trigram tokenizer over the folded `search_text` and `sort_name` of each contact (rowid = the
contact's id), filled from the existing contacts and kept in step by three triggers. The table keeps its own copy of
the two texts (not an external-content table: its rows could not drift from what it indexed). Literal SQL, not
imports, so that this migration always creates the same objects.

A later migration that rebuilds the `contact` table on SQLite (altering a column) drops these triggers with it: it
must create them again (tests/db/test_contact_search.py checks they exist once every migration has run).
PostgreSQL: nothing (its searches keep their contains-conditions).
"""
from tortoise import migrations
from tortoise.migrations import operations as ops

CREATE = [
    "CREATE VIRTUAL TABLE contact_fts USING fts5(search_text, sort_name, tokenize='trigram')",
    'INSERT INTO contact_fts (rowid, search_text, sort_name) SELECT id, search_text, sort_name FROM contact',
    'CREATE TRIGGER contact_fts_insert AFTER INSERT ON contact BEGIN '
    'INSERT INTO contact_fts (rowid, search_text, sort_name) VALUES (new.id, new.search_text, new.sort_name); END',
    'CREATE TRIGGER contact_fts_delete AFTER DELETE ON contact BEGIN '
    'DELETE FROM contact_fts WHERE rowid = old.id; END',
    'CREATE TRIGGER contact_fts_update AFTER UPDATE OF id, search_text, sort_name ON contact '
    'WHEN old.id IS NOT new.id OR old.search_text IS NOT new.search_text OR old.sort_name IS NOT new.sort_name BEGIN '
    'DELETE FROM contact_fts WHERE rowid = old.id; '
    'INSERT INTO contact_fts (rowid, search_text, sort_name) VALUES (new.id, new.search_text, new.sort_name); END',
]
DROP = [
    'DROP TRIGGER IF EXISTS contact_fts_update',
    'DROP TRIGGER IF EXISTS contact_fts_delete',
    'DROP TRIGGER IF EXISTS contact_fts_insert',
    'DROP TABLE IF EXISTS contact_fts',
]


async def create_index(_apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == 'sqlite':
        for statement in CREATE:
            await client.execute_script(statement)


async def drop_index(_apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == 'sqlite':
        for statement in DROP:
            await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [('contacts', '0003_payment_terms_derogation')]

    initial = False

    operations = [ops.RunPython(create_index, drop_index)]
