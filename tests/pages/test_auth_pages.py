
import httpx
from nicegui.testing import User

from db import accounts, engine
from db.audit import AuditEntry
from db.company import Company
from db.user import User as Account
from tests.browser.helpers import start_server, stop_server
from tests.pages.helpers import log_in, log_out, shown
from tests.personas import ADMIN_EMAIL, CLERK_EMAIL, CLERK_PASSWORD, add_clerk, set_up_company


async def settle(user: User, text: str) -> None:
    """Wait for a navigation started by an event handler to land on a page showing `text`."""
    await user.should_see(text, retries=50)


async def test_the_first_visit_shows_the_setup_page_which_creates_company_and_admin(user: User):
    await user.open('/')
    await user.should_see('Bienvenue dans Facturier')
    for key, value in {'name': 'Boulangerie Martin', 'address': '3 place du Marché', 'postcode': '35000',
                       'city': 'Rennes', 'siren': '732 829 320'}.items():
        user.find(marker=key).type(value)
    for key, value in {'admin_name': 'Paul Martin', 'admin_email': 'paul@boulangerie.fr',
                       'admin_password': 'pain au levain bio', 'admin_confirm': 'pain au levain bio'}.items():
        user.find(marker=key).type(value)
    user.find(marker='setup').click()
    await settle(user, 'Bonjour Paul Martin.')
    assert (await Company.get(id=1)).name == 'Boulangerie Martin'
    assert (await Account.get(email='paul@boulangerie.fr')).is_admin


async def test_the_setup_page_refuses_a_common_password_or_one_made_of_the_admins_name(user: User):
    await user.open('/')
    await user.should_see('Bienvenue dans Facturier')
    for key, value in {'name': 'Boulangerie Martin', 'address': '3 place du Marché', 'postcode': '35000',
                       'city': 'Rennes', 'siren': '732 829 320', 'admin_name': 'Paul Martin',
                       'admin_email': 'paul@boulangerie.fr'}.items():
        user.find(marker=key).type(value)
    for password, reason in (('password1234', 'il fait partie des mots de passe les plus courants'),
                             ('paulmartin2024', 'ni votre nom ni votre adresse e-mail')):
        user.find(marker='admin_password').clear().type(password)
        user.find(marker='admin_confirm').clear().type(password)
        user.find(marker='setup').click()
        await user.should_see(reason, retries=50)
    assert not await Account.exists()


async def test_the_setup_page_is_gone_once_an_admin_exists(user: User, admin):
    await user.open('/setup')
    await user.should_see('Se connecter')
    await user.should_not_see('Bienvenue dans Facturier')


async def test_a_signed_in_user_opening_the_setup_page_lands_on_the_home_page(user: User, admin):
    await log_in(user)
    await settle(user, 'Bonjour Alice Durand.')
    await user.open('/setup')
    await user.should_see('Bonjour Alice Durand.')
    await user.should_not_see('Se connecter')


async def test_the_home_page_offers_shortcuts_and_promises_nothing(user: User, admin):
    await log_in(user)
    await settle(user, 'Bonjour Alice Durand.')
    assert shown(user, 'home-intro') == 'Pour bien démarrer :'
    await user.should_see('Factures')
    await user.should_not_see('arrivera')


async def test_a_wrong_password_shows_the_generic_message_and_stays_on_login(user: User, admin):
    await log_in(user, password='definitely not it')
    await user.should_see(marker='login-error', retries=30)
    await user.should_see('Adresse e-mail ou mot de passe incorrect')
    assert await AuditEntry.filter(action='login.failure').exists()


async def test_login_leads_to_the_requested_page_and_logout_back_to_login(user: User, admin):
    await log_in(user, next_path='/parametres/societe')
    await settle(user, 'Mentions légales des factures aux professionnels')
    await log_out(user)
    await user.should_see('Se connecter')
    await user.open('/parametres')
    await user.should_see('Se connecter')
    assert await AuditEntry.filter(action='logout', actor=ADMIN_EMAIL).exists()


async def test_a_get_or_a_post_without_the_form_token_does_not_log_out(user: User, admin):
    """Another site may link to the logout address or post to it: neither signs the user out."""
    await log_in(user)
    await settle(user, 'Bonjour Alice Durand.')
    await user.open('/_auth/logout')
    await user.should_see('Se déconnecter ?')
    for forged in ({}, {'csrf': 'not-the-token'}):
        response = await user.http_client.post('/_auth/logout', data=forged)
        assert (response.status_code, response.headers['location']) == (303, '/_auth/logout')
    await user.open('/')
    await user.should_see('Bonjour Alice Durand.')
    assert not await AuditEntry.filter(action='logout').exists()
    await log_out(user)  # the confirmation page's button posts the same form
    await user.should_see('Se connecter')


