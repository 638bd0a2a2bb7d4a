"""A contact's page (CO2): general information, addresses, bank details, accounting, defaults and notes, in tabs."""
from nicegui import ui

from components.address_list import AddressList, AddressRow
from components.dialog import ConfirmDialog, FormDialog
from components.form import Form
from components.frame import frame
from db import contacts
from db.company import PaymentMethod, VatRate
from db.contact import Address, Contact
from db.output import PrintTemplate
from logic.contact import ADDRESS_KINDS, CLIENT_CATEGORIES, CONTACT_KINDS, PERSON_TYPES, FieldsInvalid
from logic.dates import format_date
from logic.identifiers import format_iban
from pages.sepa_mandates import mandates_panel
from pages.dunning import exclusion_toggle
from pages.not_found import not_found, record_id
from pages.security import PageContext, secured_page

NONE = 0  # "no choice" in the selects of foreign keys
TABS = {'general': 'Général', 'addresses': 'Adresses', 'bank': 'Banque', 'mandates': 'Mandats SEPA',
        'accounting': 'Comptabilité',
        'defaults': 'Préférences', 'notes': 'Notes'}
GENERAL = [('name', 'Nom ou raison sociale *', True), ('first_name', 'Prénom (particulier)', False),
           ('legal_form', 'Forme juridique', False), ('siren', 'SIREN', False), ('siret', 'SIRET', False),
           ('vat_number', 'N° de TVA intracommunautaire', False),
           ('electronic_address', 'Adresse de facturation électronique', False), ('email', 'E-mail', False),
           ('phone', 'Téléphone', False), ('mobile', 'Mobile', False), ('website', 'Site web', False)]
MAIN_ADDRESS = [('address', 'Adresse', True), ('address2', 'Complément d’adresse', True),
                ('postcode', 'Code postal', False), ('city', 'Ville', False),
                ('country', 'Pays (code ISO, ex. FR)', False)]
BANK = [('iban', 'IBAN', True), ('bic', 'BIC', False), ('mandate_reference', 'Référence du mandat SEPA (RUM)', False),
        ('mandate_signed_on', 'Mandat signé le (JJ/MM/AAAA)', False)]
FOREIGN_KEYS = ('default_vat_rate_id', 'default_payment_method_id', 'quote_template_id', 'invoice_template_id',
                'dunning_template_id')
TEMPLATES = {'quote_template_id': ('quote', 'Modèle des devis'),
             'invoice_template_id': ('invoice', 'Modèle des factures'),
             'dunning_template_id': ('dunning', 'Modèle des lettres de relance')}
TAB_OF = {**{key: 'general' for key, _, _ in GENERAL}, 'kind': 'general', 'is_company': 'general',
          'category': 'general', **{key: 'addresses' for key, _, _ in MAIN_ADDRESS},
          **{key: 'bank' for key, _, _ in BANK}, 'account': 'accounting', 'notes': 'notes',
          **{key: 'defaults' for key in FOREIGN_KEYS}, 'payment_terms_derogation': 'defaults'}


@secured_page('/contacts/{contact_id}', title='Contact')
async def contact_page(ctx: PageContext, contact_id: str):
    # Read as text: an id no row can have ('abc', 99999999999999999999) is not found, not a validation error.
    number = record_id(contact_id)
    contact = await Contact.get_or_none(id=number) if number else None
    if contact is None:
        not_found(ctx, title='Contact introuvable', message='Ce contact n’existe pas ou a été supprimé.',
                  back='/contacts', back_label='Revenir à la liste des contacts')
        return
    screen = ContactScreen(ctx, contact, await _choices(contact))
    with frame(ctx, contact.display_name):
        screen.head()
        screen.tabs()
    await screen.show_addresses()
    await screen.mandates.load()
    await exclusion_toggle(ctx, contact.id, screen.dunning_box)


