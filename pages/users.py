"""Paramètres > Utilisateurs (US2): create, deactivate, change role, reset password. Administrators only."""
from nicegui import ui

from components.form import Form, section
from components.frame import frame
from db import accounts
from db.user import ROLE_LABELS, USER, User
from logic.passwords import MIN_LENGTH
from pages.security import PageContext, secured_page


@secured_page('/parametres/utilisateurs', admin=True, title='Utilisateurs')
async def users_page(ctx: PageContext):
    with frame(ctx, 'Utilisateurs'):
        with section('Comptes', 'Chaque compte est nominatif. Le dernier administrateur actif ne peut être ni '
                                'désactivé ni rétrogradé.'):
            listing = ui.column().classes('w-full')
            ui.button('Nouvel utilisateur', icon='person_add', on_click=lambda: create_dialog()) \
                .props('unelevated data-action=new-user').mark('new-user')

    async def refresh() -> None:
        users = await User.all().order_by('name')
        listing.clear()
        with listing:
            for user in users:
                with ui.row().classes('w-full items-center gap-3 py-2 border-b').props(f'data-user={user.email}'):
                    with ui.column().classes('gap-0 grow'):
                        ui.label(user.name).classes('font-medium')
                        ui.label(user.email).classes('app-muted text-sm')
                    ui.label(ROLE_LABELS[user.role]).classes('app-badge bg-blue-1 text-primary')
                    if not user.is_active:
                        ui.label('Désactivé').classes('app-badge bg-grey-3')
                    with ui.button(icon='more_vert').props('flat round data-action=user-menu').mark('user-menu'):
                        with ui.menu():
                            other = next(r for r in ROLE_LABELS if r != user.role)
                            ui.menu_item(f'Passer {ROLE_LABELS[other]}',
                                         on_click=ctx.handler(lambda u=user, r=other: change(accounts.set_role, u.id, r),
                                                              admin=True))
                            ui.menu_item('Réactiver' if not user.is_active else 'Désactiver',
                                         on_click=ctx.handler(lambda u=user: change(accounts.set_active, u.id,
                                                                                    not u.is_active), admin=True))
                            ui.menu_item('Réinitialiser le mot de passe', on_click=lambda u=user: reset_dialog(u))

    async def change(operation, user_id: int, value) -> None:
        await operation(ctx.actor, user_id, value)
        ui.notify('Modification enregistrée.', type='positive')
        await refresh()

    def create_dialog() -> None:
        form = Form()
        with ui.dialog() as dialog, ui.card().classes('app-card w-[520px] max-w-full'):
            ui.label('Nouvel utilisateur').classes('app-subtitle')
            form.input('name', 'Nom et prénom')
            form.input('email', 'Adresse e-mail')
            form.select('role', 'Profil', ROLE_LABELS, USER)
            form.input('password', 'Mot de passe provisoire', password=True, autocomplete='new-password',
                       hint=f'{MIN_LENGTH} caractères au moins ; à changer par l’utilisateur dans « Mon compte ».')

            async def save() -> None:
                values = form.values()
                await accounts.create_user(ctx.actor, **values)
                dialog.close()
                ui.notify('Compte créé.', type='positive')
                await refresh()

            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Créer', on_click=ctx.handler(save, admin=True)).props('unelevated data-action=create-user').mark('create-user')
        dialog.open()

    def reset_dialog(user: User) -> None:
        with ui.dialog() as dialog, ui.card().classes('app-card w-[480px] max-w-full'):
            ui.label(f'Nouveau mot de passe pour {user.name}').classes('app-subtitle')
            password = ui.input('Mot de passe provisoire', password=True, password_toggle_button=True) \
                .props('outlined dense autocomplete=new-password data-field=password').classes('w-full')

            async def save() -> None:
                await accounts.reset_password(ctx.actor, user.id, password.value)
                dialog.close()
                ui.notify('Mot de passe réinitialisé ; ses sessions ont été fermées.', type='positive')

            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Réinitialiser', on_click=ctx.handler(save, admin=True)).props('unelevated data-action=reset').mark('reset')
        dialog.open()

    await refresh()
