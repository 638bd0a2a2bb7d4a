"""What a contact is made of (CO1, CO2, CO7): the cleaning of each field, shared by the form and the import.

Every cleaner takes the text a user typed (in a form or in a spreadsheet cell) and returns the stored value, or
raises a `ValueError` subclass whose text is a French sentence. `clean_contact` runs them on a whole form and adds
the checks that need several fields (a SIRET belongs to its SIREN, a French VAT number too).

>>> cleaned, errors = clean_contact({'name': ' Atelier  Dupont ', 'siret': '732 829 320 00074'})
>>> cleaned['name'], cleaned['siren'], errors
('Atelier Dupont', '732829320', {})
"""
import re
from datetime import date

from babel import Locale

from logic.errors import DomainError
from logic.identifiers import (
    IdentifierError, check_siret_matches_siren, check_vat_matches_siren, clean_bic, clean_iban, clean_siren,
    clean_siret, clean_vat_number,
)
from logic.importing import parse_bool_fr, parse_date_fr
from logic.search_text import fold, search_text, sort_key


def _normalise(text: str) -> str:
    """'Personne morale' -> 'personnemorale': what a header or a choice spells, whatever its accents and spaces."""
    return ''.join(char for char in fold(text) if char.isalnum())


CONTACT_KINDS = {'client': 'Client', 'prospect': 'Prospect', 'supplier': 'Fournisseur', 'partner': 'Partenaire',
                 'other': 'Autre'}
# Drives legal mentions and the e-invoice routing note BAR (B2B, B2BINT, B2C) of docs/legal.md §3.
CLIENT_CATEGORIES = {'fr_business': 'Entreprise française', 'eu_business': 'Entreprise de l’UE',
                     'non_eu_business': 'Entreprise hors UE', 'individual': 'Particulier',
                     'public': 'Organisme public'}
ADDRESS_KINDS = {'billing': 'Facturation', 'delivery': 'Livraison', 'other': 'Autre'}
PERSON_TYPES = {True: 'Société', False: 'Particulier'}

TEXT_LIMITS = {
    'name': 200, 'first_name': 100, 'legal_form': 60, 'electronic_address': 200, 'phone': 40, 'mobile': 40,
    'website': 200, 'address': 200, 'address2': 200, 'postcode': 20, 'city': 100, 'label': 100,
}
NOTES_LIMIT = 10_000
CODE_PATTERN = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.\-]{0,19}')
# SEPA allows these characters in a mandate reference (RUM), 35 at most.
_MANDATE = re.compile(r"[A-Za-z0-9+?/:().,' \-]{1,35}")
_EMAIL = re.compile(r'[^@\s]+@[^@\s]+\.[^@\s]+')
_KIND_WORDS = {**{_normalise(label): key for key, label in CONTACT_KINDS.items()},
               **{key: key for key in CONTACT_KINDS}, 'customer': 'client', 'fournisseurs': 'supplier',
               'clients': 'client', 'prospects': 'prospect', 'vendor': 'supplier', 'autres': 'other'}
_COMPANY_WORDS = {'societe': True, 'entreprise': True, 'personnemorale': True, 'company': True, 'business': True,
                  'professionnel': True, 'pro': True, 'particulier': False, 'personnephysique': False,
                  'person': False, 'individual': False, 'personne': False}
_COUNTRY_NAMES: dict[str, str] = {}


def clean_text(text: object, limit: int) -> str:
    """Spaces collapsed; refused beyond `limit` characters."""
    value = ' '.join(str(text or '').split())
    if len(value) > limit:
        raise ValueError(f'{limit} caractères au plus ({len(value)} saisis).')
    return value


def clean_notes(text: object) -> str:
    value = str(text or '').strip().replace('\r\n', '\n')
    if len(value) > NOTES_LIMIT:
        raise ValueError(f'{NOTES_LIMIT} caractères au plus.')
    return value


def clean_code(text: object) -> str:
    """A contact code such as C00042: letters, digits, '-', '_' or '.', 20 characters at most."""
    value = str(text or '').strip().upper()
    if value and not CODE_PATTERN.fullmatch(value):
        raise ValueError('Code invalide : lettres, chiffres, « - », « _ » ou « . », 20 caractères au plus.')
    return value


def clean_kind(text: object) -> str:
    key = _KIND_WORDS.get(_normalise(str(text or '')))
    if key is None:
        raise ValueError(f'Type de contact inconnu : « {text} » (attendu : {", ".join(CONTACT_KINDS.values())}).')
    return key


def clean_is_company(text: object) -> bool:
    """'Société' / 'Particulier' (or oui/non: « est une société »)."""
    if isinstance(text, bool):
        return text
    word = _normalise(str(text or ''))
    if word in _COMPANY_WORDS:
        return _COMPANY_WORDS[word]
    try:
        return parse_bool_fr(str(text))
    except ValueError:
        raise ValueError(f'« {text} » : indiquez Société ou Particulier.') from None


def clean_category(text: object) -> str:
    word = _normalise(str(text or ''))
    for key, label in CLIENT_CATEGORIES.items():
        if word in (_normalise(key), _normalise(label)):
            return key
    aliases = {'b2b': 'fr_business', 'b2c': 'individual', 'b2bint': 'eu_business', 'b2g': 'public'}
    if word in aliases:
        return aliases[word]
    raise ValueError(f'Catégorie inconnue : « {text} » (attendu : {", ".join(CLIENT_CATEGORIES.values())}).')


def clean_email(text: object) -> str:
    value = str(text or '').strip()
    if len(value) > 254 or (value and not _EMAIL.fullmatch(value)):
        raise ValueError(f'Adresse e-mail invalide : « {value[:60]} ».')
    return value


