"""Issue 18, integrity blind spots (docs/legal.md 2.6): the states of legal documents become chained events
(db/state_chain.py), and on PostgreSQL the frozen and append-only tables refuse TRUNCATE.

Each legal document issued before this version gets the genesis of its chain of states: one event holding its
current state, `previous_state` '' (its earlier history is not known), so that `verify` finds an upgraded instance
intact. The events are sealed with the instance secret, read as the application reads it (FACTURIER_SECRET, else the
secret file of the data dir, never created here): an upgrade run by `python main.py` always finds it. Without it they
are written unsealed, and `verify` names them.
"""
import os
from datetime import UTC, datetime
from pathlib import Path

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from db.docguard import truncate_guards
from db.sqlguard import append_only
from logic.config import SECRET_FILE
from logic.integrity import GENESIS, chain_hash, state_payload

# Literal copies (not imports): this migration must always do the same.
LEGAL_TYPES = ('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')
GUARDED = ('document', 'document_line', 'chain_entry', 'payment', 'audit_entry', 'state_event')
COLUMNS = ('document_id', 'seq', 'series', 'number', 'previous_state', 'state', 'payload_version', 'previous_hash',
           'hash', 'created_at')
BATCH = 5000


def instance_secret() -> bytes | None:
    secret = os.environ.get('FACTURIER_SECRET') or ''
    if not secret:
        path = Path(os.environ.get('FACTURIER_DATA_DIR') or './data').expanduser().resolve() / SECRET_FILE
        secret = path.read_text(encoding='ascii').strip() if path.is_file() else ''
    return secret.encode('utf-8') if len(secret) >= 32 else None


async def genesis_events(_apps, schema_editor) -> None:
    client = schema_editor.client
    types = ', '.join(f"'{kind}'" for kind in LEGAL_TYPES)
    documents = await client.execute_query_dict(
        f"SELECT id, series, number, state FROM document WHERE doc_type IN ({types}) AND state <> 'draft' "
        'AND number IS NOT NULL ORDER BY id')
    if not documents:
        return
    key = instance_secret()
    now = datetime.now(UTC)
    rows = []
    for document in documents:
        payload = state_payload(document_id=document['id'], series=document['series'], number=document['number'],
                                seq=1, previous_state='', state=document['state'])
        rows.append([document['id'], 1, document['series'], document['number'], '', document['state'], 1, GENESIS,
                     chain_hash(key, GENESIS, payload) if key else '',
                     now.isoformat(' ') if client.capabilities.dialect == 'sqlite' else now])
    if client.capabilities.dialect == 'sqlite':
        marks = ', '.join('?' for _ in COLUMNS)
    else:
        marks = ', '.join(f'${index}' for index in range(1, len(COLUMNS) + 1))
    sql = f'INSERT INTO state_event ({", ".join(COLUMNS)}) VALUES ({marks})'
    for start in range(0, len(rows), BATCH):
        await client.execute_many(sql, rows[start:start + BATCH])


async def nothing(_apps, _schema_editor) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [('documents', '0008_margin'), ('models', '0002_audit_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StateEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('document_id', fields.IntField()),
                ('seq', fields.IntField()),
                ('series', fields.CharField(max_length=20)),
                ('number', fields.CharField(max_length=35)),
                ('previous_state', fields.CharField(max_length=16)),
                ('state', fields.CharField(max_length=16)),
                ('payload_version', fields.SmallIntField(default=1)),
                ('previous_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'state_event', 'app': 'documents', 'unique_together': (('document_id', 'seq'),),
                     'pk_attr': 'id', 'table_description': 'One state of a legal document (docs/legal.md 2.6): '
                     'append-only (database triggers), chained per document.'},
            bases=['Model'],
        ),
        ops.RunPython(genesis_events, nothing),
        append_only('state_event'),
        truncate_guards(GUARDED),
    ]
