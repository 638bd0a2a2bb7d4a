"""Print templates: CRUD with audit, one default per document type, and which template a document prints with."""
import pytest

from db import templates_ops
from db.actor import PermissionRefused
from db.audit import AuditEntry
from db.company import Company
from db.output import PrintTemplate
from logic.errors import DomainError
from tests.personas import add_clerk, set_up_company

PNG_1PX = bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
                        '1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082')


def values(**changes) -> dict:
    base = {'name': 'Moderne bleu', 'doc_types': ['invoice', 'credit_note'], 'default_for': [],
            'layout': 'moderne', 'primary_color': '#0B5394', 'accent_color': '#e69138', 'font': 'open-sans',
            'logo_choice': 'company', 'header_text': 'Merci de votre confiance', 'footer_text': '',
            'show_reference': True, 'show_unit': False, 'show_discount': True, 'show_bank': True, 'active': True}
    return {**base, **changes}


async def test_a_fresh_instance_gets_one_default_template_for_every_type(db):
    admin = await set_up_company()
    await templates_ops.ensure_default(admin)
    await templates_ops.ensure_default(admin)
    templates = await PrintTemplate.all()
    assert len(templates) == 1 and 'invoice' in templates[0].default_for and 'quote' in templates[0].default_for


async def test_templates_are_created_and_changed_with_an_audit_entry(db):
    admin = await set_up_company()
    template = await templates_ops.save_template(admin, None, values())
    assert template.primary_color == '#0b5394'
    changed = await templates_ops.save_template(admin, template.id, values(name='Moderne'), version=template.version)
    assert changed.name == 'Moderne' and changed.version == 2
    actions = await AuditEntry.filter(target=f'print_template:{template.id}').values_list('action', flat=True)
    assert sorted(actions) == ['template.create', 'template.update']


async def test_a_stale_template_form_is_refused(db):
    admin = await set_up_company()
    template = await templates_ops.save_template(admin, None, values())
    await templates_ops.save_template(admin, template.id, values(name='A'), version=1)
    with pytest.raises(DomainError, match='modifié par quelqu’un d’autre'):
        await templates_ops.save_template(admin, template.id, values(name='B'), version=1)


@pytest.mark.parametrize('bad', [{'primary_color': 'red;}'}, {'font': 'Comic'}, {'name': ' '},
                                 {'default_for': ['quote']}, {'layout': 'x'}])
async def test_bad_template_values_are_refused_in_french(db, bad):
    admin = await set_up_company()
    with pytest.raises(DomainError):
        await templates_ops.save_template(admin, None, values(**bad))


async def test_only_admins_change_templates(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    with pytest.raises(PermissionRefused):
        await templates_ops.save_template(clerk, None, values())


async def test_each_document_type_has_one_default_template(db):
    admin = await set_up_company()
    await templates_ops.ensure_default(admin)
    second = await templates_ops.save_template(admin, None, values(default_for=['invoice']))
    first = await PrintTemplate.get(name='Classique')
    assert 'invoice' not in first.default_for and 'quote' in first.default_for
    assert (await templates_ops.choose_template(None, None, 'invoice')).id == second.id
    assert (await templates_ops.choose_template(None, None, 'quote')).id == first.id


async def test_the_document_choice_wins_then_the_client_then_the_type_default(db):
    admin = await set_up_company()
    await templates_ops.ensure_default(admin)
    default = await PrintTemplate.get(name='Classique')
    client_choice = await templates_ops.save_template(admin, None, values(name='Client'))
    document_choice = await templates_ops.save_template(admin, None, values(name='Document'))
    choose = templates_ops.choose_template
    assert (await choose(document_choice.id, client_choice.id, 'invoice')).id == document_choice.id
    assert (await choose(None, client_choice.id, 'invoice')).id == client_choice.id
    assert (await choose(None, None, 'invoice')).id == default.id
    await templates_ops.save_template(admin, document_choice.id, values(name='Document', active=False))
    assert (await choose(document_choice.id, None, 'invoice')).id == default.id
    assert (await choose(999, 998, 'dunning')).id == default.id


async def test_the_style_takes_the_company_logo_or_the_template_own(db, tmp_path):
    admin = await set_up_company()
    template = await templates_ops.save_template(admin, None, values())
    await Company.filter(id=1).update(logo_file='logo-company.png')
    company = await Company.get(id=1)
    assert templates_ops.style_of(template, company).logo == 'logo-company.png'
    name = await templates_ops.save_template_logo(admin, template.id, PNG_1PX, tmp_path)
    template = await PrintTemplate.get(id=template.id)
    style = templates_ops.style_of(template, company)
    assert style.logo == name and (tmp_path / name).read_bytes() == PNG_1PX
    assert style.layout == 'moderne' and style.show_unit is False and style.header_text == 'Merci de votre confiance'
    assert templates_ops.style_of(None, company).layout == 'classique'


async def test_the_last_template_and_a_default_one_cannot_be_deleted(db):
    admin = await set_up_company()
    await templates_ops.ensure_default(admin)
    only = await PrintTemplate.get(name='Classique')
    with pytest.raises(DomainError):
        await templates_ops.delete_template(admin, only.id)
    other = await templates_ops.save_template(admin, None, values())
    await templates_ops.delete_template(admin, other.id)
    assert not await PrintTemplate.filter(id=other.id).exists()
    assert await AuditEntry.filter(action='template.delete').exists()
