"""Unsaved edits the browser kept (issue 21: a page failing over to another process, a reload) are offered back on
the draft they were made on, and only there (User fixture; the browser's local storage is answered by a rule)."""
import re
from datetime import UTC, datetime
from decimal import Decimal

from nicegui.testing import User

from db import documents
from db.document import Document
from logic.draft_keeping import seal
from tests.db.documents_helpers import business_client, draft, line
from tests.helpers import SECRET, until
from tests.pages.helpers import log_in


async def kept_in_the_browser(user: User, admin, invoice, *, quantity: str, version: int | None = None,
                              secret: str = SECRET) -> None:
    _document, edited = await documents.load_draft(invoice.id)
    edited.lines[0].quantity = Decimal(quantity)
    text = seal(secret, document_id=invoice.id, version=invoice.version if version is None else version,
                user_id=admin.user_id, draft=edited, at=datetime.now(UTC))
    user.javascript_rules[re.compile(r'localStorage\.getItem')] = lambda _match: text


async def total_ht(invoice) -> Decimal:
    return (await Document.get(id=invoice.id)).total_ht


async def has_total(invoice, amount: Decimal) -> bool:
    return await total_ht(invoice) == amount


async def test_edits_kept_by_the_browser_are_offered_back_and_saved_only_when_the_user_saves(user: User, admin):
    invoice = await documents.create_document(admin, draft(await business_client(), line(quantity='2')))
    await kept_in_the_browser(user, admin, invoice, quantity='3')
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='kept-offer', retries=100)
    assert await total_ht(invoice) == Decimal('200.00')  # nothing saved by offering
    user.find(marker='restore-kept').click()
    await user.should_see(marker='dirty', retries=100)
    await user.should_not_see(marker='kept-offer')
    assert await total_ht(invoice) == Decimal('200.00')  # nor by taking them back: the user checks, then saves
    user.find(marker='save').click()
    await until(lambda: has_total(invoice, Decimal('300.00')))


async def test_edits_made_on_a_version_saved_over_since_are_not_offered(user: User, admin):
    invoice = await documents.create_document(admin, draft(await business_client(), line(quantity='2')))
    await kept_in_the_browser(user, admin, invoice, quantity='3', version=invoice.version - 1)
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='kept-stale', retries=100)
    await user.should_not_see(marker='restore-kept')


async def test_a_record_sealed_elsewhere_is_ignored(user: User, admin):
    invoice = await documents.create_document(admin, draft(await business_client(), line(quantity='2')))
    await kept_in_the_browser(user, admin, invoice, quantity='3', secret='another-instance-secret-of-32-chars!')
    await log_in(user, next_path=f'/factures/{invoice.id}')
    await user.should_see(marker='save', retries=100)
    await user.should_not_see(marker='kept-offer', retries=20)
