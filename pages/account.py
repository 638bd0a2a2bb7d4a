"""Mon compte (US3): name, email, and a password change that asks for the current password."""
from nicegui import ui

from components.form import Form, section
from components.frame import frame
from db import accounts
from db.user import ROLE_LABELS
from logic.passwords import MIN_LENGTH
from pages.security import PageContext, secured_page


@secured_page('/compte', title='Mon compte')
async def account_page(ctx: PageContext):
    profile, password = Form(), Form()
    with frame(ctx, 'Mon compte'):
        with section('Identité', f'Profil : {ROLE_LABELS.get(ctx.user.role, ctx.user.role)}'):
            with ui.element('div').classes('app-form-grid'):
                profile.input('name', 'Nom et prénom', ctx.user.name, autocomplete='name')
                profile.input('email', 'Adresse e-mail', ctx.user.email, autocomplete='email')

            async def save_profile() -> None:
                values = profile.values()
                await accounts.update_profile(ctx.actor, name=values['name'], email=values['email'])
                ui.notify('Vos informations sont enregistrées.', type='positive')

            with ui.row().classes('app-actions'):
                ui.button('Enregistrer', on_click=ctx.handler(save_profile)).props('unelevated data-action=save-profile').mark('save-profile')

        with section('Mot de passe', f'{MIN_LENGTH} caractères au moins, ni un mot de passe courant ni votre nom. '
                                     'Vos autres sessions seront fermées.'):
            with ui.element('div').classes('app-form-grid'):
                password.input('current', 'Mot de passe actuel', password=True, autocomplete='current-password')
                password.input('new', 'Nouveau mot de passe', password=True, autocomplete='new-password')
                password.input('confirm', 'Confirmation', password=True, autocomplete='new-password')

            async def change_password() -> None:
                values = password.values()
                if values['new'] != values['confirm']:
                    password.show_errors({'confirm': 'Les deux mots de passe ne sont pas identiques.'})
                    return
                password.show_errors({})
                await accounts.change_own_password(ctx.actor, current=values['current'], new=values['new'],
                                                   keep_token=ctx.token)
                for field in password.fields.values():
                    field.value = ''
                ui.notify('Mot de passe modifié.', type='positive')

            with ui.row().classes('app-actions'):
                ui.button('Changer le mot de passe', on_click=ctx.handler(change_password)) \
                    .props('unelevated data-action=change-password').mark('change-password')
