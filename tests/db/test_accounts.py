import asyncio
from datetime import timedelta

import pytest

from db import accounts, engine
from db.actor import PermissionRefused
from db.audit import AuditEntry
from db.user import ADMIN, AuthSession, LoginFailure, User
from logic.errors import DomainError
from logic.passwords import PasswordError
from tests.helpers import until
from tests.personas import ADMIN_EMAIL, ADMIN_PASSWORD, CLERK_EMAIL, add_clerk, set_up_company


@pytest.fixture
def clock(monkeypatch):
    """The accounts' clock, stopped at one instant and moved by hand: `clock.now += timedelta(...)`."""

    class Clock:
        now = accounts.now()

    monkeypatch.setattr(accounts, 'now', lambda: Clock.now)
    return Clock


@pytest.fixture
def checked(monkeypatch) -> list[str]:
    """The passwords actually verified, in order (the real argon2 check still runs)."""
    passwords: list[str] = []
    real = accounts.verify_password

    def verify(password: str, password_hash: str | None) -> bool:
        passwords.append(password)
        return real(password, password_hash)

    monkeypatch.setattr(accounts, 'verify_password', verify)
    return passwords


async def test_it_logs_in_with_the_right_password_and_records_it(db):
    await set_up_company()
    user = await accounts.authenticate(ADMIN_EMAIL.upper(), ADMIN_PASSWORD, '10.0.0.1')
    assert user.email == ADMIN_EMAIL
    assert await AuditEntry.filter(action='login.success', actor=ADMIN_EMAIL).exists()


async def test_it_gives_the_same_message_for_a_wrong_password_and_an_unknown_email(db):
    await set_up_company()
    with pytest.raises(accounts.LoginRefused) as wrong_password:
        await accounts.authenticate(ADMIN_EMAIL, 'not the password at all', '10.0.0.1')
    with pytest.raises(accounts.LoginRefused) as unknown:
        await accounts.authenticate('nobody@example.com', ADMIN_PASSWORD, '10.0.0.1')
    assert str(wrong_password.value) == str(unknown.value) == accounts.GENERIC_LOGIN_ERROR
    assert await AuditEntry.filter(action='login.failure').count() == 2


async def test_it_slows_down_logins_after_repeated_failures_even_with_the_right_password(db):
    await set_up_company()
    for _ in range(accounts.FREE_FAILURES_PER_ACCOUNT + 1):
        with pytest.raises(accounts.LoginRefused):
            await accounts.authenticate(ADMIN_EMAIL, 'wrong password 123', '10.0.0.1')
    with pytest.raises(accounts.LoginRefused):
        await accounts.authenticate(ADMIN_EMAIL, ADMIN_PASSWORD, '10.0.0.2')
    # Once the wait has passed, the right password works again.
    await LoginFailure.all().update(at=accounts.now() - timedelta(minutes=10))
    assert (await accounts.authenticate(ADMIN_EMAIL, ADMIN_PASSWORD, '10.0.0.2')).email == ADMIN_EMAIL


async def test_it_slows_down_one_address_trying_many_accounts(db):
    await set_up_company()
    for n in range(accounts.FREE_FAILURES_PER_ADDRESS + 1):
        with pytest.raises(accounts.LoginRefused):
            await accounts.authenticate(f'guess{n}@example.com', 'wrong password 123', '10.9.9.9')
    with pytest.raises(accounts.LoginRefused):
        await accounts.authenticate(ADMIN_EMAIL, ADMIN_PASSWORD, '10.9.9.9')
    assert (await accounts.authenticate(ADMIN_EMAIL, ADMIN_PASSWORD, '10.0.0.3')).email == ADMIN_EMAIL


