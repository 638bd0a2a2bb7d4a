"""What an article is made of (AR1): the cleaning of each field, shared by the form and the import.

>>> cleaned, errors = clean_article({'reference': ' kit-01 ', 'designation': 'Kit de pose', 'sale_price': '1 234,5'})
>>> cleaned['reference'], cleaned['sale_price'], errors
('kit-01', Decimal('1234.500000'), {})
>>> format_price(Decimal('12.500000')), format_price(Decimal('0.125'))
('12,50', '0,125')
"""
import re
from decimal import Decimal

from logic.importing import parse_bool_fr, parse_decimal_fr
from logic.money import LIMIT, format_decimal_fr
from logic.search_text import fold, search_text, sort_key

ARTICLE_KINDS = {'good': 'Bien', 'service': 'Prestation'}
PRICE_PLACES = 6  # EN 16931 as used in France allows unit prices with up to 6 decimals (BR-FR-DEC)
_KIND_WORDS = {'bien': 'good', 'biens': 'good', 'good': 'good', 'goods': 'good', 'produit': 'good',
               'product': 'good', 'marchandise': 'good', 'fourniture': 'good', 'materiel': 'good',
               'prestation': 'service', 'prestations': 'service', 'service': 'service', 'services': 'service',
               'maindoeuvre': 'service', 'labour': 'service', 'labor': 'service'}
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')


def clean_reference(text: object) -> str:
    value = ' '.join(str(text or '').split())
    if not value:
        raise ValueError('La référence est obligatoire.')
    if len(value) > 40:
        raise ValueError(f'Référence trop longue : 40 caractères au plus ({len(value)} saisis).')
    return value


def clean_designation(text: object) -> str:
    value = ' '.join(str(text or '').split())
    if not value:
        raise ValueError('La désignation est obligatoire.')
    if len(value) > 200:
        raise ValueError(f'Désignation trop longue : 200 caractères au plus ({len(value)} saisis).')
    return value


def clean_description(text: object) -> str:
    value = _CONTROL.sub(lambda m: m[0] if m[0] == '\n' else '', str(text or '').replace('\r\n', '\n')).strip()
    if len(value) > 10_000:
        raise ValueError('Description trop longue : 10 000 caractères au plus.')
    return value


def clean_kind(text: object) -> str:
    key = _KIND_WORDS.get(''.join(char for char in fold(str(text or '')) if char.isalnum()))
    if key is None:
        raise ValueError(f'Type d’article inconnu : « {text} » (attendu : Bien ou Prestation).')
    return key


def clean_price(text: object, label: str = 'Prix') -> Decimal:
    """A unit price HT: '12,50', '12.50', '1 234,5 €'; never negative (EN 16931 BR-27), 6 decimals at most."""
    if isinstance(text, Decimal):
        value = text
    else:
        raw = str(text or '').strip()
        if not raw:
            return Decimal('0').quantize(Decimal(1).scaleb(-PRICE_PLACES))
        try:
            value = parse_decimal_fr(raw)
        except ValueError:
            raise ValueError(f'{label} : « {raw} » n’est pas un nombre valide (exemple : 1 234,50).') from None
    if value < 0:
        raise ValueError(f'{label} : un prix unitaire ne peut pas être négatif (faites une remise sur la ligne).')
    if value >= LIMIT:
        raise ValueError(f'{label} : nombre trop grand.')
    if -value.as_tuple().exponent > PRICE_PLACES:
        raise ValueError(f'{label} : {PRICE_PLACES} décimales au plus.')
    return value.quantize(Decimal(1).scaleb(-PRICE_PLACES))


def clean_sales_account(text: object) -> str:
    """A sales account of the French chart of accounts, such as 706000 (services) or 707000 (goods)."""
    value = re.sub(r'\s+', '', str(text or '')).upper()
    if value and not re.fullmatch(r'[0-9][0-9A-Z]{0,19}', value):
        raise ValueError('Compte de vente invalide : il commence par un chiffre (ex. 706000), 20 caractères au plus, '
                         'sans espace.')
    return value


def clean_flag(value: object) -> bool:
    return value if isinstance(value, bool) else parse_bool_fr(str(value))


CLEANERS = {
    'reference': clean_reference, 'designation': clean_designation, 'description': clean_description,
    'kind': clean_kind, 'sale_price': lambda text: clean_price(text, 'Prix de vente HT'),
    'purchase_price': lambda text: clean_price(text, 'Prix d’achat HT'), 'sales_account': clean_sales_account,
    'is_composite': clean_flag, 'fixed_price': clean_flag, 'show_parts': clean_flag, 'active': clean_flag,
}


def clean_article(data: dict) -> tuple[dict, dict[str, str]]:
    """Return (cleaned values, {field: French message}) for the keys present; foreign keys pass through."""
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
    return cleaned, errors


def sort_designation(values: dict) -> str:
    return sort_key(values.get('designation') or '')


def article_search_text(values: dict) -> str:
    return search_text(values.get('reference') or '', values.get('designation') or '')


def format_price(value: Decimal) -> str:
    """A unit price the French way, with the cents always shown and further decimals only when there are any."""
    if value == value.quantize(Decimal('0.01')):
        return format_decimal_fr(value, 2)
    return format_decimal_fr(value.normalize())

