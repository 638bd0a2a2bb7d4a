"""Print templates (DOC3): create, change, delete with the audit entry, and which template a document uses.

Choice order: the document's own template, else the client's default for that kind of document, else the default
template of the document type, else any active template for the type, else the first one. A template is only
default for a type it is assigned to, and each type has at most one default.
"""
import asyncio
import secrets
from pathlib import Path


from db.actor import Actor, require_admin
from db.audit import changes, record
from db.company import Company
from db.output import LOGO_CHOICES, TEMPLATE_DOC_TYPES, PrintTemplate
from db.unit_of_work import transaction
from logic import doctypes
from logic.errors import DomainError
from logic.images import check_logo
from logic.render.style import FONTS, LAYOUTS, StyleError, TemplateStyle

FIELDS = ('name', 'doc_types', 'default_for', 'layout', 'primary_color', 'accent_color', 'font', 'logo_choice',
          'header_text', 'footer_text', 'show_reference', 'show_unit', 'show_discount', 'show_bank', 'active')
TEXT_LIMIT = 2000


async def list_templates() -> list[PrintTemplate]:
    return await PrintTemplate.all()


async def ensure_default(actor: Actor) -> None:
    """One template, default for every type, when there is none, so that documents can always be printed.

    Every database gets it from the migration output/0002 without an audit entry; this is for a caller that
    needs it anyway (no page calls it: viewing a page must never write)."""
    async with transaction():
        if await PrintTemplate.exists():
            return
        types = list(TEMPLATE_DOC_TYPES)
        template = await PrintTemplate.create(name='Classique', doc_types=types, default_for=types)
        await record('template.create', actor, target=f'print_template:{template.id}', details={'name': 'Classique'})


async def save_template(actor: Actor, template_id: int | None, values: dict, *,
                        version: int | None = None) -> PrintTemplate:
    require_admin(actor)
    cleaned = clean_template(values)
    async with transaction():
        if await PrintTemplate.filter(name=cleaned['name']).exclude(id=template_id or 0).exists():
            raise DomainError('Un modèle porte déjà ce nom.')
        for doc_type in cleaned['default_for']:
            # Each type has one default: taking it removes it from the template that had it.
            for other in await PrintTemplate.filter(id__not=template_id or 0).select_for_update():
                if doc_type in other.default_for:
                    other.default_for = [t for t in other.default_for if t != doc_type]
                    await other.save(update_fields=['default_for'])
        if template_id is None:
            template = await PrintTemplate.create(**cleaned)
            await record('template.create', actor, target=f'print_template:{template.id}',
                         details={'created': {k: str(v) for k, v in cleaned.items()}})
            return template
        template = await PrintTemplate.get(id=template_id).select_for_update()
        if version is not None and template.version != version:
            raise DomainError('Ce modèle a été modifié par quelqu’un d’autre : rechargez la page.')
        diff = changes({key: getattr(template, key) for key in cleaned}, cleaned)
        if diff:
            template.update_from_dict(cleaned)
            template.version += 1
            await template.save()
            await record('template.update', actor, target=f'print_template:{template.id}', details=diff)
    return template


async def delete_template(actor: Actor, template_id: int) -> None:
    require_admin(actor)
    async with transaction():
        template = await PrintTemplate.get(id=template_id).select_for_update()
        if await PrintTemplate.all().count() == 1:
            raise DomainError('Gardez au moins un modèle d’édition.')
        if template.default_for:
            raise DomainError('Ce modèle est le modèle par défaut d’un type de document : choisissez-en un autre '
                              'par défaut avant de le supprimer.')
        await template.delete()
        await record('template.delete', actor, target=f'print_template:{template_id}', details={'name': template.name})


