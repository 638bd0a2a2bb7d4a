from collections import Counter, defaultdict
from datetime import date

import pytest
from schwifty import IBAN

from db import demo, engine, integrity
from db.bulk_rows import snapshot_dict
from db.company import Company
from db.contact import Contact
from db.document import ChainEntry, Document, DocumentLine, Installment
from db.drafts import draft_of
from logic.errors import DomainError
from logic.snapshot import DocumentSnapshot
from tests.conftest import SECRET
from tests.personas import set_up_company


async def test_the_demo_fills_an_empty_instance_through_the_rules(db):
    summary = await demo.fill_demo(secret=SECRET, invoices=60, seed=4)
    assert summary.admin_email == demo.ADMIN_EMAIL and summary.admin_password
    assert summary.invoices == 60 and summary.credit_notes == 2 and summary.drafts == 2
    quote_states = Counter(await Document.filter(doc_type='quote').values_list('state', flat=True))
    assert set(quote_states) == {'draft', 'sent', 'accepted', 'refused', 'invoiced'}
    states = Counter(await Document.filter(doc_type='invoice').values_list('state', flat=True))
    assert states['paid'] and states['validated'] and states['cancelled'] == 1 and states['draft'] == 2
    assert await Document.filter(doc_type='invoice', source_id__not_isnull=True).count() == quote_states['invoiced']
    assert all(report.ok for report in await integrity.verify_integrity(SECRET))
    assert await ChainEntry.filter(series='invoice').count() == 60


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
    assert results[0] == results[1] and len(results[0]) == 27


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


def is_valid_iban(text: str) -> bool:
    try:
        IBAN(text)
    except ValueError:
        return False
    return True


async def test_demo_invoices_are_valid_e_invoices_whatever_their_payment_means(db):
    """The demo company has a bank account: a transfer invoice names it (CII-SR-470 / BR-50) and every demo
    invoice passes the Factur-X checks, so grouped printing works on demo data."""
    from logic.facturx import checker  # noqa: PLC0415
    from logic.render import service  # noqa: PLC0415

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


async def test_bulk_validated_invoices_show_their_installment_in_the_payments_list(db):
    await demo.fill_demo(secret=SECRET, invoices=30, seed=8)
    rows = await Installment.filter(document__doc_type='invoice', document__state__in=('validated', 'paid'),
                                    document__credited_amount=0).values(
        'status', 'number', 'client_name', 'amount', 'paid_amount', 'document__number', 'document__client_name',
        'document__state', 'document__amount_due')
    assert len(rows) == 28  # two of the 30 have a credit note, which settles part of what they owe
    for row in rows:
        assert (row['number'], row['client_name']) == (row['document__number'], row['document__client_name'])
        assert row['amount'] == row['document__amount_due']
        expected = ('paid', row['amount']) if row['document__state'] == 'paid' else ('open', 0)
        assert (row['status'], row['paid_amount']) == expected
