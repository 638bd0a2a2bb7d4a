"""The instance's own identity in its database: a fingerprint of the secret that seals its integrity chains.

Several processes (or a restored backup) must all use the secret the chains were sealed with: a process started with
another one would seal new invoices that `verify` then reports as altered (issue 21). The first process to open the
database records the fingerprint; every later start compares it and refuses another secret, before doing anything.
The fingerprint is an HMAC of a fixed text under the secret: it says nothing of the secret itself.
"""
import hashlib
import hmac

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from logic.errors import DomainError
from logic.integrity import secret_key

_LABEL = b'facturier: fingerprint of the instance secret, v1'


class InstanceKey(Model):
    """One row (id 1): the fingerprint of the instance secret, recorded by the first start."""

    id = fields.IntField(primary_key=True)
    secret_fingerprint = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = 'instance_key'
        table_description = 'The fingerprint of the instance secret (one row): a start with another secret is refused.'


class SecretMismatch(DomainError):
    """The secret given to this process is not the one of the database."""


def fingerprint(secret: str | bytes) -> str:
    """64 hexadecimal digits, the same for the secret as text or bytes.

    >>> len(fingerprint('x' * 32)), fingerprint('x' * 32) == fingerprint(b'x' * 32)
    (64, True)
    """
    return hmac.new(secret_key(secret), _LABEL, hashlib.sha256).hexdigest()


async def check_secret(secret: str | bytes) -> None:
    """Record the secret's fingerprint on the first start; refuse (SecretMismatch) a secret that is not that one."""
    mine = fingerprint(secret)
    stored = await InstanceKey.filter(id=1).values_list('secret_fingerprint', flat=True)
    if not stored:
        try:
            await InstanceKey.create(id=1, secret_fingerprint=mine)
            return
        except IntegrityError:  # another process started at the same moment recorded its own: compare with it
            stored = await InstanceKey.filter(id=1).values_list('secret_fingerprint', flat=True)
    if not hmac.compare_digest(stored[0], mine):
        raise SecretMismatch(
            'Le secret de l’instance (FACTURIER_SECRET ou instance-secret.key) n’est pas celui de cette base de '
            'données : avec un autre, les factures validées seraient signalées comme altérées. Démarrez avec le '
            'secret d’origine (celui de la sauvegarde, ou des autres processus).')
