"""The dashboard's rules (DA1-DA5): its periods, what counts as turnover and as an open quote, the widgets a user may
choose and their defaults, and the buckets of its charts. db/dashboard.py reads the figures, pages/home.py lays them
out; both ask this module.

Turnover ("chiffre d'affaires") is HT, by invoice date: issued invoices and progress invoices, minus issued credit
notes, as an accountant's sales accounts see it. Deposit invoices are left out (booked as advances received, 4191,
the final invoice carries the whole sale) and so are credit notes of deposit invoices (logic/doctypes.py `revenue`).

>>> fiscal_year(date(2026, 12, 6), start_month=1)
Period(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31))
>>> fiscal_year(date(2026, 3, 6), start_month=7).label
'Exercice 2025-2026'
>>> previous_fiscal_year(date(2026, 3, 6), start_month=7)
Period(start=datetime.date(2024, 7, 1), end=datetime.date(2025, 6, 30))
>>> month_of(date(2024, 2, 10))
Period(start=datetime.date(2024, 2, 1), end=datetime.date(2024, 2, 29))
>>> [band_of(p) for p in (None, 0, 24, 25, 74, 75, 100)]
['none', '0-24', '0-24', '25-49', '50-74', '75-100', '75-100']
>>> weighted({50: Decimal('1000.00'), None: Decimal('300.00'), 33: Decimal('10.00')})
Decimal('503.30')
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from logic.dates import format_date
from logic.money import round_cents

OPEN_QUOTE_STATES = ('draft', 'sent')  # a quote still waiting for the client's answer
MONTHS = ('janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.')
PROBABILITY_BANDS = {'0-24': '0-24 %', '25-49': '25-49 %', '50-74': '50-74 %', '75-100': '75-100 %', 'none': 'Sans'}
WEEKS_AHEAD = 8
LISTED = 5  # rows of the "recent" and "oldest" widgets


@dataclass(kw_only=True, slots=True, frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def label(self) -> str:
        if self.start.year == self.end.year:
            return f'Exercice {self.start.year}'
        return f'Exercice {self.start.year}-{self.end.year}'

    @property
    def dates(self) -> str:
        return f'du {format_date(self.start)} au {format_date(self.end)}'


@dataclass(kw_only=True, slots=True, frozen=True)
class Widget:
    key: str
    label: str
    needs: tuple[str, ...] = ()  # the options (Paramètres > Options) it needs


WIDGETS: dict[str, Widget] = {widget.key: widget for widget in (
    Widget(key='revenue', label='Chiffre d’affaires'),
    Widget(key='margin', label='Marge', needs=('margin',)),
    Widget(key='payments', label='Règlements'),
    Widget(key='quotes', label='Devis', needs=('quotes',)),
    Widget(key='revenue_chart', label='Chiffre d’affaires par mois'),
    Widget(key='pipeline_chart', label='Devis en cours par probabilité', needs=('quotes', 'deal_tracking')),
    Widget(key='payments_chart', label='Échéances des 8 prochaines semaines'),
    Widget(key='recent', label='Devis et factures récents'),
    Widget(key='oldest_installments', label='Échéances les plus anciennes'),
    Widget(key='top_clients', label='Clients les plus facturés'),
    Widget(key='top_articles', label='Articles les plus facturés'),
)}


def available(options) -> list[str]:
    """The widgets the instance's options allow, in their default order."""
    return [key for key, widget in WIDGETS.items() if all(getattr(options, need) for need in widget.needs)]


def default_widgets(options) -> list[str]:
    """DA4: without margin, the most-invoiced clients take its place; without quotes, the most-invoiced articles.

    >>> from types import SimpleNamespace as Options
    >>> default_widgets(Options(margin=False, quotes=True, deal_tracking=False))[:4]
    ['revenue', 'top_clients', 'payments', 'quotes']
    >>> default_widgets(Options(margin=True, quotes=False, deal_tracking=True))[:4]
    ['revenue', 'margin', 'payments', 'top_articles']
    """
    keys = ['revenue', 'margin' if options.margin else 'top_clients', 'payments',
            'quotes' if options.quotes else 'top_articles', 'revenue_chart', 'pipeline_chart', 'payments_chart',
            'recent', 'oldest_installments']
    allowed = set(available(options))
    return [key for key in keys if key in allowed]


