"""Paramètres > Modèles d'édition (DOC3): the print templates, their assignment to document types, a live preview.

The preview renders sample data with the form's current values (saved or not) in the worker process, keeps the PDF
a few minutes under a random key for the signed-in user, and shows it in an <iframe> served by /_apercu/{key}.
"""
import secrets
import time

from fastapi import Request
from fastapi.responses import Response
from nicegui import app, events, run, ui

from components.form import Form, section
from components.frame import frame
from db import settings, templates_ops
from db.output import LOGO_CHOICES, TEMPLATE_DOC_TYPES, PrintTemplate
from logic import doctypes
from logic.errors import DomainError
from logic.images import MAX_LOGO_BYTES
from logic.render.pdf import make_job, render_pdf
from logic.render.sample import preview_snapshot
from logic.render.style import COLUMNS, FONT_LABELS, LAYOUTS, StyleError, TemplateStyle
from logic.snapshot import Party
from pages import runtime
from pages.security import PageContext, request_user, secured_page

PREVIEW_TYPES = {'invoice': 'Facture', 'quote': 'Devis', 'credit_note': 'Avoir'}
PREVIEW_SECONDS = 600
PREVIEW_LIMIT = 50
_previews: dict[str, tuple[float, int, bytes]] = {}  # key -> (expiry, user id, PDF)


@secured_page('/parametres/modeles', admin=True, title='Modèles d’édition')
async def templates_page(ctx: PageContext):
    # Viewing writes nothing: the default template is seeded with the database (migration output/0002).
    state: dict = {'template': None}
    with frame(ctx, 'Modèles d’édition'):
        with section('Modèles', 'Chaque modèle est attribué à des types de documents ; le modèle par défaut '
                                'd’un type sert quand ni le document ni le client n’en précisent un.'):
            listing = ui.column().classes('w-full')
        editor = ui.column().classes('w-full')

    async def refresh() -> None:
        templates = await templates_ops.list_templates()
        listing.clear()
        with listing:
            rows = [{'id': t.id, 'name': t.name, 'layout': LAYOUTS.get(t.layout, t.layout),
                     'font': FONT_LABELS.get(t.font, t.font),
                     'types': ', '.join(TEMPLATE_DOC_TYPES[d] for d in t.doc_types if d in TEMPLATE_DOC_TYPES),
                     'default': ', '.join(TEMPLATE_DOC_TYPES[d] for d in t.default_for if d in TEMPLATE_DOC_TYPES),
                     'active': 'Oui' if t.active else 'Non'} for t in templates]
            columns = [('name', 'Nom'), ('layout', 'Mise en page'), ('font', 'Police'), ('types', 'Documents'),
                       ('default', 'Par défaut pour'), ('active', 'Actif')]
            table = ui.table(columns=[{'name': k, 'label': label, 'field': k, 'align': 'left'} for k, label in columns],
                             rows=rows, row_key='id').props('flat dense wrap-cells data-table=templates') \
                .classes('app-table')
            by_id = {t.id: t for t in templates}
            table.on('row-click', ctx.handler(lambda e: edit(by_id[e.args[1]['id']]), admin=True))
            ui.button('Ajouter un modèle', icon='add', on_click=ctx.handler(lambda: edit(None), admin=True)) \
                .props('flat data-action=add-template').mark('add-template')

    def edit(template: PrintTemplate | None) -> None:
        state['template'] = template
        editor.clear()
        with editor:
            _editor(ctx, template, state, refresh, editor)

    await refresh()


def _editor(ctx: PageContext, template: PrintTemplate | None, state: dict, refresh, container) -> None:
    # A new template is offered for the types of the "Factures" list (the registry's), the usual assignment.
    t = template or PrintTemplate(name='', doc_types=list(doctypes.keys(family='invoice')), default_for=[])
    form = Form()
    with ui.row().classes('w-full items-start gap-4 no-wrap-md'):
        with section(f'Modèle « {t.name} »' if template else 'Nouveau modèle').classes('flex-1 min-w-[320px]'):
            _fields(form, t)
            if template is not None:
                uploader = ui.upload(label='Logo propre au modèle (PNG ou JPEG, 2 Mo)', auto_upload=True,
                                     max_file_size=MAX_LOGO_BYTES).props('accept=".png,.jpg,.jpeg" flat bordered')

                async def upload(event: events.UploadEventArguments) -> None:
                    await templates_ops.save_template_logo(ctx.actor, template.id, await event.file.read(),
                                                           runtime.config().uploads_dir)
                    form.fields['logo_choice'].value = 'own'
                    ui.notify('Logo du modèle enregistré.', type='positive')
                    uploader.reset()

                uploader.on_upload(ctx.handler(upload, admin=True))
            with ui.row().classes('app-actions'):
                preview_type = ui.select(PREVIEW_TYPES, value='invoice', label='Exemple').props('dense outlined') \
                    .mark('preview_type')
                ui.button('Aperçu', icon='visibility', on_click=ctx.handler(lambda: show_preview(), admin=True)) \
                    .props('flat data-action=preview').mark('preview')
                if template is not None:
                    ui.button('Supprimer', icon='delete', on_click=ctx.handler(lambda: delete(), admin=True)) \
                        .props('flat color=negative data-action=delete').mark('delete')
                ui.button('Enregistrer', on_click=ctx.handler(lambda: save(), admin=True)) \
                    .props('unelevated data-action=save').mark('save')
        with section('Aperçu', 'Données d’exemple, avec les réglages du formulaire.') \
                .classes('flex-1 min-w-[320px]'):
            frame_element = ui.element('iframe').classes('w-full border rounded app-preview-frame') \
                .props('title="Aperçu du modèle" data-preview=1').mark('preview-frame')
            frame_element.set_visibility(False)

    async def save() -> None:
        version = template.version if template else None
        saved = await templates_ops.save_template(ctx.actor, template.id if template else None, form.values(),
                                                  version=version)
        ui.notify('Modèle enregistré.', type='positive')
        state['template'] = saved
        await refresh()
        container.clear()

    async def delete() -> None:
        await templates_ops.delete_template(ctx.actor, template.id)
        ui.notify('Modèle supprimé.', type='positive')
        container.clear()
        await refresh()

    async def show_preview() -> None:
        values = templates_ops.clean_template({**form.values(), 'name': form.values()['name'] or 'Aperçu'})
        company = await settings.get_company()
        draft = PrintTemplate(**values, logo_file=template.logo_file if template else '')
        try:
            style = templates_ops.style_of(draft, company)
        except StyleError as exc:
            raise DomainError(str(exc)) from None
        key = await render_preview(ctx.user.id, style, company_party(company), preview_type.value)
        frame_element.props(f'src="/_apercu/{key}"')
        frame_element.set_visibility(True)


