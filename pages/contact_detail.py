"""A contact's page (CO2): general information, addresses, bank details, accounting, defaults and notes, in tabs."""
from nicegui import ui

from components.form import Form
from components.frame import frame
from db import contacts
from db.company import PaymentMethod, VatRate
from db.contact import Address, Contact
from db.output import PrintTemplate
from logic.contact import ADDRESS_KINDS, CLIENT_CATEGORIES, CONTACT_KINDS, PERSON_TYPES, FieldsInvalid
from logic.identifiers import format_iban
from pages.security import PageContext, secured_page

NONE = 0  # "no choice" in the selects of foreign keys
TABS = {'general': 'Général', 'addresses': 'Adresses', 'bank': 'Banque', 'accounting': 'Comptabilité',
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
          **{key: 'defaults' for key in FOREIGN_KEYS}}


@secured_page('/contacts/{contact_id}', title='Contact')
async def contact_page(ctx: PageContext, contact_id: int):
    contact = await Contact.get_or_none(id=contact_id)
    if contact is None:
        with frame(ctx, 'Contact introuvable'):
            ui.label('Ce contact n’existe pas ou a été supprimé.').mark('missing')
            ui.link('Revenir à la liste des contacts', '/contacts')
        return
    choices = await _choices(contact)
    form = Form()
    state = {'version': contact.version}
    with frame(ctx, contact.display_name):
        with ui.row().classes('w-full items-center gap-2'):
            ui.link('← Contacts', '/contacts').classes('app-muted')
            ui.label(contact.code).classes('app-badge bg-blue-1 text-primary').mark('code')
            ui.label(CONTACT_KINDS.get(contact.kind, contact.kind)).classes('app-badge bg-grey-3')
            if not contact.active:
                ui.label('Archivé').classes('app-badge bg-orange-2').mark('archived')
            ui.space()
            ui.button('Enregistrer', icon='save', on_click=ctx.handler(lambda: save())) \
                .props('unelevated no-caps data-action=save').mark('save')
            with ui.button(icon='more_vert').props('flat round aria-label="Autres actions" data-action=more') \
                    .mark('more'):
                with ui.menu():
                    ui.menu_item('Réactiver' if not contact.active else 'Archiver',
                                 on_click=ctx.handler(lambda: toggle_active())).mark('toggle-active')
                    ui.menu_item('Supprimer…', on_click=ctx.handler(lambda: confirm_delete())).mark('delete')
        with ui.card().classes('app-card q-pa-none'):
            with ui.tabs().props('align=left no-caps inline-label outside-arrows mobile-arrows') \
                    .classes('w-full text-primary') as tabs:
                for name, label in TABS.items():
                    ui.tab(name, label).props(f'data-tab={name}').mark(f'tab-{name}')
            ui.separator()
            with ui.tab_panels(tabs, value='general').classes('w-full').props('animated=false'):
                with ui.tab_panel('general'):
                    with ui.element('div').classes('app-form-grid'):
                        form.select('kind', 'Type', CONTACT_KINDS, contact.kind)
                        form.select('is_company', 'Société ou particulier', PERSON_TYPES, contact.is_company)
                        form.select('category', 'Catégorie (facture électronique)', CLIENT_CATEGORIES,
                                    contact.category)
                        for key, label, wide in GENERAL:
                            form.input(key, label, getattr(contact, key), wide=wide)
                    form.fields['siren'].props['hint'] = 'Obligatoire sur les factures aux entreprises françaises.'
                with ui.tab_panel('addresses'):
                    ui.label('Adresse principale (facturation)').classes('font-medium')
                    with ui.element('div').classes('app-form-grid'):
                        for key, label, wide in MAIN_ADDRESS:
                            form.input(key, label, getattr(contact, key), wide=wide)
                    with ui.row().classes('w-full items-center q-mt-md'):
                        ui.label('Autres adresses').classes('font-medium')
                        ui.space()
                        ui.button('Ajouter une adresse', icon='add_location_alt',
                                  on_click=ctx.handler(lambda: address_dialog(None))) \
                            .props('flat no-caps data-action=add-address').mark('add-address')
                    addresses = ui.column().classes('w-full gap-2')
                with ui.tab_panel('bank'):
                    with ui.element('div').classes('app-form-grid'):
                        for key, label, wide in BANK:
                            value = getattr(contact, key)
                            if key == 'iban':
                                value = format_iban(value) if value else ''
                            elif key == 'mandate_signed_on':
                                value = value.strftime('%d/%m/%Y') if value else ''
                            form.input(key, label, value, wide=wide)
                with ui.tab_panel('accounting'):
                    with ui.element('div').classes('app-form-grid'):
                        form.input('account', 'Compte client', contact.account,
                                   hint='Vide : 411 suivi du code du contact (401 pour un fournisseur).')
                with ui.tab_panel('defaults'):
                    ui.label('Proposés à la création des documents de ce contact.').classes('app-muted')
                    with ui.element('div').classes('app-form-grid'):
                        form.select('default_vat_rate_id', 'Taux de TVA', choices['vat'],
                                    contact.default_vat_rate_id or NONE)
                        form.select('default_payment_method_id', 'Mode de règlement', choices['payment'],
                                    contact.default_payment_method_id or NONE)
                        for key, (_, label) in TEMPLATES.items():
                            form.select(key, label, choices[key], getattr(contact, key) or NONE)
                with ui.tab_panel('notes'):
                    form.textarea('notes', 'Notes internes (non imprimées)', contact.notes)

    async def save() -> None:
        values = form.values()
        values.update({key: values[key] or None for key in FOREIGN_KEYS})
        try:
            saved = await contacts.update_contact(ctx.actor, contact.id, values, version=state['version'])
        except FieldsInvalid as exc:
            form.show_errors(exc.errors)
            tabs.set_value(next((TAB_OF[key] for key in exc.errors if key in TAB_OF), tabs.value))
            raise
        form.show_errors({})
        state['version'] = saved.version
        for key in ('siren', 'iban', 'account', 'bic', 'vat_number', 'country'):  # show what was stored
            form.fields[key].value = format_iban(saved.iban) if key == 'iban' and saved.iban else getattr(saved, key)
        ui.notify('Contact enregistré.', type='positive')

    async def toggle_active() -> None:
        await contacts.set_active(ctx.actor, contact.id, not contact.active)
        ui.navigate.reload()

    def confirm_delete() -> None:
        with ui.dialog() as dialog, ui.card().classes('app-card w-[480px] max-w-full'):
            ui.label(f'Supprimer {contact.display_name} ?').classes('app-subtitle')
            ui.label('Un contact nommé sur des documents n’est pas supprimé mais archivé.').classes('app-muted')

            async def delete() -> None:
                outcome = await contacts.delete_contact(ctx.actor, contact.id)
                dialog.close()
                if outcome == 'deleted':
                    ui.notify('Contact supprimé.', type='positive')
                    ui.navigate.to('/contacts')
                else:
                    ui.notify('Ce contact est nommé sur des documents : il a été archivé.', type='warning')
                    ui.navigate.reload()

            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Supprimer', on_click=ctx.handler(delete)).props('unelevated color=negative') \
                    .mark('confirm-delete')
        dialog.open()

    async def show_addresses() -> None:
        rows = await Address.filter(contact_id=contact.id).order_by('kind', 'id')
        addresses.clear()
        with addresses:
            if not rows:
                ui.label('Aucune autre adresse.').classes('app-muted').mark('no-address')
            for address in rows:
                with ui.row().classes('w-full items-center gap-3 py-2 border-b').props(f'data-address={address.id}'):
                    ui.label(ADDRESS_KINDS.get(address.kind, address.kind)).classes('app-badge bg-grey-3')
                    with ui.column().classes('gap-0 grow'):
                        if address.label:
                            ui.label(address.label).classes('font-medium')
                        ui.label(', '.join(part for part in (address.address, address.address2,
                                                             f'{address.postcode} {address.city}'.strip(),
                                                             address.country if address.country != 'FR' else '')
                                           if part)).mark('address-line')
                    ui.button(icon='edit', on_click=ctx.handler(lambda a=address: address_dialog(a))) \
                        .props('flat round dense aria-label=Modifier').mark('edit-address')
                    ui.button(icon='delete', on_click=ctx.handler(lambda a=address: remove_address(a))) \
                        .props('flat round dense aria-label=Supprimer').mark('delete-address')

    async def remove_address(address: Address) -> None:
        await contacts.delete_address(ctx.actor, contact.id, address.id)
        ui.notify('Adresse supprimée.', type='positive')
        await show_addresses()

    def address_dialog(address: Address | None) -> None:
        address_form = Form()
        with ui.dialog() as dialog, ui.card().classes('app-card w-[600px] max-w-full'):
            ui.label('Adresse').classes('app-subtitle')
            with ui.element('div').classes('app-form-grid'):
                address_form.select('kind', 'Type', ADDRESS_KINDS, address.kind if address else 'delivery')
                address_form.input('label', 'Libellé (ex. Chantier, Entrepôt)', address.label if address else '')
                for key, label, wide in MAIN_ADDRESS:
                    address_form.input(key, label, getattr(address, key) if address else ('FR' if key == 'country'
                                                                                           else ''), wide=wide)

            async def save_address() -> None:
                try:
                    await contacts.save_address(ctx.actor, contact.id, address.id if address else None,
                                                address_form.values())
                except FieldsInvalid as exc:
                    address_form.show_errors(exc.errors)
                    raise
                dialog.close()
                ui.notify('Adresse enregistrée.', type='positive')
                await show_addresses()

            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Enregistrer', on_click=ctx.handler(save_address)).props('unelevated') \
                    .mark('save-address')
        dialog.open()

    await show_addresses()


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
