"""Paramètres > Société (SE1): the seller's identity printed on every document. Administrators only."""
from nicegui import events, ui

from components.form import Form, section
from components.frame import frame
from db import settings
from db.company import ACTIVITY_TYPES, LEGAL_KINDS, TRADE_REGISTERS, VAT_REGIMES
from logic.identifiers import format_iban
from logic.images import MAX_LOGO_BYTES
from pages import runtime
from pages.security import PageContext, secured_page

IDENTITY = [('name', 'Raison sociale *', True), ('legal_form', 'Forme juridique', False),
            ('capital', 'Capital social (ex. 10 000 €)', False),
            ('rcs', 'Immatriculation (ex. RCS Lyon 732 829 320)', False),
            ('siren', 'SIREN *', False), ('siret', 'SIRET du siège', False),
            ('vat_number', 'N° de TVA intracommunautaire', False), ('ape_code', 'Code APE / NAF', False)]
ADDRESS = [('address', 'Adresse *', True), ('address2', 'Complément d’adresse', True), ('postcode', 'Code postal *', False),
           ('city', 'Ville *', False), ('email', 'E-mail', False), ('phone', 'Téléphone', False),
           ('website', 'Site web', False),
           ('electronic_address', 'Adresse de facturation électronique', False)]
BANK = [('bank_name', 'Banque', False), ('iban', 'IBAN', True), ('bic', 'BIC', False),
        ('ics', 'Identifiant créancier SEPA (ICS)', False)]
MENTIONS = [('penalty_text', 'Pénalités de retard'), ('indemnity_text', 'Indemnité forfaitaire de recouvrement'),
            ('discount_text', 'Escompte')]


@secured_page('/parametres/societe', admin=True, title='Société')
async def company_page(ctx: PageContext):
    company = await settings.get_company()
    form = Form()
    state = {'version': company.version}
    with frame(ctx, 'Société'):
        with section('Identité', 'Un entrepreneur individuel voit « EI » imprimé après son nom et n’a pas de capital ; '
                     'une société imprime sa forme juridique et son capital.'):
            with ui.element('div').classes('app-form-grid'):
                form.select('legal_kind', 'Statut', LEGAL_KINDS, company.legal_kind)
                form.select('trade_register', 'Registre d’immatriculation', TRADE_REGISTERS, company.trade_register)
            _grid(form, company, IDENTITY)
        with section('Coordonnées'):
            _grid(form, company, ADDRESS)
        with section('TVA'):
            with ui.element('div').classes('app-form-grid'):
                form.select('vat_regime', 'Régime de TVA', VAT_REGIMES, company.vat_regime)
                form.select('activity_type', 'Nature des opérations', ACTIVITY_TYPES, company.activity_type)
                form.checkbox('vat_on_debits', 'Option pour le paiement de la taxe d’après les débits',
                              company.vat_on_debits)
        with section('Banque', 'Imprimées sur les factures ; l’ICS sert aux prélèvements SEPA.'):
            with ui.element('div').classes('app-form-grid'):
                for key, label, wide in BANK:
                    value = format_iban(company.iban) if key == 'iban' and company.iban else getattr(company, key)
                    form.input(key, label, value, wide=wide)
        with section('Mentions légales des factures aux professionnels',
                     'Textes imprimés sur les factures et repris dans les factures électroniques (notes PMD, PMT, AAB).'):
            for key, label in MENTIONS:
                form.textarea(key, label, getattr(company, key))
        with section('Logo', 'PNG ou JPEG, 2 Mo au plus.'):
            logo = ui.image('/_files/logo' if company.logo_file else '').classes('w-48 border rounded')
            logo.set_visibility(bool(company.logo_file))

            async def upload(event: events.UploadEventArguments) -> None:
                data = await event.file.read()
                name = await settings.save_logo(ctx.actor, data, runtime.config().uploads_dir)
                logo.set_source(f'/_files/logo?v={name}')
                logo.set_visibility(True)
                state['version'] += 1
                ui.notify('Logo enregistré.', type='positive')
                uploader.reset()

            uploader = ui.upload(on_upload=ctx.handler(upload, admin=True), auto_upload=True,
                                 max_file_size=MAX_LOGO_BYTES, label='Choisir un logo') \
                .props('accept=".png,.jpg,.jpeg,image/png,image/jpeg" flat bordered data-field=logo')
            uploader.on_rejected(lambda: ui.notify('Le logo dépasse 2 Mo.', type='negative'))

        async def save() -> None:
            try:
                saved = await settings.save_company(ctx.actor, form.values(), version=state['version'])
            except settings.CompanyInvalid as exc:
                form.show_errors(exc.errors)
                raise
            form.show_errors({})
            state['version'] = saved.version
            ui.notify('Fiche société enregistrée.', type='positive')

        with ui.row().classes('app-actions'):
            ui.button('Enregistrer', on_click=ctx.handler(save, admin=True)).props('unelevated data-action=save').mark('save')


def _grid(form: Form, company, fields) -> None:
    with ui.element('div').classes('app-form-grid'):
        for key, label, wide in fields:
            form.input(key, label, getattr(company, key), wide=wide)
