"""Logins, sessions and user management (US1-US3), each change audited in its own short transaction."""
import asyncio
import functools
import hashlib
import logging
import secrets
from datetime import datetime, timedelta, timezone

from db import engine
from db.actor import Actor, require_admin
from db.audit import record
from db.unit_of_work import transaction
from db.user import ADMIN, ROLE_LABELS, AuthSession, LoginFailure, User
from logic.errors import DomainError
from logic.passwords import hash_password, verify_password

GENERIC_LOGIN_ERROR = 'Adresse e-mail ou mot de passe incorrect, ou trop de tentatives : réessayez dans un moment.'
FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES_PER_ACCOUNT = 5
FREE_FAILURES_PER_ADDRESS = 20
MAX_DELAY_SECONDS = 300
# The last activity is written at most this often: the idle timeout may cut a session this much early, no more.
SEEN_WRITE_INTERVAL = timedelta(seconds=5)
log = logging.getLogger(__name__)
TICKET_LIFETIME = timedelta(seconds=60)


class LoginRefused(DomainError):
    """Always the same message: it must not tell which of email, password or throttling failed."""

    def __init__(self) -> None:
        super().__init__(GENERIC_LOGIN_ERROR)


def now() -> datetime:
    return datetime.now(timezone.utc)


def normalise_email(email: str) -> str:
    email = (email or '').strip().lower()
    if '@' not in email or len(email) > 254 or ' ' in email or email.startswith('@') or email.endswith('@'):
        raise DomainError('Adresse e-mail invalide.')
    return email


def actor_of(user: User, ip: str = '') -> Actor:
    return Actor(user_id=user.id, email=user.email, name=user.name, role=user.role, ip=ip)


# --- login and sessions -------------------------------------------------------------------------------------------

async def authenticate(email: str, password: str, ip: str) -> User:
    """Return the user, or raise LoginRefused after recording the failure.

    Past 5 failures in 15 minutes for an account (20 for an address), each new attempt must wait 2^(n-5) seconds
    after the previous one (capped at 5 minutes); attempts during the wait are refused without checking. An attempt
    counts as a failure from before its password is checked until it succeeds (`_reserve`): 30 attempts sent at
    once check 5 passwords, not 30.
    """
    email, ip = (email or '').strip().lower()[:254], (ip or '')[:64]
    if not await _reserve(email, ip):
        raise LoginRefused()
    user = await User.get_or_none(email=email)
    valid = await asyncio.to_thread(verify_password, password or '', user.password_hash if user else None)
    if not valid or user is None or not user.is_active:
        # The reserved attempt stays as the failure it is.
        await record('login.failure', Actor(user_id=None, email=email, ip=ip),
                     details={'reason': 'inactive' if valid and user else 'bad_credentials'})
        raise LoginRefused()
    async with transaction():
        await LoginFailure.filter(email=email).delete()
        await record('login.success', actor_of(user, ip), target=f'user:{user.id}')
    return user


async def open_session(user: User, ip: str) -> str:
    """A one-time login ticket, valid for a minute, that the browser exchanges for its session token.

    The exchange happens in a plain HTTP request (see pages/auth_routes.py) so that the session cookie is renewed
    at login: a session id planted before login is worth nothing after it.
    """
    ticket = secrets.token_urlsafe(32)
    moment = now()
    await AuthSession.create(token_hash=_digest(ticket), user=user, created_at=moment, last_seen_at=moment, ip=ip[:64])
    return ticket


async def redeem_ticket(ticket: str) -> str | None:
    """Exchange a fresh, unused ticket for a new random session token; None when invalid or expired."""
    if not ticket:
        return None
    token = secrets.token_urlsafe(32)
    updated = await AuthSession.filter(
        token_hash=_digest(ticket), activated=False, created_at__gte=now() - TICKET_LIFETIME,
    ).update(token_hash=_digest(token), activated=True)
    return token if updated == 1 else None


async def resolve_session(token: str | None, *, idle_minutes: int, absolute_hours: int) -> User | None:
    """The active user behind a token, or None when unknown, expired (idle or absolute) or deactivated."""
    if not token:
        return None
    # One query with its user (a join), not two: every page and every click asks.
    session = await AuthSession.filter(token_hash=_digest(token), activated=True).select_related('user').first()
    if session is None:
        return None
    moment = now()
    expired = (moment - _ACTIVITY.last_seen(session) > timedelta(minutes=idle_minutes)
               or moment - session.created_at > timedelta(hours=absolute_hours))
    if expired or not session.user.is_active:
        _ACTIVITY.forget(session.id)
        await session.delete()
        return None
    if moment - session.last_seen_at > SEEN_WRITE_INTERVAL:
        _ACTIVITY.seen(session, moment)
    return session.user


