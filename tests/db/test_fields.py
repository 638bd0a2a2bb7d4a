"""Exact decimals stored as scaled integers: they sort, filter and sum like numbers on SQLite and PostgreSQL."""
from decimal import Decimal

import pytest

from db.company import Company
from db.document import Document
from db.fields import ScaledSum
from tests.personas import set_up_company


async def test_money_columns_sum_exactly_with_scaled_sum(db):
    await set_up_company()
    for amount in ('100.00', '20.50', '0.01'):
        await Document.create(doc_type='invoice', family='invoice', series='invoice', total_ttc=Decimal(amount))
    row = await Document.all().annotate(total=ScaledSum('total_ttc')).first().values('total')
    assert row['total'] == Decimal('120.51')
    ordered = await Document.all().order_by('total_ttc').values_list('total_ttc', flat=True)
    assert ordered == [Decimal('0.01'), Decimal('20.50'), Decimal('100.00')]
    assert await Document.filter(total_ttc__gt=Decimal('20.5')).count() == 1
    assert await Company.exists()


async def test_more_decimals_than_the_scale_are_refused_not_rounded(db):
    with pytest.raises(ValueError, match='decimal places'):
        await Document.create(doc_type='invoice', family='invoice', series='invoice', total_ttc=Decimal('1.005'))
