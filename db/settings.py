"""Settings operations: first setup, company (SE1), options (SE2), default lists (SE3). All audited."""
import asyncio
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

from db.actor import Actor, require_admin
from db.audit import changes, record
from db.company import PAYMENT_KINDS, VAT_CATEGORIES, Company, Options, PaymentMethod, Unit, VatRate
from db.unit_of_work import transaction
from db.user import ADMIN, User
from logic.company import DEFAULT_DISCOUNT_TEXT, DEFAULT_INDEMNITY_TEXT, DEFAULT_PENALTY_TEXT, validate_company
from logic.errors import DomainError
from logic.images import check_logo
from logic.passwords import hash_password

COMPANY_ID = 1
OPTION_FIELDS = ('quotes', 'deal_tracking', 'margin', 'orders', 'delivery_notes', 'quote_validity_days',
                 'fiscal_year_start')

DEFAULT_PAYMENT_METHODS = [
    ('Virement à 30 jours', 'transfer', 30, False, True),
    ('Virement à 30 jours fin de mois', 'transfer', 30, True, False),
    ('Virement à réception', 'transfer', 0, False, False),
    ('Chèque à réception', 'cheque', 0, False, False),
    ('Prélèvement à 30 jours', 'direct_debit', 30, False, False),
    ('Carte bancaire', 'card', 0, False, False),
    ('Espèces', 'cash', 0, False, False),
]
DEFAULT_UNITS = [('unité', 'C62'), ('heure', 'HUR'), ('jour', 'DAY'), ('forfait', 'C62'), ('kg', 'KGM'),
                 ('m', 'MTR'), ('m²', 'MTK'), ('m³', 'MTQ'), ('litre', 'LTR'), ('lot', 'C62')]
DEFAULT_VAT_RATES = [
    ('20', 'S', 'TVA 20 %', '', '', True),
    ('10', 'S', 'TVA 10 %', '', '', False),
    ('5.5', 'S', 'TVA 5,5 %', '', '', False),
    ('2.1', 'S', 'TVA 2,1 %', '', '', False),
    ('0', 'E', 'Exonéré (franchise en base)', 'TVA non applicable, art. 293 B du CGI', 'VATEX-FR-FRANCHISE', False),
    ('0', 'K', 'Livraison intracommunautaire', 'Exonération de TVA, article 262 ter I du CGI', 'VATEX-EU-IC', False),
    ('0', 'G', 'Exportation hors UE', 'Exonération de TVA, article 262 I du CGI', 'VATEX-EU-G', False),
    ('0', 'AE', 'Autoliquidation', 'Autoliquidation', 'VATEX-EU-AE', False),
]


async def is_set_up() -> bool:
    return await User.filter(role=ADMIN).exists()


async def setup_instance(*, company: dict, admin_email: str, admin_name: str, admin_password: str, ip: str) -> User:
    """First visit (US4): the company, the first administrator and the default lists, all at once or nothing."""
    from db.accounts import normalise_email  # noqa: PLC0415 - avoids a cycle at import time

    cleaned, errors = validate_company(company)
    if errors:
        raise DomainError('Vérifiez la fiche société : ' + ' '.join(errors.values()))
    email = normalise_email(admin_email)
    name = ' '.join((admin_name or '').split())
    if not name:
        raise DomainError('Le nom de l’administrateur est obligatoire.')
    password_hash = await asyncio.to_thread(hash_password, admin_password)
    async with transaction():
        # Checked inside the transaction: two browsers finishing the setup at once can't both create an admin.
        if await User.exists():
            raise DomainError('Facturier est déjà configuré : connectez-vous.')
        cleaned.setdefault('penalty_text', DEFAULT_PENALTY_TEXT)
        cleaned.setdefault('indemnity_text', DEFAULT_INDEMNITY_TEXT)
        cleaned.setdefault('discount_text', DEFAULT_DISCOUNT_TEXT)
        await Company.create(id=COMPANY_ID, **cleaned)
        await Options.create(id=COMPANY_ID)
        await _seed_default_lists()
        user = await User.create(email=email, name=name, role=ADMIN, password_hash=password_hash)
        actor = Actor(user_id=user.id, email=email, name=name, role=ADMIN, ip=ip)
        await record('setup', actor, target='company', details={'company': cleaned['name'], 'admin': email})
    return user