class _Activity:
    """The sessions' last activity, written for every session at once at most every SEEN_WRITE_INTERVAL.

    Not by the click that saw it: on SQLite that write waits for the write lock whenever the job worker writes (p95
    97 ms under a batch of PDFs, docs/benchmarks.md), and the web process's one connection waits with it, every
    other click's queries behind it. This process checks the idle timeout with the activity it saw and has not
    written yet; another process (several on PostgreSQL) sees it one interval late at most, as it saw the
    activity of the interval before: the idle timeout may cut a session that much early, no more. Written at
    close too (db/engine.py), so that a restart loses none.
    """

    def __init__(self) -> None:
        self.unwritten: dict[int, tuple[datetime, datetime]] = {}  # session id: (its created_at, last activity)
        self.flusher: asyncio.Task | None = None

    def last_seen(self, session: AuthSession) -> datetime:
        created, moment = self.unwritten.get(session.id, (None, session.last_seen_at))
        # A session id reused by a newer session (or a database opened again) does not inherit the activity.
        return max(session.last_seen_at, moment) if created == session.created_at else session.last_seen_at

    def seen(self, session: AuthSession, moment: datetime) -> None:
        self.unwritten[session.id] = (session.created_at, moment)
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.get_running_loop().create_task(self._flush_later())

    def forget(self, session_id: int) -> None:
        self.unwritten.pop(session_id, None)

    async def _flush_later(self) -> None:
        await asyncio.sleep(SEEN_WRITE_INTERVAL.total_seconds())
        try:
            await self.flush()
        except Exception:  # noqa: BLE001 - the next activity tries again; a session may then end a little early
            log.warning('last activity of %s session(s) not written', len(self.unwritten), exc_info=True)

    async def flush(self) -> None:
        """Write every last activity seen and not written yet, in one short transaction."""
        batch = dict(self.unwritten)
        if not batch:
            return
        async with transaction():
            for session_id, (created, moment) in batch.items():
                # Never backwards: another process may have written a later activity.
                await AuthSession.filter(id=session_id, created_at=created, last_seen_at__lt=moment) \
                    .update(last_seen_at=moment)
        for session_id, value in batch.items():
            if self.unwritten.get(session_id) == value:  # not seen again meanwhile
                del self.unwritten[session_id]

    async def close(self) -> None:
        if self.flusher is not None:
            self.flusher.cancel()
            self.flusher = None
        try:
            await self.flush()
        finally:
            self.unwritten.clear()


_ACTIVITY = _Activity()
engine.before_close(_ACTIVITY.close)


async def write_activity() -> None:
    """Write the sessions' last activity now rather than within SEEN_WRITE_INTERVAL (tests, shutdown)."""
    await _ACTIVITY.flush()


async def close_session(token: str | None, ip: str = '') -> None:
    if not token:
        return
    session = await AuthSession.get_or_none(token_hash=_digest(token)).prefetch_related('user')
    if session is None:
        return
    async with transaction():
        await record('logout', actor_of(session.user, ip), target=f'user:{session.user.id}')
        await session.delete()


# --- setup and accounts -------------------------------------------------------------------------------------------

async def has_admin() -> bool:
    return await User.filter(role=ADMIN).exists()


async def create_user(actor: Actor, *, email: str, name: str, role: str, password: str,
                      bypass_permission: bool = False) -> User:
    if not bypass_permission:
        require_admin(actor)
    email = normalise_email(email)
    name = _clean_name(name)
    if role not in ROLE_LABELS:
        raise DomainError('Profil inconnu.')
    password_hash = await asyncio.to_thread(functools.partial(hash_password, password, email=email, name=name))
    async with transaction():
        if await User.filter(email=email).exists():
            raise DomainError('Un compte existe déjà avec cette adresse e-mail.')
        user = await User.create(email=email, name=name, role=role, password_hash=password_hash,
                                 password_changed_at=now())
        await record('user.create', actor, target=f'user:{user.id}',
                     details={'email': email, 'name': name, 'role': role})
    return user


async def update_profile(actor: Actor, *, name: str, email: str) -> User:
    """'Mon compte': a user changes their own name and email."""
    name, email = _clean_name(name), normalise_email(email)
    async with transaction():
        user = await User.get(id=actor.user_id).select_for_update()
        if email != user.email and await User.filter(email=email).exists():
            raise DomainError('Un compte existe déjà avec cette adresse e-mail.')
        details = {k: [getattr(user, k), v] for k, v in (('name', name), ('email', email)) if getattr(user, k) != v}
        if details:
            user.name, user.email = name, email
            await user.save(update_fields=['name', 'email'])
            await record('account.update', actor, target=f'user:{user.id}', details=details)
    return user


