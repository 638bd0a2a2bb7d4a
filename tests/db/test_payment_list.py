"""PA1, PA3: the Règlements list, its filters, paging, search, summary and export, read from `installment` alone."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from db import credit_notes, deposits, documents, payment_list, payments
from db.document import Installment
from db.payment_list import PaymentQuery
from logic.deposits import DepositSpec
from tests.db.documents_helpers import business_client, draft, individual_client, validated_invoice
from tests.helpers import SECRET
from tests.databases import use_postgres
from tests.personas import set_up_company
from tests.issuing import issuer

D = Decimal
TODAY = date(2026, 3, 15)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


async def ledger():
    """A small ledger pinned to TODAY: each installment's (number, client, kind, status, due, amount, paid)."""
    admin = await set_up_company()
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    clients = {'Boulangerie Martin SAS': client.id, 'Camille Petit': (await individual_client()).id,
               'Garage Dupont': (await business_client(code='C0003', name='Garage Dupont', siren='')).id}
    rows = [
        ('F2026-00001', 'Boulangerie Martin SAS', 'installment', 'open', day(-30), '100.00', '0.00'),     # overdue
        ('F2026-00002', 'Boulangerie Martin SAS', 'installment', 'open', day(-1), '200.00', '50.00'),     # overdue
        ('F2026-00003', 'Camille Petit', 'installment', 'open', day(0), '300.00', '0.00'),               # not due
        ('F2026-00004', 'Camille Petit', 'installment', 'paid', day(-10), '400.00', '400.00'),
        ('F2026-00005', 'Garage Dupont', 'installment', 'irrecoverable', day(-60), '500.00', '100.00'),
        ('D2026-00001', 'Garage Dupont', 'deposit', 'open', day(5), '60.00', '0.00'),                    # not due
        ('D2026-00002', 'Camille Petit', 'deposit', 'paid', day(-5), '70.00', '70.00'),
        ('AV2026-00001', 'Camille Petit', 'refund', 'open', day(-2), '-80.00', '-30.00'),
        ('F2026-00006', 'Boulangerie Martin SAS', 'installment', 'planned', day(3), '999.00', '0.00'),   # never
        ('D2026-00003', 'Garage Dupont', 'deposit', 'cancelled', day(4), '888.00', '0.00'),             # never
    ]
    await Installment.filter(document_id=invoice.id).delete()  # the invoice's own: the ledger pins its rows
    made = {}
    for number, client_name, kind, status, due, amount, paid in rows:
        document = quote if kind == 'deposit' else invoice
        made[number] = await Installment.create(document=document, kind=kind, status=status, due_date=due,
                                                amount=D(amount), paid_amount=D(paid), number=number,
                                                client_id=clients[client_name], client_name=client_name)
    return made


def numbers(rows):
    return [row['number'] for row in rows]


def decide(monkeypatch, name: str, answer: bool) -> None:
    """Make the payments list's planner decision `name` ('few_matches', 'broad_number') answer `answer`."""
    async def decided(*_) -> bool:
        return answer
    monkeypatch.setattr(payment_list, name, decided)


async def test_it_lists_newest_first_and_never_planned_nor_cancelled(db):
    await ledger()
    rows, total = await payment_list.list_installments(PaymentQuery(today=TODAY))
    assert total == 8
    assert numbers(rows) == ['D2026-00001', 'F2026-00003', 'F2026-00002', 'AV2026-00001', 'D2026-00002',
                             'F2026-00004', 'F2026-00001', 'F2026-00005']
    assert set(rows[0]) >= {'id', 'document_id', 'kind', 'status', 'due_date', 'amount', 'paid_amount', 'paid_on',
                            'number', 'client_name'}
    assert rows[1]['amount'] == D('300.00') and rows[1]['due_date'] == TODAY


