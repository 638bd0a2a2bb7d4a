"""Every migration applies from an empty database, on SQLite and on PostgreSQL, and the models need no new one."""
import asyncio
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.autodetector import MigrationAutodetector

from db import engine
from tests.databases import pg_admin, pg_db_url, require_postgres
from tests.helpers import SECRET

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / 'db' / 'migrations'


def migration_files() -> set[str]:
    return {path.stem for path in MIGRATIONS.glob('*/0*.py')}


async def applied() -> set[str]:
    rows = await connections.get('default').execute_query_dict('SELECT name FROM tortoise_migrations')
    return {row['name'] for row in rows}


async def test_all_migrations_apply_from_empty_on_sqlite(tmp_path):
    await engine.open_database(f'sqlite://{tmp_path / "empty.sqlite3"}')
    try:
        assert await applied() == migration_files()
    finally:
        await engine.close_database()


async def test_all_migrations_apply_from_empty_on_postgresql():
    server = require_postgres()
    await pg_admin(server, 'DROP DATABASE IF EXISTS facturier_migrations', 'CREATE DATABASE facturier_migrations')
    try:
        await engine.open_database(pg_db_url(server, 'facturier_migrations'))
        try:
            assert await applied() == migration_files()
        finally:
            await engine.close_database()
    finally:
        await pg_admin(server, 'DROP DATABASE IF EXISTS facturier_migrations WITH (FORCE)')


async def test_the_models_match_the_migrations(tmp_path):
    """A model change without its migration would break every existing instance at the next start."""
    config = engine.tortoise_config(f'sqlite://{tmp_path / "detect.sqlite3"}')
    await Tortoise.init(config=config)
    try:
        changes = await MigrationAutodetector(Tortoise.apps, config['apps']).changes()
        assert [f'{writer.app_label}.{writer.name}' for writer in changes] == []
    finally:
        await Tortoise.close_connections()


# The state before the payments migrations: what an instance of the first release holds.
BEFORE_PAYMENTS = [('models', '0002_audit_append_only'), ('contacts', '0002_indexes_search_counter'),
                   ('documents', '0002_document_guards'), ('output', '0001_print_templates_mail')]


async def test_a_filled_base_of_the_first_release_upgrades_on_sqlite(tmp_path):
    """New NOT NULL columns need a database default: SQLite refuses to add one without it (and PostgreSQL as soon
    as the table has rows), so an upgrade must be tested on a base with rows, not only from empty."""
    await upgrade_filled_base(f'sqlite://{tmp_path / "old.sqlite3"}')


async def test_a_filled_base_of_the_first_release_upgrades_on_postgresql():
    server = require_postgres()
    await pg_admin(server, 'DROP DATABASE IF EXISTS facturier_upgrade', 'CREATE DATABASE facturier_upgrade')
    try:
        await upgrade_filled_base(pg_db_url(server, 'facturier_upgrade'))
    finally:
        await pg_admin(server, 'DROP DATABASE IF EXISTS facturier_upgrade WITH (FORCE)')


async def upgrade_filled_base(url: str) -> None:
    from tortoise.migrations.executor import MigrationExecutor, MigrationTarget  # noqa: PLC0415

    await engine.open_database(url, migrate=False)
    try:
        apps = engine.tortoise_config(url)['apps']
        await MigrationExecutor(connections.get('default'), apps).migrate(
            [MigrationTarget(app_label=app, name=name) for app, name in BEFORE_PAYMENTS])
        client = await insert_row('contact', {'kind': 'client', 'name': 'Boulangerie Martin', 'code': 'C00001'})
        paid = await insert_row('document', {'doc_type': 'invoice', 'family': 'invoice', 'series': 'invoice',
                                             'state': 'draft', 'client_id': client,
                                             'client_name': 'Boulangerie Martin', 'total_ttc': 12000})
        # Lines of an article bought 40.00 each (documents/0008 estimates the margin's cost from it): 3 sold on the
        # invoice, 1.5 on the draft. Scaled integers: prices in millionths, quantities in 1/10,000.
        tile = await insert_row('article', {'reference': 'CAR', 'designation': 'Carrelage',
                                            'purchase_price': 40_000_000, 'sale_price': 100_000_000})
        # Legal documents are born drafts (database guard), then validated and paid.
        await insert_row('document_line', {'document_id': paid, 'position': 0, 'kind': 'item', 'article_id': tile,
                                           'quantity': 30_000, 'unit_price': 100_000_000})
        await connections.get('default').execute_query(
            f"UPDATE document SET state = 'paid', number = 'F2025-00001' WHERE id = {paid}")
        draft = await insert_row('document', {'doc_type': 'invoice', 'family': 'invoice', 'series': 'invoice',
                                              'state': 'draft', 'client_id': client, 'client_name': 'Boulangerie Martin'})
        await insert_row('document_line', {'document_id': draft, 'position': 0, 'kind': 'item', 'article_id': tile,
                                           'quantity': 15_000, 'unit_price': 100_000_000})
        for document in (paid, draft):
            await insert_row('installment', {'document_id': document, 'kind': 'installment', 'amount': 12000,
                                             'due_date': date(2025, 3, 1)})
        await MigrationExecutor(connections.get('default'), apps).migrate()
        rows = await connections.get('default').execute_query_dict(
            'SELECT document_id, status, paid_amount, number, client_name, client_id FROM installment '
            'ORDER BY document_id')
        assert [(row['status'], row['paid_amount'], row['number'], row['client_id']) for row in rows] == [
            ('paid', 12000, 'F2025-00001', client), ('planned', 0, '', client)]
        costs = await connections.get('default').execute_query_dict(
            'SELECT d.total_cost AS total, l.unit_cost AS unit FROM document d JOIN document_line l '
            'ON l.document_id = d.id ORDER BY d.id')
        # The validated invoice's line stays as frozen (cost 0), its document's total is estimated; the draft's
        # line takes the article's cost.
        assert [(row['total'], row['unit']) for row in costs] == [(12000, 0), (6000, 40_000_000)]
    finally:
        await engine.close_database()


