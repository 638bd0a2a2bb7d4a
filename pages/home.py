"""Accueil: the dashboard (DA1-DA5), live. A new instance (no invoice yet) also gets the getting-started tiles.

The figures are read by db/dashboard.py for the widgets this user chose; a validation or a payment anywhere (another
browser, another app process through the change relay) redraws them within a second or two, without a reload.
"""
import asyncio
from datetime import date

from nicegui import ui

from components.dashboard import DashboardGrid
from components.frame import frame
from components.tiles import tiles
from components.widget_chooser import WidgetChooser
from db import dashboard
from logic import dashboard as rules
from pages.document_page import follow_changes
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
REDRAW_DELAY = 2.0  # one redraw per burst of changes (a batch validation, busy colleagues): each costs a read


@secured_page('/', title='Accueil')
async def home(ctx: PageContext):
    with frame(ctx, 'Accueil'):
        with ui.row().classes('w-full items-center'):
            ui.label(f'Bonjour {ctx.user.name}.').classes('text-lg')
            ui.space()
            chooser = ui.button('Personnaliser', icon='dashboard_customize') \
                .props('outline no-caps data-action=customize').mark('customize')
        body = ui.column().classes('w-full gap-4')
    screen = HomeScreen(ctx, body)
    chooser.on_click(ctx.handler(screen.choose))
    follow_changes(body, ctx.handler(screen.changed))
    await screen.draw()


class HomeScreen:
    def __init__(self, ctx: PageContext, body: ui.element) -> None:
        self.ctx, self.body = ctx, body
        self.widgets = rules.chosen(ctx.user.dashboard_widgets, ctx.options)
        self.pending = False

    async def draw(self) -> None:
        figures = await dashboard.read_dashboard(today=date.today(), options=self.ctx.options, widgets=self.widgets)
        self.body.clear()
        with self.body:
            if not figures.has_invoices:  # a new instance: where to start
                ui.label('Pour bien démarrer :').classes('app-muted').mark('home-intro')
                tiles([step for step in STEPS if step[3] != '/devis' or self.ctx.options.quotes],
                      is_admin=self.ctx.user.is_admin)
            if not self.widgets:
                ui.label('Aucun élément choisi : « Personnaliser » pour en afficher.').classes('app-empty') \
                    .mark('no-widgets')
            DashboardGrid(figures, self.widgets, self.ctx.options)

    async def changed(self, _doc_id: int | None) -> None:
        if self.pending:
            return
        self.pending = True
        try:
            await asyncio.sleep(REDRAW_DELAY)
        finally:
            self.pending = False
        await self.draw()

    def choose(self) -> None:
        options = self.ctx.options
        labels = {key: rules.WIDGETS[key].label for key in rules.available(options)}

        async def save(keys: list[str] | None) -> None:
            self.widgets = await dashboard.save_widgets(self.ctx.actor, keys, options)
            await self.draw()

        WidgetChooser(widgets=labels, shown=self.widgets, on_save=save, guard=self.ctx.handler).open()
