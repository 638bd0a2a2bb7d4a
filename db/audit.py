"""The audit trail (AC2): append-only, written in the same transaction as the change it records."""
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise import fields
from tortoise.models import Model

from db.user import User


class AuditRefused(Exception):
    """The audit trail can only grow."""


class AuditEntry(Model):
    """Who did what, when, with the changed values in `details` (JSON)."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    user_id = fields.IntField(null=True, db_index=True)
    actor = fields.CharField(max_length=254, default='')
    action = fields.CharField(max_length=64, db_index=True)
    target = fields.CharField(max_length=255, default='')
    details = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, default='')

    class Meta:
        table = 'audit_entry'

    async def save(self, *args, **kwargs) -> None:
        if self._saved_in_db:
            raise AuditRefused('Le journal d’audit ne peut pas être modifié.')
        await super().save(*args, **kwargs)

    async def delete(self, *args, **kwargs) -> None:
        raise AuditRefused('Le journal d’audit ne peut pas être modifié.')


async def record(action: str, actor, *, target: str = '', details: dict | None = None) -> AuditEntry:
    """Append an entry; call it inside the transaction of the change it records."""
    return await AuditEntry.create(
        at=datetime.now(timezone.utc), user_id=actor.user_id, actor=actor.email, action=action, target=target,
        details=details or {}, ip=actor.ip,
    )


@dataclass(kw_only=True, slots=True, frozen=True)
class LastChange:
    by: str  # the user's name; their e-mail if the account is gone, 'système' for the system
    at: datetime


async def last_change(target: str) -> LastChange | None:
    """Who made the latest recorded change of `target` ('document:12'), and when.

    Cheap where it is used, right after that change: the scan goes newest first and stops at the first match.
    """
    entry = await AuditEntry.filter(target=target).order_by('-id').first()
    if entry is None:
        return None
    names = await User.filter(id=entry.user_id).values_list('name', flat=True) if entry.user_id else []
    return LastChange(by=names[0] if names and names[0] else entry.actor, at=entry.at)


def changes(before: dict, after: dict) -> dict:
    """The fields that differ, as {'field': [old, new]} with values made JSON-safe."""
    return {key: [_plain(before.get(key)), _plain(value)] for key, value in after.items() if before.get(key) != value}


def _plain(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)
