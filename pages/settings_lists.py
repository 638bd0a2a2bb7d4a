"""Paramètres > Listes par défaut (SE3): payment methods with their terms, units, VAT rates."""
from nicegui import ui

from components.form import Form, section
from components.frame import frame
from db import settings
from db.company import PAYMENT_KINDS, VAT_CATEGORIES, PaymentMethod, Unit, VatRate
from logic.errors import DomainError
from logic.money import format_decimal_fr
from logic.terms import PaymentTerms, describe, legal_warning
from pages.security import PageContext, secured_page

YES_NO = {True: 'Oui', False: 'Non'}


@secured_page('/parametres/listes', title='Listes par défaut')
async def lists_page(ctx: PageContext):
    with frame(ctx, 'Listes par défaut'):
        with section('Modes de règlement', 'L’échéance des factures se calcule à partir du mode de règlement.'):
            methods = ui.column().classes('w-full')
        with section('Unités', 'Le code UN/ECE (C62 unité, HUR heure, DAY jour…) sert aux factures électroniques.'):
            units = ui.column().classes('w-full')
        with section('Taux de TVA et exonérations'):
            rates = ui.column().classes('w-full')

    async def refresh() -> None:
        await _fill(methods, 'methods', await PaymentMethod.all(), [
            ('name', 'Nom'), ('kind', 'Type'), ('terms', 'Échéance'), ('is_default', 'Par défaut'), ('active', 'Actif')],
            lambda m: {'name': m.name, 'kind': PAYMENT_KINDS.get(m.kind, m.kind), 'is_default': YES_NO[m.is_default],
                       'terms': describe(PaymentTerms(days=m.days, end_of_month=m.end_of_month)),
                       'active': YES_NO[m.active]},
            lambda row=None: method_dialog(row))
        await _fill(units, 'units', await Unit.all(), [('name', 'Nom'), ('code', 'Code'), ('active', 'Active')],
                    lambda u: {'name': u.name, 'code': u.code, 'active': YES_NO[u.active]},
                    lambda row=None: unit_dialog(row))
        await _fill(rates, 'rates', await VatRate.all(), [
            ('label', 'Libellé'), ('rate', 'Taux'), ('category', 'Catégorie'), ('exemption_reason', 'Mention'),
            ('is_default', 'Par défaut'), ('active', 'Actif')],
            lambda r: {'label': r.label, 'rate': f'{format_decimal_fr(r.rate)} %',
                       'category': VAT_CATEGORIES.get(r.category, r.category), 'exemption_reason': r.exemption_reason,
                       'is_default': YES_NO[r.is_default], 'active': YES_NO[r.active]},
            lambda row=None: rate_dialog(row))

    async def _fill(container, name, rows, columns, to_row, open_dialog) -> None:
        by_id = {row.id: row for row in rows}
        container.clear()
        with container:
            table = ui.table(columns=[{'name': key, 'label': label, 'field': key, 'align': 'left'}
                                      for key, label in columns],
                             rows=[{'id': row.id, **to_row(row)} for row in rows], row_key='id') \
                .props(f'flat dense wrap-cells data-table={name}').classes('app-table')
            table.on('row-click', lambda e: open_dialog(by_id[e.args[1]['id']]))
            ui.button('Ajouter', icon='add', on_click=lambda: open_dialog(None)).props(f'flat data-action=add-{name}').mark(f'add-{name}')

    def dialog_shell(title: str, form: Form, build, on_save):
        with ui.dialog() as dialog, ui.card().classes('app-card w-[560px] max-w-full'):
            ui.label(title).classes('app-subtitle')
            with ui.element('div').classes('app-form-grid'):
                build()

            async def save() -> None:
                await on_save(form.values())
                dialog.close()
                ui.notify('Enregistré.', type='positive')
                await refresh()

            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Enregistrer', on_click=ctx.handler(save)).props('unelevated data-action=save-row').mark('save-row')
        dialog.open()

    def method_dialog(method: PaymentMethod | None) -> None:
        form = Form()

        def build() -> None:
            form.input('name', 'Nom', method.name if method else '', wide=True)
            form.select('kind', 'Type', PAYMENT_KINDS, method.kind if method else 'transfer')
            form.input('days', 'Délai (jours)', str(method.days if method else 30))
            form.checkbox('end_of_month', 'Fin de mois', method.end_of_month if method else False)
            form.checkbox('is_default', 'Mode par défaut', method.is_default if method else False)
            form.checkbox('active', 'Actif', method.active if method else True)

        async def on_save(values: dict) -> None:
            days = _int(values['days'], 'Le délai')
            await settings.save_payment_method(
                ctx.actor, method_id=method.id if method else None, name=values['name'], kind=values['kind'],
                days=days, end_of_month=values['end_of_month'], is_default=values['is_default'],
                active=values['active'])
            warning = legal_warning(PaymentTerms(days=days, end_of_month=values['end_of_month']))
            if warning:
                ui.notify(warning, type='warning', multi_line=True)

        dialog_shell('Mode de règlement', form, build, on_save)

    def unit_dialog(unit: Unit | None) -> None:
        form = Form()

        def build() -> None:
            form.input('name', 'Nom', unit.name if unit else '')
            form.input('code', 'Code UN/ECE', unit.code if unit else 'C62', maxlength=3)
            form.checkbox('active', 'Active', unit.active if unit else True)

        async def on_save(values: dict) -> None:
            await settings.save_unit(ctx.actor, unit_id=unit.id if unit else None, name=values['name'],
                                     code=values['code'], active=values['active'])

        dialog_shell('Unité', form, build, on_save)

    def rate_dialog(rate: VatRate | None) -> None:
        form = Form()

        def build() -> None:
            form.input('label', 'Libellé', rate.label if rate else '', wide=True)
            form.input('rate', 'Taux (%)', format_decimal_fr(rate.rate) if rate else '')
            form.select('category', 'Catégorie', VAT_CATEGORIES, rate.category if rate else 'S')
            form.input('exemption_reason', 'Mention d’exonération imprimée', rate.exemption_reason if rate else '',
                       wide=True)
            form.input('exemption_code', 'Code VATEX (facture électronique)', rate.exemption_code if rate else '')
            form.checkbox('is_default', 'Taux par défaut', rate.is_default if rate else False)
            form.checkbox('active', 'Actif', rate.active if rate else True)

        async def on_save(values: dict) -> None:
            await settings.save_vat_rate(ctx.actor, rate_id=rate.id if rate else None, **values)

        dialog_shell('Taux de TVA', form, build, on_save)

    await refresh()


def _int(text: str, what: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise DomainError(f'{what} doit être un nombre entier de jours.') from None