def _fields(form: Form, t: PrintTemplate) -> None:
    with ui.element('div').classes('app-form-grid'):
        form.input('name', 'Nom du modèle *', t.name, maxlength=80)
        form.select('layout', 'Mise en page', LAYOUTS, t.layout)
        form.select('font', 'Police', FONT_LABELS, t.font)
        form.select('logo_choice', 'Logo', LOGO_CHOICES, t.logo_choice)
        form.fields['primary_color'] = ui.color_input('Couleur principale', value=t.primary_color) \
            .props('outlined dense data-field=primary_color').mark('primary_color')
        form.fields['accent_color'] = ui.color_input('Couleur d’accent', value=t.accent_color) \
            .props('outlined dense data-field=accent_color').mark('accent_color')
        form.fields['doc_types'] = ui.select(TEMPLATE_DOC_TYPES, multiple=True, label='Types de documents',
                                             value=list(t.doc_types)) \
            .props('outlined dense use-chips data-field=doc_types').classes('w-full app-wide').mark('doc_types')
        form.fields['default_for'] = ui.select(TEMPLATE_DOC_TYPES, multiple=True, label='Modèle par défaut pour',
                                               value=list(t.default_for)) \
            .props('outlined dense use-chips data-field=default_for').classes('w-full app-wide').mark('default_for')
    form.textarea('header_text', 'Texte d’en-tête', t.header_text)
    form.textarea('footer_text', 'Texte de pied de page', t.footer_text)
    with ui.row().classes('gap-4'):
        for key, label in COLUMNS.items():
            form.checkbox(key, f'Colonne « {label} »', getattr(t, key))
        form.checkbox('show_bank', 'Coordonnées bancaires', t.show_bank)
        form.checkbox('active', 'Actif', t.active)


async def render_preview(user_id: int, style: TemplateStyle, seller: Party, doc_type: str) -> str:
    """Render the sample in the worker; returns the key of /_apercu/{key}."""
    snapshot = preview_snapshot(seller, doc_type if doc_type in PREVIEW_TYPES else 'invoice')
    job = make_job(snapshot, style, uploads_dir=runtime.config().uploads_dir)
    pdf = await run.cpu_bound(render_pdf, job)
    now = time.monotonic()
    for stale in [k for k, (expiry, _user, _pdf) in _previews.items() if expiry < now]:
        _previews.pop(stale, None)
    while len(_previews) >= PREVIEW_LIMIT:  # oldest first: dicts keep insertion order
        _previews.pop(next(iter(_previews)))
    key = secrets.token_urlsafe(16)
    _previews[key] = (now + PREVIEW_SECONDS, user_id, pdf)
    return key


def company_party(company) -> Party:
    if company is None:
        return Party(name='Votre société')
    return Party(name=company.name, legal_form=company.legal_form, capital=company.capital, address=company.address,
                 address2=company.address2, postcode=company.postcode, city=company.city, country=company.country,
                 siren=company.siren, siret=company.siret, vat_number=company.vat_number, rcs=company.rcs,
                 ape_code=company.ape_code, email=company.email, phone=company.phone,
                 electronic_address=company.electronic_address, bank_name=company.bank_name, iban=company.iban,
                 bic=company.bic)


@app.get('/_apercu/{key}')
async def preview_pdf(request: Request, key: str) -> Response:
    """Only the user who asked for a preview can read it, for a few minutes."""
    user = await request_user(request)
    entry = _previews.get(key)
    if user is None or entry is None or entry[1] != user.id or entry[0] < time.monotonic():
        return Response(status_code=404)
    return Response(entry[2], media_type='application/pdf',
                    headers={'Content-Disposition': 'inline; filename="apercu.pdf"', 'Cache-Control': 'no-store',
                             'X-Content-Type-Options': 'nosniff'})