class ContactScreen:
    """One contact's form in one browser tab: its fields in tabs, its other addresses, and what the buttons do."""

    def __init__(self, ctx: PageContext, contact: Contact, choices: dict[str, dict]) -> None:
        self.ctx, self.contact, self.choices = ctx, contact, choices
        self.version = contact.version  # saved over this version only (a newer one is refused, never overwritten)
        self.form = Form()

    def head(self) -> None:
        ctx, contact = self.ctx, self.contact
        with ui.row().classes('w-full items-center gap-2'):
            ui.link('← Contacts', '/contacts').classes('app-muted')
            ui.label(contact.code).classes('app-badge bg-blue-1 text-primary').mark('code')
            ui.label(CONTACT_KINDS.get(contact.kind, contact.kind)).classes('app-badge bg-grey-3')
            if not contact.active:
                ui.label('Archivé').classes('app-badge bg-orange-2').mark('archived')
            ui.space()
            ui.button('Enregistrer', icon='save', on_click=ctx.handler(self.save)) \
                .props('unelevated no-caps data-action=save').mark('save')
            with ui.button(icon='more_vert').props('flat round aria-label="Autres actions" data-action=more') \
                    .mark('more'):
                with ui.menu():
                    ui.menu_item('Réactiver' if not contact.active else 'Archiver',
                                 on_click=ctx.handler(self.toggle_active)).mark('toggle-active')
                    ui.menu_item('Supprimer…', on_click=ctx.handler(self.confirm_delete)).mark('delete')

    def tabs(self) -> None:
        form, contact = self.form, self.contact
        with ui.card().classes('app-card q-pa-none'):
            with ui.tabs().props('align=left no-caps inline-label outside-arrows mobile-arrows') \
                    .classes('w-full text-primary') as self.tab_bar:
                for name, label in TABS.items():
                    ui.tab(name, label).props(f'data-tab={name}').mark(f'tab-{name}')
            ui.separator()
            with ui.tab_panels(self.tab_bar, value='general').classes('w-full').props('animated=false'):
                with ui.tab_panel('general'):
                    with ui.element('div').classes('app-form-grid'):
                        form.select('kind', 'Type', CONTACT_KINDS, contact.kind)
                        form.select('is_company', 'Société ou particulier', PERSON_TYPES, contact.is_company)
                        form.select('category', 'Catégorie (facture électronique)', CLIENT_CATEGORIES,
                                    contact.category)
                        self._inputs(GENERAL)
                    form.fields['siren'].props['hint'] = 'Obligatoire sur les factures aux entreprises françaises.'
                with ui.tab_panel('addresses'):
                    self._addresses_panel()
                with ui.tab_panel('bank'):
                    with ui.element('div').classes('app-form-grid'):
                        self._inputs(BANK)
                with ui.tab_panel('mandates'):
                    self.mandates = mandates_panel(self.ctx, contact)
                with ui.tab_panel('accounting'):
                    with ui.element('div').classes('app-form-grid'):
                        form.input('account', 'Compte client', contact.account,
                                   hint='Vide : 411 suivi du code du contact (401 pour un fournisseur).')
                with ui.tab_panel('defaults'):
                    self._defaults_panel()
                    self.dunning_box = ui.element('div').classes('w-full')
                with ui.tab_panel('notes'):
                    form.textarea('notes', 'Notes internes (non imprimées)', contact.notes)

    def _inputs(self, fields: list[tuple[str, str, bool]]) -> None:
        for key, label, wide in fields:
            value = getattr(self.contact, key)
            if key == 'iban':
                value = format_iban(value) if value else ''
            elif key == 'mandate_signed_on':
                value = format_date(value)
            self.form.input(key, label, value, wide=wide)

    def _addresses_panel(self) -> None:
        ui.label('Adresse principale (facturation)').classes('font-medium')
        with ui.element('div').classes('app-form-grid'):
            self._inputs(MAIN_ADDRESS)
        with ui.row().classes('w-full items-center q-mt-md'):
            ui.label('Autres adresses').classes('font-medium')
            ui.space()
            ui.button('Ajouter une adresse', icon='add_location_alt',
                      on_click=self.ctx.handler(lambda: self.address_dialog(None))) \
                .props('flat no-caps data-action=add-address').mark('add-address')
        self.addresses = AddressList(on_edit=self.ctx.handler(self.edit_address),
                                     on_delete=self.ctx.handler(self.remove_address))

    def _defaults_panel(self) -> None:
        form, contact, choices = self.form, self.contact, self.choices
        ui.label('Proposés à la création des documents de ce contact.').classes('app-muted')
        with ui.element('div').classes('app-form-grid'):
            form.select('default_vat_rate_id', 'Taux de TVA', choices['vat'], contact.default_vat_rate_id or NONE)
            form.select('default_payment_method_id', 'Mode de règlement', choices['payment'],
                        contact.default_payment_method_id or NONE)
            for key, (_, label) in TEMPLATES.items():
                form.select(key, label, choices[key], getattr(contact, key) or NONE)
            form.input('payment_terms_derogation', 'Dérogation négociée aux délais de paiement',
                       contact.payment_terms_derogation, wide=True, hint=(
                           'Référence de l’accord. Vide : une échéance au-delà de 60 jours (ou 45 jours fin de mois) '
                           'est refusée pour un professionnel (article L441-10 du Code de commerce).'))

    # --- what the buttons do -----------------------------------------------------------------------------------

    async def save(self) -> None:
        form = self.form
        values = form.values()
        values.update({key: values[key] or None for key in FOREIGN_KEYS})
        try:
            saved = await contacts.update_contact(self.ctx.actor, self.contact.id, values, version=self.version)
        except FieldsInvalid as exc:
            form.show_errors(exc.errors)
            self.tab_bar.set_value(next((TAB_OF[key] for key in exc.errors if key in TAB_OF), self.tab_bar.value))
            raise
        form.show_errors({})
        self.version = saved.version
        for key in ('siren', 'iban', 'account', 'bic', 'vat_number', 'country'):  # show what was stored
            form.fields[key].value = format_iban(saved.iban) if key == 'iban' and saved.iban else getattr(saved, key)
        ui.notify('Contact enregistré.', type='positive')

    async def toggle_active(self) -> None:
        await contacts.set_active(self.ctx.actor, self.contact.id, not self.contact.active)
        ui.navigate.reload()

    def confirm_delete(self) -> None:
        async def delete() -> None:
            outcome = await contacts.delete_contact(self.ctx.actor, self.contact.id)
            if outcome == 'deleted':
                ui.notify('Contact supprimé.', type='positive')
                ui.navigate.to('/contacts')
            else:
                ui.notify('Ce contact est nommé sur des documents : il a été archivé.', type='warning')
                ui.navigate.reload()

        ConfirmDialog(f'Supprimer {self.contact.display_name} ?', 'Un contact nommé sur des documents n’est pas '
                      'supprimé mais archivé.', confirm='Supprimer', action='confirm-delete', on_confirm=delete,
                      guard=self.ctx.handler).open()

    async def show_addresses(self) -> None:
        rows = await Address.filter(contact_id=self.contact.id).order_by('kind', 'id')
        self.addresses.show([AddressRow(id=address.id, kind=ADDRESS_KINDS.get(address.kind, address.kind),
                                        label=address.label, text=address_text(address)) for address in rows])

    async def edit_address(self, address_id: int) -> None:
        address = await Address.get_or_none(id=address_id, contact_id=self.contact.id)
        if address is None:  # removed meanwhile, from another tab
            await self.show_addresses()
            return
        self.address_dialog(address)

    async def remove_address(self, address_id: int) -> None:
        await contacts.delete_address(self.ctx.actor, self.contact.id, address_id)
        ui.notify('Adresse supprimée.', type='positive')
        await self.show_addresses()

    def address_dialog(self, address: Address | None) -> None:
        async def save(values: dict) -> None:
            await contacts.save_address(self.ctx.actor, self.contact.id, address.id if address else None, values)
            ui.notify('Adresse enregistrée.', type='positive')
            await self.show_addresses()

        dialog = FormDialog('Adresse', on_save=save, guard=self.ctx.handler, action='save-address', width=600)
        with dialog.fields:
            dialog.form.select('kind', 'Type', ADDRESS_KINDS, address.kind if address else 'delivery')
            dialog.form.input('label', 'Libellé (ex. Chantier, Entrepôt)', address.label if address else '')
            for key, label, wide in MAIN_ADDRESS:
                dialog.form.input(key, label, getattr(address, key) if address else ('FR' if key == 'country' else ''),
                                  wide=wide)
        dialog.open()


def address_text(address: Address) -> str:
    """'3 rue X, Bât. B, 69002 Lyon' (the country only when it is not France)."""
    return ', '.join(part for part in (address.address, address.address2, f'{address.postcode} {address.city}'.strip(),
                                       address.country if address.country != 'FR' else '') if part)


async def _choices(contact: Contact) -> dict[str, dict]:
    """Options of the selects: active rows, plus the one the contact already points to even if it was retired."""
    vat = {NONE: '— aucun —'}
    for rate in await VatRate.all():
        if rate.active or rate.id == contact.default_vat_rate_id:
            vat[rate.id] = rate.label
    payment = {NONE: '— aucun —'}
    for method in await PaymentMethod.all():
        if method.active or method.id == contact.default_payment_method_id:
            payment[method.id] = method.name
    result = {'vat': vat, 'payment': payment}
    templates = await PrintTemplate.all().order_by('name')
    for key, (doc_type, _) in TEMPLATES.items():
        result[key] = {NONE: 'Modèle par défaut', **{
            template.id: template.name for template in templates
            if (template.active and doc_type in (template.doc_types or [])) or template.id == getattr(contact, key)}}
    return result
