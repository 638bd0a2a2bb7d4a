"""SEPA Core direct debit rules (PA5, docs: LEGAL.md 6), pure: mandates, sequence types, dates, the pain.008 file.

>>> sequence_type('recurrent', used_before=False)
'FRST'
>>> sequence_type('recurrent', used_before=True)
'RCUR'
>>> sequence_type('one_off', used_before=False)
'OOFF'
>>> mandate_state('active', 'recurrent', date(2022, 1, 10), None, today=date(2025, 1, 10))
'lapsed'
>>> mandate_state('active', 'recurrent', date(2022, 1, 10), date(2024, 6, 1), today=date(2025, 1, 10))
'active'
>>> earliest_collection_date(date(2026, 12, 4), 14)  # Friday + 14 days = Friday 18 December
datetime.date(2026, 12, 18)
>>> earliest_collection_date(date(2026, 12, 11), 14)  # Friday 25 December is a TARGET2 holiday, then a weekend
datetime.date(2026, 12, 28)
>>> to_cents(Decimal('1234.50'))
123450
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stdnum import exceptions as stdnum_errors
from stdnum.eu import at_02

from logic.errors import DomainError
from logic.identifiers import IdentifierError, clean_bic, clean_iban

# The pain.008 versions a bank may ask for (LEGAL.md 6): '002' (ISO 2009, still widely taken), '008' (ISO 2019).
VERSIONS: dict[str, str] = {'002': 'pain.008.001.02', '008': 'pain.008.001.08'}
VERSION_LABELS: dict[str, str] = {'002': 'pain.008.001.02 (ISO 2009)', '008': 'pain.008.001.08 (ISO 2019)'}
DEFAULT_PRENOTIFICATION_DAYS = 14  # the usual pre-notification period, unless the mandate agrees on another
LAPSE_MONTHS = 36  # a mandate unused for 36 months lapses (Banque de France)
SEQUENCE_LABELS: dict[str, str] = {'FRST': 'Premier', 'RCUR': 'Récurrent', 'OOFF': 'Ponctuel', 'FNAL': 'Dernier'}
# The R-transaction reason codes a bank returns most (ISO 20022 ExternalStatusReason1Code), with a French label.
REJECT_REASONS: dict[str, str] = {
    'AC01': 'IBAN incorrect', 'AC04': 'Compte clôturé', 'AC06': 'Compte bloqué',
    'AC13': 'Compte de consommateur (prélèvement B2B refusé)', 'AG01': 'Prélèvement interdit sur ce compte',
    'AG02': 'Code opération incorrect', 'AM04': 'Provision insuffisante', 'AM05': 'Opération en double',
    'BE05': 'Créancier non reconnu', 'FF01': 'Fichier ou format invalide', 'MD01': 'Pas de mandat',
    'MD02': 'Données du mandat manquantes ou incorrectes', 'MD06': 'Remboursement demandé par le débiteur',
    'MD07': 'Débiteur décédé', 'MS02': 'Refus du débiteur', 'MS03': 'Motif non précisé par la banque',
    'RC01': 'BIC incorrect', 'RR01': 'Identification du débiteur manquante', 'SL01': 'Service spécifique de la banque',
}
_RUM = re.compile(r"[A-Za-z0-9+?/:().,'-]{1,35}")
CENT = Decimal('0.01')


class SepaError(DomainError, ValueError):
    """A direct debit the rules refuse; `str(exc)` is the French message to show."""


@dataclass(kw_only=True, slots=True, frozen=True)
class Creditor:
    name: str
    iban: str
    bic: str
    ics: str


@dataclass(kw_only=True, slots=True, frozen=True)
class Debit:
    """One transaction of the file."""
    end_to_end_id: str
    amount: Decimal
    sequence: str
    mandate_reference: str
    mandate_signed_on: date
    debtor_name: str
    iban: str
    bic: str
    description: str


def check_ics(text: str) -> str:
    """The creditor identifier (ICS, SEPA AT-02), compact, checked with python-stdnum (ISO 7064 Mod 97-10).

    >>> check_ics('fr 72 zzz 123456')
    'FR72ZZZ123456'
    """
    try:
        return at_02.validate(text or '')
    except stdnum_errors.ValidationError as exc:
        raise SepaError('L’identifiant créancier SEPA (ICS) est invalide : vérifiez-le dans les paramètres de '
                        'l’entreprise.') from exc


def check_rum(text: str) -> str:
    """A mandate reference (RUM): 1 to 35 characters among letters, digits and / - ? : ( ) . , ' +.

    >>> check_rum(' RUM-2026-0001 ')
    'RUM-2026-0001'
    """
    value = (text or '').strip()
    if not _RUM.fullmatch(value) or value.startswith('/') or '//' in value:
        raise SepaError('La référence du mandat (RUM) compte 1 à 35 caractères : lettres, chiffres et / - ? : ( ) '
                        '. , \' + (sans espace).')
    return value


def check_mandate_account(iban: str, bic: str) -> tuple[str, str]:
    """The debited account (IBAN checked with schwifty, BIC optional), compact."""
    try:
        iban, bic = clean_iban(iban), clean_bic(bic)
    except IdentifierError as exc:
        raise SepaError(str(exc)) from exc
    if not iban:
        raise SepaError('Indiquez l’IBAN du compte à débiter.')
    return iban, bic


def check_signature_date(signed_on: date | None, *, today: date) -> date:
    if signed_on is None:
        raise SepaError('Indiquez la date de signature du mandat.')
    if signed_on > today:
        raise SepaError('La date de signature du mandat ne peut pas être dans le futur.')
    return signed_on


def lapse_date(signed_on: date, last_used_on: date | None) -> date:
    """The day a mandate lapses: 36 months after its last collection (or its signature, if never used).

    >>> lapse_date(date(2024, 2, 29), None)
    datetime.date(2027, 2, 28)
    """
    start = last_used_on or signed_on
    year, month = start.year + LAPSE_MONTHS // 12, start.month
    day = start.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def mandate_state(status: str, kind: str, signed_on: date, last_used_on: date | None, *, today: date) -> str:
    """'active' (usable), 'revoked', 'closed' (a one-off mandate used, or a series ended by FNAL) or 'lapsed'."""
    if status != 'active':
        return status
    if kind == 'one_off' and last_used_on is not None:
        return 'closed'
    if today >= lapse_date(signed_on, last_used_on):
        return 'lapsed'
    return 'active'


def sequence_type(kind: str, *, used_before: bool, final: bool = False) -> str:
    """OOFF for a one-off mandate; a recurrent one starts with FRST, then RCUR, FNAL for the last one asked."""
    if kind == 'one_off':
        return 'OOFF'
    if not used_before:
        return 'FRST'
    return 'FNAL' if final else 'RCUR'


def is_business_day(day: date) -> bool:
    """A TARGET2 day: not a weekend, 1 January, Good Friday, Easter Monday, 1 May, 25 or 26 December."""
    if day.weekday() >= 5 or (day.month, day.day) in ((1, 1), (5, 1), (12, 25), (12, 26)):
        return False
    easter = _easter(day.year)
    return day not in (easter - timedelta(days=2), easter + timedelta(days=1))


def earliest_collection_date(today: date, prenotification_days: int) -> date:
    day = today + timedelta(days=prenotification_days)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def check_collection_date(on: date | None, *, today: date, prenotification_days: int) -> date:
    earliest = earliest_collection_date(today, prenotification_days)
    if on is None:
        raise SepaError('Indiquez la date de prélèvement.')
    if on < earliest:
        raise SepaError(f'La date de prélèvement doit respecter le délai de pré-notification de '
                        f'{prenotification_days} jours : au plus tôt le {earliest:%d/%m/%Y}.')
    if not is_business_day(on):
        raise SepaError('La date de prélèvement doit être un jour ouvré (ni week-end ni jour férié TARGET2).')
    return on


def check_reason(code: str) -> str:
    value = (code or '').strip().upper()
    if value not in REJECT_REASONS:
        raise SepaError('Choisissez le motif du rejet donné par la banque.')
    return value


def to_cents(amount: Decimal) -> int:
    if amount != amount.quantize(CENT):
        raise ValueError(f'{amount} is not at the cent')
    return int(amount * 100)


def end_to_end_id(collection_id: int, position: int) -> str:
    """'PRL000012-0003': unique per debit, what the bank quotes back on a reject (at most 35 characters)."""
    return f'PRL{collection_id:06d}-{position:04d}'


def build_pain008(creditor: Creditor, debits: list[Debit], *, collection_date: date, version: str) -> bytes:
    """The pain.008 file of `debits`, batched by sequence type, validated against the version's XSD.

    sepaxml ships the XSDs of pain.008.001.02 and .001.08 and validates with xmlschema, offline. A file the XSD
    refuses raises (a bug, never a user's mistake: every value was checked before).
    """
    from sepaxml import SepaDD  # noqa: PLC0415 - xmlschema is slow to import, only the collections need it

    config = {'name': creditor.name, 'IBAN': creditor.iban, 'BIC': creditor.bic, 'batch': True,
              'creditor_id': creditor.ics, 'currency': 'EUR', 'instrument': 'CORE'}
    if not creditor.bic:
        config.pop('BIC')
        if version == '002':
            raise SepaError('Le format pain.008.001.02 exige le BIC de votre banque : indiquez-le dans les '
                            'paramètres de l’entreprise.')
    sepa = SepaDD(config, schema=VERSIONS[version], clean=True)
    for debit in debits:
        payment = {'name': debit.debtor_name, 'IBAN': debit.iban, 'amount': to_cents(debit.amount),
                   'type': debit.sequence, 'collection_date': collection_date,
                   'mandate_id': debit.mandate_reference, 'mandate_date': debit.mandate_signed_on,
                   'description': debit.description, 'endtoend_id': debit.end_to_end_id}
        if debit.bic:
            payment['BIC'] = debit.bic
        sepa.add_payment(payment)
    return sepa.export(validate=True)


def fingerprint(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * j) // 433
    month = (h + j - m + 90) // 25
    return date(year, month, (h + j - m + month + 19) % 32)
