import os
import re
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from schwifty import IBAN
from tortoise import connections

from db import accounts, demo, engine, integrity, payment_list
from db.bulk_rows import snapshot_dict
from db.company import Company
from db.contact import Contact
from db.document import ChainEntry, Document, DocumentLine, Installment, Payment
from db.drafts import draft_of
from db.payment_list import PaymentQuery
from db.situation import Contract
from db.user import User
from logic.errors import DomainError
from logic.payments import LISTED_STATUSES
from logic.snapshot import DocumentSnapshot
from tests.command import ROOT, cli
from tests.databases import use_postgres
from tests.helpers import SECRET, until
from tests.personas import set_up_company

EXAMPLE_INVOICES = 6  # db/demo_cases.py: intra-EU goods and services, export, private, mixed rates, a balance


async def test_the_demo_fills_an_empty_instance_through_the_rules(db):
    summary = await demo.fill_demo(secret=SECRET, invoices=60, seed=4)
    assert summary.admin_email == demo.ADMIN_EMAIL and summary.admin_password
    # besides the 60 asked for, the examples of db/demo_cases.py: 6 invoices, a credit note, a deposit invoice
    assert summary.invoices == 60 + EXAMPLE_INVOICES and summary.credit_notes == 2 + 1 and summary.drafts == 2
    assert summary.examples == EXAMPLE_INVOICES + 2
    quote_states = Counter(await Document.filter(doc_type='quote').values_list('state', flat=True))
    assert set(quote_states) == {'draft', 'sent', 'accepted', 'refused', 'invoiced'}
    states = Counter(await Document.filter(doc_type='invoice').values_list('state', flat=True))
    assert states['paid'] and states['validated'] and states['cancelled'] == 1 and states['draft'] == 2
    # a quote is invoiced by its invoice, or by the final account of its building contract (IN8)
    assert await Document.filter(doc_type='invoice', source__doc_type='quote').count() + await Contract.filter(
        state='closed').count() == quote_states['invoiced']
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    deposit_invoices = await Document.filter(doc_type='deposit_invoice').count()
    assert deposit_invoices == summary.deposit_invoices
    assert summary.situations == await Document.filter(doc_type='progress_invoice').count() > 0
    assert await ChainEntry.filter(series='invoice').count() == (60 + EXAMPLE_INVOICES + deposit_invoices
                                                                 + summary.situations)


async def test_demo_numbers_are_gapless_per_year_and_chronological(db):
    await demo.fill_demo(secret=SECRET, invoices=300, seed=5)  # spread over 90 days: may cross a new year
    rows = await Document.filter(series='invoice').exclude(state='draft').order_by('number').values_list(
        'number', 'issue_date')
    by_year = defaultdict(list)
    for number, issued in rows:
        by_year[issued.year].append((int(number.rsplit('-', 1)[1]), issued))
    for year, items in by_year.items():
        assert [n for n, _ in items] == list(range(1, len(items) + 1))
        assert [d for _, d in items] == sorted(d for _, d in items) and all(d.year == year for _, d in items)


async def test_demo_totals_and_frozen_copies_are_those_of_the_engine(db):
    await demo.fill_demo(secret=SECRET, invoices=30, seed=6)
    for document in await Document.filter(doc_type='invoice').exclude(state='draft'):
        lines = await DocumentLine.filter(document_id=document.id).order_by('position')
        totals = draft_of(document, lines).totals()
        assert (document.total_ht, document.total_vat, document.total_ttc) == (totals.total_ht, totals.total_vat,
                                                                                totals.total_ttc)
        snapshot = DocumentSnapshot.from_dict(document.snapshot)
        assert snapshot.total_ttc == totals.total_ttc and snapshot.number == document.number
        # the bulk path's fast encoder gives exactly what to_dict() gives
        assert snapshot_dict(snapshot) == snapshot.to_dict() == document.snapshot


