"""The five lists at the loaded size: server time of a first page, a sorted page, a filtered page and a search.

Each page is built the way its screen builds it (the query, the count, and the rows formatted for the table), in
this process, on the benchmark's database: that is the server's share of a click, without the websocket (the
click-to-update figures of bench/scenario.py carry the rest). A list whose area has not landed yet gives its four
figures without a value and says so, so that the suite runs today and fills in as areas land.

To add a list: a function returning {kind: call} (or raising ListMissing) in LISTS.
"""
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bench.figures import Figure, sample_ms, skipped, spread

PAGE_TARGET_MS = 50     # issue 7: "50 ms pages"
SEARCH_TARGET_MS = 100  # the contacts and articles issues: a search answers within 100 ms
KINDS = {'first page': PAGE_TARGET_MS, 'sorted page': PAGE_TARGET_MS, 'filtered page': PAGE_TARGET_MS,
         'search': SEARCH_TARGET_MS}
PER_PAGE = 25
Call = Callable[[], Awaitable]


class ListMissing(Exception):
    """The area's list is not in the code base yet."""


async def measure_lists(runs: int) -> list[Figure]:
    figures: list[Figure] = []
    for label, build in LISTS.items():
        try:
            calls = build()
        except ListMissing as exc:
            figures += [skipped(f'{label} list, {kind} ({stat})', 'ms', str(exc), target)
                        for kind, target in KINDS.items() for stat in ('median', 'p95')]
            continue
        for kind, target in KINDS.items():
            if kind not in calls:  # a list without that control (no search on the cheque slips)
                continue
            name = f'{label} list, {kind}'
            try:
                figures += spread(name, await sample_ms(calls[kind], runs), target, note=_note(calls, kind))
            except Exception as exc:  # noqa: BLE001 - one broken list must not hide the others
                figures += spread(name, [], target, note=f'error: {type(exc).__name__}: {exc}')
    return figures


def _note(calls: dict, kind: str) -> str:
    return calls.get('notes', {}).get(kind, '')


