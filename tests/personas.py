"""Named personas and a ready company for tests: `admin` sets things up, `clerk` is a plain user."""
from db import accounts, settings
from db.actor import Actor
from db.user import USER

ADMIN_EMAIL = 'alice@atelier-durand.fr'
ADMIN_PASSWORD = 'correct horse battery staple'
CLERK_EMAIL = 'claude@atelier-durand.fr'
CLERK_PASSWORD = 'une phrase de passe solide'
COMPANY = {
    'name': 'Atelier Durand', 'legal_form': 'SARL', 'capital': '10 000 €', 'rcs': 'RCS Lyon 732 829 320',
    'address': '12 rue des Lilas', 'postcode': '69003', 'city': 'Lyon', 'siren': '732829320', 'siret': '73282932000074', 'vat_number': 'FR44732829320',
    'vat_regime': 'normal', 'activity_type': 'mixed',
    # A transfer is the default payment method: a Factur-X invoice then needs the seller's account (BR-50).
    'iban': 'FR14 2004 1010 0505 0001 3M02 606', 'bic': 'PSSTFRPPLIL',
}


async def set_up_company():
    """The company and the admin (returns the admin's Actor)."""
    user = await settings.setup_instance(company=dict(COMPANY), admin_email=ADMIN_EMAIL, admin_name='Alice Durand',
                                         admin_password=ADMIN_PASSWORD, ip='127.0.0.1')
    return accounts.actor_of(user, '127.0.0.1')


async def add_clerk(admin: Actor) -> Actor:
    user = await accounts.create_user(admin, email=CLERK_EMAIL, name='Claude Martin', role=USER,
                                      password=CLERK_PASSWORD)
    return accounts.actor_of(user, '127.0.0.1')
