"""The unsaved draft the browser keeps (issue 21): what comes back is exactly what was sealed, for this user and this
document only; anything changed in the browser is ignored."""
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from logic.draft import Draft, DraftLine
from logic.draft_keeping import draft_data, draft_from_data, seal, unseal

SECRET = 'a-test-secret-of-at-least-32-characters!'
AT = datetime(2026, 12, 6, 17, 42, tzinfo=UTC)


def a_draft() -> Draft:
    return Draft(client_id=7, issue_date=date(2026, 12, 6), due_date=None, shipping=Decimal('9.90'),
                 delivery_address={'name': 'Chantier', 'city': 'Lyon'}, notes='Appeler avant « 9 h »',
                 lines=[DraftLine(designation='Pose de faïence', quantity=Decimal('12.5'), unit_price=Decimal(42),
                                  discount_kind='percent', discount_value=Decimal(10), source_line_id=31),
                        DraftLine(kind='title', designation='Salle de bains')])


def test_a_draft_comes_back_exactly_as_it_was_sealed():
    text = seal(SECRET, document_id=12, version=3, user_id=5, draft=a_draft(), at=AT)
    kept = unseal(SECRET, text, document_id=12, user_id=5)
    assert kept['version'] == 3 and kept['at'] == AT
    assert kept['draft'] == a_draft()
    assert kept['draft'].lines[0].quantity == Decimal('12.5')  # exact, not a float


def test_a_record_changed_in_the_browser_or_meant_for_someone_else_is_ignored():
    text = seal(SECRET, document_id=12, version=3, user_id=5, draft=a_draft(), at=AT)
    record = json.loads(text)
    forged = json.dumps({**record, 'body': record['body'].replace('"42"', '"0.01"')})
    assert unseal(SECRET, forged, document_id=12, user_id=5) is None
    assert unseal(SECRET, text, document_id=12, user_id=6) is None     # another user of this browser
    assert unseal(SECRET, text, document_id=13, user_id=5) is None     # another document
    assert unseal('another-instance-secret-of-32-characters', text, document_id=12, user_id=5) is None
    for junk in (None, 42, '', 'not json', '{"body": 1, "mac": 2}', '[]', 'x' * 3_000_000):
        assert unseal(SECRET, junk, document_id=12, user_id=5) is None


def test_a_record_of_another_shape_is_no_draft():
    assert draft_from_data({'lines': [{'quantity': 'beaucoup'}]}) is None
    assert draft_from_data({'issue_date': '06/12/2026'}) is None
    assert draft_from_data({'unknown': 1}) == Draft()  # fields a later release dropped are left out
    assert draft_from_data(draft_data(a_draft())) == a_draft()
