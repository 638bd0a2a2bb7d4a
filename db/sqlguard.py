"""Database-level guards created by migrations, so that even raw SQL from the app can't rewrite history."""
from tortoise.migrations import operations as ops


def append_only(table: str) -> ops.RunPython:
    """A migration operation that makes `table` refuse UPDATE and DELETE, on SQLite and PostgreSQL."""

    async def forward(_apps, schema_editor) -> None:
        client = schema_editor.client
        message = f'{table} is append-only'
        if client.capabilities.dialect == 'sqlite':
            for event in ('UPDATE', 'DELETE'):
                await client.execute_script(
                    f'CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} '
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
                )
        else:
            await client.execute_script(
                f'CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ '
                f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql;"
                f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} '
                f'FOR EACH ROW EXECUTE FUNCTION {table}_append_only();'
            )

    async def backward(_apps, schema_editor) -> None:
        client = schema_editor.client
        if client.capabilities.dialect == 'sqlite':
            for event in ('update', 'delete'):
                await client.execute_script(f'DROP TRIGGER IF EXISTS {table}_no_{event};')
        else:
            await client.execute_script(
                f'DROP TRIGGER IF EXISTS {table}_append_only ON {table};'
                f'DROP FUNCTION IF EXISTS {table}_append_only();'
            )

    return ops.RunPython(forward, backward)