async def test_the_same_seed_gives_the_same_demo(databases, tmp_path):
    results = []
    for name in ('a', 'b'):
        folder = tmp_path / name
        folder.mkdir()
        url = await databases.fresh(folder)
        await engine.open_database(url, migrate=False)
        try:
            await demo.fill_demo(secret=SECRET, invoices=25, seed=9)
            results.append(await Document.filter(series='invoice').order_by('number').values_list(
                'number', 'issue_date', 'client_name', 'total_ttc', 'state'))
        finally:
            await engine.close_database()
            await databases.drop(url)
    assert results[0] == results[1] and len(results[0]) >= 27


async def test_the_demo_refuses_an_instance_that_already_has_data(db):
    await set_up_company()
    await Contact.create(code='C1', name='Client existant')
    with pytest.raises(DomainError, match='instance vide'):
        await demo.fill_demo(secret=SECRET, invoices=5)


async def test_the_demo_uses_the_existing_company_and_admin(db):
    await set_up_company()
    summary = await demo.fill_demo(secret=SECRET, invoices=5, seed=2)
    assert summary.admin_password == ''
    document = await Document.filter(doc_type='invoice').exclude(state='draft').first()
    assert document.snapshot['seller']['name'] == 'Atelier Durand' and document.issue_date <= date.today()


async def test_the_demo_puts_back_the_settings_it_loads_with_and_says_where_its_time_went(db):
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    interval = sys.getswitchinterval()
    cache = await client.execute_query_dict('PRAGMA cache_size') if sqlite else None
    summary = await demo.fill_demo(secret=SECRET, invoices=5, seed=2)
    assert sys.getswitchinterval() == interval
    if sqlite:  # a setting of the connection, which the app goes on using
        assert await client.execute_query_dict('PRAGMA cache_size') == cache
    steps = list(summary.steps)
    assert steps[0] == 'contacts and articles' and steps[-2:] == ['commit', 'statistics']
    assert all(seconds >= 0 for seconds in summary.steps.values()) and 'invoices validated ' in summary.timings()


