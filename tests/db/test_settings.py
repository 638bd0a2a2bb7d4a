from decimal import Decimal

import pytest
from tortoise import connections

from db import settings
from db.actor import PermissionRefused
from db.audit import AuditEntry, AuditRefused
from db.company import Company, Options, PaymentMethod, VatRate
from db.user import User
from logic.errors import DomainError
from tests.personas import COMPANY, add_clerk, set_up_company

PNG_1PX = bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
                        '1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082')


async def test_setup_creates_the_company_the_admin_and_the_default_lists(db):
    admin = await set_up_company()
    company = await Company.get(id=1)
    assert company.siren == '732829320' and company.penalty_text.startswith('Tout retard de paiement')
    assert (await User.get(id=admin.user_id)).is_admin
    assert await PaymentMethod.filter(is_default=True).count() == 1
    assert sorted(await VatRate.filter(category='S').values_list('rate', flat=True)) == [
        Decimal('2.1'), Decimal('5.5'), Decimal('10'), Decimal('20')]


async def test_a_second_setup_is_refused_and_changes_nothing(db):
    await set_up_company()
    with pytest.raises(DomainError, match='déjà configuré'):
        await settings.setup_instance(company={**COMPANY, 'name': 'Intrus'}, admin_email='evil@example.com',
                                      admin_name='Evil', admin_password='cheval agrafe pile correcte', ip='1')
    assert (await Company.get(id=1)).name == 'Atelier Durand'
    assert await User.all().count() == 1


async def test_setup_refuses_an_invalid_siren(db):
    with pytest.raises(DomainError, match='SIREN'):
        await settings.setup_instance(company={**COMPANY, 'siren': '732829321'}, admin_email='a@example.com',
                                      admin_name='A', admin_password='cheval agrafe pile correcte', ip='1')
    assert not await Company.exists()


async def test_company_changes_are_validated_and_audited(db):
    admin = await set_up_company()
    company = await Company.get(id=1)
    with pytest.raises(settings.CompanyInvalid) as refused:
        await settings.save_company(admin, {**COMPANY, 'iban': 'FR76 0000 0000 0000'}, version=company.version)
    assert 'iban' in refused.value.errors
    saved = await settings.save_company(admin, {**COMPANY, 'iban': 'FR76 3000 6000 0112 3456 7890 189'},
                                        version=company.version)
    assert saved.iban == 'FR7630006000011234567890189'
    entry = await AuditEntry.get(action='settings.company')
    assert entry.details['iban'] == ['FR1420041010050500013M02606', 'FR7630006000011234567890189']


async def test_a_stale_company_form_does_not_overwrite_a_newer_save(db):
    admin = await set_up_company()
    version = (await Company.get(id=1)).version
    await settings.save_company(admin, {**COMPANY, 'city': 'Villeurbanne'}, version=version)
    with pytest.raises(DomainError, match='modifiée par quelqu’un d’autre'):
        await settings.save_company(admin, {**COMPANY, 'city': 'Paris'}, version=version)
    assert (await Company.get(id=1)).city == 'Villeurbanne'


async def test_only_admins_change_the_company_and_the_options(db):
    admin = await set_up_company()
    clerk = await add_clerk(admin)
    with pytest.raises(PermissionRefused):
        await settings.save_company(clerk, {**COMPANY, 'name': 'Autre'}, version=1)
    with pytest.raises(PermissionRefused):
        await settings.save_options(clerk, {'quotes': False})
    assert (await Options.get(id=1)).quotes is True


async def test_the_logo_must_be_a_real_small_png_or_jpeg(db, tmp_path):
    admin = await set_up_company()
    tmp_path = tmp_path / 'uploads'
    tmp_path.mkdir()
    with pytest.raises(DomainError, match='PNG ou JPEG'):
        await settings.save_logo(admin, b'%PDF-1.7 renamed to logo.png', tmp_path)
    with pytest.raises(DomainError, match='2 Mo'):
        await settings.save_logo(admin, PNG_1PX + b'\0' * (2 * 1024 * 1024), tmp_path)
    assert list(tmp_path.iterdir()) == []
    name = await settings.save_logo(admin, PNG_1PX, tmp_path)
    assert (tmp_path / name).read_bytes() == PNG_1PX and name.startswith('logo-') and name.endswith('.png')
    assert (await Company.get(id=1)).logo_file == name


async def test_default_lists_refuse_bad_values(db):
    admin = await set_up_company()
    with pytest.raises(DomainError, match='taux normal'):
        await settings.save_vat_rate(admin, rate_id=None, rate='0', category='S', label='Zéro', exemption_reason='')
    with pytest.raises(DomainError, match='mention d’exonération'):
        await settings.save_vat_rate(admin, rate_id=None, rate='0', category='E', label='Exo', exemption_reason='')
    with pytest.raises(DomainError, match='120 jours'):
        await settings.save_payment_method(admin, method_id=None, name='Virement 200 j', kind='transfer', days=200,
                                           end_of_month=False, is_default=False)
    rate = await settings.save_vat_rate(admin, rate_id=None, rate='8,5', category='S', label='DOM 8,5 %',
                                        exemption_reason='', is_default=True)
    assert rate.rate == Decimal('8.50') and await VatRate.filter(is_default=True).count() == 1


async def test_the_audit_log_refuses_edits_even_in_raw_sql(db):
    await set_up_company()
    entry = await AuditEntry.first()
    entry.action = 'forged'
    with pytest.raises(AuditRefused):
        await entry.save()
    with pytest.raises(AuditRefused):
        await entry.delete()
    with pytest.raises(Exception, match='append-only'):
        await connections.get('default').execute_query("UPDATE audit_entry SET action = 'forged'")
    with pytest.raises(Exception, match='append-only'):
        await connections.get('default').execute_query('DELETE FROM audit_entry')
    assert await AuditEntry.filter(action='setup').exists()