async def change_own_password(actor: Actor, *, current: str, new: str, keep_token: str | None = None) -> None:
    """Asks for the current password; other sessions of the account are closed."""
    user = await User.get(id=actor.user_id)
    if not await asyncio.to_thread(verify_password, current or '', user.password_hash):
        raise DomainError('Le mot de passe actuel est incorrect.')
    new_hash = await asyncio.to_thread(functools.partial(hash_password, new, email=user.email, name=user.name))
    async with transaction():
        await User.filter(id=user.id).update(password_hash=new_hash, password_changed_at=now())
        sessions = AuthSession.filter(user_id=user.id)
        if keep_token:
            sessions = sessions.exclude(token_hash=_digest(keep_token))
        await sessions.delete()
        await record('account.password', actor, target=f'user:{user.id}')


async def reset_password(actor: Actor, user_id: int, new: str) -> None:
    require_admin(actor)
    user = await User.get(id=user_id)
    new_hash = await asyncio.to_thread(functools.partial(hash_password, new, email=user.email, name=user.name))
    async with transaction():
        await User.filter(id=user.id).update(password_hash=new_hash, password_changed_at=now())
        await AuthSession.filter(user_id=user.id).delete()
        await record('user.password_reset', actor, target=f'user:{user.id}', details={'email': user.email})


async def set_role(actor: Actor, user_id: int, role: str) -> None:
    require_admin(actor)
    if role not in ROLE_LABELS:
        raise DomainError('Profil inconnu.')
    async with transaction():
        user = await User.get(id=user_id).select_for_update()
        if user.role == role:
            return
        if user.role == ADMIN and user.is_active:
            await _keep_one_admin(user)
        old = user.role
        user.role = role
        await user.save(update_fields=['role'])
        await record('user.role', actor, target=f'user:{user.id}', details={'email': user.email, 'role': [old, role]})


async def set_active(actor: Actor, user_id: int, active: bool) -> None:
    require_admin(actor)
    async with transaction():
        user = await User.get(id=user_id).select_for_update()
        if user.is_active == active:
            return
        if not active and user.role == ADMIN:
            await _keep_one_admin(user)
        user.is_active = active
        await user.save(update_fields=['is_active'])
        if not active:
            await AuthSession.filter(user_id=user.id).delete()
        await record('user.activate' if active else 'user.deactivate', actor, target=f'user:{user.id}',
                     details={'email': user.email})


# --- helpers ------------------------------------------------------------------------------------------------------

async def _keep_one_admin(user: User) -> None:
    others = await User.filter(role=ADMIN, is_active=True).exclude(id=user.id).count()
    if others == 0:
        raise DomainError('Impossible : c’est le dernier administrateur actif.')


async def _reserve(email: str, ip: str) -> bool:
    """Record the attempt as a failure, then tell whether it may check its password (False: throttled).

    Counting and recording are one step, serialised per account and per address, so that attempts sent at once
    each see the ones before them. SQLite: the insert comes first and takes the database's single write lock
    until the commit. PostgreSQL: transaction-scoped advisory locks on the account and the address, taken in a
    fixed order (no deadlock), hold every other app process back as well.
    """
    async with transaction() as connection:
        if connection.capabilities.dialect == 'postgres':
            for key in sorted({_lock_key('login-account', email), _lock_key('login-address', ip)}):
                await connection.execute_query('SELECT pg_advisory_xact_lock($1)', [key])
        moment = now()
        attempt = await LoginFailure.create(email=email, ip=ip, at=moment)
        throttled = await _throttled(email, ip, moment, attempt.id)
        if throttled:
            await record('login.failure', Actor(user_id=None, email=email, ip=ip), details={'reason': 'throttled'})
    return not throttled


async def _throttled(email: str, ip: str, moment: datetime, attempt_id: int) -> bool:
    since = moment - FAILURE_WINDOW
    for field, value, free in (('email', email, FREE_FAILURES_PER_ACCOUNT), ('ip', ip, FREE_FAILURES_PER_ADDRESS)):
        # Past `free + 9` earlier attempts the wait is at its cap already: no need to count further.
        earlier = await LoginFailure.filter(**{field: value}, at__gte=since).exclude(id=attempt_id) \
            .order_by('-at').limit(free + 9).values_list('at', flat=True)
        if len(earlier) >= free:
            delay = min(2 ** (len(earlier) - free), MAX_DELAY_SECONDS)
            if moment - earlier[0] < timedelta(seconds=delay):
                return True
    return False


def _lock_key(kind: str, value: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock."""
    return int.from_bytes(hashlib.sha256(f'{kind}:{value}'.encode()).digest()[:8], 'big', signed=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_name(name: str) -> str:
    name = ' '.join((name or '').split())
    if not name:
        raise DomainError('Le nom est obligatoire.')
    if len(name) > 120:
        raise DomainError('Le nom ne peut pas dépasser 120 caractères.')
    return name
