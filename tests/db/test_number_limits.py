"""Figures beyond what the columns hold are refused in French by the save operations themselves (issue 18), whatever
the path that built the draft: before, SQLite raised OverflowError on the write and the user saw nothing."""
import re
from decimal import Decimal

import pytest

from db import documents
from db.document import Document, DocumentLine
from db.drafts import TOO_LARGE, fitting
from logic.errors import DomainError
from tests.db.documents_helpers import business_client, draft, line
from tests.personas import set_up_company


async def test_a_draft_whose_line_total_no_column_can_hold_is_refused_and_nothing_is_written(db):
    admin = await set_up_company()
    invoice = await documents.create_document(admin, draft(await business_client()))
    document, editable = await documents.load_draft(invoice.id)
    editable.lines = [line(quantity='99999999999', price='99999999999')]
    with pytest.raises(DomainError, match='Ligne 1 : le montant dépasse 1 000 milliards d’euros'):
        await documents.save_draft(admin, invoice.id, editable, document.version)
    assert (await Document.get(id=invoice.id)).version == document.version
    assert await DocumentLine.filter(document_id=invoice.id).values_list('unit_price', flat=True) == [Decimal(100)]


async def test_a_new_document_whose_total_is_too_large_is_refused(db):
    admin = await set_up_company()
    lines = [line(quantity='1', price='900000000000'), line(quantity='1', price='900000000000')]
    with pytest.raises(DomainError, match='Total du document : le montant dépasse 1 000 milliards d’euros'):
        await documents.create_document(admin, draft(await business_client(), *lines))
    assert not await Document.exists()


def test_a_value_beyond_its_column_is_refused_before_the_database_sees_it():
    # The last check of any write path: a money column holds at most 92,233,720,368,547,758.07.
    assert fitting(Document, {'total_ht': Decimal('92233720368547758.07')})
    with pytest.raises(DomainError, match=re.escape(TOO_LARGE)):
        fitting(Document, {'total_ht': Decimal('92233720368547758.08')})
    with pytest.raises(DomainError, match=re.escape(TOO_LARGE)):
        fitting(DocumentLine, {'unit_price': Decimal('1E+13')})