def clean_country(text: object) -> str:
    """An ISO 3166 code ('FR') or a country name in French or English ('Belgique', 'Germany')."""
    value = str(text or '').strip()
    if not value:
        return 'FR'
    if not _COUNTRY_NAMES:
        for locale in ('fr', 'en'):
            for code, name in Locale(locale).territories.items():
                if len(code) == 2 and code.isalpha():
                    _COUNTRY_NAMES.setdefault(_normalise(name), code)
                    _COUNTRY_NAMES.setdefault(code.lower(), code)
    code = _COUNTRY_NAMES.get(_normalise(value))
    if code is None:
        raise ValueError(f'Pays inconnu : « {value} » (code à deux lettres comme FR, BE, DE, ou nom du pays).')
    return code


def clean_mandate_reference(text: object) -> str:
    value = str(text or '').strip()
    if value and not _MANDATE.fullmatch(value):
        raise ValueError('Référence de mandat invalide : 35 caractères au plus, lettres sans accent, chiffres '
                         'et + ? / : ( ) . , \' -')
    return value


def clean_mandate_date(value: object) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    text = str(value).strip()
    return parse_date_fr(text) if text else None


def clean_account(text: object) -> str:
    """An accounting account such as 411C00042: digits and letters, 20 at most."""
    value = re.sub(r'\s+', '', str(text or '')).upper()
    if value and not re.fullmatch(r'[0-9][0-9A-Z]{0,19}', value):
        raise ValueError('Compte comptable invalide : il commence par un chiffre (ex. 411C00042), 20 caractères '
                         'au plus, sans espace ni accent.')
    return value


CLEANERS = {
    'code': clean_code, 'kind': clean_kind, 'is_company': clean_is_company, 'category': clean_category,
    'siren': clean_siren, 'siret': clean_siret, 'vat_number': clean_vat_number, 'iban': clean_iban,
    'bic': clean_bic, 'email': clean_email, 'country': clean_country, 'mandate_reference': clean_mandate_reference,
    'mandate_signed_on': clean_mandate_date, 'account': clean_account, 'notes': clean_notes,
    **{key: (lambda text, limit=limit: clean_text(text, limit)) for key, limit in TEXT_LIMITS.items()},
}


def clean_contact(data: dict) -> tuple[dict, dict[str, str]]:
    """Return (cleaned values, {field: French message}) for the keys present in `data`; foreign keys pass through."""
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for key, value in data.items():
        cleaner = CLEANERS.get(key)
        if cleaner is None:
            cleaned[key] = value
            continue
        try:
            cleaned[key] = cleaner(value)
        except ValueError as exc:
            errors[key] = str(exc)
    if 'name' in data and not cleaned.get('name') and 'name' not in errors:
        errors['name'] = 'Le nom est obligatoire.'
    errors.update({key: message for key, message in cross_check(cleaned).items() if key not in errors})
    return cleaned, errors


def cross_check(values: dict) -> dict[str, str]:
    """Checks between fields; fills an empty SIREN from the SIRET. `values` holds cleaned values and is updated."""
    errors: dict[str, str] = {}
    if values.get('siret') and not values.get('siren'):
        values['siren'] = values['siret'][:9]
    checks = {'siret': lambda: check_siret_matches_siren(values['siren'], values['siret']),
              'vat_number': lambda: check_vat_matches_siren(values['vat_number'], values['siren'])}
    for key, check in checks.items():
        if values.get(key) and values.get('siren'):
            try:
                check()
            except IdentifierError as exc:
                errors[key] = str(exc)
    if values.get('mandate_signed_on') and values['mandate_signed_on'] > date.today():
        errors['mandate_signed_on'] = 'La date de signature du mandat ne peut pas être dans le futur.'
    if values.get('mandate_signed_on') and not values.get('mandate_reference') and 'mandate_reference' in values:
        errors['mandate_reference'] = 'Indiquez la référence du mandat (RUM) signé à cette date.'
    return errors


def clean_address(data: dict) -> tuple[dict, dict[str, str]]:
    """A further address of a contact (billing, delivery, other)."""
    cleaned, errors = clean_contact({key: value for key, value in data.items() if key != 'kind'})
    kind = data.get('kind', 'delivery')
    if kind not in ADDRESS_KINDS:
        errors['kind'] = 'Type d’adresse inconnu.'
    cleaned['kind'] = kind
    if not any(cleaned.get(key) for key in ('address', 'postcode', 'city')):
        errors.setdefault('address', 'Indiquez au moins l’adresse, le code postal ou la ville.')
    return cleaned, errors


SEARCHED = ('code', 'name', 'first_name', 'city', 'postcode', 'siren', 'siret', 'vat_number', 'email', 'phone',
            'mobile')


def sort_name(values: dict) -> str:
    """Companies sort on their name, people on their last then first name."""
    return sort_key(f'{values.get("name") or ""} {values.get("first_name") or ""}', 300)


def contact_search_text(values: dict) -> str:
    """What a search looks into; phone numbers also without their spaces, so that '0478' finds '04 78 ...'."""
    phones = [''.join(char for char in values.get(key) or '' if char.isdigit()) for key in ('phone', 'mobile')]
    return search_text(*(str(values.get(key) or '') for key in SEARCHED), *phones)


def default_account(code: str, kind: str) -> str:
    """Customers go to 411, suppliers to 401 (French chart of accounts), followed by the contact code."""
    return clean_account(('401' if kind == 'supplier' else '411') + code)[:20]


class FieldsInvalid(DomainError):
    """Some fields of a form are wrong; `errors` maps each field to its French message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__('Certains champs sont invalides : ' + ' '.join(errors.values()))
        self.errors = errors
