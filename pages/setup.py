"""First visit (US4): create the company and the first administrator. Gone for good once an admin exists."""
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from components.form import Form, section
from components.frame import apply_theme
from db import accounts, settings
from db.company import ACTIVITY_TYPES, LEGAL_KINDS, TRADE_REGISTERS, VAT_REGIMES
from logic.company import validate_company
from logic.errors import DomainError
from logic.passwords import MIN_LENGTH, check_policy
from pages import runtime
from pages.security import client_ip

COMPANY_FIELDS = [
    ('name', 'Raison sociale ou nom *'), ('legal_form', 'Forme juridique (SARL, SAS…)'),
    ('capital', 'Capital social (sociétés)'), ('rcs', 'Immatriculation (ex. RCS Lyon 732 829 320)'),
    ('address', 'Adresse *'), ('postcode', 'Code postal *'), ('city', 'Ville *'), ('siren', 'SIREN *'),
    ('siret', 'SIRET du siège'), ('vat_number', 'N° de TVA intracommunautaire'),
]


@ui.page('/setup', title='Première installation · Facturier')
async def setup_page(request: Request):
    if await settings.is_set_up():
        # Already set up: a signed-in user goes home, anyone else to the login form.
        config = runtime.config()
        user = await accounts.resolve_session(request.session.get('auth'), idle_minutes=config.idle_timeout_minutes,
                                              absolute_hours=config.absolute_timeout_hours)
        return RedirectResponse('/' if user is not None else '/login')
    apply_theme()
    ip = client_ip(request)
    company_form, admin_form = Form(), Form()
    with ui.element('div').classes('app-auth'):
        with ui.column().classes('app-auth-card app-auth-wide gap-4'):
            ui.label('Bienvenue dans Facturier').classes('app-title')
            ui.label('Renseignez votre entreprise et créez le compte administrateur. Ces informations figureront '
                     'sur vos factures ; vous pourrez les compléter ensuite dans Paramètres.').classes('app-muted')
            with section('Votre entreprise'):
                with ui.element('div').classes('app-form-grid'):
                    company_form.select('legal_kind', 'Statut', LEGAL_KINDS, 'company')
                    company_form.select('trade_register', 'Registre', TRADE_REGISTERS, 'rcs')
                    for key, label in COMPANY_FIELDS:
                        company_form.input(key, label, wide=key in ('name', 'address'))
                    company_form.select('vat_regime', 'Régime de TVA', VAT_REGIMES, 'normal')
                    company_form.select('activity_type', 'Activité', ACTIVITY_TYPES, 'services')
            with section('Compte administrateur'):
                with ui.element('div').classes('app-form-grid'):
                    admin_form.input('admin_name', 'Nom et prénom *', autocomplete='name')
                    admin_form.input('admin_email', 'Adresse e-mail *', autocomplete='email')
                    admin_form.input('admin_password', 'Mot de passe *', password=True, autocomplete='new-password',
                                     hint=f'{MIN_LENGTH} caractères au moins, ni un mot de passe courant ni votre '
                                          'nom ; une phrase de passe convient bien.')
                    admin_form.input('admin_confirm', 'Confirmation du mot de passe *', password=True,
                                     autocomplete='new-password')

            async def create() -> None:
                company = company_form.values()
                admin = admin_form.values()
                _, errors = validate_company(company)
                company_form.show_errors(errors)
                admin_errors = {}
                if admin['admin_password'] != admin['admin_confirm']:
                    admin_errors['admin_confirm'] = 'Les deux mots de passe ne sont pas identiques.'
                admin_form.show_errors(admin_errors)
                if errors or admin_errors:
                    ui.notify('Corrigez les champs signalés.', type='negative')
                    return
                try:
                    # The admin's name and address are known here: a password made of them is refused too.
                    check_policy(admin['admin_password'], email=admin['admin_email'], name=admin['admin_name'])
                    user = await settings.setup_instance(company=company, admin_email=admin['admin_email'],
                                                         admin_name=admin['admin_name'],
                                                         admin_password=admin['admin_password'],
                                                         ip=ip)
                except (DomainError, ValueError) as exc:
                    ui.notify(str(exc), type='negative', multi_line=True)
                    return
                ticket = await accounts.open_session(user, ip)
                ui.navigate.to(f'/_auth/finish?ticket={ticket}&next=/')

            with ui.row().classes('app-actions'):
                ui.button('Créer mon espace', on_click=create).props('unelevated color=primary data-action=setup').mark('setup')
    return None