def _module(name: str, what: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise ListMissing(f'{what} not there yet ({name})') from None
        raise


def _page(fetch: Callable[[int | None], Awaitable[tuple]], *, recount: bool = True) -> Call:
    """A page as its table asks for it. `fetch(total)` gives (rows, total): counted when `total` is None (a first
    page, a filter, a search) or, for a sort click (`recount=False`), given the total the table shows, counted once
    as the page before the click did (in `sample_ms`'s warm-up call)."""
    known: dict[str, int] = {}

    async def call():
        if recount:
            return await fetch(None)
        if 'total' not in known:  # the page the table showed before the click
            known['total'] = (await fetch(None))[1]
        return await fetch(known['total'])
    return call


def contacts() -> dict:
    db = _module('db.contacts', 'contacts list')
    try:  # the rows as the page formats them, once the page exists
        row = importlib.import_module('pages.contacts').table_row
        notes = {}
    except (ModuleNotFoundError, AttributeError):
        row, notes = (lambda item: item), dict.fromkeys(KINDS, 'query only: pages/contacts.py not there yet')
    order = getattr(db, 'list_order', lambda column, descending=False: db.DEFAULT_ORDER)

    def page(filters=None, sort='name', descending=False) -> Call:
        async def call():
            rows, _ = await db.list_contacts(filters or db.ContactFilter(), order(sort, descending), offset=0,
                                             limit=PER_PAGE)
            return [row(item) for item in rows]
        return call

    return {'first page': page(), 'sorted page': page(sort='city', descending=True),
            'filtered page': page(db.ContactFilter(kind='client')), 'search': page(db.ContactFilter(search='dupont')),
            'notes': {**notes, 'sorted page': 'by city, descending'}}


def articles() -> dict:
    db = _module('db.articles', 'articles list')
    order = getattr(db, 'list_order', lambda column, descending=False: db.DEFAULT_ORDER)

    def page(filters=None, sort='designation', descending=False) -> Call:
        async def call():
            return await db.list_articles(filters or db.ArticleFilter(), order(sort, descending), offset=0,
                                          limit=PER_PAGE)
        return call

    return {'first page': page(), 'sorted page': page(sort='sale_price', descending=True),
            'filtered page': page(db.ArticleFilter(kind='service')),
            'search': page(db.ArticleFilter(search='carrelage')),
            'notes': dict.fromkeys(KINDS, 'query only (the page adds unit and VAT labels from two small lists)')}


def documents(family: str, state: str) -> Callable[[], dict]:
    """Quotes and invoices: pages/document_lists.list_page, exactly what the list screens' fetch calls."""
    def build() -> dict:
        page_module = _module('pages.document_lists', f'{family} list')
        from components.document_list import ListFilters  # noqa: PLC0415
        from components.paged_table import PageRequest  # noqa: PLC0415

        def page(filters=ListFilters(), sort_by='date', descending=False, recount=True) -> Call:
            request = PageRequest(page=1, per_page=PER_PAGE, sort_by=sort_by, descending=descending)
            return _page(lambda total: page_module.list_page(family, filters, replace(request, total=total)),
                         recount=recount)

        return {'first page': page(), 'sorted page': page(sort_by='total_ttc', descending=True, recount=False),
                'filtered page': page(ListFilters(state=state), descending=True),
                'search': page(ListFilters(search='boulangerie')),
                'notes': {'search': 'client name (contacts first, then their documents)',
                          'sorted page': 'a sort click: same filters, the table keeps its total (no COUNT)'}}
    return build


def payments() -> dict:
    """The payments list (PA1): the installments due, as pages/payments.py fetches and formats them."""
    db = _module('db.payment_list', 'payments list (PA1)')
    try:
        row = importlib.import_module('pages.payments').table_row
        notes = {}
    except (ModuleNotFoundError, AttributeError):
        row, notes = (lambda item, today: item), dict.fromkeys(KINDS, 'query only: pages/payments.py not there yet')
    from datetime import date  # noqa: PLC0415

    def page(status='', search='', sort='due', descending=True, recount=True) -> Call:
        query = db.PaymentQuery(status=status, search=search, sort_by=sort, descending=descending, offset=0,
                                limit=PER_PAGE)

        async def fetch(total):
            rows, total = await db.list_installments(query, total=total)
            today = date.today()
            return [row(item, today) for item in rows], total
        return _page(fetch, recount=recount)

    return {'first page': page(), 'sorted page': page(sort='amount', recount=False),
            'filtered page': page(status='overdue'), 'search': page(search='boulangerie'),
            'notes': {**notes, 'filtered page': 'overdue installments', 'search': 'client name or number',
                      'sorted page': 'by amount, descending: a sort click, the table keeps its total (no COUNT)'}}


def cheque_slips() -> dict:
    """The cheque remittance slips (PA4), as pages/cheques.py fetches and formats them, and the cheques to remit
    that its "Nouvelle remise" dialog opens with (the oldest 200, their count and total)."""
    db = _module('db.cheques', 'cheque remittances (PA4)')
    row = _module('pages.cheques', 'cheque remittances page (PA4)').slip_row

    def page(sort='date', descending=True, recount=True) -> Call:
        async def fetch(total):
            rows, total = await db.list_slips(offset=0, limit=PER_PAGE, sort_by=sort, descending=descending,
                                              total=total)
            return [row(slip) for slip in rows], total
        return _page(fetch, recount=recount)

    async def to_remit():
        return await db.cheques_to_remit(limit=200), await db.pending_totals()

    return {'first page': page(), 'sorted page': page(sort='total', recount=False), 'filtered page': to_remit,
            'notes': {'sorted page': 'by amount, descending (the table keeps its total)',
                      'filtered page': 'the cheques to remit: the dialog\'s 200 oldest, their count and total'}}


def direct_debits() -> dict:
    """The direct debit collections (PA5), as pages/sepa.py fetches and formats them, and what its "Nouveau
    prélèvement" dialog opens with: the installments due for collection within the pre-notification period."""
    db = _module('db.sepa', 'direct debits (PA5)')
    row = _module('pages.sepa', 'direct debits page (PA5)').collection_row
    from datetime import date, timedelta  # noqa: PLC0415

    async def first_page():
        rows, _ = await db.list_collections(0, PER_PAGE)
        return [row(item) for item in rows]

    async def due():
        return await db.due_summary(date.today() + timedelta(days=14))

    return {'first page': first_page, 'filtered page': due,
            'notes': {'filtered page': 'the dialog: the installments due for collection within 14 days counted and '
                                       'summed, the first 200, and the clients without a mandate'}}


def contracts() -> dict:
    """The building contracts billed in situations (IN8), as pages/situations.py fetches and formats them."""
    db = _module('db.situations', 'progress invoices (IN8)')
    row = _module('pages.situations', 'situations page (IN8)').contract_row
    known: dict[str, int] = {}

    def page(sort='id', descending=True, state='', recount=True) -> Call:
        async def call():
            if not recount and 'total' not in known:
                known['total'] = (await db.contract_page(offset=0, limit=PER_PAGE))[1]
            rows, _ = await db.contract_page(offset=0, limit=PER_PAGE, sort=sort, descending=descending, state=state,
                                             total=None if recount else known['total'])
            return [row(item) for item in rows]
        return call

    return {'first page': page(), 'sorted page': page(sort='billed_ht', recount=False),
            'filtered page': page(state='open'),
            'notes': {'sorted page': 'by amount billed, descending (the table keeps its total)',
                      'filtered page': 'the contracts in progress'}}


LISTS: dict[str, Callable[[], dict]] = {
    'contacts': contacts,
    'articles': articles,
    'quotes': documents('quote', 'accepted'),
    'invoices': documents('invoice', 'paid'),
    'orders': documents('order', 'invoiced'),
    'delivery notes': documents('delivery_note', 'invoiced'),
    'payments': payments,
    'cheque slips': cheque_slips,
    'direct debits': direct_debits,
    'contracts': contracts,
}
