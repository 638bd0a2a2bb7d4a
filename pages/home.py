"""Accueil: shortcuts to each part of the app and to the settings a new instance needs. It promises nothing: a
dashboard will replace the tiles when it exists."""
from nicegui import ui

from components.frame import frame
from components.tiles import tiles
from pages.security import PageContext, secured_page

STEPS = [
    ('people', 'Contacts', 'Vos clients et prospects, à saisir ou importer depuis Excel.', '/contacts', False),
    ('inventory_2', 'Articles', 'Biens et prestations avec leurs prix et taux de TVA.', '/articles', False),
    ('request_quote', 'Devis', 'Établir un devis, le faire accepter, le facturer.', '/devis', False),
    ('receipt_long', 'Factures', 'Factures, avoirs et factures électroniques Factur-X.', '/factures', False),
    ('business', 'Compléter la fiche société', 'SIREN, TVA, adresse, banque : les mentions légales des factures.',
     '/parametres/societe', True),
    ('tune', 'Choisir les options', 'Devis, gestion des affaires, marge, commandes, livraisons.', '/parametres/options', True),
    ('list', 'Listes par défaut', 'Modes de règlement et échéances, unités, taux de TVA.', '/parametres/listes', False),
    ('group', 'Utilisateurs', 'Créer les comptes de votre équipe.', '/parametres/utilisateurs', True),
]


@secured_page('/', title='Accueil')
async def home(ctx: PageContext):
    with frame(ctx, 'Accueil'):
        ui.label(f'Bonjour {ctx.user.name}.').classes('text-lg')
        ui.label('Accès rapides :').classes('app-muted').mark('home-intro')
        tiles([step for step in STEPS if step[3] != '/devis' or ctx.options.quotes], is_admin=ctx.user.is_admin)