async def test_it_leaves_nothing_when_killed_halfway_and_runs_again_with_a_working_login(database_url, tmp_path):
    """Issue 18: a demo killed halfway left a half-filled instance whose admin password was never printed, and
    `demo` then refused it as not empty."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    env.update(FACTURIER_DATABASE_URL=database_url, FACTURIER_DATA_DIR=str(tmp_path / 'data'),
               FACTURIER_SECRET=SECRET, PYTHONUNBUFFERED='1')
    command = [sys.executable, str(ROOT / 'main.py'), 'demo', '--invoices', '6000']
    # Blocking on purpose: nothing else runs on this loop, and the kill is timed on the demo's own progress lines.
    loading = subprocess.Popen(  # noqa: ASYNC220
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    try:
        seen = []
        for line in loading.stdout:  # the first batch of invoices is in: the load is well under way
            seen.append(line)
            if 'factures validées' in line:
                break
        assert loading.poll() is None, ''.join(seen)
        children = _children(loading.pid)  # on SQLite, the process preparing the batches (db/bulk.py)
        assert children or use_postgres()
        loading.send_signal(signal.SIGKILL)
    finally:
        loading.kill()
        loading.wait()
        loading.stdout.close()
    # None outlives it (the preparing child once waited forever on its pipe, 200 MB each).
    await until(lambda: not any(_alive(pid) for pid in children), timeout=20)

    await engine.open_database(database_url, migrate=False)
    try:
        assert not await User.exists() and not await Contact.exists() and not await Document.exists()
    finally:
        await engine.close_database()
    again = cli(database_url, tmp_path / 'data', 'demo', '--invoices', '5')
    assert again.returncode == 0, again.stderr
    email, password = re.search(r'Connexion : (\S+) / (\S+)', again.stdout).groups()
    await engine.open_database(database_url, migrate=False)
    try:
        assert (await accounts.authenticate(email, password, '127.0.0.1')).email == email
    finally:
        await engine.close_database()


def _children(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (Linux's /proc: state and parent follow the name in `stat`)."""
    found = set()
    for entry in Path('/proc').iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else None
        if fields and fields[0] != 'Z' and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running (or sleeping), not gone nor a zombie waiting to be reaped."""
    fields = _stat(str(pid))
    return bool(fields) and fields[0] != 'Z'


def _stat(pid: str) -> list[str] | None:
    try:
        return Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None  # gone meanwhile


def is_valid_iban(text: str) -> bool:
    try:
        IBAN(text)
    except ValueError:
        return False
    return True


async def test_demo_invoices_are_valid_e_invoices_whatever_their_payment_means(db):
    """The demo company has a bank account: a transfer invoice names it (CII-SR-470 / BR-50) and every demo
    invoice passes the Factur-X checks, so grouped printing works on demo data."""
    from logic.facturx import checker
    from logic.render import service

    await demo.fill_demo(secret=SECRET, invoices=40, seed=3)
    company = await Company.get()
    assert is_valid_iban(company.iban) and company.bic
    by_means = {}
    for data in await Document.filter(doc_type__in=('invoice', 'credit_note')).exclude(state='draft').order_by(
            'id').values_list('snapshot', flat=True):
        snapshot = DocumentSnapshot.from_dict(data)
        by_means.setdefault((snapshot.doc_type, snapshot.payment_means), snapshot)
    assert ('invoice', '30') in by_means and len(by_means) >= 3
    try:
        for snapshot in by_means.values():
            result = await service.preflight(snapshot)
            assert result.ok, (snapshot.payment_means, result)
    finally:
        checker.shutdown()


async def test_bulk_validated_invoices_show_their_installments_in_the_payments_list(db):
    await demo.fill_demo(secret=SECRET, invoices=30, seed=8)
    rows = await Installment.filter(document__doc_type='invoice', document__credited_amount=0,
                                    document__state__in=('validated', 'paid', 'irrecoverable')).values(
        'document_id', 'status', 'number', 'client_name', 'client_id', 'amount', 'paid_amount', 'document__number',
        'document__client_name', 'document__client_id', 'document__state', 'document__amount_due')
    by_invoice = defaultdict(list)
    for row in rows:  # copied for the list's search by number and by client
        assert (row['number'], row['client_name'], row['client_id']) == (
            row['document__number'], row['document__client_name'], row['document__client_id'])
        if row['document__state'] != 'irrecoverable':  # written off: 'irrecoverable'
            assert row['status'] == ('paid' if row['paid_amount'] == row['amount'] else 'open')
        by_invoice[row['document_id']].append(row)
    # two of the 30 have a credit note, which settles part of what they owe; so does one of the examples
    assert len(by_invoice) == 28 + EXAMPLE_INVOICES - 1
    for parts in by_invoice.values():  # the schedule sums to what is due; a paid invoice has everything settled
        assert sum(part['amount'] for part in parts) == parts[0]['document__amount_due']
        assert (parts[0]['document__state'] == 'paid') == all(part['status'] == 'paid' for part in parts)


async def test_the_demo_has_deposits_and_payments_at_every_step(db):
    summary = await demo.fill_demo(secret=SECRET, invoices=300, seed=5)
    today = date.today()
    rows = await Installment.all().values('id', 'document_id', 'kind', 'status', 'amount', 'paid_amount',
                                          'due_date', 'deposit_invoice_id')
    installments = [row for row in rows if row['kind'] == 'installment']
    steps = Counter(_step(row, today) for row in installments)
    assert {'paid', 'partly paid', 'overdue', 'not due', 'irrecoverable'} <= set(steps), steps
    assert summary.written_off == steps['irrecoverable'] >= 1
    assert Counter(row['status'] for row in rows if row['kind'] == 'installment' and row['paid_amount']) \
        .keys() <= {'paid', 'open', 'irrecoverable'}
    # the journal is the truth: every amount paid is the sum of its records (settlements, reversals)
    journal = defaultdict(lambda: Decimal('0.00'))
    written = defaultdict(lambda: Decimal('0.00'))
    for installment_id, kind, amount in await Payment.all().values_list('installment_id', 'kind', 'amount'):
        (written if kind == 'write_off' else journal)[installment_id] += amount
    for row in rows:
        assert row['paid_amount'] == journal[row['id']], row
        if row['status'] == 'irrecoverable':
            assert written[row['id']] == row['amount'] - row['paid_amount']
    assert summary.payments == await Payment.filter(kind='settlement').exclude(method='credit_note').exclude(
        installment__kind='deposit').count()
    # deposits: requested (planned), open (one overdue, one not due yet), settled into paid deposit invoices
    deposits = [row for row in rows if row['kind'] == 'deposit']
    assert {'planned', 'open', 'paid'} <= {row['status'] for row in deposits}
    open_deposits = [row for row in deposits if row['status'] == 'open']
    assert {row['due_date'] < today for row in open_deposits} == {True, False}
    paid_deposits = [row for row in deposits if row['status'] == 'paid']
    assert len(paid_deposits) == summary.deposit_invoices == await Document.filter(
        doc_type='deposit_invoice', state='paid', series='invoice').count()
    chained = set(await ChainEntry.filter(series='invoice').values_list('document_id', flat=True))
    for row in paid_deposits:
        invoice = await Document.get(id=row['deposit_invoice_id'])
        assert invoice.total_ttc == row['amount'] and invoice.id in chained and invoice.number.startswith('F')
    # a balance invoice deducts its deposit invoices and cites them
    balance = await Document.filter(doc_type='invoice', prepaid__gt=0).exclude(state='draft').first()
    cited = {ref['number'] for ref in balance.snapshot['references']}
    numbers = set(await Document.filter(doc_type='deposit_invoice', source_id=balance.source_id).values_list(
        'number', flat=True))
    assert numbers and cited == numbers and balance.amount_due == balance.total_ttc - balance.prepaid
    reports = await integrity.verify_integrity(SECRET)
    assert all(report.ok for report in reports) and {report.series for report in reports} >= {'payment'}
    assert next(r for r in reports if r.series == 'payment').count == await Payment.all().count()
    await _payments_page_agrees_with_the_installments(rows, today)


def _step(row: dict, today: date) -> str:
    if row['status'] in ('paid', 'irrecoverable'):
        return row['status']
    if row['paid_amount']:
        return 'partly paid'
    return 'overdue' if row['due_date'] < today else 'not due'


async def _payments_page_agrees_with_the_installments(rows: list[dict], today: date) -> None:
    listed = [row for row in rows if row['status'] in LISTED_STATUSES]
    summary = await payment_list.payment_summary(PaymentQuery(today=today))
    receivable = [row for row in listed if row['kind'] in ('installment', 'deposit')]
    left = [row['amount'] - row['paid_amount'] for row in receivable if row['status'] == 'open']
    late = [row['amount'] - row['paid_amount'] for row in receivable
            if row['status'] == 'open' and row['due_date'] < today]
    assert summary.count == len(listed)
    assert summary.total_due == sum(left) == summary.overdue + summary.not_due
    assert summary.overdue == sum(late) > 0 and summary.not_due > 0
    # "Réglé" is money only: what credit notes imputed on installments is theirs, apart (`credited`).
    imputed = sum((figures.credited for kind, figures in summary.by_type.items() if kind != 'refund'), Decimal(0))
    assert summary.settled + imputed == sum(row['paid_amount'] for row in listed if row['kind'] != 'refund')
    assert summary.irrecoverable == sum(row['amount'] - row['paid_amount'] for row in listed
                                        if row['status'] == 'irrecoverable') > 0
    _, total = await payment_list.list_installments(PaymentQuery(today=today))
    _, paid = await payment_list.list_installments(PaymentQuery(status='paid', today=today))
    assert total == len(listed) and paid == sum(row['status'] == 'paid' for row in listed)


async def test_demo_deposit_and_balance_invoices_are_valid_e_invoices(db):
    from logic.facturx import checker
    from logic.render import service

    await demo.fill_demo(secret=SECRET, invoices=120, seed=3)
    deposit = await Document.filter(doc_type='deposit_invoice').first()
    balance = await Document.filter(doc_type='invoice', prepaid__gt=0).exclude(state='draft').first()
    try:
        for document in (deposit, balance):
            snapshot = DocumentSnapshot.from_dict(document.snapshot)
            result = await service.preflight(snapshot)
            assert result.ok, (document.number, result)
    finally:
        checker.shutdown()
    assert DocumentSnapshot.from_dict(balance.snapshot).prepaid == balance.prepaid > 0
