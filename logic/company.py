"""Checks on the seller's identity (SE1): what invoices will print as legal mentions (docs/legal.md §1)."""
from logic.identifiers import (
    IdentifierError, check_siret_matches_siren, check_vat_matches_siren, clean_ape, clean_bic, clean_iban,
    clean_siren, clean_siret, clean_vat_number,
)

# Exact wording of the AFNOR XP Z12-012 example notes (docs/legal.md §1): printed on B2B invoices, PMD/PMT/AAB in
# e-invoices.
DEFAULT_PENALTY_TEXT = ('Tout retard de paiement engendre une pénalité exigible à compter de la date d’échéance, '
                        'calculée sur la base de trois fois le taux d’intérêt légal.')
DEFAULT_INDEMNITY_TEXT = 'Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €.'
DEFAULT_DISCOUNT_TEXT = 'Les règlements reçus avant la date d’échéance ne donneront pas lieu à escompte.'

# Who invoices (docs/legal.md 1.1): a company prints its legal form and capital; an entrepreneur individuel prints
# "EI" next to the name and has no capital.
LEGAL_KINDS = {'company': 'Société (SARL, SAS, SA…)', 'sole_trader': 'Entrepreneur individuel (EI, micro-entreprise)'}
# Where the business is registered: RCS for traders, Répertoire des métiers for craftsmen, none for liberal
# professions (their SIREN alone).
TRADE_REGISTERS = {'rcs': 'RCS (commerçant, société)', 'rm': 'Répertoire des métiers (artisan)',
                   'none': 'Aucun (profession libérale, agent commercial…)'}
CHOICES = {'legal_kind': LEGAL_KINDS, 'trade_register': TRADE_REGISTERS}

TEXT_LIMITS = {
    'name': 200, 'legal_form': 60, 'capital': 40, 'address': 200, 'address2': 200, 'postcode': 20, 'city': 100,
    'rcs': 120, 'email': 254, 'phone': 40, 'website': 200, 'electronic_address': 200, 'bank_name': 100, 'ics': 35,
}
CLEANERS = {
    'siren': clean_siren, 'siret': clean_siret, 'vat_number': clean_vat_number, 'ape_code': clean_ape,
    'iban': clean_iban, 'bic': clean_bic,
}
REQUIRED = {'name': 'La raison sociale est obligatoire.', 'address': 'L’adresse est obligatoire.',
            'postcode': 'Le code postal est obligatoire.', 'city': 'La ville est obligatoire.',
            'siren': 'Le SIREN est obligatoire (mention légale des factures).'}


def validate_company(data: dict) -> tuple[dict, dict[str, str]]:
    """Return (cleaned values, {field: French message}); values are kept only when `errors` is empty.

    >>> cleaned, errors = validate_company({'name': 'Atelier', 'siren': '732 829 320', 'address': '1 rue',
    ...                                     'postcode': '75001', 'city': 'Paris'})
    >>> cleaned['siren'], errors
    ('732829320', {})
    """
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for field, limit in TEXT_LIMITS.items():
        if field in data:
            value = ' '.join(str(data.get(field) or '').split())
            if len(value) > limit:
                errors[field] = f'{limit} caractères au plus.'
            cleaned[field] = value
    for field, cleaner in CLEANERS.items():
        if field in data:
            try:
                cleaned[field] = cleaner(str(data.get(field) or ''))
            except IdentifierError as exc:
                errors[field] = str(exc)
    for field, message in REQUIRED.items():
        if field in data and not cleaned.get(field) and field not in errors:
            errors[field] = message
    if cleaned.get('siren') and 'siren' not in errors:
        checks = {'siret': lambda: check_siret_matches_siren(cleaned['siren'], cleaned['siret']),
                  'vat_number': lambda: check_vat_matches_siren(cleaned['vat_number'], cleaned['siren'])}
        for field, check in checks.items():
            if cleaned.get(field) and field not in errors:
                try:
                    check()
                except IdentifierError as exc:
                    errors[field] = str(exc)
    for field, choices in CHOICES.items():
        if field in data:
            if data[field] not in choices:
                errors[field] = 'Choix invalide.'
            cleaned[field] = data[field]
    for field in ('vat_regime', 'activity_type', 'country', 'vat_on_debits', 'penalty_text', 'indemnity_text',
                  'discount_text'):
        if field in data:
            cleaned[field] = data[field]
    if cleaned.get('email') and '@' not in cleaned['email']:
        errors['email'] = 'Adresse e-mail invalide.'
    return cleaned, errors
