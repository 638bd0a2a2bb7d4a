"""An unsaved draft kept in the browser (issue 21): when a page fails over to another process, or the tab is
reloaded or closed by mistake, the edits not yet saved are offered back.

The browser keeps a record (its local storage): the draft as JSON, the document and version it was edited from, the
user, when, and an HMAC of all of these with the instance secret. The browser can hold it but not forge it: a record
whose signature fails (edited in the browser, another instance, another user) is ignored, so what comes back is
exactly what this user had typed into this version, and it still goes through the same save as typed input.
"""
import hashlib
import hmac
import json
from dataclasses import asdict, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from logic.draft import Draft, DraftLine
from logic.integrity import secret_key

PURPOSE = b'facturier-draft-keeping-v1\n'
MAX_CHARS = 2_000_000  # far beyond any real draft (a 500-line invoice is about 300,000 characters)
_DECIMALS = {f.name for f in fields(Draft) if f.type is Decimal}
_DATES = {f.name for f in fields(Draft) if f.type == date | None}
_LINE_DECIMALS = {f.name for f in fields(DraftLine) if f.type is Decimal}


def storage_key(document_id: int) -> str:
    return f'facturier-draft-{document_id}'


def draft_data(draft: Draft) -> dict:
    """The draft as JSON values: Decimals as strings (exact), dates ISO.

    >>> draft_data(Draft(issue_date=date(2026, 3, 1), shipping=Decimal('9.90')))['shipping']
    '9.90'
    """
    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value
    return plain(asdict(draft))


def draft_from_data(data: dict) -> Draft | None:
    """The draft back from `draft_data`; None when it doesn't have the shape of one (an older release's record)."""
    try:
        values = {f.name: data[f.name] for f in fields(Draft) if f.name in data}
        for name in _DECIMALS & values.keys():
            values[name] = Decimal(values[name])
        for name in _DATES & values.keys():
            values[name] = date.fromisoformat(values[name]) if values[name] else None
        lines = []
        for line in values.pop('lines', []):
            known = {f.name: line[f.name] for f in fields(DraftLine) if f.name in line}
            for name in _LINE_DECIMALS & known.keys():
                known[name] = Decimal(known[name])
            lines.append(DraftLine(**known))
        return Draft(**values, lines=lines)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        return None


def _signature(secret: str | bytes, body: str) -> str:
    return hmac.new(secret_key(secret), PURPOSE + body.encode('utf-8'), hashlib.sha256).hexdigest()


def seal(secret: str | bytes, *, document_id: int, version: int, user_id: int, draft: Draft,
         at: datetime) -> str:
    """The text the browser keeps."""
    body = json.dumps({'document': document_id, 'version': version, 'user': user_id, 'at': at.isoformat(),
                       'draft': draft_data(draft)}, ensure_ascii=False, separators=(',', ':'), sort_keys=True)
    return json.dumps({'body': body, 'mac': _signature(secret, body)}, ensure_ascii=False, separators=(',', ':'))


def unseal(secret: str | bytes, text: object, *, document_id: int, user_id: int) -> dict | None:
    """{'version', 'at', 'draft'} of a record this instance sealed for this user and document; None otherwise."""
    if not isinstance(text, str) or len(text) > MAX_CHARS:
        return None
    try:
        record = json.loads(text)
        body, mac = record['body'], record['mac']
        if not (isinstance(body, str) and isinstance(mac, str)
                and hmac.compare_digest(mac, _signature(secret, body))):
            return None
        content = json.loads(body)
        if content['document'] != document_id or content['user'] != user_id:
            return None
        draft = draft_from_data(content['draft'])
        at = datetime.fromisoformat(content['at'])
        version = content['version']
    except (ValueError, TypeError, KeyError):
        return None
    if draft is None or not isinstance(version, int):
        return None
    return {'version': version, 'at': at, 'draft': draft}
