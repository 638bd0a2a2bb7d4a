"""Paramètres > Utilisateurs (US2): create, deactivate, change role, reset password. Administrators only."""
from nicegui import ui

from components.dialog import FormDialog
from components.form import section
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

    def admin_only(function):
        return ctx.handler(function, admin=True)

    def create_dialog() -> None:
        async def save(values: dict) -> None:
            await accounts.create_user(ctx.actor, **values)
            ui.notify('Compte créé.', type='positive')
            await refresh()

        dialog = FormDialog('Nouvel utilisateur', on_save=save, guard=admin_only, save='Créer', action='create-user',
                            width=520, grid=False)
        with dialog.fields:
            dialog.form.input('name', 'Nom et prénom')
            dialog.form.input('email', 'Adresse e-mail')
            dialog.form.select('role', 'Profil', ROLE_LABELS, USER)
            dialog.form.input('password', 'Mot de passe provisoire', password=True, autocomplete='new-password',
                              hint=f'{MIN_LENGTH} caractères au moins, ni courant ni tiré de son nom ; à changer '
                                   'par l’utilisateur dans « Mon compte ».')
        dialog.open()

    def reset_dialog(user: User) -> None:
        async def save(values: dict) -> None:
            await accounts.reset_password(ctx.actor, user.id, values['password'])
            ui.notify('Mot de passe réinitialisé ; ses sessions ont été fermées.', type='positive')

        dialog = FormDialog(f'Nouveau mot de passe pour {user.name}', on_save=save, guard=admin_only,
                            save='Réinitialiser', action='reset', width=480, grid=False)
        with dialog.fields:
            dialog.form.input('password', 'Mot de passe provisoire', password=True, autocomplete='new-password')
        dialog.open()

    await refresh()