def chosen(saved: list | None, options) -> list[str]:
    """The widgets a user sees, in their order (DA5): what they chose, less what the options now switch off; the
    defaults until they choose.

    >>> from types import SimpleNamespace as Options
    >>> chosen(['quotes', 'revenue', 'gone', 'revenue'], Options(margin=True, quotes=False, deal_tracking=True))
    ['revenue']
    """
    if saved is None:
        return default_widgets(options)
    allowed = set(available(options))
    return list(dict.fromkeys(key for key in saved if isinstance(key, str) and key in allowed))


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    return Period(start=start, end=_next_month(start) - timedelta(days=1))


def fiscal_year(day: date, *, start_month: int = 1) -> Period:
    """The fiscal year holding `day`, for a year starting on the first of `start_month` (12 months)."""
    year = day.year if day.month >= start_month else day.year - 1
    start = date(year, start_month, 1)
    return Period(start=start, end=date(year + 1, start_month, 1) - timedelta(days=1))


def previous_fiscal_year(day: date, *, start_month: int = 1) -> Period:
    return fiscal_year(fiscal_year(day, start_month=start_month).start - timedelta(days=1), start_month=start_month)


def months(period: Period) -> list[date]:
    """The first day of each month of `period`."""
    firsts, month = [], period.start.replace(day=1)
    while month <= period.end:
        firsts.append(month)
        month = _next_month(month)
    return firsts


def month_label(first: date) -> str:
    return f'{MONTHS[first.month - 1]} {first.year % 100:02d}'


def weeks_ahead(today: date, count: int = WEEKS_AHEAD) -> list[Period]:
    """`count` windows of 7 days, the first starting today."""
    return [Period(start=today + timedelta(days=7 * n), end=today + timedelta(days=7 * n + 6)) for n in range(count)]


def band_of(probability: int | None) -> str:
    if probability is None:
        return 'none'
    for key in PROBABILITY_BANDS:
        low, _, high = key.partition('-')
        if high and int(low) <= probability <= int(high):
            return key
    raise ValueError(f'probability out of range: {probability}')


def weighted(amounts_by_probability: dict) -> Decimal:
    """The expected amount of open quotes (gestion des affaires): each amount times its probability; a quote without
    a probability counts for nothing."""
    total = sum((amount * probability / 100 for probability, amount in amounts_by_probability.items()
                 if probability is not None), Decimal(0))
    return round_cents(total)


def margin_rate(sales: Decimal, margin: Decimal) -> Decimal | None:
    """The margin as a percentage of sales HT (one decimal), None without sales.

    >>> margin_rate(Decimal('1000.00'), Decimal('355.55')), margin_rate(Decimal(0), Decimal(0))
    (Decimal('35.6'), None)
    """
    if not sales:
        return None
    return (margin * 100 / sales).quantize(Decimal('0.1'))


# --- where a widget leads (DA3): the list behind it, its filters in the address -------------------------------------

def revenue_url(period: Period) -> str:
    """
    >>> revenue_url(month_of(date(2026, 12, 6)))
    '/factures?vue=ca&du=2026-12-01&au=2026-12-31'
    """
    return '/factures?' + urlencode({'vue': 'ca', 'du': period.start.isoformat(), 'au': period.end.isoformat()})


def payments_url(state: str, *, start: date | None = None, end: date | None = None) -> str:
    """Money to receive, 'overdue' or 'open' (from `start`, to `end`: by due date).

    >>> payments_url('open', start=date(2026, 12, 6))
    '/reglements?etat=open&type=receivable&du=2026-12-06'
    """
    params = {'etat': state, 'type': 'receivable', 'du': start.isoformat() if start else None,
              'au': end.isoformat() if end else None}
    return '/reglements?' + urlencode({key: value for key, value in params.items() if value})


def quotes_url(view: str) -> str:
    return '/devis?' + urlencode({'vue': view})


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)
