"""The accounting settings' rules (SE5): which account may hold which role, journal codes, the per-rate accounts.

An account number is digits only (the French chart, PCG: its class is the first digit, the first three digits name
the account), 3 to 20 of them; each role takes an account of its class of the chart (clients 411, deposits 4191, sales
70, VAT collected 4457, write-offs 654, treasury 51 or 53). A journal code is 1 to 6 capital letters or digits.

>>> check_settings({**DEFAULTS, 'client_account': '401000'})
Traceback (most recent call last):
...
logic.contact.FieldsInvalid: Certains champs sont invalides : Compte clients : un compte commençant par 411 est attendu (401000).
>>> check_rates([{'rate': '20', 'goods': '707100', 'services': '706100', 'vat': '445711'}])
[(Decimal('20.00'), '707100', '706100', '445711')]
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from logic.contact import FieldsInvalid
from logic.dashboard import fiscal_year, month_of, previous_fiscal_year

ACCOUNT = re.compile(r'[0-9]{3,20}')
JOURNAL = re.compile(r'[A-Z0-9]{1,6}')


@dataclass(kw_only=True, slots=True, frozen=True)
class Role:
    key: str
    label: str
    prefixes: tuple[str, ...]
    default: str
    optional: bool = False


ROLES: tuple[Role, ...] = (
    Role(key='client_account', label='Compte clients', prefixes=('411',), default='411000'),
    Role(key='deposit_account', label='Avances et acomptes reçus', prefixes=('4191',), default='419100'),
    Role(key='services_account', label='Prestations de services', prefixes=('70',), default='706000'),
    Role(key='goods_account', label='Ventes de marchandises', prefixes=('70',), default='707000'),
    Role(key='shipping_account', label='Ports et frais accessoires', prefixes=('70',), default='708500',
         optional=True),
    Role(key='vat_account', label='TVA collectée (autres taux)', prefixes=('4457',), default='445710'),
    Role(key='write_off_account', label='Pertes sur créances irrécouvrables', prefixes=('654',), default='654000'),
    Role(key='bank_account', label='Banque (remises de chèques)', prefixes=('51',), default='512000'),
    Role(key='transfer_account', label='Virements reçus', prefixes=('51',), default='512000'),
    Role(key='direct_debit_account', label='Prélèvements', prefixes=('51',), default='512000'),
    Role(key='card_account', label='Cartes bancaires', prefixes=('51',), default='512000'),
    Role(key='cheque_account', label='Chèques à encaisser', prefixes=('511',), default='511200'),
    Role(key='cash_account', label='Caisse (espèces)', prefixes=('53',), default='530000'),
)
JOURNALS: tuple[tuple[str, str, str], ...] = (
    ('sales_journal', 'Journal des ventes', 'VE'),
    ('bank_journal', 'Journal de banque', 'BQ'),
    ('cash_journal', 'Journal de caisse', 'CA'),
    ('misc_journal', 'Opérations diverses (irrécouvrables)', 'OD'),
)
SETTINGS_FIELDS: tuple[str, ...] = (*(role.key for role in ROLES), 'write_off_vat', *(key for key, _, _ in JOURNALS))
DEFAULTS: dict[str, object] = {**{role.key: role.default for role in ROLES}, 'write_off_vat': True,
                               **{key: default for key, _, default in JOURNALS}}


def check_settings(form: dict[str, object]) -> dict[str, object]:
    """The cleaned values of the settings form; FieldsInvalid (a French message per field) when one is wrong."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for role in ROLES:
        text = _compact(form.get(role.key))
        if not text and role.optional:
            values[role.key] = ''
            continue
        problem = account_problem(text, role.prefixes)
        if problem:
            errors[role.key] = f'{role.label} : {problem}'
        values[role.key] = text
    values['write_off_vat'] = bool(form.get('write_off_vat'))
    for key, label, _ in JOURNALS:
        text = _compact(form.get(key)).upper()
        if not JOURNAL.fullmatch(text):
            errors[key] = f'{label} : un code de 1 à 6 lettres majuscules ou chiffres est attendu.'
        values[key] = text
    if not errors and values['sales_journal'] in (values['bank_journal'], values['cash_journal']):
        errors['sales_journal'] = 'Le journal des ventes doit être distinct des journaux de trésorerie.'
    if errors:
        raise FieldsInvalid(errors)
    return values


