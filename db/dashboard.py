"""The dashboard's figures (DA1-DA5), read with SQL aggregates on indexes: never a Python loop over documents.

    figures = await read_dashboard(today=date.today(), options=options, widgets=['revenue', 'payments'])

Only what the chosen widgets show is read. The selections are those of the lists a widget opens
(db/document_list.py `in_view`, db/payment_list.py), so that a widget's count is the count of its list.
Turnover per day of two fiscal years is at most 731 grouped rows, summed into months here.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tortoise.expressions import RawSQL, Subquery
from tortoise.functions import Count, Min

from db.actor import Actor
from db.article import Article
from db.document import Document, DocumentLine
from db.document_list import in_view, revenue
from db.fields import ScaledSum, summed_money
from db.payment_list import RECEIVABLE, PaymentQuery, filtered
from db.user import User
from logic import dashboard as rules
from logic.dashboard import Period
from logic.errors import DomainError

ZERO = Decimal('0.00')
TOP = 5


@dataclass(kw_only=True, slots=True)
class Sums:
    amount: Decimal = ZERO
    count: int = 0


@dataclass(kw_only=True, slots=True)
class QuoteSums:
    amount: Decimal = ZERO
    count: int = 0
    weighted: Decimal = ZERO
    bands: dict = field(default_factory=dict)  # band key -> Sums


@dataclass(kw_only=True, slots=True)
class Month:
    first: date
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    previous: Decimal = ZERO  # the same month of the previous fiscal year
    count: int = 0


@dataclass(kw_only=True, slots=True)
class Figures:
    today: date
    month: Period
    year: Period
    previous_year: Period
    has_invoices: bool = False
    months: list[Month] = field(default_factory=list)  # the fiscal year's months, in order
    revenue_month: Sums = field(default_factory=Sums)
    revenue_year: Sums = field(default_factory=Sums)
    cost_month: Decimal = ZERO
    cost_year: Decimal = ZERO
    overdue: Sums = field(default_factory=Sums)
    oldest_due: date | None = None
    upcoming: Sums = field(default_factory=Sums)
    weeks: list[tuple[Period, Decimal]] = field(default_factory=list)
    quotes_expired: QuoteSums = field(default_factory=QuoteSums)
    quotes_pending: QuoteSums = field(default_factory=QuoteSums)
    recent: dict[str, list[dict]] = field(default_factory=dict)  # family -> rows
    oldest_installments: list[dict] = field(default_factory=list)
    top_clients: list[dict] = field(default_factory=list)
    top_articles: list[dict] = field(default_factory=list)


async def read_dashboard(*, today: date, options, widgets: list[str]) -> Figures:
    start_month = options.fiscal_year_start
    figures = Figures(today=today, month=rules.month_of(today), year=rules.fiscal_year(today, start_month=start_month),
                      previous_year=rules.previous_fiscal_year(today, start_month=start_month))
    wanted = set(widgets)
    figures.has_invoices = await Document.filter(family='invoice').exists()
    if wanted & {'revenue', 'margin', 'revenue_chart'}:
        await _revenue(figures)
    if wanted & {'payments'}:
        await _payments(figures)
    if 'payments_chart' in wanted:
        figures.weeks = await _weeks(today)
    if wanted & {'quotes', 'pipeline_chart'}:
        figures.quotes_expired = await _quotes('expires', today)
        figures.quotes_pending = await _quotes('en-cours', today)
    if 'recent' in wanted:
        figures.recent = {family: await _recent(family) for family in ('quote', 'invoice')}
    if 'oldest_installments' in wanted:
        figures.oldest_installments = await _oldest_installments()
    if 'top_clients' in wanted:
        figures.top_clients = await _top_clients(figures.year)
    if 'top_articles' in wanted:
        figures.top_articles = await _top_articles(figures.year)
    return figures


async def _revenue(figures: Figures) -> None:
    """Per day, grouped in SQL, then per month here: this fiscal year and the previous one."""
    rows = await revenue(Document.filter(family='invoice', issue_date__gte=figures.previous_year.start,
                                         issue_date__lte=figures.year.end)) \
        .annotate(ht=ScaledSum('total_ht'), cost=ScaledSum('total_cost'), n=Count('id')) \
        .group_by('issue_date').values('issue_date', 'ht', 'cost', 'n')
    months = {first: Month(first=first) for first in rules.months(figures.year)}
    shift = {first.replace(year=first.year - 1): first for first in months}  # fiscal years are 12 months
    for row in rows:
        day, amount, cost = row['issue_date'], summed_money(row['ht']), summed_money(row['cost'])
        first = day.replace(day=1)
        if day >= figures.year.start:
            month = months[first]
            month.revenue += amount
            month.cost += cost
            month.count += row['n']
        elif first in shift:
            months[shift[first]].previous += amount
    figures.months = list(months.values())
    current = months.get(figures.month.start) or Month(first=figures.month.start)
    figures.revenue_month = Sums(amount=current.revenue, count=current.count)
    figures.cost_month = current.cost
    figures.revenue_year = Sums(amount=sum((m.revenue for m in months.values()), ZERO),
                                count=sum(m.count for m in months.values()))
    figures.cost_year = sum((m.cost for m in months.values()), ZERO)


def receivable(today: date, **where) -> PaymentQuery:
    """Money still to receive (installments and deposits, refunds apart), as the payments list selects it with
    type=receivable: `status` 'overdue' or 'open', `date_from`/`date_to` on the due date."""
    return PaymentQuery(kind=RECEIVABLE, today=today, **where)


async def _payments(figures: Figures) -> None:
    today = figures.today
    late = await filtered(receivable(today, status='overdue'), lead='sums') \
        .annotate(due=ScaledSum('amount'), paid=ScaledSum('paid_amount'), n=Count(RawSQL('*')),
                  oldest=Min('due_date')).values('due', 'paid', 'n', 'oldest')
    coming = await filtered(receivable(today, status='open', date_from=today), lead='sums') \
        .annotate(due=ScaledSum('amount'), paid=ScaledSum('paid_amount'), n=Count(RawSQL('*'))) \
        .values('due', 'paid', 'n')
    figures.overdue = Sums(amount=summed_money(late[0]['due']) - summed_money(late[0]['paid']),
                           count=late[0]['n'] or 0)
    figures.oldest_due = late[0]['oldest']
    figures.upcoming = Sums(amount=summed_money(coming[0]['due']) - summed_money(coming[0]['paid']),
                            count=coming[0]['n'] or 0)


async def _weeks(today: date) -> list[tuple[Period, Decimal]]:
    weeks = rules.weeks_ahead(today)
    rows = await filtered(receivable(today, status='open', date_from=weeks[0].start, date_to=weeks[-1].end),
                          lead='sums') \
        .annotate(due=ScaledSum('amount'), paid=ScaledSum('paid_amount')).group_by('due_date') \
        .values('due_date', 'due', 'paid')
    amounts = [ZERO] * len(weeks)
    for row in rows:
        amounts[(row['due_date'] - today).days // 7] += summed_money(row['due']) - summed_money(row['paid'])
    return list(zip(weeks, amounts))


async def _quotes(view: str, today: date) -> QuoteSums:
    rows = await in_view(Document.filter(family='quote'), view, today) \
        .annotate(ht=ScaledSum('total_ht'), n=Count('id')).group_by('probability').values('probability', 'ht', 'n')
    sums = QuoteSums(bands={band: Sums() for band in rules.PROBABILITY_BANDS})
    by_probability = {}
    for row in rows:
        amount = summed_money(row['ht'])
        by_probability[row['probability']] = amount
        sums.amount += amount
        sums.count += row['n']
        band = sums.bands[rules.band_of(row['probability'])]
        band.amount += amount
        band.count += row['n']
    sums.weighted = rules.weighted(by_probability)
    return sums


async def _recent(family: str) -> list[dict]:
    """The last documents created, read backwards on the index (family, id)."""
    return await Document.filter(family=family).order_by('-id').limit(rules.LISTED) \
        .values('id', 'doc_type', 'state', 'number', 'issue_date', 'client_name', 'total_ttc', 'created_at')


async def _oldest_installments() -> list[dict]:
    return await filtered(receivable(date.today(), status='open'), lead='due').order_by('due_date', 'id') \
        .limit(rules.LISTED) \
        .values('id', 'document_id', 'kind', 'due_date', 'amount', 'paid_amount', 'number', 'client_name')


async def _top_clients(year: Period) -> list[dict]:
    rows = await revenue(Document.filter(family='invoice', issue_date__gte=year.start, issue_date__lte=year.end)) \
        .annotate(ht=ScaledSum('total_ht'), n=Count('id')).group_by('client_id', 'client_name') \
        .order_by('-ht').limit(TOP).values('client_id', 'client_name', 'ht', 'n')
    return [{**row, 'ht': summed_money(row['ht'])} for row in rows]


async def _top_articles(year: Period) -> list[dict]:
    documents = revenue(Document.filter(family='invoice', issue_date__gte=year.start, issue_date__lte=year.end))
    rows = await DocumentLine.filter(document_id__in=Subquery(documents.values('id')), article_id__isnull=False) \
        .annotate(ht=ScaledSum('net'), n=Count('id')).group_by('article_id').order_by('-ht').limit(TOP) \
        .values('article_id', 'ht', 'n')
    if not rows:
        return []
    names = {row['id']: row for row in await Article.filter(id__in=[row['article_id'] for row in rows])
             .values('id', 'reference', 'designation')}
    return [{**row, 'ht': summed_money(row['ht']),
             'reference': names.get(row['article_id'], {}).get('reference', ''),
             'designation': names.get(row['article_id'], {}).get('designation', '')} for row in rows]


async def save_widgets(actor: Actor, keys: list[str] | None, options) -> list[str]:
    """Keep `actor`'s choice of widgets (None: back to the defaults); a widget the options switch off is refused."""
    if keys is not None:
        allowed = set(rules.available(options))
        if any(key not in allowed for key in keys) or len(set(keys)) != len(keys):
            raise DomainError('Élément de tableau de bord inconnu.')
    await User.filter(id=actor.user_id).update(dashboard_widgets=keys)
    return rules.chosen(keys, options)
