"""Paramètres: the hub. Users see the entries they may use; admin-only pages check the role themselves too."""

from components.frame import frame
from components.tiles import tiles
from pages.security import PageContext, secured_page

ENTRIES = [
    ('business', 'Société', 'Identité, adresse, SIREN, TVA, banque, logo, mentions légales.', '/parametres/societe', True),
    ('tune', 'Options', 'Modules activés : devis, gestion des affaires, marge, commandes, livraisons.',
     '/parametres/options', True),
    ('list', 'Listes par défaut', 'Modes de règlement et leurs échéances, unités, taux de TVA.', '/parametres/listes',
     False),
    ('group', 'Utilisateurs', 'Comptes, profils, désactivation, mots de passe.', '/parametres/utilisateurs', True),
    ('pin', 'Numérotation', 'Modèles des numéros de devis, factures et avoirs, remise à zéro annuelle.',
     '/parametres/numerotation', True),
    ('verified_user', 'Contrôle d’intégrité', 'Vérifier que les factures et avoirs validés n’ont pas été modifiés.',
     '/parametres/integrite', True),
    ('print', 'Modèles d’édition', 'Mise en page, couleurs, police, logo, textes et colonnes des documents imprimés.',
     '/parametres/modeles', True),
    ('mail', 'E-mail', 'Serveur d’envoi, expéditeur et messages proposés pour envoyer les documents.',
     '/parametres/email', True),
    ('campaign', 'Relances', 'Niveaux de relance et leurs lettres, pénalités de retard, taux BCE et taux légal.',
     '/parametres/relances', True),
    ('account_balance_wallet', 'Comptabilité', 'Comptes de ventes, de TVA, des clients et des règlements ; codes '
     'des journaux de l’export comptable (FEC).', '/parametres/comptabilite', True),
    ('history', 'Journal d’audit', 'Connexions, modifications des paramètres et des comptes.', '/parametres/journal',
     True),
]


@secured_page('/parametres', title='Paramètres')
async def settings_index(ctx: PageContext):
    with frame(ctx, 'Paramètres'):
        tiles(ENTRIES, is_admin=ctx.user.is_admin)