@pytest.mark.parametrize('status, kind, expected', [
    ('overdue', '', ['F2026-00002', 'AV2026-00001', 'F2026-00001']),
    ('open', '', ['D2026-00001', 'F2026-00003', 'F2026-00002', 'AV2026-00001', 'F2026-00001']),
    ('paid', '', ['D2026-00002', 'F2026-00004']),
    ('', 'deposit', ['D2026-00001', 'D2026-00002']),
    ('', 'installment', ['F2026-00003', 'F2026-00002', 'F2026-00004', 'F2026-00001']),
    ('', 'irrecoverable', ['F2026-00005']),
    ('', 'refund', ['AV2026-00001']),
    ('open', 'installment', ['F2026-00003', 'F2026-00002', 'F2026-00001']),
    ('overdue', 'deposit', []),
    ('paid', 'irrecoverable', []),
])
async def test_it_filters_by_state_and_type(db, status, kind, expected):
    await ledger()
    rows, total = await payment_list.list_installments(PaymentQuery(status=status, kind=kind, today=TODAY))
    assert numbers(rows) == expected and total == len(expected)


async def test_it_filters_on_the_due_date_range(db):
    await ledger()
    rows, total = await payment_list.list_installments(PaymentQuery(date_from=day(-10), date_to=day(0),
                                                                    today=TODAY))
    assert numbers(rows) == ['F2026-00003', 'F2026-00002', 'AV2026-00001', 'D2026-00002', 'F2026-00004']
    assert total == 5


@pytest.mark.parametrize('search, expected', [
    ('f2026-0000', ['F2026-00003', 'F2026-00002', 'F2026-00004', 'F2026-00001', 'F2026-00005']),
    ('AV2026', ['AV2026-00001']),
    ('petit', ['F2026-00003', 'AV2026-00001', 'D2026-00002', 'F2026-00004']),
    ('  garage   dupont ', ['D2026-00001', 'F2026-00005']),
    ('00001', []),  # the start of a number, not any part of it
])
async def test_it_searches_the_start_of_a_number_or_the_client_name(db, search, expected):
    await ledger()
    rows, total = await payment_list.list_installments(PaymentQuery(search=search, today=TODAY))
    assert numbers(rows) == expected and total == len(expected)


async def test_pages_follow_each_other_without_overlap_from_either_end(db):
    await ledger()
    everything, _ = await payment_list.list_installments(PaymentQuery(limit=100, today=TODAY))
    pages = []
    for offset in range(0, 8, 3):
        rows, total = await payment_list.list_installments(PaymentQuery(offset=offset, limit=3, today=TODAY))
        assert total == 8
        pages += rows
    assert numbers(pages) == numbers(everything)
    rows, total = await payment_list.list_installments(PaymentQuery(offset=8, limit=3, today=TODAY))
    assert rows == [] and total == 8


async def test_it_sorts_oldest_first_or_by_amount(db):
    await ledger()
    rows, _ = await payment_list.list_installments(PaymentQuery(descending=False, limit=3, today=TODAY))
    assert numbers(rows) == ['F2026-00005', 'F2026-00001', 'F2026-00004']
    rows, _ = await payment_list.list_installments(PaymentQuery(sort_by='amount', limit=2, today=TODAY))
    assert numbers(rows) == ['F2026-00005', 'F2026-00004']


async def test_the_summary_adds_up_what_is_due_overdue_and_settled(db):
    await ledger()
    summary = await payment_list.payment_summary(PaymentQuery(today=TODAY))
    # overdue: 100 + (200 - 50); not yet due: 300 + 60; settled: 50 + 400 + 100 + 70 (refunds apart)
    assert (summary.overdue, summary.not_due, summary.total_due) == (D('250.00'), D('360.00'), D('610.00'))
    assert summary.settled == D('620.00') and summary.irrecoverable == D('400.00') and summary.count == 8
    by_type = summary.by_type
    assert (by_type['installment'].due, by_type['installment'].settled) == (D('550.00'), D('450.00'))
    assert (by_type['deposit'].due, by_type['deposit'].settled) == (D('60.00'), D('70.00'))
    assert (by_type['irrecoverable'].due, by_type['irrecoverable'].settled) == (D('400.00'), D('100.00'))
    assert (by_type['refund'].due, by_type['refund'].settled) == (D('50.00'), D('30.00'))


