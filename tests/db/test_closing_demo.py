"""The demo's first fiscal year is closed (issue 13): its months and the year, and the books agree with them."""
from db import closings, integrity
from db.closing import Closing
from db.demo import fill_demo
from tests.helpers import SECRET, last_day_of_last_month


async def test_the_demo_closes_its_first_fiscal_year(db):
    summary = await fill_demo(secret=SECRET, invoices=12)
    last_day = last_day_of_last_month()
    year = await Closing.get(kind='year')
    assert year.period_end == last_day and summary.closings == 13
    assert await Closing.filter(kind='month').count() == 12
    assert await closings.closed_until() == last_day and await closings.due_periods() == []
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    assert year.payload['perpetual'] == (await Closing.get(kind='month', period_end=last_day)).payload['perpetual']
