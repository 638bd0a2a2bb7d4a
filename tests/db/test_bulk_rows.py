"""`db.bulk_rows.insert_rows`: rows written without model objects are the rows `bulk_create` writes (the same
conversions, defaults and checks), on both databases; a refused row writes nothing."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from tortoise.exceptions import ValidationError

from db.audit import AuditEntry
from db.bulk_rows import insert_rows
from db.document import ChainEntry, Installment
from db.unit_of_work import transaction
from tests.db.payments_helpers import invoice_in_two
from tests.personas import set_up_company

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
AUDIT = [
    {'at': NOW, 'user_id': 3, 'actor': 'léa@example.fr', 'action': 'invoice.validate', 'target': 'document:7',
     'ip': '10.0.0.1', 'details': {'number': 'F2026-00001', 'client': 'Société « Été » & fils', 'total_ttc': '12.30',
                                   'state': ['draft', 'validated'], 'lines': [1, None, True]}},
    {'at': NOW + timedelta(seconds=1), 'user_id': None, 'action': 'invoice.state'},  # the rest: the defaults
]


def _without_ids(rows: list[dict], *dropped: str) -> list[dict]:
    return [{key: value for key, value in row.items() if key not in ('id', *dropped)} for row in rows]


async def test_audit_entries_are_stored_as_bulk_create_stores_them_defaults_included(db):
    await AuditEntry.bulk_create([AuditEntry(**row) for row in AUDIT])
    await insert_rows(AuditEntry, AUDIT)
    stored = _without_ids(await AuditEntry.filter(action__in=('invoice.validate', 'invoice.state'))
                          .order_by('id').values())
    assert stored[2:] == stored[:2]
    assert stored[3]['details'] == {} and stored[3]['actor'] == stored[3]['ip'] == ''


async def test_installments_keep_money_dates_and_defaults_and_an_auto_date_is_now(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    rows = [{'document_id': invoice.id, 'position': 5, 'due_date': date(2026, 5, 31), 'amount': Decimal('1234.5'),
             'kind': 'installment', 'number': 'F2026-00009', 'client_id': invoice.client_id, 'client_name': 'Ça va'},
            {'document_id': invoice.id, 'position': 6, 'due_date': date(2026, 6, 30), 'amount': Decimal('-0.01'),
             'percent': Decimal('12.3456'), 'paid_on': date(2026, 6, 1)}]
    await Installment.bulk_create([Installment(**row) for row in rows])
    await insert_rows(Installment, rows)
    stored = _without_ids(await Installment.filter(position__gte=5).order_by('id').values())
    assert stored[2:] == stored[:2]
    assert stored[0]['amount'] == Decimal('1234.50') and stored[1]['paid_amount'] == Decimal('0.00')
    assert (stored[1]['status'], stored[1]['version'], stored[1]['label']) == ('open', 1, '')

    before = datetime.now(timezone.utc)
    await insert_rows(ChainEntry, [{'series': 'test', 'position': 1, 'document_id': invoice.id, 'label': 'X',
                                    'previous_hash': '0' * 64, 'hash': '1' * 64}])
    entry = await ChainEntry.get(series='test')
    assert before - timedelta(seconds=1) <= entry.created_at <= datetime.now(timezone.utc)
    assert (entry.payload_version, entry.pdf_sha256) == (1, '')


@pytest.mark.parametrize(('row', 'error'), [
    ({'action': 'x' * 65}, ValidationError),  # longer than the column
    ({'action': 'ok', 'unknown': 1}, ValueError),  # no such field
    ({'action': None}, ValueError),  # not nullable
    ({'action': 'ok', 'details': {'amount': 1.5}}, None),  # JSON keeps what the field keeps
])
async def test_a_refused_row_writes_nothing_of_the_call(db, row, error):
    rows = [{'at': NOW, 'action': 'first'}, {'at': NOW, **row}]
    if error is None:
        await insert_rows(AuditEntry, rows)
        assert await AuditEntry.filter(at=NOW).count() == 2
        return
    with pytest.raises(error):
        async with transaction():
            await insert_rows(AuditEntry, rows)
    assert await AuditEntry.filter(at=NOW).count() == 0


async def test_money_with_more_decimals_than_its_scale_is_refused_as_bulk_create_refuses_it(db):
    admin = await set_up_company()
    invoice = await invoice_in_two(admin)
    row = {'document_id': invoice.id, 'position': 9, 'due_date': date(2026, 5, 31), 'amount': Decimal('1.005')}
    with pytest.raises(ValueError, match='more than 2 decimal places'):
        await Installment.bulk_create([Installment(**row)])
    with pytest.raises(ValueError, match='more than 2 decimal places'):
        await insert_rows(Installment, [row])
    assert not await Installment.filter(position=9).exists()
