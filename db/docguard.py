"""Database triggers that keep validated invoices and credit notes frozen, even against raw SQL (IN3).

They back up the checks of db/document.py (Document.save/delete): whatever path a change takes, the database refuses

- to create a legal document in any state but draft (validation is the only way in, and it numbers and chains);
- to change a frozen column of a validated legal document, or to move it back to draft;
- to delete a validated legal document;
- to insert, change or delete a line of a validated legal document;
- and, on PostgreSQL, to TRUNCATE the frozen and append-only tables (`truncate_guards`, migration documents/0009).

A migration calls `document_guards(...)` with literal column lists, so that later edits of this module never change
what an old migration created. The trigger names are in TRIGGERS (tests drop them to simulate tampering).
"""
from tortoise.migrations import operations as ops

MESSAGES = {
    'insert': 'legal documents are created as drafts',
    'update': 'validated document is frozen',
    'delete': 'validated document cannot be deleted',
    'lines': 'lines of a validated document are frozen',
}
TRIGGERS = {
    'sqlite': ('document_insert_guard', 'document_update_guard', 'document_delete_guard', 'document_line_insert_guard',
               'document_line_update_guard', 'document_line_delete_guard'),
    'postgres': (('document_guard', 'document'), ('document_line_guard', 'document_line')),
}


