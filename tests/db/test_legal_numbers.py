"""Two legal documents never share a number, whatever their series (docs/legal.md 2.1): the settings refuse a pattern
that could give another series' numbers, and a unique index on the number of every legal document backs it up (also
against a series misconfigured before the settings refused it). SQLite here, PostgreSQL with
FACTURIER_TEST_DATABASE=postgres."""
import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from db import credit_notes, documents, numbering, validation
from db.audit import AuditEntry
from db.document import LEGAL_TYPES, ChainEntry, Document, NumberCounter, NumberSeries
from logic import doctypes
from logic.errors import DomainError
from tests.db.documents_helpers import business_client, draft, validated_invoice
from tests.issuing import issuer
from tests.personas import set_up_company

MIGRATION = importlib.import_module('db.migrations.documents.0007_legal_number_unique')


async def misconfigure(key: str, pattern: str) -> None:
    """A series given another series' pattern before the settings refused it (the bug of issue #12)."""
    await NumberSeries.filter(key=key).update(pattern=pattern)


async def give_number(document_id: int, number: str, *, doc_type: str) -> None:
    """Issue a draft behind the application's back, in another series than the invoices' (raw SQL)."""
    await connections.get('default').execute_query(
        f"UPDATE document SET state = 'validated', number = '{number}', doc_type = '{doc_type}', "
        f"series = 'elsewhere' WHERE id = {document_id}")


async def test_two_legal_documents_never_share_a_number(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    assert invoice.number == f'F{date.today().year}-00001'
    await misconfigure('credit_note', 'F{AAAA}-{N:5}')
    entries = await AuditEntry.all().count()
    with pytest.raises(DomainError, match=f'Le numéro {invoice.number} est déjà utilisé par un autre document '
                                          r'\(facture\).*série « Avoirs »'):
        await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    # Nothing changed: no credit note, no number taken, no chain or audit entry, no original left staged.
    assert not await Document.filter(doc_type='credit_note').exists()
    assert await NumberCounter.filter(series='credit_note', value__gt=0).count() == 0
    assert await ChainEntry.filter(series='credit_note').count() == 0
    assert await AuditEntry.all().count() == entries
    assert (await Document.get(id=invoice.id)).state == 'validated'
    assert not list((issuer().files_dir / 'staged').rglob('*.pdf'))

    # The other way round, through a draft's validation: an invoice never takes a credit note's number.
    await misconfigure('credit_note', 'AV{AAAA}-{N:5}')
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    await misconfigure('invoice', 'AV{AAAA}-{N:5}')
    await NumberCounter.filter(series='invoice').update(value=0)
    second = await documents.create_document(admin, draft(client))
    with pytest.raises(DomainError, match=f'Le numéro {note.number} est déjà utilisé par un autre document '
                                          r'\(avoir\)'):
        await validation.validate_invoice(admin, second.id, issuer=issuer())
    second = await Document.get(id=second.id)
    assert (second.state, second.number) == ('draft', None)
    assert await ChainEntry.filter(series='invoice').count() == 1


async def test_the_database_refuses_a_legal_number_already_used_even_in_raw_sql(db):
    admin = await set_up_company()
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    second = await documents.create_document(admin, draft(client))
    with pytest.raises(IntegrityError):
        await give_number(second.id, invoice.number, doc_type='credit_note')
    # A quote is not a legal document: its number may look like anything (the settings keep series apart).
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    await Document.filter(id=quote.id).update(number=invoice.number)


async def test_numbers_given_twice_before_the_index_are_left_out_of_it_and_never_given_again(db):
    """An instance that met the bug: the migration still goes through (issued documents can't be renumbered), and
    none of the numbers given twice can be given a third time."""
    editor = SimpleNamespace(client=connections.get('default'))
    await MIGRATION.drop_index(None, editor)  # the base as it was before the index
    admin = await set_up_company()
    client = await business_client()
    invoice = await validated_invoice(admin, client)
    await misconfigure('credit_note', 'F{AAAA}-{N:5}')
    note = await credit_notes.create_credit_note(admin, invoice.id, issuer=issuer())
    assert note.number == invoice.number  # the bug of issue #12
    await MIGRATION.create_index(None, editor)
    third = await documents.create_document(admin, draft(client))
    with pytest.raises(IntegrityError):
        await give_number(third.id, invoice.number, doc_type='deposit_invoice')
    await MIGRATION.drop_index(None, editor)  # backward, then forward again: the same index
    await MIGRATION.create_index(None, editor)
    with pytest.raises(IntegrityError):
        await give_number(third.id, invoice.number, doc_type='deposit_invoice')


def test_the_index_covers_every_legal_type():
    """A new legal type needs a migration that recreates the index with it (docs/architecture.md)."""
    assert MIGRATION.LEGAL_TYPES == doctypes.keys(legal=True) == LEGAL_TYPES


async def test_a_series_pattern_that_can_collide_with_another_is_refused(db):
    admin = await set_up_company()
    with pytest.raises(DomainError, match="série « Factures et factures d'acompte » \\(F\\{AAAA\\}-\\{N:5\\}\\)"):
        await numbering.save_series(admin, 'credit_note', pattern='F{AAAA}-{N:5}', reset='yearly', version=1)
    # Quotes too: a quote numbered like an invoice would be taken for it.
    with pytest.raises(DomainError, match='série « Factures'):
        await numbering.save_series(admin, 'quote', pattern='F{AAAA}-{N}', reset='yearly', version=1)
    with pytest.raises(DomainError, match='série « Devis »'):
        await numbering.save_series(admin, 'order', pattern='D{AAAA}-{N:6}', reset='yearly', version=1)
    assert {row.key: row.pattern for row in await NumberSeries.all()} == {
        key: series.pattern for key, series in doctypes.SERIES.items()}
    assert not await AuditEntry.filter(action='settings.numbering').exists()
    saved = await numbering.save_series(admin, 'credit_note', pattern='AVR-{AAAA}-{N:5}', reset='yearly', version=1)
    assert saved.pattern == 'AVR-{AAAA}-{N:5}'
    # A collision made before this rule doesn't stop a change of the reset rule alone.
    await misconfigure('order', 'F{AAAA}-{N:5}')
    await numbering.save_series(admin, 'order', pattern='F{AAAA}-{N:5}', reset='never', version=1)