async def get_company() -> Company | None:
    return await Company.get_or_none(id=COMPANY_ID)


async def get_options() -> Options:
    return await Options.get_or_none(id=COMPANY_ID) or Options(id=COMPANY_ID)


async def save_company(actor: Actor, data: dict, *, version: int) -> Company:
    """Refuses a stale form (someone else saved since it was opened) instead of overwriting silently."""
    require_admin(actor)
    cleaned, errors = validate_company(data)
    if errors:
        raise CompanyInvalid(errors)
    async with transaction():
        company = await Company.get(id=COMPANY_ID).select_for_update()
        if company.version != version:
            raise DomainError('La fiche société a été modifiée par quelqu’un d’autre : rechargez la page.')
        before = {key: getattr(company, key) for key in cleaned}
        diff = changes(before, cleaned)
        if diff:
            company.update_from_dict(cleaned)
            company.version += 1
            await company.save()
            await record('settings.company', actor, target='company', details=diff)
    return company


class CompanyInvalid(DomainError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__('Certains champs sont invalides : ' + ' '.join(errors.values()))
        self.errors = errors


async def save_logo(actor: Actor, data: bytes, uploads_dir: Path) -> str:
    """Check the bytes, store them under a server-made name, point the company at it, remove the old file."""
    require_admin(actor)
    extension = check_logo(data)
    name = f'logo-{secrets.token_hex(8)}.{extension}'
    await asyncio.to_thread((uploads_dir / name).write_bytes, data)
    async with transaction():
        company = await Company.get(id=COMPANY_ID).select_for_update()
        old = company.logo_file
        company.logo_file = name
        company.version += 1
        await company.save(update_fields=['logo_file', 'version'])
        await record('settings.logo', actor, target='company', details={'logo_file': [old, name], 'bytes': len(data)})
    if old and old != name:
        (uploads_dir / old).unlink(missing_ok=True)
    return name


async def save_options(actor: Actor, values: dict) -> Options:
    require_admin(actor)
    values = {key: values[key] for key in OPTION_FIELDS if key in values}
    days = values.get('quote_validity_days')
    if days is not None and not (isinstance(days, int) and 1 <= days <= 365):
        raise DomainError('La validité des devis doit être comprise entre 1 et 365 jours.')
    start = values.get('fiscal_year_start')
    if start is not None and not (isinstance(start, int) and 1 <= start <= 12):
        raise DomainError('Le début de l’exercice est un mois, de janvier à décembre.')
    if start is not None and start != (await get_options()).fiscal_year_start:
        from db.closing import Closing  # noqa: PLC0415 - the closings import these settings
        from logic.closing import YEAR  # noqa: PLC0415

        if await Closing.filter(kind=YEAR).exists():
            raise DomainError('Un exercice est déjà clôturé : le mois de début d’exercice ne peut plus changer.')
    async with transaction():
        options = await Options.get_or_none(id=COMPANY_ID).select_for_update() or await Options.create(id=COMPANY_ID)
        diff = changes({key: getattr(options, key) for key in values}, values)
        if diff:
            options.update_from_dict(values)
            options.version += 1
            await options.save()
            await record('settings.options', actor, target='options', details=diff)
    return options


# --- default lists (SE3): any user may manage them, like the reference product ------------------------------------

async def save_payment_method(actor: Actor, *, method_id: int | None, name: str, kind: str, days: int,
                              end_of_month: bool, is_default: bool, active: bool = True) -> PaymentMethod:
    name = _label(name, 'Le nom du mode de règlement')
    if kind not in PAYMENT_KINDS:
        raise DomainError('Type de règlement inconnu.')
    if not isinstance(days, int) or not 0 <= days <= 120:
        raise DomainError('Le délai doit être compris entre 0 et 120 jours.')
    if is_default and not active:
        raise DomainError('Le mode de règlement par défaut doit rester actif.')
    values = {'name': name, 'kind': kind, 'days': days, 'end_of_month': end_of_month, 'is_default': is_default,
              'active': active}
    return await _save_row(actor, PaymentMethod, method_id, values, 'settings.payment_method')


async def save_unit(actor: Actor, *, unit_id: int | None, name: str, code: str, active: bool = True) -> Unit:
    name = _label(name, 'Le nom de l’unité')
    code = (code or '').strip().upper()
    if not (2 <= len(code) <= 3 and code.isalnum()):
        raise DomainError('Le code d’unité (UN/ECE rec. 20) fait 2 ou 3 caractères, par exemple C62, HUR ou KGM.')
    values = {'name': name, 'code': code, 'active': active}
    return await _save_row(actor, Unit, unit_id, values, 'settings.unit')


async def save_vat_rate(actor: Actor, *, rate_id: int | None, rate: str, category: str, label: str,
                        exemption_reason: str, exemption_code: str = '', is_default: bool = False,
                        active: bool = True) -> VatRate:
    try:
        value = Decimal(str(rate).replace(',', '.').strip())
    except InvalidOperation:
        raise DomainError('Taux de TVA invalide.') from None
    if not Decimal('0') <= value <= Decimal('100') or value != value.quantize(Decimal('0.01')):
        raise DomainError('Le taux de TVA doit être compris entre 0 et 100, avec deux décimales au plus.')
    if category not in VAT_CATEGORIES:
        raise DomainError('Catégorie de TVA inconnue.')
    if category == 'S' and value == 0:
        raise DomainError('Un taux normal (catégorie S) ne peut pas être nul : choisissez une exonération.')
    if category != 'S' and value != 0:
        raise DomainError('Une exonération a un taux de 0 %.')
    reason = ' '.join((exemption_reason or '').split())
    if category not in ('S', 'Z') and not reason:
        raise DomainError('Indiquez la mention d’exonération imprimée sur les factures (par exemple « TVA non '
                          'applicable, art. 293 B du CGI »).')
    values = {'rate': value.quantize(Decimal('0.01')), 'category': category, 'label': _label(label, 'Le libellé'),
              'exemption_reason': reason, 'exemption_code': (exemption_code or '').strip().upper(),
              'is_default': is_default, 'active': active}
    return await _save_row(actor, VatRate, rate_id, values, 'settings.vat_rate')


async def _save_row(actor: Actor, model, row_id: int | None, values: dict, action: str):
    async with transaction():
        if values.get('is_default'):
            await model.filter(is_default=True).exclude(id=row_id or 0).update(is_default=False)
        if row_id is None:
            if await model.filter(name=values['name']).exists() if 'name' in values else False:
                raise DomainError('Ce nom existe déjà.')
            values['position'] = await model.all().count()
            row = await model.create(**values)
            await record(action, actor, target=f'{model._meta.db_table}:{row.id}',
                         details={'created': {k: str(v) for k, v in values.items()}})
            return row
        row = await model.get(id=row_id).select_for_update()
        if 'name' in values and await model.filter(name=values['name']).exclude(id=row_id).exists():
            raise DomainError('Ce nom existe déjà.')
        diff = changes({key: getattr(row, key) for key in values}, values)
        if diff:
            row.update_from_dict(values)
            await row.save()
            await record(action, actor, target=f'{model._meta.db_table}:{row.id}', details=diff)
        return row


async def _seed_default_lists() -> None:
    for position, (name, kind, days, eom, default) in enumerate(DEFAULT_PAYMENT_METHODS):
        await PaymentMethod.create(name=name, kind=kind, days=days, end_of_month=eom, is_default=default,
                                   position=position)
    for position, (name, code) in enumerate(DEFAULT_UNITS):
        await Unit.create(name=name, code=code, position=position)
    for position, (rate, category, label, reason, code, default) in enumerate(DEFAULT_VAT_RATES):
        await VatRate.create(rate=Decimal(rate), category=category, label=label, exemption_reason=reason,
                             exemption_code=code, is_default=default, position=position)


def _label(text: str, what: str) -> str:
    text = ' '.join((text or '').split())
    if not text:
        raise DomainError(f'{what} est obligatoire.')
    if len(text) > 80:
        raise DomainError(f'{what} ne peut pas dépasser 80 caractères.')
    return text