def check_rates(rows: list[dict[str, str]]) -> list[tuple[Decimal, str, str, str]]:
    """The per-rate rows as typed ('rate' in %, 'goods', 'services', 'vat'), checked, one per rate."""
    cleaned, errors, seen = [], {}, set()
    for index, row in enumerate(rows, start=1):
        rate = _rate(row.get('rate'))
        where = f'Taux n° {index}'
        if rate is None:
            errors[f'rate-{index}'] = f'{where} : un taux de TVA entre 0 et 100 % est attendu.'
            continue
        if rate in seen:
            errors[f'rate-{index}'] = f'{where} : le taux {rate} % figure deux fois.'
            continue
        seen.add(rate)
        accounts = []
        for key, prefixes, label in (('goods', ('70',), 'ventes de marchandises'),
                                     ('services', ('70',), 'prestations de services'),
                                     ('vat', ('4457',), 'TVA collectée')):
            text = _compact(row.get(key))
            problem = account_problem(text, prefixes)
            if problem:
                errors[f'{key}-{index}'] = f'{where}, {label} : {problem}'
            accounts.append(text)
        cleaned.append((rate, *accounts))
    if errors:
        raise FieldsInvalid(errors)
    return cleaned


def account_problem(text: str, prefixes: tuple[str, ...]) -> str:
    """Why `text` can't be the account of a role whose accounts start with `prefixes` ('' when it can)."""
    if not text:
        return 'indiquez un numéro de compte.'
    if not ACCOUNT.fullmatch(text):
        return f'un numéro de compte est fait de 3 à 20 chiffres ({text}).'
    if not text.startswith(prefixes):
        return f'un compte commençant par {" ou ".join(prefixes)} est attendu ({text}).'
    return ''


def _compact(value: object) -> str:
    return re.sub(r'\s+', '', str(value or ''))


def _rate(value: object) -> Decimal | None:
    try:
        rate = Decimal(_compact(value).replace(',', '.').rstrip('%'))
    except InvalidOperation:
        return None
    if not rate.is_finite() or not 0 <= rate <= 100 or rate != rate.quantize(Decimal('0.01')):
        return None
    return rate.quantize(Decimal('0.01'))


def period_presets(today: date, *, fiscal_start: int = 1) -> dict[str, tuple[str, date, date]]:
    """The periods the export page proposes: {key: (French label, first day, last day)}.

    >>> presets = period_presets(date(2026, 3, 6), fiscal_start=7)
    >>> presets['last_month'][1:], presets['last_year'][1:]
    ((datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)), (datetime.date(2024, 7, 1), datetime.date(2025, 6, 30)))
    >>> presets['this_year'][1:]
    (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    """
    this_month = month_of(today)
    last_month = month_of(this_month.start - timedelta(days=1))
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_end = quarter_start - timedelta(days=1)
    last_quarter = (date(last_quarter_end.year, last_quarter_end.month - 2, 1), last_quarter_end)
    year = fiscal_year(today, start_month=fiscal_start)
    last_year = previous_fiscal_year(today, start_month=fiscal_start)
    return {
        'last_month': ('Mois dernier', last_month.start, last_month.end),
        'this_month': ('Mois en cours', this_month.start, this_month.end),
        'last_quarter': ('Trimestre dernier', *last_quarter),
        'last_year': ('Dernier exercice clos', last_year.start, last_year.end),
        'this_year': ('Exercice en cours', year.start, year.end),
    }
