"""French and European business identifiers: SIREN, SIRET, VAT number, IBAN, BIC, APE code (CO7).

Each `clean_*` function takes what the user typed and returns the normalised value, or raises
`IdentifierError` with a French message the UI can show as is:

>>> clean_siret('732 829 320 00074')
'73282932000074'
>>> clean_vat_number('fr 40 303 265 045')
'FR40303265045'
>>> clean_siren('')  # optional fields: the caller decides whether a value is required
''
"""

import re

from collections.abc import Callable

from schwifty import BIC, IBAN, registry
from schwifty import exceptions as iban_errors
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from logic.errors import DomainError


class IdentifierError(DomainError, ValueError):
    """An identifier the user typed is not valid; `str(exc)` is a French message."""


# People paste numbers from PDFs and websites with every kind of separator, including the
# no-break spaces French typography puts between digit groups.
_SEPARATORS = re.compile(r'[\s.\-_/\u00a0\u202f]+')
# str.isdigit() also accepts '²' and Arabic-Indic digits, which int() or stdnum would then choke on.
_DIGITS = re.compile(r'[0-9]+')

# schwifty only checks the RIB key (the national check digits inside the BBAN) on request. It is
# the check French users expect, so it is done for France and Monaco. Other countries keep the
# IBAN's own mod-97 key, which already catches any single typo.
_COUNTRIES_WITH_RIB_KEY = {'FR', 'MC'}


def clean_siren(text: str) -> str:
    """Return the 9 digits of a SIREN, checked with the Luhn key."""
    number = _compact(text)
    if not number:
        return ''
    _validate_digits('SIREN', number, 9)
    _run_stdnum('SIREN', stdnum_siren.validate, number)
    return number


def clean_siret(text: str) -> str:
    """Return the 14 digits of a SIRET, checked with the Luhn key (La Poste's establishments use their own rule)."""
    number = _compact(text)
    if not number:
        return ''
    _validate_digits('SIRET', number, 14)
    _run_stdnum('SIRET', stdnum_siret.validate, number)
    return number