async def test_the_summary_follows_the_filters(db):
    await ledger()
    summary = await payment_list.payment_summary(PaymentQuery(status='overdue', today=TODAY))
    assert (summary.total_due, summary.overdue, summary.not_due, summary.settled) == (
        D('250.00'), D('250.00'), D('0.00'), D('50.00'))
    summary = await payment_list.payment_summary(PaymentQuery(kind='deposit', today=TODAY))
    assert (summary.total_due, summary.settled, set(summary.by_type)) == (D('60.00'), D('70.00'), {'deposit'})
    empty = await payment_list.payment_summary(PaymentQuery(search='personne', today=TODAY))
    assert (empty.total_due, empty.settled, empty.count, empty.by_type) == (D('0.00'), D('0.00'), 0, {})


async def test_the_export_streams_every_matching_row_as_plain_values(db):
    await ledger()
    batches = [batch async for batch in payment_list.export_rows(PaymentQuery(today=TODAY), batch=3)]
    assert [len(batch) for batch in batches] == [3, 3, 2]
    rows = [row for batch in batches for row in batch]
    assert [row[1] for row in rows] == numbers((await payment_list.list_installments(
        PaymentQuery(limit=100, today=TODAY)))[0])
    partial = next(row for row in rows if row[1] == 'F2026-00002')
    assert partial == [day(-1), 'F2026-00002', 'Boulangerie Martin SAS', 'Échéance', D('200.00'), D('50.00'),
                       D('150.00'), 'En retard, réglée en partie', None, D('0.00')]
    refund = next(row for row in rows if row[1] == 'AV2026-00001')
    assert refund[3:7] == ['Avoir', D('80.00'), D('30.00'), D('50.00')]
    assert all(isinstance(value, (str, Decimal, date, type(None))) for row in rows for value in row)


async def test_a_settlement_shows_in_the_list_at_once(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())
    [installment] = await payments.document_installments(invoice.id)
    rows, _ = await payment_list.list_installments(PaymentQuery(status='open'))
    assert numbers(rows) == [invoice.number] and rows[0]['client_name'] == 'Boulangerie Martin SAS'
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cash', amount=D('240.00'),
                          secret=SECRET)
    rows, _ = await payment_list.list_installments(PaymentQuery(status='paid'))
    assert numbers(rows) == [invoice.number] and rows[0]['paid_amount'] == D('240.00')
    assert (await payment_list.payment_summary(PaymentQuery())).settled == D('240.00')


async def test_a_search_pages_and_sorts_like_the_list(db):
    await ledger()
    expected = ['F2026-00003', 'F2026-00002', 'F2026-00004', 'F2026-00001', 'F2026-00005']
    pages = []
    for offset in (0, 2, 4):
        rows, total = await payment_list.list_installments(PaymentQuery(search='F2026', offset=offset, limit=2,
                                                                        today=TODAY))
        assert total == 5
        pages += numbers(rows)
    assert pages == expected
    rows, _ = await payment_list.list_installments(PaymentQuery(search='f2026', descending=False, today=TODAY))
    assert numbers(rows) == list(reversed(expected))
    rows, _ = await payment_list.list_installments(PaymentQuery(search='petit', sort_by='amount', today=TODAY))
    assert numbers(rows) == ['F2026-00004', 'F2026-00003', 'D2026-00002', 'AV2026-00001']
    rows, total = await payment_list.list_installments(PaymentQuery(search='petit', status='open', kind='refund',
                                                                    today=TODAY))
    assert numbers(rows) == ['AV2026-00001'] and total == 1


def test_a_number_fragment_is_searched_in_numbers_only():
    assert payment_list.is_number('f2026-001') and payment_list.is_number('AV2026')
    assert not payment_list.is_number('Martin') and not payment_list.is_number('Garage 2000')