async def test_thirty_attempts_at_once_check_only_the_free_ones_and_the_right_password_after_them_is_refused(
        db, clock, checked):
    """The burst of the attack: 29 guesses sent together, then the right password once the budget is spent. On
    PostgreSQL the pool's connections really run the attempts side by side."""
    await set_up_company()

    async def right_password_once_the_guesses_are_checked() -> User:
        await until(lambda: len(checked) >= accounts.FREE_FAILURES_PER_ACCOUNT)
        return await accounts.authenticate(ADMIN_EMAIL, ADMIN_PASSWORD, '10.0.0.1')

    results = await asyncio.gather(*(accounts.authenticate(ADMIN_EMAIL, f'guess number {n:02d}', '10.0.0.1')
                                     for n in range(29)), right_password_once_the_guesses_are_checked(),
                                   return_exceptions=True)
    assert len(checked) == accounts.FREE_FAILURES_PER_ACCOUNT
    assert ADMIN_PASSWORD not in checked
    assert all(isinstance(result, accounts.LoginRefused) for result in results)
    assert await LoginFailure.filter(email=ADMIN_EMAIL).count() == 30
    assert await AuditEntry.filter(action='login.failure').count() == 30
    assert not await AuditEntry.filter(action='login.success').exists()


async def test_thirty_attempts_at_once_from_one_address_on_many_accounts_check_only_its_free_ones(db, clock, checked):
    await set_up_company()
    results = await asyncio.gather(*(accounts.authenticate(f'guess{n}@example.com', 'wrong password 123', '10.9.9.9')
                                     for n in range(30)), return_exceptions=True)
    assert len(checked) == accounts.FREE_FAILURES_PER_ADDRESS
    assert all(isinstance(result, accounts.LoginRefused) for result in results)
    with pytest.raises(accounts.LoginRefused):
        await accounts.authenticate(ADMIN_EMAIL, ADMIN_PASSWORD, '10.9.9.9')
    assert len(checked) == accounts.FREE_FAILURES_PER_ADDRESS
    assert (await accounts.authenticate(ADMIN_EMAIL, ADMIN_PASSWORD, '10.0.0.3')).email == ADMIN_EMAIL