def clean_vat_number(text: str) -> str:
    """Return an EU VAT number in compact upper form, its check key verified ('FR40303265045')."""
    number = _compact(text).upper()
    if not number:
        return ''
    country = number[:2]
    if not country.isalpha():
        raise IdentifierError('Numéro de TVA invalide : il doit commencer par le code du pays (ex. FR40303265045).')
    try:
        return vat.validate(number)
    except stdnum_errors.InvalidComponent:
        raise IdentifierError(
            f'Numéro de TVA invalide : « {country} » n’est pas le code d’un pays de l’Union européenne.'
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise IdentifierError('Numéro de TVA invalide : la clé de contrôle ne correspond pas.') from None
    except stdnum_errors.ValidationError:
        raise IdentifierError(
            f'Numéro de TVA invalide : le format ne correspond pas à celui du pays {country}.'
        ) from None


def clean_iban(text: str) -> str:
    """Return an IBAN in compact form, its key (and for France the RIB key) verified."""
    compact = _compact(text).upper()
    if not compact:
        return ''
    try:
        return IBAN(compact, validate_bban=compact[:2] in _COUNTRIES_WITH_RIB_KEY).compact
    except iban_errors.InvalidCountryCode:
        raise IdentifierError(f'IBAN invalide : « {compact[:2]} » n’est pas un code pays connu.') from None
    except iban_errors.InvalidLength:
        expected = registry.get_iban_spec(compact[:2]).iban_length
        raise IdentifierError(
            f'IBAN invalide : {expected} caractères attendus pour ce pays ({len(compact)} saisis).'
        ) from None
    except iban_errors.InvalidChecksumDigits:
        raise IdentifierError(
            'IBAN invalide : la clé de contrôle ne correspond pas (vérifiez chaque caractère).'
        ) from None
    except iban_errors.InvalidBBANChecksum:
        raise IdentifierError('IBAN invalide : la clé RIB ne correspond pas (vérifiez chaque caractère).') from None
    except iban_errors.SchwiftyException:
        raise IdentifierError('IBAN invalide : le format ne correspond pas à celui du pays.') from None


def clean_bic(text: str) -> str:
    """Return a BIC (8 or 11 characters) in compact upper form. Banks missing from schwifty's registry are accepted."""
    compact = _compact(text).upper()
    if not compact:
        return ''
    try:
        return BIC(compact).compact
    except iban_errors.InvalidLength:
        raise IdentifierError(f'BIC invalide : 8 ou 11 caractères attendus ({len(compact)} saisis).') from None
    except iban_errors.InvalidCountryCode:
        raise IdentifierError(f'BIC invalide : « {compact[4:6]} » n’est pas un code pays connu.') from None
    except iban_errors.SchwiftyException:
        raise IdentifierError('BIC invalide : format attendu comme BNPAFRPP ou BNPAFRPPXXX.') from None


def siren_of_siret(siret: str) -> str:
    """The SIREN is the first 9 digits of the SIRET."""
    return clean_siret(siret)[:9]


def vat_number_from_siren(siren: str) -> str:
    """Compute the French VAT number of a company from its SIREN: 'FR' + key + SIREN.

    >>> vat_number_from_siren('303 265 045')
    'FR40303265045'
    """
    number = clean_siren(siren)
    if not number:
        return ''
    key = (12 + 3 * (int(number) % 97)) % 97
    return f'FR{key:02d}{number}'


def check_siret_matches_siren(siren: str, siret: str) -> None:
    """Refuse a SIRET that belongs to another company. Either one left empty is not checked."""
    siren, siret = clean_siren(siren), clean_siret(siret)
    if siren and siret and siret[:9] != siren:
        raise IdentifierError(f'Le SIRET ne correspond pas au SIREN : il doit commencer par {format_siren(siren)}.')


def check_vat_matches_siren(vat_number: str, siren: str) -> None:
    """Refuse a French VAT number that belongs to another company; other countries' numbers have no SIREN."""
    vat_number, siren = clean_vat_number(vat_number), clean_siren(siren)
    if vat_number.startswith('FR') and siren and vat_number[4:] != siren:
        raise IdentifierError(
            f'Le numéro de TVA ne correspond pas au SIREN : pour ce SIREN, c’est {vat_number_from_siren(siren)}.'
        )


def clean_ape(text: str) -> str:
    """Return an APE (NAF) code in the INSEE spelling.

    >>> clean_ape('6201 z')
    '62.01Z'
    """
    compact = _compact(text).upper()
    if not compact:
        return ''
    match = re.fullmatch(r'([0-9]{2})([0-9]{2})([A-Z])', compact)
    if not match:
        raise IdentifierError('Code APE invalide : format attendu comme 62.01Z (quatre chiffres et une lettre).')
    return f'{match[1]}.{match[2]}{match[3]}'


def format_iban(compact: str) -> str:
    """Group an IBAN by four characters for display: 'FR76 3000 6000 0112 3456 7890 189'."""
    compact = _compact(compact).upper()
    return ' '.join(compact[i:i + 4] for i in range(0, len(compact), 4))


def format_siren(siren: str) -> str:
    """'732 829 320'. Anything that is not 9 digits is shown as stored rather than hidden."""
    number = _compact(siren)
    if not re.fullmatch(r'[0-9]{9}', number):
        return siren.strip()
    return f'{number[:3]} {number[3:6]} {number[6:]}'


def format_siret(siret: str) -> str:
    """'732 829 320 00074': the SIREN grouped, then the establishment number (NIC)."""
    number = _compact(siret)
    if not re.fullmatch(r'[0-9]{14}', number):
        return siret.strip()
    return f'{format_siren(number[:9])} {number[9:]}'


def _compact(text: str) -> str:
    return _SEPARATORS.sub('', text or '')


def _validate_digits(name: str, number: str, length: int) -> None:
    # Checked here rather than left to stdnum so that the message can say what is wrong.
    if not _DIGITS.fullmatch(number):
        raise IdentifierError(f'{name} invalide : il ne doit contenir que des chiffres.')
    if len(number) != length:
        raise IdentifierError(f'{name} invalide : {length} chiffres attendus ({len(number)} saisis).')


def _run_stdnum(name: str, validate: Callable[[str], str], number: str) -> None:
    try:
        validate(number)
    except stdnum_errors.ValidationError:
        raise IdentifierError(f'{name} invalide : la clé de contrôle ne correspond pas.') from None
