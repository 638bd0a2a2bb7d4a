"""The demo's first fiscal year is closed (issue 13): its months and the year, and the books agree with them."""
from datetime import date, timedelta

from db import closings, integrity
from db.closing import Closing
from db.demo import fill_demo
from tests.helpers import SECRET

LAST_DAY = date.today().replace(day=1) - timedelta(days=1)


async def test_the_demo_closes_its_first_fiscal_year(db):
    summary = await fill_demo(secret=SECRET, invoices=12)
    year = await Closing.get(kind='year')
    assert year.period_end == LAST_DAY and summary.closings == 13
    assert await Closing.filter(kind='month').count() == 12
    assert await closings.closed_until() == LAST_DAY and await closings.due_periods() == []
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    assert year.payload['perpetual'] == (await Closing.get(kind='month', period_end=LAST_DAY)).payload['perpetual']