async def save_template_logo(actor: Actor, template_id: int, data: bytes, uploads_dir: Path) -> str:
    require_admin(actor)
    extension = check_logo(data)
    name = f'template-logo-{secrets.token_hex(8)}.{extension}'
    await asyncio.to_thread((uploads_dir / name).write_bytes, data)
    async with transaction():
        template = await PrintTemplate.get(id=template_id).select_for_update()
        old = template.logo_file
        template.logo_file, template.logo_choice = name, 'own'
        template.version += 1
        await template.save(update_fields=['logo_file', 'logo_choice', 'version'])
        await record('template.logo', actor, target=f'print_template:{template_id}', details={'logo_file': [old, name]})
    if old and old != name:
        (uploads_dir / old).unlink(missing_ok=True)
    return name


async def choose_template(document_template_id: int | None, client_template_id: int | None,
                          doc_type: str) -> PrintTemplate | None:
    for template_id in (document_template_id, client_template_id):
        if template_id:
            template = await PrintTemplate.get_or_none(id=template_id, active=True)
            if template is not None:
                return template
    active = await PrintTemplate.filter(active=True)
    for matches in (lambda t: doc_type in t.default_for, lambda t: doc_type in t.doc_types, lambda t: True):
        found = next((template for template in active if matches(template)), None)
        if found is not None:
            return found
    return None


def client_template_id(contact, doc_type: str) -> int | None:
    """The client's own template for this kind of document (the contact field the registry names), if any."""
    if contact is None:
        return None
    return getattr(contact, doctypes.doc_type(doc_type).template_field, None)


def style_of(template: PrintTemplate | None, company: Company | None) -> TemplateStyle:
    """The plain style the renderer needs; the built-in default when there is no template yet."""
    if template is None:
        return TemplateStyle(logo=company.logo_file if company else '')
    logo = {'company': company.logo_file if company else '', 'own': template.logo_file, 'none': ''}
    return TemplateStyle(layout=template.layout, primary_color=template.primary_color,
                         accent_color=template.accent_color, font=template.font,
                         logo=logo.get(template.logo_choice, ''), header_text=template.header_text,
                         footer_text=template.footer_text, show_reference=template.show_reference,
                         show_unit=template.show_unit, show_discount=template.show_discount,
                         show_bank=template.show_bank)


def clean_template(values: dict) -> dict:
    """Checked values, or a DomainError in French."""
    name = ' '.join(str(values.get('name') or '').split())
    if not name:
        raise DomainError('Le nom du modèle est obligatoire.')
    if len(name) > 80:
        raise DomainError('Le nom du modèle ne peut pas dépasser 80 caractères.')
    doc_types = [t for t in TEMPLATE_DOC_TYPES if t in (values.get('doc_types') or [])]
    default_for = [t for t in TEMPLATE_DOC_TYPES if t in (values.get('default_for') or [])]
    if not set(default_for) <= set(doc_types):
        raise DomainError('Un modèle ne peut être le modèle par défaut que des types de documents qui lui sont '
                          'attribués.')
    cleaned = {'name': name, 'doc_types': doc_types, 'default_for': default_for,
               'layout': values.get('layout', 'classique'), 'font': values.get('font', 'dejavu-serif'),
               'primary_color': str(values.get('primary_color') or '').strip().lower(),
               'accent_color': str(values.get('accent_color') or '').strip().lower(),
               'logo_choice': values.get('logo_choice', 'company')}
    if cleaned['layout'] not in LAYOUTS or cleaned['font'] not in FONTS or cleaned['logo_choice'] not in LOGO_CHOICES:
        raise DomainError('Mise en page, police ou logo inconnu.')
    try:
        TemplateStyle(layout=cleaned['layout'], font=cleaned['font'], primary_color=cleaned['primary_color'],
                      accent_color=cleaned['accent_color'])
    except StyleError as exc:
        raise DomainError(str(exc)) from None
    for key in ('header_text', 'footer_text'):
        text = str(values.get(key) or '').strip()
        if len(text) > TEXT_LIMIT:
            raise DomainError(f'Le texte d’en-tête ou de pied de page dépasse {TEXT_LIMIT} caractères.')
        cleaned[key] = text
    for key in ('show_reference', 'show_unit', 'show_discount', 'show_bank', 'active'):
        cleaned[key] = bool(values.get(key, True))
    return cleaned
