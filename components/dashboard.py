"""The dashboard's widgets (DA1-DA5): figure cards, short lists and charts, each leading to the list behind it.

`DashboardGrid(figures, widgets, options)` lays out the chosen widgets in order; every value comes from
db/dashboard.py `Figures` and every link from logic/dashboard.py. User text (client names, designations) goes through
labels and links (escaped); the charts get numbers and fixed French labels only.
"""
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from nicegui import ui

from logic import dashboard as rules
from logic import doctypes
from logic.dates import MONTH_NAMES, format_date
from logic.money import format_eur
from logic.payments import open_amount
from logic.states import state_label

PRIMARY, PREVIOUS, ACCENT = '#1d4e89', '#a9bcd6', '#2e7d5b'
# ECharts formats its axis and tooltips in the browser: French euros without cents.
EUROS = "v => new Intl.NumberFormat('fr-FR', {style: 'currency', currency: 'EUR', maximumFractionDigits: 0}).format(v)"
DOCUMENT_PATHS = {'quote': '/devis', 'invoice': '/factures'}


class DashboardGrid(ui.element):
    def __init__(self, figures, widgets: list[str], options) -> None:
        super().__init__('div')
        self.classes('app-dashboard').mark('dashboard')
        self.figures, self.options = figures, options
        with self:
            for key in widgets:
                BUILDERS[key](self)

    # --- figure cards --------------------------------------------------------------------------------------------

    def revenue(self) -> None:
        f = self.figures
        with _card('revenue', 'Chiffre d’affaires HT', 'trending_up'):
            _figure(_month_name(f.month.start), f.revenue_month.amount, _documents(f.revenue_month.count),
                    rules.revenue_url(f.month), 'revenue-month')
            _figure(f'{f.year.label} (cumul)', f.revenue_year.amount, _documents(f.revenue_year.count),
                    rules.revenue_url(f.year), 'revenue-year')

    def margin(self) -> None:
        f = self.figures
        with _card('margin', 'Marge', 'savings'):
            for label, sales, cost, period, mark in (
                    (_month_name(f.month.start), f.revenue_month.amount, f.cost_month, f.month, 'margin-month'),
                    (f'{f.year.label} (cumul)', f.revenue_year.amount, f.cost_year, f.year, 'margin-year')):
                rate = rules.margin_rate(sales, sales - cost)
                _figure(label, sales - cost, f'{_percent(rate)} du chiffre d’affaires' if rate is not None else
                        'pas de vente sur la période', rules.revenue_url(period), mark)
            ui.label('Prix de vente moins prix d’achat des articles.').classes('app-dash-note')

    def payments(self) -> None:
        f = self.figures
        with _card('payments', 'Règlements à encaisser', 'payments'):
            oldest = f' ; la plus ancienne au {format_date(f.oldest_due)}' if f.oldest_due else ''
            _figure('En retard', f.overdue.amount, _installments(f.overdue.count) + oldest,
                    rules.payments_url('overdue'), 'payments-overdue', alert=bool(f.overdue.count))
            _figure('À venir', f.upcoming.amount, _installments(f.upcoming.count),
                    rules.payments_url('open', start=f.today), 'payments-upcoming')

    def quotes(self) -> None:
        f, weighted = self.figures, self.options.deal_tracking
        with _card('quotes', 'Devis en attente de réponse', 'request_quote'):
            for label, sums, view, mark in (('Encore valides', f.quotes_pending, 'en-cours', 'quotes-pending'),
                                            ('Expirés', f.quotes_expired, 'expires', 'quotes-expired')):
                detail = _quotes(sums.count)
                if weighted and sums.count:
                    detail += f' ; pondéré {format_eur(sums.weighted)}'
                _figure(f'{label} (HT)', sums.amount, detail, rules.quotes_url(view), mark,
                        alert=view == 'expires' and bool(sums.count))

    # --- charts --------------------------------------------------------------------------------------------------

    def revenue_chart(self) -> None:
        f = self.figures
        labels = [rules.month_label(month.first) for month in f.months]
        with _card('revenue_chart', f'Chiffre d’affaires HT par mois, {f.year.label.lower()}', 'bar_chart',
                   wide=True):
            chart = _bars(labels, [('Exercice précédent', [m.previous for m in f.months], PREVIOUS),
                                   (f.year.label, [m.revenue for m in f.months], PRIMARY)])
            urls = [rules.revenue_url(rules.month_of(month.first)) for month in f.months]
            _on_bar_click(chart, lambda index, series: urls[index] if series == 1 else None)

    def pipeline_chart(self) -> None:
        bands = self.figures.quotes_pending.bands
        with _card('pipeline_chart', 'Devis encore valides, par probabilité de transformation (HT)', 'donut_large',
                   wide=True):
            chart = _bars(list(rules.PROBABILITY_BANDS.values()),
                          [('Montant HT', [bands[key].amount for key in rules.PROBABILITY_BANDS], ACCENT)])
            _on_bar_click(chart, lambda index, series: rules.quotes_url('en-cours'))

    def payments_chart(self) -> None:
        weeks = self.figures.weeks
        with _card('payments_chart', 'À encaisser, semaine par semaine', 'event', wide=True):
            labels = [f'{week.start.day:02d}/{week.start.month:02d}' for week, _ in weeks]
            chart = _bars(labels, [('À encaisser', [amount for _, amount in weeks], PRIMARY)])
            urls = [rules.payments_url('open', start=week.start, end=week.end) for week, _ in weeks]
            _on_bar_click(chart, lambda index, series: urls[index])
            ui.label('Chaque barre : les 7 jours qui commencent à la date indiquée.').classes('app-dash-note')

    # --- lists ---------------------------------------------------------------------------------------------------

    def recent(self) -> None:
        with _card('recent', 'Derniers documents créés', 'history', wide=True), \
                ui.element('div').classes('app-dash-columns'):
            for family, title in (('quote', 'Devis'), ('invoice', 'Factures')):
                if family == 'quote' and not self.options.quotes:
                    continue
                with ui.column().classes('gap-1 min-w-0'):
                    ui.label(title).classes('app-dash-label')
                    rows = self.figures.recent.get(family, [])
                    if not rows:
                        ui.label('Aucun pour l’instant.').classes('app-muted text-sm')
                    for row in rows:
                        _row(f'{DOCUMENT_PATHS[family]}/{row["id"]}', row['number'] or doctypes.label(row['doc_type']),
                             row['client_name'], format_eur(row['total_ttc']),
                             state_label(row['doc_type'], row['state']))

    def oldest_installments(self) -> None:
        rows = self.figures.oldest_installments
        with _card('oldest_installments', 'Échéances ouvertes les plus anciennes', 'hourglass_bottom'):
            if not rows:
                ui.label('Aucune échéance ouverte.').classes('app-muted text-sm')
            for row in rows:
                _row(f'/factures/{row["document_id"]}', row['number'] or '—', row['client_name'],
                     format_eur(open_amount(row['amount'], row['paid_amount'])), format_date(row['due_date']),
                     late=row['due_date'] < self.figures.today)

    def top_clients(self) -> None:
        rows = self.figures.top_clients
        with _card('top_clients', f'Clients les plus facturés, {self.figures.year.label.lower()}', 'groups'):
            if not rows:
                ui.label('Pas encore de facture sur l’exercice.').classes('app-muted text-sm')
            for row in rows:
                _row(f'/contacts/{row["client_id"]}', row['client_name'], _documents(row['n']),
                     format_eur(row['ht']))

    def top_articles(self) -> None:
        rows = self.figures.top_articles
        with _card('top_articles', f'Articles les plus facturés, {self.figures.year.label.lower()}', 'inventory_2'):
            if not rows:
                ui.label('Pas encore d’article facturé sur l’exercice.').classes('app-muted text-sm')
            for row in rows:
                _row(f'/articles/{row["article_id"]}', row['designation'], row['reference'], format_eur(row['ht']))


