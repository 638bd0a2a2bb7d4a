"""Closings of periods (AC3, docs/legal.md 2.6), the pure part: periods, totals from plain rows, the payload and its
fingerprint.

A closing attests, once a month or a fiscal year is over, what the books held at that moment: the totals of the
period (per VAT rate, per document type, per payment method), the perpetual grand total (from the first invoice
ever, never reset), the count and number range of each series, and the head of each integrity chain. Its payload
is canonical JSON (logic.integrity.canonical); its fingerprint is the plain SHA-256 of it, so that anyone holding a
closing report or an archive can recompute it without the instance secret. Printed on the report and sent to the
accountant, that fingerprint is what makes a chain recomputed later with the secret detectable.

Fiscal years are named after the calendar year they end in: with a fiscal year starting in July, "2026" runs from
1 July 2025 to 30 June 2026; starting in January it is the calendar year.

>>> fiscal_year(2026, 7).start, fiscal_year(2026, 7).end
(datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
>>> month(2026, 2).label, month(2026, 2).end
('Février 2026', datetime.date(2026, 2, 28))
>>> [period.label for period in due_periods(date(2026, 1, 10), None, set(), today=date(2026, 3, 2), start_month=1)]
['Janvier 2026', 'Février 2026']
"""
import calendar
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from logic.integrity import GENESIS, canonical
from logic.money import CENT

PAYLOAD_VERSION = 1
MONTH, YEAR = 'month', 'year'
MONTHS = ('Janvier', 'Février', 'Mars', 'Avril', 'Mai', 'Juin', 'Juillet', 'Août', 'Septembre', 'Octobre',
          'Novembre', 'Décembre')
ZERO = Decimal('0.00')