async def test_it_refuses_a_deactivated_account(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    await accounts.set_active(admin, clerk.user_id, False)
    with pytest.raises(accounts.LoginRefused):
        await accounts.authenticate(CLERK_EMAIL, 'une phrase de passe solide', '10.0.0.1')


async def test_a_ticket_is_exchanged_once_for_a_new_session_token(db):
    await set_up_company()
    user = await User.get(email=ADMIN_EMAIL)
    ticket = await accounts.open_session(user, '10.0.0.1')
    assert await accounts.resolve_session(ticket, idle_minutes=30, absolute_hours=12) is None
    token = await accounts.redeem_ticket(ticket)
    assert token and token != ticket
    assert await accounts.redeem_ticket(ticket) is None
    assert (await accounts.resolve_session(token, idle_minutes=30, absolute_hours=12)).id == user.id
    await accounts.close_session(token)
    assert await accounts.resolve_session(token, idle_minutes=30, absolute_hours=12) is None


async def test_an_expired_ticket_is_worthless(db):
    await set_up_company()
    user = await User.get(email=ADMIN_EMAIL)
    ticket = await accounts.open_session(user, '10.0.0.1')
    await AuthSession.all().update(created_at=accounts.now() - timedelta(minutes=2))
    assert await accounts.redeem_ticket(ticket) is None


@pytest.mark.parametrize('active_after', [timedelta(seconds=4), timedelta(seconds=50)])
async def test_the_idle_timeout_counts_from_the_last_activity_to_within_a_few_seconds(db, clock, active_after):
    """Idle 30 minutes: still signed in 5 seconds before 30 minutes without activity, signed out 1 second after."""
    await set_up_company()
    user = await User.get(email=ADMIN_EMAIL)
    started = clock.now
    tokens = [await accounts.redeem_ticket(await accounts.open_session(user, '10.0.0.1')) for _ in range(2)]
    clock.now = started + active_after
    for token in tokens:
        assert await accounts.resolve_session(token, idle_minutes=30, absolute_hours=12)
    clock.now = started + active_after + timedelta(minutes=30) - timedelta(seconds=5)
    assert await accounts.resolve_session(tokens[0], idle_minutes=30, absolute_hours=12)
    clock.now = started + active_after + timedelta(minutes=30) + timedelta(seconds=1)
    assert await accounts.resolve_session(tokens[1], idle_minutes=30, absolute_hours=12) is None


async def test_the_last_activity_is_written_after_the_click_for_every_session_at_once(db, clock, database_url,
                                                                                     monkeypatch):
    """A click never waits for the write of its session's last activity (SQLite's write lock, issue 17): it is
    written within SEEN_WRITE_INTERVAL, or when the database closes, and counts meanwhile in this process."""
    monkeypatch.setattr(accounts, 'SEEN_WRITE_INTERVAL', timedelta(minutes=1))  # no flush of its own in this test
    await set_up_company()
    user = await User.get(email=ADMIN_EMAIL)
    started = clock.now
    tokens = [await accounts.redeem_ticket(await accounts.open_session(user, '10.0.0.1')) for _ in range(3)]
    clock.now = started + timedelta(minutes=20)
    for token in tokens[:2]:
        assert await accounts.resolve_session(token, idle_minutes=30, absolute_hours=12)
    assert {session.last_seen_at for session in await AuthSession.all()} == {started}  # nothing written yet
    clock.now = started + timedelta(minutes=40)  # 40 minutes after the start, 20 after the last click
    assert await accounts.resolve_session(tokens[0], idle_minutes=30, absolute_hours=12)
    assert await accounts.resolve_session(tokens[2], idle_minutes=30, absolute_hours=12) is None
    await accounts.write_activity()
    assert [session.last_seen_at for session in await AuthSession.all().order_by('id')] == [
        started + timedelta(minutes=40), started + timedelta(minutes=20)]
    clock.now = started + timedelta(minutes=45)
    assert await accounts.resolve_session(tokens[1], idle_minutes=30, absolute_hours=12)
    await engine.close_database()  # what a stopping server does: the activity seen is written first
    await engine.open_database(database_url, migrate=False)
    assert [session.last_seen_at for session in await AuthSession.all().order_by('id')] == [
        started + timedelta(minutes=40), started + timedelta(minutes=45)]


async def test_the_last_activity_is_written_in_the_background_and_never_backwards(db, monkeypatch):
    await set_up_company()
    user = await User.get(email=ADMIN_EMAIL)
    monkeypatch.setattr(accounts, 'SEEN_WRITE_INTERVAL', timedelta(seconds=0.2))
    token = await accounts.redeem_ticket(await accounts.open_session(user, '10.0.0.1'))
    session = await AuthSession.get()
    await AuthSession.all().update(last_seen_at=session.last_seen_at - timedelta(minutes=10))
    await asyncio.sleep(0.01)
    assert await accounts.resolve_session(token, idle_minutes=30, absolute_hours=12)
    seen = accounts.now()
    later = session.last_seen_at + timedelta(hours=1)  # another process wrote a later activity meanwhile
    await AuthSession.all().update(last_seen_at=later)
    await until(lambda: not accounts._ACTIVITY.unwritten)
    assert seen < later
    assert (await AuthSession.get()).last_seen_at == later


@pytest.mark.parametrize('field, age', [('last_seen_at', timedelta(minutes=31)), ('created_at', timedelta(hours=13))])
async def test_sessions_expire_when_idle_or_too_old(db, field, age):
    await set_up_company()
    user = await User.get(email=ADMIN_EMAIL)
    token = await accounts.redeem_ticket(await accounts.open_session(user, '10.0.0.1'))
    await AuthSession.all().update(**{field: accounts.now() - age})
    assert await accounts.resolve_session(token, idle_minutes=30, absolute_hours=12) is None
    assert not await AuthSession.exists()


async def test_a_password_change_asks_for_the_current_one_and_closes_other_sessions(db):
    admin = await set_up_company()
    user = await User.get(id=admin.user_id)
    kept = await accounts.redeem_ticket(await accounts.open_session(user, '1'))
    other = await accounts.redeem_ticket(await accounts.open_session(user, '2'))
    with pytest.raises(DomainError, match='actuel est incorrect'):
        await accounts.change_own_password(admin, current='wrong', new='a brand new passphrase', keep_token=kept)
    await accounts.change_own_password(admin, current=ADMIN_PASSWORD, new='a brand new passphrase', keep_token=kept)
    assert await accounts.resolve_session(kept, idle_minutes=30, absolute_hours=12)
    assert await accounts.resolve_session(other, idle_minutes=30, absolute_hours=12) is None
    assert await accounts.authenticate(ADMIN_EMAIL, 'a brand new passphrase', '1')


async def test_it_refuses_a_password_shorter_than_twelve_characters(db):
    admin = await set_up_company()
    with pytest.raises(ValueError, match='12 caractères'):
        await accounts.create_user(admin, email='x@example.com', name='X', role='user', password='short pass')
    assert not await User.filter(email='x@example.com').exists()


async def test_every_way_of_setting_a_password_refuses_a_guessable_one(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    with pytest.raises(PasswordError, match='mots de passe les plus courants'):
        await accounts.create_user(admin, email='x@example.com', name='Xavier Roux', role='user',
                                   password='password1234')
    with pytest.raises(PasswordError, match='votre nom'):
        await accounts.create_user(admin, email='x@example.com', name='Xavier Roux', role='user',
                                   password='xavier.roux.1990')
    with pytest.raises(PasswordError, match='uniquement d’espaces'):
        await accounts.change_own_password(admin, current=ADMIN_PASSWORD, new=' ' * 12)
    with pytest.raises(PasswordError, match='votre nom'):  # the name of the account reset, not the admin's
        await accounts.reset_password(admin, clerk.user_id, 'claude martin 1234')
    with pytest.raises(PasswordError, match='mots de passe les plus courants'):
        await accounts.reset_password(admin, clerk.user_id, '123456789012')
    assert not await User.filter(email='x@example.com').exists()
    assert not await AuditEntry.filter(action__in=('account.password', 'user.password_reset')).exists()


async def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(db):
    admin = await set_up_company()
    with pytest.raises(DomainError, match='dernier administrateur'):
        await accounts.set_role(admin, admin.user_id, 'user')
    with pytest.raises(DomainError, match='dernier administrateur'):
        await accounts.set_active(admin, admin.user_id, False)
    clerk = await add_clerk(admin)
    await accounts.set_role(admin, clerk.user_id, ADMIN)
    await accounts.set_role(admin, admin.user_id, 'user')
    assert (await User.get(id=admin.user_id)).role == 'user'


async def test_a_plain_user_cannot_manage_users(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    with pytest.raises(PermissionRefused):
        await accounts.create_user(clerk, email='y@example.com', name='Y', role='admin', password='x' * 12)
    with pytest.raises(PermissionRefused):
        await accounts.set_role(clerk, clerk.user_id, ADMIN)
    assert (await User.get(id=clerk.user_id)).role == 'user'


async def test_user_management_is_audited(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    await accounts.set_active(admin, clerk.user_id, False)
    await accounts.reset_password(admin, clerk.user_id, 'another long password')
    actions = await AuditEntry.filter(actor=ADMIN_EMAIL).values_list('action', flat=True)
    assert {'setup', 'user.create', 'user.deactivate', 'user.password_reset'} <= set(actions)
    assert all('password' not in str(details) or 'reset' in action for action, details in
               await AuditEntry.all().values_list('action', 'details'))


async def test_an_email_already_used_is_refused(db):
    admin = await set_up_company()
    with pytest.raises(DomainError, match='existe déjà'):
        await accounts.create_user(admin, email=ADMIN_EMAIL, name='Twin', role='user',
                                   password='une autre phrase de passe')
