"""Paramètres > Listes par défaut (SE3): payment methods with their terms, units, VAT rates."""
from collections.abc import Awaitable, Callable

from nicegui import ui

from components.dialog import FormDialog
from components.form import section
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
    lists = DefaultLists(ctx)
    with frame(ctx, 'Listes par défaut'):
        with section('Modes de règlement', 'L’échéance des factures se calcule à partir du mode de règlement.'):
            lists.methods = ui.column().classes('w-full')
        with section('Unités', 'Le code UN/ECE (C62 unité, HUR heure, DAY jour…) sert aux factures électroniques.'):
            lists.units = ui.column().classes('w-full')
        with section('Taux de TVA et exonérations'):
            lists.rates = ui.column().classes('w-full')
    await lists.refresh()


class DefaultLists:
    """The three tables; a click on a row (or "Ajouter") opens its form in a dialog."""

    def __init__(self, ctx: PageContext) -> None:
        self.ctx = ctx
        self.methods = self.units = self.rates = None

    async def refresh(self) -> None:
        _fill(self.methods, 'methods', await PaymentMethod.all(), [
            ('name', 'Nom'), ('kind', 'Type'), ('terms', 'Échéance'), ('is_default', 'Par défaut'),
            ('active', 'Actif')],
            lambda m: {'name': m.name, 'kind': PAYMENT_KINDS.get(m.kind, m.kind), 'is_default': YES_NO[m.is_default],
                       'terms': describe(PaymentTerms(days=m.days, end_of_month=m.end_of_month)),
                       'active': YES_NO[m.active]},
            self.method_dialog)
        _fill(self.units, 'units', await Unit.all(), [('name', 'Nom'), ('code', 'Code'), ('active', 'Active')],
              lambda u: {'name': u.name, 'code': u.code, 'active': YES_NO[u.active]}, self.unit_dialog)
        _fill(self.rates, 'rates', await VatRate.all(), [
            ('label', 'Libellé'), ('rate', 'Taux'), ('category', 'Catégorie'), ('exemption_reason', 'Mention'),
            ('is_default', 'Par défaut'), ('active', 'Actif')],
            lambda r: {'label': r.label, 'rate': f'{format_decimal_fr(r.rate)} %',
                       'category': VAT_CATEGORIES.get(r.category, r.category), 'exemption_reason': r.exemption_reason,
                       'is_default': YES_NO[r.is_default], 'active': YES_NO[r.active]},
            self.rate_dialog)

    def dialog(self, title: str, on_save: Callable[[dict], Awaitable[None]]) -> FormDialog:
        async def save(values: dict) -> None:
            await on_save(values)
            ui.notify('Enregistré.', type='positive')
            await self.refresh()

        return FormDialog(title, on_save=save, guard=self.ctx.handler, action='save-row')

    def method_dialog(self, method: PaymentMethod | None) -> None:
        async def save(values: dict) -> None:
            days = _int(values['days'], 'Le délai')
            await settings.save_payment_method(
                self.ctx.actor, method_id=method.id if method else None, name=values['name'], kind=values['kind'],
                days=days, end_of_month=values['end_of_month'], is_default=values['is_default'],
                active=values['active'])
            warning = legal_warning(PaymentTerms(days=days, end_of_month=values['end_of_month']))
            if warning:
                ui.notify(warning, type='warning', multi_line=True)

        dialog = self.dialog('Mode de règlement', save)
        form = dialog.form
        with dialog.fields:
            form.input('name', 'Nom', method.name if method else '', wide=True)
            form.select('kind', 'Type', PAYMENT_KINDS, method.kind if method else 'transfer')
            form.input('days', 'Délai (jours)', str(method.days if method else 30))
            form.checkbox('end_of_month', 'Fin de mois', method.end_of_month if method else False)
            form.checkbox('is_default', 'Mode par défaut', method.is_default if method else False)
            form.checkbox('active', 'Actif', method.active if method else True)
        dialog.open()

    def unit_dialog(self, unit: Unit | None) -> None:
        async def save(values: dict) -> None:
            await settings.save_unit(self.ctx.actor, unit_id=unit.id if unit else None, name=values['name'],
                                     code=values['code'], active=values['active'])

        dialog = self.dialog('Unité', save)
        with dialog.fields:
            dialog.form.input('name', 'Nom', unit.name if unit else '')
            dialog.form.input('code', 'Code UN/ECE', unit.code if unit else 'C62', maxlength=3)
            dialog.form.checkbox('active', 'Active', unit.active if unit else True)
        dialog.open()

    def rate_dialog(self, rate: VatRate | None) -> None:
        async def save(values: dict) -> None:
            await settings.save_vat_rate(self.ctx.actor, rate_id=rate.id if rate else None, **values)

        dialog = self.dialog('Taux de TVA', save)
        form = dialog.form
        with dialog.fields:
            form.input('label', 'Libellé', rate.label if rate else '', wide=True)
            form.input('rate', 'Taux (%)', format_decimal_fr(rate.rate) if rate else '')
            form.select('category', 'Catégorie', VAT_CATEGORIES, rate.category if rate else 'S')
            form.input('exemption_reason', 'Mention d’exonération imprimée', rate.exemption_reason if rate else '',
                       wide=True)
            form.input('exemption_code', 'Code VATEX (facture électronique)', rate.exemption_code if rate else '')
            form.checkbox('is_default', 'Taux par défaut', rate.is_default if rate else False)
            form.checkbox('active', 'Actif', rate.active if rate else True)
        dialog.open()


def _fill(container: ui.element, name: str, rows: list, columns: list[tuple[str, str]], to_row: Callable,
          open_dialog: Callable) -> None:
    """One table of a list; a click on a row opens its dialog, "Ajouter" an empty one."""
    by_id = {row.id: row for row in rows}
    container.clear()
    with container:
        table = ui.table(columns=[{'name': key, 'label': label, 'field': key, 'align': 'left'}
                                  for key, label in columns],
                         rows=[{'id': row.id, **to_row(row)} for row in rows], row_key='id') \
            .props(f'flat dense wrap-cells data-table={name}').classes('app-table')
        table.on('row-click', lambda e: open_dialog(by_id[e.args[1]['id']]))
        ui.button('Ajouter', icon='add', on_click=lambda: open_dialog(None)).props(f'flat data-action=add-{name}') \
            .mark(f'add-{name}')


def _int(text: str, what: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise DomainError(f'{what} doit être un nombre entier de jours.') from None