async def insert_row(table: str, values: dict) -> int:
    """Insert one row, giving every other NOT NULL column without a default a plain value of its type."""
    connection = connections.get('default')
    if connection.capabilities.dialect == 'sqlite':
        columns = [(row['name'], row['type'].lower(), row['notnull'] and row['dflt_value'] is None and not row['pk'])
                   for row in await connection.execute_query_dict(f'PRAGMA table_info({table})')]
    else:
        columns = [(row['column_name'], row['data_type'].lower(),
                    row['is_nullable'] == 'NO' and row['column_default'] is None)
                   for row in await connection.execute_query_dict(
                       'SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns '
                       f"WHERE table_name = '{table}'")]
    row = dict(values)
    for name, kind, required in columns:
        if required and name not in row:
            row[name] = (datetime(2025, 1, 1, tzinfo=timezone.utc) if 'time' in kind else date(2025, 1, 1)
                         if 'date' in kind else
                         False if 'bool' in kind else '{}' if 'json' in kind else
                         0 if any(word in kind for word in ('int', 'numeric', 'decimal', 'real')) else '')
    names = ', '.join(f'"{name}"' for name in row)
    marks = ', '.join('?' if connection.capabilities.dialect == 'sqlite' else f'${n}' for n in range(1, len(row) + 1))
    inserted = await connection.execute_query_dict(
        f'INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id', list(row.values()))
    return inserted[0]['id']


def migrate_together(database_url: str, data_dir: Path, processes: int = 2) -> list[subprocess.CompletedProcess]:
    """`main.py migrate` started by several processes at the same moment, as two servers started together do."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    env.update(FACTURIER_DATABASE_URL=database_url, FACTURIER_DATA_DIR=str(data_dir), FACTURIER_SECRET=SECRET)
    started = [subprocess.Popen([sys.executable, str(ROOT / 'main.py'), 'migrate'], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(processes)]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=120), *p.communicate()) for p in started]


def test_processes_started_together_on_an_empty_postgresql_all_migrate_once(tmp_path):
    """Issue 21: without a lock, one of two processes failed on a duplicate key of the migrations table."""
    server = require_postgres()
    for attempt in range(1):
        asyncio.run(pg_admin(server, 'DROP DATABASE IF EXISTS facturier_together', 'CREATE DATABASE facturier_together'))
        try:
            runs = migrate_together(pg_db_url(server, 'facturier_together'), tmp_path / f'data{attempt}')
            assert [run.returncode for run in runs] == [0, 0], [run.stderr[-2000:] for run in runs]
        finally:
            asyncio.run(pg_admin(server, 'DROP DATABASE IF EXISTS facturier_together WITH (FORCE)'))


def test_processes_started_together_on_an_empty_sqlite_all_migrate_once(tmp_path):
    (tmp_path / 'data').mkdir()
    runs = migrate_together(f'sqlite://{tmp_path / "data" / "together.sqlite3"}', tmp_path / 'data')
    assert [run.returncode for run in runs] == [0, 0], [run.stderr[-2000:] for run in runs]


async def test_the_accounting_settings_take_over_a_deposit_account_changed_as_an_option(db):
    """DE4's account was an option (options.deposit_account) before the accounting settings: a changed one is kept."""
    import importlib  # noqa: PLC0415
    from types import SimpleNamespace  # noqa: PLC0415

    from db.accounting import AccountingSettings  # noqa: PLC0415
    from db.company import Options  # noqa: PLC0415

    seed = importlib.import_module('db.migrations.accounting.0001_accounts').seed
    editor = SimpleNamespace(client=connections.get('default'))
    for legacy, expected in (('4191', '419100'), ('419100X', '419100X')):
        await Options.filter(id=1).delete()
        await Options.create(id=1, deposit_account=legacy)
        await AccountingSettings.all().delete()
        await connections.get('default').execute_script('DELETE FROM accounting_rate')
        await seed(None, editor)
        assert (await AccountingSettings.get(id=1)).deposit_account == expected
