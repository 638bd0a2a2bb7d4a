"""Paramètres > Options (SE2): switchable modules, the deposit account (DE4). Administrators only."""
from nicegui import ui

from components.form import section
from components.frame import frame
from db import settings
from logic.dates import MONTH_NAMES
from pages.security import PageContext, secured_page

SWITCHES = [
    ('quotes', 'Devis', 'Établir des devis et les transformer en factures.'),
    ('deal_tracking', 'Gestion des affaires', 'Probabilité de transformation des devis (0 à 100 %).'),
    ('margin', 'Marge', 'Prix d’achat des articles et marge au tableau de bord.'),
    ('orders', 'Bons de commande', 'Commandes clients, issues des devis acceptés ou saisies directement.'),
    ('delivery_notes', 'Bons de livraison', 'Livraisons, y compris partielles.'),
]


@secured_page('/parametres/options', admin=True, title='Options')
async def options_page(ctx: PageContext):
    options = ctx.options
    switches: dict[str, ui.switch] = {}
    with frame(ctx, 'Options'):
        with section('Modules'):
            for key, label, text in SWITCHES:
                with ui.row().classes('items-center no-wrap w-full gap-3'):
                    switches[key] = ui.switch(value=getattr(options, key)).props(f'data-field={key}').mark(key)
                    with ui.column().classes('gap-0'):
                        ui.label(label).classes('font-medium')
                        ui.label(text).classes('app-muted text-sm')
            validity = ui.number('Validité des devis (jours)', value=options.quote_validity_days, min=1, max=365,
                                 precision=0).props('outlined dense data-field=quote_validity_days').classes('w-64')
        with section('Exercice comptable'):
            fiscal_start = ui.select(dict(enumerate(MONTH_NAMES, start=1)), label='Début de l’exercice',
                                     value=options.fiscal_year_start) \
                .props('outlined dense data-field=fiscal_year_start').classes('w-64').mark('fiscal_year_start')
            ui.label('Le mois où commence l’exercice (le 1er) : le tableau de bord cumule le chiffre d’affaires '
                     'et la marge depuis cette date, les clôtures d’exercice suivent ; il ne change plus une fois un '
                     'exercice clôturé. Les comptes comptables (acomptes, ventes, TVA…) sont dans Paramètres > '
                     'Comptabilité.').classes('app-muted text-sm')

        async def save() -> None:
            values = {key: bool(switch.value) for key, switch in switches.items()}
            values['quote_validity_days'] = int(validity.value or 0)
            values['fiscal_year_start'] = int(fiscal_start.value or 1)
            await settings.save_options(ctx.actor, values)
            ui.notify('Options enregistrées.', type='positive')
            ui.navigate.reload()

        with ui.row().classes('app-actions'):
            ui.button('Enregistrer', on_click=ctx.handler(save, admin=True)).props('unelevated data-action=save').mark('save')
