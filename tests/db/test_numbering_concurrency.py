"""50 validations at once: unique, gapless numbers and a valid chain (SQLite here, PostgreSQL with
FACTURIER_TEST_DATABASE=postgres, where the pool's connections really race for the series lock)."""
import asyncio
from datetime import date
from decimal import Decimal

from db import issuing, credit_notes, documents, integrity, validation
from db.document import ChainEntry, Document, NumberCounter
from logic.errors import DomainError
from tests.db.documents_helpers import business_client, draft, line, validated_invoice
from tests.helpers import SECRET
from tests.personas import set_up_company
from tests.issuing import issuer


async def test_fifty_concurrent_validations_get_unique_gapless_numbers_and_a_valid_chain(db):
    admin = await set_up_company()
    client = await business_client()
    drafts = [await documents.create_document(admin, draft(client, line(price=str(10 + index))))
              for index in range(50)]
    results = await asyncio.gather(*(validation.validate_invoice(admin, doc.id, issuer=issuer()) for doc in drafts))
    numbers = sorted(result.number for result in results)
    assert numbers == [f'F{date.today().year}-{n:05d}' for n in range(1, 51)]
    assert (await NumberCounter.get(series='invoice')).value == 50
    positions = await ChainEntry.filter(series='invoice').order_by('position').values_list('position', flat=True)
    assert positions == list(range(1, 51))
    report = await integrity.verify_series('invoice', SECRET)
    assert report.ok and report.count == 50


async def test_the_same_draft_validated_twice_at_once_takes_one_number(db):
    admin = await set_up_company()
    invoice = await documents.create_document(admin, draft(await business_client()))
    results = await asyncio.gather(*(validation.validate_invoice(admin, invoice.id, issuer=issuer())
                                     for _ in range(5)), return_exceptions=True)
    assert sum(isinstance(result, Document) for result in results) == 1
    assert all('déjà validée' in str(result) for result in results if not isinstance(result, Document))
    assert (await NumberCounter.get(series='invoice')).value == 1


async def test_concurrent_validations_that_fail_leave_no_gap(db, monkeypatch):
    admin = await set_up_company()
    client = await business_client()
    drafts = [await documents.create_document(admin, draft(client)) for _ in range(10)]
    failing = {doc.id for doc in drafts[::3]}
    original = issuing.next_entries

    def flaky(series, start, previous, documents, secret):
        if any(document.id in failing for document in documents):
            raise RuntimeError('crash after the number was taken')
        return original(series, start, previous, documents, secret)

    monkeypatch.setattr(issuing, 'next_entries', flaky)
    await asyncio.gather(*(validation.validate_invoice(admin, doc.id, issuer=issuer()) for doc in drafts),
                         return_exceptions=True)
    numbers = sorted(await Document.filter(number__not_isnull=True).values_list('number', flat=True))
    assert numbers == [f'F{date.today().year}-{n:05d}' for n in range(1, 11 - len(failing))]
    assert (await integrity.verify_series('invoice', SECRET)).ok


async def test_credit_notes_made_at_once_never_exceed_what_is_left(db):
    admin = await set_up_company()
    invoice = await validated_invoice(admin, await business_client(), line(price='100'))  # 240.00 TTC
    amounts = {('S', Decimal('20.00')): Decimal('60.00')}  # 72.00 TTC each: only three fit
    results = await asyncio.gather(*(credit_notes.create_credit_note(admin, invoice.id, issuer=issuer(), mode='amounts',
                                                                     amounts=amounts) for _ in range(5)),
                                   return_exceptions=True)
    assert sum(isinstance(result, Document) for result in results) == 3
    assert all(isinstance(result, (Document, DomainError)) for result in results)
    assert (await Document.get(id=invoice.id)).credited_amount == Decimal('216.00')
    assert sorted(await Document.filter(doc_type='credit_note').values_list('number', flat=True)) == [
        f'AV{date.today().year}-{n:05d}' for n in range(1, 4)]