async def test_a_redirect_after_login_never_leaves_the_app(user: User, admin):
    await log_in(user, next_path='//evil.example.com/phish')
    await settle(user, 'Bonjour Alice Durand.')


async def test_pages_need_a_session(user: User, admin):
    for path in ('/', '/parametres/societe', '/parametres/utilisateurs', '/compte', '/contacts'):
        await user.open(path)
        await user.should_see('Se connecter')


async def test_a_plain_user_is_refused_admin_pages_and_the_attempt_is_recorded(user: User, admin, clerk):
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD)
    await settle(user, 'Bonjour Claude Martin.')
    await user.should_not_see('Utilisateurs')
    for path in ('/parametres/societe', '/parametres/options', '/parametres/utilisateurs', '/parametres/journal'):
        await user.open(path)
        await user.should_see('Cette page est réservée aux administrateurs.')
    denied = await AuditEntry.filter(action='access.denied', actor=CLERK_EMAIL).values_list('target', flat=True)
    assert set(denied) == {'page:/parametres/societe', 'page:/parametres/options', 'page:/parametres/utilisateurs',
                           'page:/parametres/journal'}


async def test_an_admin_demoted_while_on_a_page_is_refused_at_the_next_click(user: User, admin, clerk):
    from db import accounts  # noqa: PLC0415

    await accounts.set_role(admin, clerk.user_id, 'admin')
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD, next_path='/parametres/options')
    await settle(user, 'Gestion des affaires')
    await accounts.set_role(admin, clerk.user_id, 'user')
    user.find(marker='save').click()
    await user.should_see('Action réservée aux administrateurs.')
    assert await AuditEntry.filter(action='access.denied', actor=CLERK_EMAIL).exists()


async def test_my_account_changes_the_name(user: User, admin):
    await log_in(user, next_path='/compte')
    await settle(user, 'Changer le mot de passe')
    user.find(marker='name').clear().type('Alice Durand-Petit')
    user.find(marker='save-profile').click()
    await user.should_see('Vos informations sont enregistrées.')
    assert (await Account.get(email=ADMIN_EMAIL)).name == 'Alice Durand-Petit'


async def test_proxy_headers_are_believed_from_the_trusted_proxies_only(database_url, tmp_path, monkeypatch):
    """A real server, run as in production (uvicorn), trusting the proxy at 127.0.0.2. A client connecting from
    127.0.0.1 and claiming another address and HTTPS is recorded as itself and gets no Secure cookie; the proxy's
    word on the client address and on HTTPS is taken."""
    await engine.open_database(database_url, migrate=False)
    try:
        clerk = await Account.get(id=(await add_clerk(await set_up_company())).user_id)
        tickets = [await accounts.open_session(clerk, '') for _ in range(2)]
    finally:
        await engine.close_database()
    monkeypatch.setenv('FACTURIER_TRUSTED_PROXIES', '127.0.0.2')
    server = await start_server(tmp_path, database_url, set_up=False)
    try:
        direct_cookie = visit_an_admin_page(server.url, tickets[0], source='127.0.0.1')
        proxied_cookie = visit_an_admin_page(server.url, tickets[1], source='127.0.0.2')
    finally:
        stop_server(server)
    await engine.open_database(database_url, migrate=False)
    try:
        recorded = await AuditEntry.filter(action='access.denied').order_by('id').values_list('ip', flat=True)
    finally:
        await engine.close_database()
    assert recorded == ['127.0.0.1', '203.0.113.7']
    assert 'secure' not in cookie_attributes(direct_cookie)
    assert 'secure' in cookie_attributes(proxied_cookie)


def visit_an_admin_page(url: str, ticket: str, *, source: str) -> str:
    """Finish a login and open an admin page as the clerk from `source`, claiming to be 203.0.113.7 over HTTPS (the
    refusal is recorded with the client's address); returns the session's Set-Cookie header."""
    claims = {'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https'}
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), base_url=url, headers=claims) as client:
        finish = client.get(f'/_auth/finish?ticket={ticket}')
        assert finish.status_code == 303, finish.text
        cookie = finish.headers['set-cookie']
        page = client.get('/parametres/utilisateurs', headers={'Cookie': cookie.split(';')[0]})
        assert 'Cette page est réservée aux administrateurs.' in page.text
    return cookie


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(';')[1:]}
