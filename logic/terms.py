"""Payment terms: the due date of an invoice, their French wording, and the legal ceilings of C. com. L441-10.

'N jours fin de mois' is read as: issue date + N days, then the last day of that month (the reading most French
businesses use, and one the DGCCRF accepts):

>>> due_date(date(2026, 1, 20), PaymentTerms(days=45, end_of_month=True))
datetime.date(2026, 3, 31)
"""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from logic.errors import DomainError

# L441-10 C. com.: 60 days from the invoice date, or by agreement 45 days end of month. Some trades have shorter
# ceilings (transport, perishable food: 30 days); the warning only covers the general rule.
MAX_DAYS = 60
MAX_DAYS_END_OF_MONTH = 45
# A year is beyond any sensible term and catches a typo ('300' for '30') before it reaches an invoice.
LONGEST = 365


class TermsError(DomainError, ValueError):
    """Payment terms typed in the settings are unusable; `str(exc)` is the French message to show."""


@dataclass(kw_only=True, slots=True, frozen=True)
class PaymentTerms:
    days: int
    end_of_month: bool = False
    # A wording of the user's own ('Comptant', '30 jours nets'); `describe` falls back to a generated one.
    label: str = ''

    def __post_init__(self) -> None:
        if isinstance(self.days, bool) or not isinstance(self.days, int):
            raise TypeError(f'days must be an int, not {type(self.days).__name__}')
        if not 0 <= self.days <= LONGEST:
            raise TermsError(f'Le délai de paiement doit être compris entre 0 et {LONGEST} jours.')


def due_date(issue: date, terms: PaymentTerms) -> date:
    """The date payment is due for a document issued on `issue`."""
    due = issue + timedelta(days=terms.days)
    if terms.end_of_month:
        due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
    return due


def describe(terms: PaymentTerms) -> str:
    """French wording: the terms' own label, else 'À réception', '30 jours', '45 jours fin de mois', 'Fin de mois'."""
    if terms.label.strip():
        return terms.label.strip()
    if not terms.days:
        return 'Fin de mois' if terms.end_of_month else 'À réception'
    wording = f'{terms.days} jour' if terms.days == 1 else f'{terms.days} jours'
    return f'{wording} fin de mois' if terms.end_of_month else wording


def legal_warning(terms: PaymentTerms) -> str | None:
    """A French warning when the terms exceed the general ceilings of L441-10 between businesses, else None.

    A warning, not an error: the ceilings bind sales between businesses, not sales to consumers.
    """
    if terms.end_of_month and terms.days > MAX_DAYS_END_OF_MONTH:
        return (f'Délai supérieur au maximum légal de {MAX_DAYS_END_OF_MONTH} jours fin de mois entre '
                'professionnels (article L441-10 du Code de commerce).')
    if not terms.end_of_month and terms.days > MAX_DAYS:
        return (f'Délai supérieur au maximum légal de {MAX_DAYS} jours à compter de la date de facture entre '
                'professionnels (article L441-10 du Code de commerce).')
    return None


def b2b_ceiling(issue: date) -> date:
    """The latest due date C. com. L441-10 II allows between businesses for a document issued on `issue`.

    The law allows either 60 days from the invoice date, or (when agreed) 45 days end of month, read as in
    `due_date`: issue date + 45 days, then the end of that month. Either way is lawful, so the later date is the
    ceiling (docs/legal.md 7):

    >>> b2b_ceiling(date(2026, 1, 20))  # 45 days end of month: 6 March, then 31 March (60 days: 21 March)
    datetime.date(2026, 3, 31)
    >>> b2b_ceiling(date(2026, 1, 1))   # 60 days: 2 March (45 days end of month: 28 February)
    datetime.date(2026, 3, 2)
    """
    sixty = issue + timedelta(days=MAX_DAYS)
    forty_five = issue + timedelta(days=MAX_DAYS_END_OF_MONTH)
    return max(sixty, forty_five.replace(day=calendar.monthrange(forty_five.year, forty_five.month)[1]))


def b2b_due_date_problem(issue: date, due: date) -> str | None:
    """Why a due date is refused between businesses (it is later than `b2b_ceiling`), in French, else None.

    The phrase completes "Validation impossible, il manque : ..." (logic/mentions.py) and says where to fix it.
    """
    ceiling = b2b_ceiling(issue)
    if due <= ceiling:
        return None
    return (f'une échéance dans le délai légal entre professionnels : le {due:%d/%m/%Y} dépasse le '
            f'{ceiling:%d/%m/%Y}, {MAX_DAYS} jours après la date de facture ou {MAX_DAYS_END_OF_MONTH} jours fin de '
            'mois au plus (article L441-10 du Code de commerce) ; raccourcissez le délai du mode de règlement '
            '(Paramètres > Listes par défaut) ou l’échéancier, ou enregistrez la dérogation négociée sur la fiche '
            'du client')


# The usual choices offered when the settings are first created (SE3); labels are left to `describe`.
DEFAULT_TERMS: tuple[PaymentTerms, ...] = (
    PaymentTerms(days=0),
    PaymentTerms(days=30),
    PaymentTerms(days=30, end_of_month=True),
    PaymentTerms(days=45, end_of_month=True),
    PaymentTerms(days=60),
)