async def test_a_client_search_finds_every_installment_of_that_client_and_only_those(db):
    """Validation, quote acceptance and credit notes copy the client onto the installments: the search goes through
    the contacts (each word in the name, accents ignored), then their installments."""
    admin = await set_up_company()
    camille, other = await individual_client(), await business_client()
    invoice = await validated_invoice(admin, camille)
    quote = await documents.create_document(admin, draft(camille, doc_type='quote'))
    quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(amount=D('50.00'), due_date=day(3))],
                                        quote.version)
    await documents.set_quote_state(admin, quote.id, 'accepted')
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), reason='Erreur de prix')
    await validated_invoice(admin, other)
    expected = {(invoice.number, 'installment'), (quote.number, 'deposit'), (note.number, 'refund')}
    for search in ('camille', 'Pétit  CAMILLE'):
        rows, total = await payment_list.list_installments(PaymentQuery(search=search))
        assert {(row['number'], row['kind']) for row in rows} == expected and total == 3
    summary = await payment_list.payment_summary(PaymentQuery(search='petit'))
    assert summary.count == 3 and set(summary.by_type) <= {'installment', 'deposit', 'refund'}
    rows, total = await payment_list.list_installments(PaymentQuery(search='camille martin'))
    assert rows == [] and total == 0


async def test_a_credit_note_imputed_on_an_invoice_is_neither_money_received_nor_refunded(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client())  # 240,00 TTC
    installment = await Installment.get(document_id=invoice.id)
    await payments.settle(admin, installment.id, paid_on=date.today(), method='cheque', amount=D('100.00'),
                          secret=SECRET)
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                                 amounts={('S', D('20.00')): D('50.00')})  # 60,00 TTC imputed
    summary = await payment_list.payment_summary(PaymentQuery())
    assert summary.settled == D('100.00')  # was 160,00: the imputed 60,00 counted as received
    assert summary.total_due == D('80.00')
    installments, refund = summary.by_type['installment'], summary.by_type['refund']
    assert (installments.settled, installments.credited) == (D('100.00'), D('60.00'))
    assert (refund.due, refund.settled, refund.credited) == (D('0.00'), D('0.00'), D('60.00'))  # nothing refunded
    rows, _ = await payment_list.list_installments(PaymentQuery())
    by_number = {row['number']: row for row in rows}
    assert (by_number[note.number]['imputed'], by_number[note.number]['imputed_refs']) == (D('-60.00'),
                                                                                         [invoice.number])
    assert by_number[invoice.number]['imputed'] == D('60.00')
    [[*_, state, _, credited]] = [row async for batch in payment_list.export_rows(PaymentQuery(kind='refund'))
                                  for row in batch]
    assert (state, credited) == ('Imputé', D('60.00'))


async def test_a_page_of_few_matches_sorted_apart_gives_the_same_rows(db, monkeypatch):
    """Few installments matching (a rare state or type) are sorted apart instead of looked for along the sort index
    (db/payment_list.list_installments, issue 17): the same rows in the same order, for every sort and filter."""
    await ledger()
    for status, kind in (('', ''), ('open', ''), ('', 'deposit'), ('', 'irrecoverable'), ('overdue', ''),
                         ('', 'refund')):
        for sort_by in ('due', 'amount', 'client', 'number'):
            for descending in (True, False):
                pages = []
                for few in (False, True):
                    decide(monkeypatch, 'few_matches', few)
                    pages.append([numbers((await payment_list.list_installments(PaymentQuery(
                        status=status, kind=kind, sort_by=sort_by, descending=descending, offset=offset, limit=2,
                        today=TODAY)))[0]) for offset in range(0, 8, 2)])
                assert pages[0] == pages[1] and pages[0][0], (status, kind, sort_by, descending)


