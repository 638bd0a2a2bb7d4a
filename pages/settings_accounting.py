"""Paramètres > Comptabilité (SE5): the accounts and journals of the accounting export (FEC). Administrators only.

Rules (which account may hold which role, journal codes) are in logic/accounting.py; db/accounting.py saves and audits.
"""
from nicegui import ui

from components.form import Form, section
from components.frame import frame
from db import accounting
from logic.accounting import JOURNALS, ROLES
from logic.contact import FieldsInvalid
from pages.security import PageContext, secured_page

ROLE = {role.key: role for role in ROLES}
SECTIONS = [
    ('Clients et acomptes', ('Le compte collectif des clients ; le compte auxiliaire de chaque client est celui de sa '
     'fiche contact (onglet Comptabilité), à défaut 411 suivi de son code.'), ('client_account', 'deposit_account')),
    ('Ventes', ('Les comptes utilisés pour un taux de TVA sans comptes propres (tableau ci-dessous) ; les frais de '
     'port vont sur leur compte s’il est renseigné, sinon avec les lignes.'),
     ('services_account', 'goods_account', 'shipping_account', 'vat_account')),
    ('Règlements', 'Un chèque reçu attend sur « Chèques à encaisser » jusqu’à sa remise en banque (bordereau).',
     ('transfer_account', 'direct_debit_account', 'card_account', 'cheque_account', 'bank_account', 'cash_account')),
    ('Créances irrécouvrables', '', ('write_off_account',)),
]
RATE_FIELDS = (('rate', 'Taux (%)'), ('services', 'Prestations de services'), ('goods', 'Ventes de marchandises'),
               ('vat', 'TVA collectée'))


@secured_page('/parametres/comptabilite', admin=True, title='Comptabilité')
async def accounting_settings_page(ctx: PageContext):
    settings = await accounting.get_settings()
    rows = [{'rate': _rate_text(row.rate), 'services': row.services_account, 'goods': row.goods_account,
             'vat': row.vat_account} for row in await accounting.rate_rows()]
    form = Form()
    rates = RateTable(rows)
    state = {'version': settings.version}
    with frame(ctx, 'Comptabilité'):
        for title, text, keys in SECTIONS:
            with section(title, text):
                with ui.element('div').classes('app-form-grid'):
                    for key in keys:
                        form.input(key, ROLE[key].label + ('' if ROLE[key].optional else ' *'),
                                   getattr(settings, key), maxlength=20)
                if 'write_off_account' in keys:
                    form.checkbox('write_off_vat', 'Récupérer la TVA de ce qui est perdu (CGI art. 272) : la perte '
                                  'va au compte HT, la TVA au compte de TVA collectée de son taux',
                                  settings.write_off_vat)
        with section('Ventes et TVA par taux', 'Un taux absent du tableau utilise les comptes de la section Ventes.'):
            rates.build()
        with section('Journaux', 'Codes des journaux du fichier des écritures (1 à 6 lettres ou chiffres).'), \
                ui.element('div').classes('app-form-grid'):
            for key, label, _ in JOURNALS:
                form.input(key, label, getattr(settings, key), maxlength=6)

        async def save() -> None:
            try:
                saved = await accounting.save_settings(ctx.actor, form.values(), rates.values(),
                                                       version=state['version'])
            except FieldsInvalid as exc:
                form.show_errors(exc.errors)
                rates.show_errors(exc.errors)
                raise
            form.show_errors({})
            rates.show_errors({})
            state['version'] = saved.version
            ui.notify('Comptes enregistrés.', type='positive')

        with ui.row().classes('app-actions'):
            ui.button('Enregistrer', on_click=ctx.handler(save, admin=True)) \
                .props('unelevated data-action=save').mark('save')


class RateTable:
    """The per-rate accounts: one row of inputs per VAT rate, rows added and removed in the page until saved."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows
        self.inputs: list[dict[str, ui.input]] = []
        self.container: ui.column | None = None

    def build(self) -> None:
        self.container = ui.column().classes('w-full gap-2').mark('rates')
        self.draw()
        ui.button('Ajouter un taux', icon='add', on_click=self.add).props('outline no-caps data-action=add-rate')

    def draw(self) -> None:
        self.container.clear()
        self.inputs = []
        with self.container:
            for index, row in enumerate(self.rows, start=1):
                with ui.element('div').classes('app-rate-row').props(f'data-rate-row={index}'):
                    fields = {}
                    for key, label in RATE_FIELDS:
                        fields[key] = ui.input(label, value=row.get(key, '')) \
                            .props(f'outlined dense hide-bottom-space maxlength=20 data-field={key}-{index}') \
                            .classes('w-full').mark(f'{key}-{index}')
                    ui.button(icon='delete', on_click=lambda i=index: self.remove(i)) \
                        .props(f'flat round dense aria-label="Retirer ce taux" data-action=remove-rate-{index}')
                self.inputs.append(fields)

    def values(self) -> list[dict[str, str]]:
        return [{key: field.value or '' for key, field in fields.items()} for fields in self.inputs]

    def add(self) -> None:
        self.rows = [*self.values(), {'rate': '', 'services': '706000', 'goods': '707000', 'vat': '445710'}]
        self.draw()

    def remove(self, index: int) -> None:
        self.rows = [row for position, row in enumerate(self.values(), start=1) if position != index]
        self.draw()

    def show_errors(self, errors: dict[str, str]) -> None:
        for index, fields in enumerate(self.inputs, start=1):
            for key, field in fields.items():
                message = errors.get(f'{key}-{index}')
                field.props['error'] = bool(message)
                field.props['error-message'] = message or ''
                field.update()


def _rate_text(rate) -> str:
    return f'{rate.normalize():f}'.replace('.', ',')
