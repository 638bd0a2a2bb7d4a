"""Paramètres > Journal d'audit (AC2): read-only, filtered, paged in SQL. Administrators only."""
from datetime import date, datetime, time, timedelta, timezone

from nicegui import ui

from components.date_input import DateInput
from components.form import section
from components.frame import frame
from components.paged_table import PagedTable, PageRequest, sort_clause
from db.audit import AuditEntry
from pages.security import PageContext, secured_page

ACTIONS = {
    '': 'Toutes les actions', 'login.success': 'Connexion réussie', 'login.failure': 'Connexion refusée',
    'logout': 'Déconnexion', 'access.denied': 'Accès refusé', 'setup': 'Installation',
    'user.create': 'Création de compte', 'user.role': 'Changement de profil', 'user.deactivate': 'Désactivation',
    'user.activate': 'Réactivation', 'user.password_reset': 'Mot de passe réinitialisé',
    'account.update': 'Mon compte modifié', 'account.password': 'Mot de passe changé',
    'settings.company': 'Fiche société', 'settings.logo': 'Logo', 'settings.options': 'Options',
    'settings.payment_method': 'Mode de règlement', 'settings.unit': 'Unité', 'settings.vat_rate': 'Taux de TVA',
    'settings.numbering': 'Numérotation', 'settings.mail': 'Paramètres e-mail',
    'contact.create': 'Contact créé', 'contact.update': 'Contact modifié', 'contact.address': 'Adresse de contact',
    'contact.activate': 'Contact (ré)activé ou archivé', 'contact.delete': 'Contact supprimé',
    'contact.import': 'Import de contacts', 'contact.export': 'Export de contacts',
    'article.create': 'Article créé', 'article.update': 'Article modifié', 'article.components': 'Article composé',
    'article.activate': 'Article (ré)activé ou archivé', 'article.delete': 'Article supprimé',
    'article.bulk_change': 'Modification groupée d’articles', 'article.import': 'Import d’articles',
    'article.export': 'Export d’articles',
    'quote.create': 'Devis créé', 'quote.save': 'Devis modifié', 'quote.state': 'État de devis', 'quote.delete':
    'Devis supprimé', 'quote.invoice': 'Devis facturé',
    'invoice.create': 'Facture créée', 'invoice.save': 'Facture modifiée', 'invoice.delete': 'Brouillon supprimé',
    'invoice.validate': 'Facture validée', 'invoice.validate_bulk': 'Factures validées (lot)',
    'invoice.state': 'État de facture', 'deposit_invoice.create': 'Facture d’acompte créée',
    'deposit_invoice.validate': 'Facture d’acompte validée', 'credit_note.validate': 'Avoir validé',
    'document.installments': 'Échéancier modifié',
    'template.create': 'Modèle d’édition créé', 'template.update': 'Modèle d’édition modifié',
    'template.logo': 'Logo de modèle', 'template.delete': 'Modèle d’édition supprimé',
    'mail.sent': 'E-mail envoyé', 'mail.failed': 'Échec d’envoi d’e-mail',
}
COLUMNS = [
    {'name': 'at', 'label': 'Date', 'field': 'at', 'sortable': True, 'align': 'left'},
    {'name': 'actor', 'label': 'Utilisateur', 'field': 'actor', 'sortable': True, 'align': 'left'},
    {'name': 'action', 'label': 'Action', 'field': 'action', 'sortable': True, 'align': 'left'},
    {'name': 'target', 'label': 'Objet', 'field': 'target', 'align': 'left'},
    {'name': 'details', 'label': 'Détails', 'field': 'details', 'align': 'left'},
    {'name': 'ip', 'label': 'Adresse', 'field': 'ip', 'align': 'left'},
]


@secured_page('/parametres/journal', admin=True, title='Journal d’audit')
async def audit_page(ctx: PageContext):
    with frame(ctx, 'Journal d’audit'):
        with section('Filtres'):
            with ui.row().classes('w-full gap-3 items-end'):
                action = ui.select(ACTIONS, value='', label='Action').props('outlined dense data-field=action') \
                    .classes('w-64')
                who = ui.input('Utilisateur (e-mail)').props('outlined dense clearable data-field=actor').classes('w-64')
                start = DateInput('Du', field='start').classes('w-48')
                end = DateInput('Au', field='end').classes('w-48')

        async def fetch(request: PageRequest):
            query = AuditEntry.all()
            if action.value:
                query = query.filter(action=action.value)
            if who.value:
                query = query.filter(actor__icontains=who.value.strip())
            if start.current:
                query = query.filter(at__gte=_day(start.current))
            if end.current:
                query = query.filter(at__lt=_day(end.current) + timedelta(days=1))
            total = await query.count()
            order = sort_clause(request, {'at': 'at', 'actor': 'actor', 'action': 'action'}, ['-at', '-id'])
            entries = await query.order_by(*order).offset(request.offset).limit(request.per_page)
            return [_row(entry) for entry in entries], total

        table = PagedTable(columns=COLUMNS, fetch=ctx.handler(fetch, admin=True), sort_by='at', descending=True,
                           name='audit')
        for control in (action, who):
            control.on_value_change(ctx.handler(lambda: table.reload(first_page=True), admin=True))
        for day_input in (start, end):  # once the typed text is a date (or emptied), not every key
            day_input.on_change(ctx.handler(lambda: table.reload(first_page=True), admin=True))
    await table.reload()


def _day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _row(entry: AuditEntry) -> dict:
    details = '; '.join(f'{key} : {_short(value)}' for key, value in (entry.details or {}).items())
    return {'id': entry.id, 'at': entry.at.astimezone().strftime('%d/%m/%Y %H:%M:%S'), 'actor': entry.actor,
            'action': ACTIONS.get(entry.action, entry.action), 'target': entry.target, 'details': details,
            'ip': entry.ip}


def _short(value) -> str:
    if isinstance(value, list) and len(value) == 2:
        return f'{value[0]} → {value[1]}'
    return str(value)[:200]