@dataclass(kw_only=True, slots=True, frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f'{MONTHS[self.start.month - 1]} {self.start.year}'
        if (self.start.month, self.start.day) == (1, 1):
            return f'Exercice {self.end.year}'
        return f'Exercice {self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}'

    @property
    def key(self) -> str:
        """'2026-11' for a month, '2026' for a fiscal year (the year it ends in): what the command line takes."""
        return f'{self.start:%Y-%m}' if self.kind == MONTH else str(self.end.year)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def month(year: int, number: int) -> Period:
    return Period(kind=MONTH, start=date(year, number, 1),
                  end=date(year, number, calendar.monthrange(year, number)[1]))


def fiscal_year(year: int, start_month: int) -> Period:
    """The fiscal year that ends in `year`."""
    if not 1 <= start_month <= 12:
        raise ValueError(f'invalid fiscal year start month {start_month}')
    start = date(year, 1, 1) if start_month == 1 else date(year - 1, start_month, 1)
    last = month(year, 12 if start_month == 1 else start_month - 1)
    return Period(kind=YEAR, start=start, end=last.end)


def fiscal_year_of(day: date, start_month: int) -> Period:
    year = day.year if start_month == 1 or day.month < start_month else day.year + 1
    return fiscal_year(year, start_month)


def months_of(period: Period) -> list[Period]:
    result, day = [], period.start
    while day <= period.end:
        result.append(month(day.year, day.month))
        day = result[-1].end + timedelta(days=1)
    return result


def due_periods(first_activity: date | None, closed_until: date | None, closed_years: set[date], *, today: date,
                start_month: int) -> list[Period]:
    """The periods over and not closed yet, oldest first: the months from the start of the fiscal year of the first
    activity (or the day after the last closed month), then the fiscal years over whose start is not in
    `closed_years`. Nothing before any activity."""
    if first_activity is None:
        return []
    begin = closed_until + timedelta(days=1) if closed_until else fiscal_year_of(first_activity, start_month).start
    result = []
    day = begin
    while True:
        period = month(day.year, day.month)
        if period.end >= today:
            break
        result.append(period)
        day = period.end + timedelta(days=1)
    year = fiscal_year_of(first_activity, start_month)
    while year.end < today:
        if year.start not in closed_years:
            result.append(year)
        year = fiscal_year(year.end.year + 1, start_month)
    return result


# --- totals -------------------------------------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True, frozen=True)
class DocumentRow:
    """A legal document issued in the period, as stored (a credit note's amounts are negative)."""

    doc_type: str
    series: str
    number: str
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    vat_lines: tuple[tuple[str, Decimal, Decimal, Decimal], ...] = ()  # (category, rate, base, vat)


@dataclass(kw_only=True, slots=True, frozen=True)
class PaymentRow:
    """A record of the payments journal dated in the period (reversals negative)."""

    label: str
    position: int
    kind: str
    method: str
    amount: Decimal


def compute_totals(documents: Iterable[DocumentRow], payments: Iterable[PaymentRow]) -> dict:
    """The totals of a period, as plain JSON-ready data (amounts as '12.50' strings).

    >>> row = DocumentRow(doc_type='invoice', series='invoice', number='F2026-00001', total_ht=Decimal('100.00'),
    ...                   total_vat=Decimal('20.00'), total_ttc=Decimal('120.00'),
    ...                   vat_lines=(('S', Decimal('20.00'), Decimal('100.00'), Decimal('20.00')),))
    >>> totals = compute_totals([row], [PaymentRow(label='REG2026-000001', position=1, kind='settlement',
    ...                                            method='cheque', amount=Decimal('120.00'))])
    >>> totals['documents']['total_ttc'], totals['by_vat_rate'][0]['vat'], totals['by_method']['cheque']['total']
    ('120.00', '20.00', '120.00')
    """
    by_type: dict[str, dict] = {}
    by_rate: dict[tuple[str, Decimal], list[Decimal]] = {}
    series: dict[str, dict] = {}
    whole = _sums()
    for row in sorted(documents, key=lambda item: (item.series, len(item.number), item.number)):
        for target in (whole, by_type.setdefault(row.doc_type, _sums())):
            target['count'] += 1
            for name in ('total_ht', 'total_vat', 'total_ttc'):
                target[name] += getattr(row, name)
            target['absolute_ttc'] += abs(row.total_ttc)
        for category, rate, base, vat in row.vat_lines:
            sums = by_rate.setdefault((category, Decimal(rate).quantize(CENT)), [ZERO, ZERO])
            sums[0] += base
            sums[1] += vat
        _extend(series, row.series, row.number)
    methods: dict[str, dict] = {}
    paid = {'count': 0, 'total': ZERO}
    for row in sorted(payments, key=lambda item: item.position):
        key = row.method if row.kind in ('settlement', 'reversal') and row.method else row.kind
        entry = methods.setdefault(key, {'count': 0, 'total': ZERO})
        for target in (entry, paid):
            target['count'] += 1
            target['total'] += row.amount
        _extend(series, 'payment', row.label)
    return _plain({
        'documents': whole, 'by_type': dict(sorted(by_type.items())),
        'by_vat_rate': [{'category': category, 'rate': rate, 'base': base, 'vat': vat}
                        for (category, rate), (base, vat) in sorted(by_rate.items(), key=lambda item: (item[0][1],
                                                                                                       item[0][0]))],
        'payments': paid, 'by_method': dict(sorted(methods.items())), 'series': dict(sorted(series.items())),
    })


def perpetual_after(previous: Mapping | None, totals: Mapping) -> dict:
    """The perpetual grand totals once the period's totals are added to the previous closing's (None: the first).

    >>> perpetual_after({'total_ttc': '100.00', 'absolute_ttc': '100.00', 'payments': '0.00'},
    ...                 {'documents': {'total_ttc': '-20.00', 'absolute_ttc': '20.00'}, 'payments': {'total': '5.00'}})
    {'total_ttc': '80.00', 'absolute_ttc': '120.00', 'payments': '5.00'}
    """
    before = previous or {'total_ttc': '0.00', 'absolute_ttc': '0.00', 'payments': '0.00'}
    return _plain({
        'total_ttc': Decimal(before['total_ttc']) + Decimal(totals['documents']['total_ttc']),
        'absolute_ttc': Decimal(before['absolute_ttc']) + Decimal(totals['documents']['absolute_ttc']),
        'payments': Decimal(before['payments']) + Decimal(totals['payments']['total']),
    })


def payload(*, period: Period, totals: Mapping, perpetual: Mapping, chains: Mapping, states: Mapping,
            previous_fingerprint: str, company: Mapping, public_key: str, closed_at: str, closed_by: str) -> dict:
    """What a closing attests (PAYLOAD_VERSION 1), plain JSON data: stored as is, hashed in canonical form."""
    return _plain({
        'payload_version': PAYLOAD_VERSION, 'kind': period.kind, 'label': period.label,
        'start': period.start, 'end': period.end, 'totals': totals, 'perpetual': perpetual, 'chains': chains,
        'states': states, 'previous_fingerprint': previous_fingerprint or GENESIS, 'company': company,
        'public_key': public_key, 'closed_at': closed_at, 'closed_by': closed_by,
    })


def fingerprint(data: Mapping) -> str:
    """The plain SHA-256 of the canonical payload: what the report prints and anyone can recompute."""
    return hashlib.sha256(canonical(dict(data))).hexdigest()


def grouped(digest: str, size: int = 8) -> str:
    """A long hexadecimal digest in groups, as printed ('0a1b2c3d 4e5f...')."""
    return ' '.join(digest[index:index + size] for index in range(0, len(digest), size))


def _sums() -> dict:
    return {'count': 0, 'total_ht': ZERO, 'total_vat': ZERO, 'total_ttc': ZERO, 'absolute_ttc': ZERO}


def _extend(series: dict, key: str, label: str) -> None:
    entry = series.setdefault(key, {'count': 0, 'first': label, 'last': label})
    entry['count'] += 1
    entry['last'] = label


def _plain(value: object) -> object:
    """Decimals as strings at the cent, dates in ISO form: the payload as stored in JSON and read back."""
    if isinstance(value, Decimal):
        value = value.quantize(CENT)
        return format(value.copy_abs() if value.is_zero() else value, 'f')
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