BUILDERS: dict[str, Callable[[DashboardGrid], None]] = {key: getattr(DashboardGrid, key) for key in rules.WIDGETS}


def _card(key: str, title: str, icon: str, *, wide: bool = False) -> ui.element:
    card = ui.element('section').classes('app-dash-card' + (' app-dash-wide' if wide else '')) \
        .props(f'data-widget={key}').mark(f'widget-{key}')
    with card, ui.row().classes('items-center gap-2 no-wrap'):
        ui.icon(icon).classes('app-dash-icon')
        ui.label(title).classes('app-dash-title')
    return card


def _figure(label: str, amount: Decimal, detail: str, url: str, mark: str, *, alert: bool = False) -> None:
    """One figure and the line under it; the whole block opens its list."""
    with ui.link(target=url).classes('app-dash-figure' + (' app-dash-alert' if alert else '')).mark(mark):
        ui.label(label).classes('app-dash-label')
        ui.label(format_eur(amount)).classes('app-dash-amount')
        ui.label(detail).classes('app-dash-detail')


def _row(url: str, first: str, second: str, amount: str, extra: str = '', *, late: bool = False) -> None:
    with ui.link(target=url).classes('app-dash-row' + (' app-dash-late' if late else '')):
        with ui.column().classes('gap-0 min-w-0'):
            ui.label(first).classes('app-dash-row-main')
            ui.label(second).classes('app-dash-row-sub')
        with ui.column().classes('gap-0 items-end'):
            ui.label(amount).classes('app-dash-row-amount')
            if extra:
                ui.label(extra).classes('app-dash-row-sub')


def _bars(labels: list[str], series: list[tuple[str, list[Decimal], str]]) -> ui.echart:
    """A bar chart in French euros; values are rounded to the euro for the picture only (the lists show cents)."""
    return ui.echart({
        'grid': {'left': 8, 'right': 8, 'top': 36 if len(series) > 1 else 12, 'bottom': 8, 'containLabel': True},
        'legend': {'show': len(series) > 1, 'top': 0},
        'tooltip': {'trigger': 'axis', ':valueFormatter': EUROS},
        'xAxis': {'type': 'category', 'data': labels, 'axisLabel': {'hideOverlap': True}, 'axisTick': {'show': False}},
        'yAxis': {'type': 'value', 'axisLabel': {':formatter': EUROS}},
        'series': [{'type': 'bar', 'name': name, 'data': [int(value.to_integral_value()) for value in values],
                    'itemStyle': {'color': color}, 'barMaxWidth': 28} for name, values, color in series],
    }).classes('app-dash-chart')


def _on_bar_click(chart: ui.echart, url_of: Callable[[int, int], str | None]) -> None:
    def clicked(event) -> None:
        url = url_of(event.data_index, event.series_index)
        if url:
            ui.navigate.to(url)
    chart.on_point_click(clicked)


def _month_name(first: date) -> str:
    return f'{MONTH_NAMES[first.month - 1].capitalize()} {first.year}'


def _percent(rate: Decimal) -> str:
    return f'{rate:f}'.replace('.', ',') + ' %'


def _plural(count: int, one: str, many: str) -> str:
    return f'{count} {one if count == 1 else many}'


def _documents(count: int) -> str:
    return _plural(count, 'facture ou avoir', 'factures et avoirs')


def _installments(count: int) -> str:
    return _plural(count, 'échéance', 'échéances')


def _quotes(count: int) -> str:
    return _plural(count, 'devis', 'devis')