@pytest.mark.skipif(use_postgres(), reason='a broad number prefix is worded for SQLite’s planner only')
async def test_a_broad_number_prefix_lists_counts_and_sums_the_same_installments(db, monkeypatch):
    """A number prefix held by half of the installments or more ("F20" at a million: db/payment_list.broad_number)
    is counted and summed as the filters less the installments numbered outside it, and paged along the sort index
    testing the number on each row: the same rows, order, totals and summary as its number range, for every
    filter, sort and page, with installments numbered outside the prefix (deposits D…, a refund AV…, none)."""
    made = await ledger()
    await Installment.filter(id=made['F2026-00003'].id).update(number='')  # an installment without a number
    for search in ('F20', 'f2026-0000', 'D20', 'AV2026', 'F2026-00006', 'F2026-00001'):  # the last: F2026-00002 after
        for status, kind in (('', ''), ('open', ''), ('overdue', ''), ('paid', ''), ('', 'installment'),
                             ('', 'deposit'), ('', 'irrecoverable'), ('', 'refund'), ('open', 'installment')):
            for sort_by in ('due', 'amount', 'client', 'number'):
                results = []
                for broad in (False, True):
                    decide(monkeypatch, 'broad_number', broad)
                    query = PaymentQuery(search=search, status=status, kind=kind, sort_by=sort_by, today=TODAY,
                                         limit=2)
                    pages = []
                    for offset in range(0, 8, 2):
                        query.offset = offset
                        rows, total = await payment_list.list_installments(query)
                        pages.append((numbers(rows), total))
                    results.append((pages, await payment_list.payment_summary(query)))
                assert results[0] == results[1], (search, status, kind, sort_by)
    # The case above is not empty: "F20" finds the invoices' installments, and sums them.
    rows, total = await payment_list.list_installments(PaymentQuery(search='F20', today=TODAY, limit=50))
    assert total == 4 and set(numbers(rows)) == {'F2026-00001', 'F2026-00002', 'F2026-00004', 'F2026-00005'}


@pytest.mark.skipif(use_postgres(), reason='a broad number prefix is worded for SQLite’s planner only')
async def test_a_number_prefix_is_broad_when_half_of_the_installments_hold_it(db, monkeypatch):
    await ledger()  # 10 installments: 6 F2026-…, 3 D2026-…, 1 AV2026-…

    async def analysed(_model) -> int:
        return 10
    monkeypatch.setattr(payment_list, 'table_rows', analysed)
    monkeypatch.setattr(payment_list, 'BROAD_PREFIX', 1)
    payment_list._BROAD.clear()
    decided = {search: await payment_list.broad_number(PaymentQuery(search=search))
               for search in ('F20', 'f2026-0000', 'F2026-0000', 'D2026', 'AV', 'martin', '')}
    assert decided == {'F20': True, 'f2026-0000': True, 'F2026-0000': True, 'D2026': False, 'AV': False,
                       'martin': False, '': False}
    monkeypatch.setattr(payment_list, 'BROAD_PREFIX', 1000)  # a small table: never broad
    payment_list._BROAD.clear()
    assert not await payment_list.broad_number(PaymentQuery(search='F20'))


async def test_a_client_search_walked_along_the_sort_index_gives_the_same_rows(db, monkeypatch):
    """A client search matching many installments walks the sort index testing `+client_id` (SQLite), where few
    matches are found through the client index and sorted: the same rows in the same order either way, for every
    sort, state and page, with the client ids listed or in a subquery."""
    await ledger()
    for max_clients in (500, 0):
        monkeypatch.setattr(payment_list, 'MAX_CLIENTS', max_clients)
        for search in ('martin', 'PETIT', 'garage dupont', 'a'):
            for status in ('', 'open', 'paid', 'overdue'):
                for sort_by in ('due', 'amount', 'client', 'number'):
                    for descending in (True, False):
                        pages = []
                        for few in (True, False):
                            decide(monkeypatch, 'few_matches', few)
                            query = PaymentQuery(search=search, status=status, sort_by=sort_by, descending=descending,
                                                 today=TODAY, limit=2)
                            pages.append([])
                            for offset in range(0, 8, 2):
                                query.offset = offset
                                rows, total = await payment_list.list_installments(query)
                                pages[-1].append((numbers(rows), total))
                        assert pages[0] == pages[1], (max_clients, search, status, sort_by, descending)
    rows, total = await payment_list.list_installments(PaymentQuery(search='martin', today=TODAY, limit=50))
    assert total == 2 and set(numbers(rows)) == {'F2026-00001', 'F2026-00002'}
