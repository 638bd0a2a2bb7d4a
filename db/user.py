"""Accounts, their sessions and failed logins."""
from tortoise import fields
from tortoise.models import Model

ADMIN = 'admin'
USER = 'user'
ROLE_LABELS = {ADMIN: 'Administrateur', USER: 'Utilisateur'}


class User(Model):
    """A nominative account. The password hash is argon2 (passlib)."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharField(max_length=16, default=USER)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    password_changed_at = fields.DatetimeField(null=True)
    # The dashboard widgets this user chose, in order (logic/dashboard.py); null: the defaults.
    dashboard_widgets = fields.JSONField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = 'app_user'

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def __str__(self) -> str:
        return self.email


class AuthSession(Model):
    """A server-side login session: the browser only holds a random token whose hash is stored here."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user = fields.ForeignKeyField('models.User', related_name='sessions', on_delete=fields.CASCADE)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    ip = fields.CharField(max_length=64, default='')
    # A session starts as a one-time login ticket; the browser exchanges it for its real token (see db.accounts).
    activated = fields.BooleanField(default=False)

    class Meta:
        table = 'auth_session'


# A row is written before the password is checked (db/accounts.py: _reserve) and deleted if the login succeeds:
# attempts still being checked count as failures, so that attempts sent at once can't all pass the count.
class LoginFailure(Model):
    """One failed login, kept to slow down guessing per account and per address."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    ip = fields.CharField(max_length=64, db_index=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = 'login_failure'
