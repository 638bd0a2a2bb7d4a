from datetime import timedelta

from nicegui.testing import User

from db import accounts, settings
from db.company import Options, PaymentMethod
from db.user import AuthSession
from db.user import User as Account
from tests.pages.helpers import log_in
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD


async def open_as_admin(user: User, path: str, landmark: str) -> None:
    await log_in(user, next_path=path)
    await user.should_see(landmark, retries=50)


async def test_switched_off_options_hide_their_menu_entries(user: User, admin):
    await open_as_admin(user, '/parametres/options', 'Gestion des affaires')
    assert '/devis' in menu_targets(user)
    user.find(marker='quotes').click()
    user.find(marker='save').click()
    await user.should_see('Options enregistrées.', retries=50)
    assert (await Options.get(id=1)).quotes is False
    await user.open('/')
    await user.should_see('Bonjour Alice Durand.')
    assert '/devis' not in menu_targets(user) and '/factures' in menu_targets(user)


def menu_targets(user: User) -> set[str]:
    return {element.props['href'] for element in user.find(marker='nav').elements}


async def test_the_accounting_entry_is_shown_to_administrators_only(user: User, clerk):
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD)
    await user.should_see(marker='nav', retries=100)
    assert '/comptabilite' not in menu_targets(user) and '/factures' in menu_targets(user)
    await user.open('/comptabilite')  # and the page itself refuses, whatever the menu shows
    await user.should_see('Cette page est réservée aux administrateurs.')


async def test_an_admin_creates_a_user_who_can_then_log_in(user: User, admin):
    await open_as_admin(user, '/parametres/utilisateurs', 'Nouvel utilisateur')
    user.find(marker='new-user').click()
    user.find(marker='name').type('Bruno Petit')
    user.find(marker='email').type('bruno@atelier-durand.fr')
    user.find(marker='password').type('mot de passe provisoire')
    user.find(marker='create-user').click()
    await user.should_see('Compte créé.', retries=50)
    assert await accounts.authenticate('bruno@atelier-durand.fr', 'mot de passe provisoire', '1')


async def test_a_too_short_password_for_a_new_user_is_refused_in_french(user: User, admin):
    await open_as_admin(user, '/parametres/utilisateurs', 'Nouvel utilisateur')
    user.find(marker='new-user').click()
    user.find(marker='name').type('Bruno Petit')
    user.find(marker='email').type('bruno@atelier-durand.fr')
    user.find(marker='password').type('court')
    user.find(marker='create-user').click()
    await user.should_see('Le mot de passe doit contenir au moins 12 caractères.', retries=50)
    assert not await Account.filter(email='bruno@atelier-durand.fr').exists()


async def test_a_payment_method_is_added_from_the_default_lists(user: User, admin):
    await open_as_admin(user, '/parametres/listes', 'Modes de règlement')
    user.find(marker='add-methods').click()
    user.find(marker='name').type('Virement à 45 jours fin de mois')
    user.find(marker='days').clear().type('45')
    user.find(marker='end_of_month').click()
    user.find(marker='save-row').click()
    await user.should_see('Enregistré.', retries=50)
    method = await PaymentMethod.get(name='Virement à 45 jours fin de mois')
    assert (method.days, method.end_of_month) == (45, True)


async def test_the_audit_log_lists_logins_and_settings_changes(user: User, admin):
    await open_as_admin(user, '/parametres/journal', 'Filtres')
    table = user.find(marker='audit').elements.pop()
    assert {'Connexion réussie', 'Installation'} <= {row['action'] for row in table.rows}
    assert table.pagination['rowsNumber'] == len(table.rows) >= 2


async def test_an_expired_session_sends_back_to_login(user: User, admin):
    await open_as_admin(user, '/compte', 'Changer le mot de passe')
    await accounts.write_activity()  # the last activity this process saw, written: then two hours idle
    await AuthSession.all().update(last_seen_at=accounts.now() - timedelta(hours=2))
    user.find(marker='save-profile').click()
    await user.should_see('Votre session a expiré', retries=30)
    await user.open('/compte')
    await user.should_see('Se connecter')


async def test_modules_switched_off_say_so(user: User, admin):
    await open_as_admin(user, '/commandes', 'Les bons de commande sont désactivés.')
    await user.should_not_see('Bientôt disponible')
    await settings.get_company()