def document_guards(legal_types: tuple[str, ...], frozen_columns: tuple[str, ...]) -> ops.RunPython:
    """A migration operation creating the triggers on `document` and `document_line`, on SQLite and PostgreSQL."""
    types = ', '.join(f"'{kind}'" for kind in legal_types)

    async def forward(_apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect == 'sqlite':
            await client.execute_script(_sqlite(types, frozen_columns))
        else:
            await client.execute_script(_postgres(types, frozen_columns))

    async def backward(_apps, schema_editor) -> None:
        await drop_guards(schema_editor.client)

    return ops.RunPython(forward, backward)


def truncate_guards(tables: tuple[str, ...]) -> ops.RunPython:
    """A migration operation making `tables` refuse TRUNCATE on PostgreSQL, where it empties a table without firing
    the row triggers above (a statement trigger per table). SQLite has no TRUNCATE: its DELETE fires them."""

    async def forward(_apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect == 'sqlite':
            return
        await client.execute_script(
            'CREATE OR REPLACE FUNCTION refuse_truncate() RETURNS trigger AS $$ BEGIN '
            "RAISE EXCEPTION 'TRUNCATE refused: % is append-only or frozen', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;"
            + ''.join(f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} '
                      'FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();' for table in tables))

    async def backward(_apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect != 'sqlite':
            # The function is shared by every app's guarded tables: dropped with the last trigger that uses it.
            await client.execute_script(
                ''.join(f'DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};' for table in tables)
                + 'DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid '
                  "WHERE p.proname = 'refuse_truncate') THEN DROP FUNCTION IF EXISTS refuse_truncate(); END IF; "
                  'END $$;')

    return ops.RunPython(forward, backward)


async def drop_guards(client) -> None:
    """Remove the triggers (migration rollback, and tests that play an attacker with database access)."""
    if client.capabilities.dialect == 'sqlite':
        await client.execute_script(''.join(f'DROP TRIGGER IF EXISTS {name};' for name in TRIGGERS['sqlite']))
    else:
        await client.execute_script(''.join(f'DROP TRIGGER IF EXISTS {name} ON {table};'
                                            f'DROP FUNCTION IF EXISTS {name}();' for name, table in TRIGGERS['postgres']))


def _sqlite(types: str, frozen: tuple[str, ...]) -> str:
    changed = ' OR '.join(f'NEW.{column} IS NOT OLD.{column}' for column in frozen)
    validated = f"doc_type IN ({types}) AND state <> 'draft'"
    line_parent = 'EXISTS (SELECT 1 FROM document WHERE id = {ref}.document_id AND ' + validated + ')'
    abort = "BEGIN SELECT RAISE(ABORT, '{message}'); END;"
    return ''.join((
        f"CREATE TRIGGER document_insert_guard BEFORE INSERT ON document "
        f"WHEN NEW.doc_type IN ({types}) AND NEW.state <> 'draft' " + abort.format(message=MESSAGES['insert']),
        f"CREATE TRIGGER document_update_guard BEFORE UPDATE ON document "
        f"WHEN OLD.doc_type IN ({types}) AND OLD.state <> 'draft' AND (NEW.state = 'draft' OR {changed}) "
        + abort.format(message=MESSAGES['update']),
        f"CREATE TRIGGER document_delete_guard BEFORE DELETE ON document "
        f"WHEN OLD.doc_type IN ({types}) AND OLD.state <> 'draft' " + abort.format(message=MESSAGES['delete']),
        f"CREATE TRIGGER document_line_insert_guard BEFORE INSERT ON document_line "
        f"WHEN {line_parent.format(ref='NEW')} " + abort.format(message=MESSAGES['lines']),
        f"CREATE TRIGGER document_line_update_guard BEFORE UPDATE ON document_line "
        f"WHEN {line_parent.format(ref='OLD')} OR {line_parent.format(ref='NEW')} "
        + abort.format(message=MESSAGES['lines']),
        f"CREATE TRIGGER document_line_delete_guard BEFORE DELETE ON document_line "
        f"WHEN {line_parent.format(ref='OLD')} " + abort.format(message=MESSAGES['lines']),
    ))


def _postgres(types: str, frozen: tuple[str, ...]) -> str:
    new_row = ', '.join(f'NEW.{column}' for column in frozen)
    old_row = ', '.join(f'OLD.{column}' for column in frozen)
    validated = f"doc_type IN ({types}) AND state <> 'draft'"
    return (
        'CREATE OR REPLACE FUNCTION document_guard() RETURNS trigger AS $$ BEGIN '
        f"IF TG_OP = 'INSERT' THEN "
        f"  IF NEW.doc_type IN ({types}) AND NEW.state <> 'draft' THEN RAISE EXCEPTION '{MESSAGES['insert']}'; END IF; "
        f'  RETURN NEW; '
        f'END IF; '
        f"IF OLD.doc_type IN ({types}) AND OLD.state <> 'draft' THEN "
        f"  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{MESSAGES['delete']}'; END IF; "
        f"  IF NEW.state = 'draft' OR ROW({new_row}) IS DISTINCT FROM ROW({old_row}) THEN "
        f"    RAISE EXCEPTION '{MESSAGES['update']}'; "
        f'  END IF; '
        f'END IF; '
        f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
        f'RETURN NEW; '
        'END; $$ LANGUAGE plpgsql;'
        'CREATE TRIGGER document_guard BEFORE INSERT OR UPDATE OR DELETE ON document '
        'FOR EACH ROW EXECUTE FUNCTION document_guard();'
        'CREATE OR REPLACE FUNCTION document_line_guard() RETURNS trigger AS $$ BEGIN '
        # Nested IFs: plpgsql does not promise to short-circuit AND, and OLD/NEW are unset for INSERT/DELETE.
        f"IF TG_OP <> 'INSERT' THEN "
        f"  IF EXISTS (SELECT 1 FROM document WHERE id = OLD.document_id AND {validated}) THEN "
        f"    RAISE EXCEPTION '{MESSAGES['lines']}'; "
        f'  END IF; '
        f'END IF; '
        f"IF TG_OP <> 'DELETE' THEN "
        f"  IF EXISTS (SELECT 1 FROM document WHERE id = NEW.document_id AND {validated}) THEN "
        f"    RAISE EXCEPTION '{MESSAGES['lines']}'; "
        f'  END IF; '
        f'END IF; '
        f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
        f'RETURN NEW; '
        'END; $$ LANGUAGE plpgsql;'
        'CREATE TRIGGER document_line_guard BEFORE INSERT OR UPDATE OR DELETE ON document_line '
        'FOR EACH ROW EXECUTE FUNCTION document_line_guard();'
    )
