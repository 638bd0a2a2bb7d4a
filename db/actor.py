"""Who is acting: carried from the page to every operation in db/ for permission checks and the audit trail."""
from dataclasses import dataclass

from db.user import ADMIN


class PermissionRefused(Exception):
    """The current user's role does not allow this action (French message)."""


@dataclass(kw_only=True, slots=True, frozen=True)
class Actor:
    user_id: int | None
    email: str
    name: str = ''
    role: str = ''
    ip: str = ''

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


SYSTEM = Actor(user_id=None, email='système', name='Système')


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionRefused('Action réservée aux administrateurs.')
