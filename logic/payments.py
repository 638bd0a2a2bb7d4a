"""Payments rules (PA1-PA3, PA7), pure: an installment's status, the checks of a settlement, the chained payload.

Amounts typed by a user are always positive; the sign of what is recorded follows the installment: an invoice's
installment or a deposit is money received (positive), a credit note's refund is money given back (negative).

>>> status_of(Decimal('100.00'), Decimal('40.00'))
'open'
>>> status_of(Decimal('100.00'), Decimal('100.00'))
'paid'
>>> status_of(Decimal('-50.00'), Decimal('-50.00'))
'paid'
>>> check_settlement(Decimal('0.00'), left=Decimal('59.99'), paid_on=date(2026, 3, 9), today=date(2026, 3, 9))
Traceback (most recent call last):
...
logic.payments.PaymentError: Le montant réglé doit être supérieur à 0.
>>> classify('open', date(2026, 3, 1), today=date(2026, 3, 9))
'overdue'
"""
from datetime import date
from decimal import Decimal

from logic.errors import DomainError
from logic.money import CENT, format_eur, round_cents

# What the user may choose in the settle dialog, plus the credit note imputation (set by db/credit_notes.py only).
METHODS: dict[str, str] = {'cheque': 'Chèque', 'transfer': 'Virement', 'direct_debit': 'Prélèvement',
                           'card': 'Carte bancaire', 'cash': 'Espèces', 'credit_note': 'Avoir'}
USER_METHODS: tuple[str, ...] = ('cheque', 'transfer', 'direct_debit', 'card', 'cash')
# The statuses the payments page lists: 'planned' is not due yet (a draft's schedule, a deposit of a quote not
# accepted) and 'cancelled' is no longer due (a deposit given up, the schedule of a credited invoice).
LISTED_STATUSES: tuple[str, ...] = ('open', 'debited', 'paid', 'irrecoverable')
# The "type" column of the payments page: the kind of the installment, or "Irrécouvrable" once written off.
# A credit note's 'refund' reads "Avoir": imputed on its invoice it is no money to give back.
TYPE_LABELS: dict[str, str] = {'installment': 'Échéance', 'deposit': 'Acompte', 'refund': 'Avoir',
                               'irrecoverable': 'Irrécouvrable'}
# The state of an installment (Installment.status, or 'overdue' for an open one past its date), by itself. What a
# row shows also depends on what was settled: ask `installment_display`.
STATUS_LABELS: dict[str, str] = {'open': 'En attente', 'overdue': 'En retard', 'debited': 'Prélevée',
                                 'paid': 'Réglée', 'irrecoverable': 'Irrécouvrable', 'planned': 'Prévue',
                                 'cancelled': 'Annulée'}
# The keys `installment_display` returns, in the order of an installment's life, with their French label (an
# installment, "une échéance"); a deposit ("un acompte") takes the masculine forms of DEPOSIT_LABELS.
# 'credited': paid by credit note imputations alone, nothing received.
DISPLAY_LABELS: dict[str, str] = {'planned': 'Prévue', 'open': 'En attente', 'partial': 'Réglée en partie',
                                  'overdue': 'En retard', 'debited': 'Prélevée', 'paid': 'Réglée', 'credited': 'Soldée par avoir',
                                  'irrecoverable': 'Irrécouvrable', 'cancelled': 'Annulée'}
DEPOSIT_LABELS: dict[str, str] = {**DISPLAY_LABELS, 'planned': 'Prévu', 'partial': 'Réglé en partie',
                                  'paid': 'Réglé', 'credited': 'Soldé par avoir', 'cancelled': 'Annulé'}
# A credit note's refund ("un avoir"): money is owed to the client only for what was not imputed on its invoice,
# and it is "Remboursé" only once paid out. 'imputed': wholly imputed on the invoice, nothing to give back.
REFUND_LABELS: dict[str, str] = {**DEPOSIT_LABELS, 'open': 'À rembourser', 'partial': 'Remboursé en partie',
                                 'overdue': 'À rembourser', 'paid': 'Remboursé', 'imputed': 'Imputé'}
# The method of a credit note imputation in the journal (db/payments.py: impute_credit_note): no money moves.
IMPUTATION = 'credit_note'
PAYLOAD_VERSION = 1
ZERO = Decimal('0.00')


class PaymentError(DomainError, ValueError):
    """A settlement the rules refuse; `str(exc)` is the French message to show."""


def status_of(amount: Decimal, paid_amount: Decimal) -> str:
    """'paid' once the settlements reach what is due, else 'open' (written-off installments are set apart)."""
    return 'paid' if paid_amount == amount else 'open'


def direction(installment_amount: Decimal) -> int:
    """+1 for money received (installments, deposits), -1 for money given back (a credit note's refund).

    >>> direction(Decimal('-12.00'))
    -1
    """
    return -1 if installment_amount < 0 else 1


def check_settlement(amount: Decimal, *, left: Decimal, paid_on: date, today: date) -> Decimal:
    """Raise PaymentError unless `amount` (positive, as typed) can settle `left` (positive) on `paid_on`.

    >>> check_settlement(Decimal('12.5'), left=Decimal('20.00'), paid_on=date(2026, 3, 9), today=date(2026, 3, 9))
    Decimal('12.50')
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PaymentError('Indiquez le montant réglé.')
    if amount <= 0:
        raise PaymentError('Le montant réglé doit être supérieur à 0.')
    if round_cents(amount) != amount:
        raise PaymentError('Le montant réglé doit être au centime près.')
    if amount > left:
        raise PaymentError(f'Le montant dépasse le reste à payer ({format_eur(left)}).')
    check_date(paid_on, today=today)
    return amount.quantize(CENT)


def check_date(on: date | None, *, today: date) -> date:
    """A payment date is given and never in the future.

    >>> check_date(date(2026, 3, 10), today=date(2026, 3, 9))
    Traceback (most recent call last):
    ...
    logic.payments.PaymentError: La date du règlement ne peut pas être dans le futur.
    """
    if on is None:
        raise PaymentError('Indiquez la date du règlement.')
    if on > today:
        raise PaymentError('La date du règlement ne peut pas être dans le futur.')
    return on


def check_method(method: str, *, allowed: tuple[str, ...] = USER_METHODS) -> str:
    if method not in allowed:
        raise PaymentError('Choisissez le mode de règlement.')
    return method


def label_of(year: int, sequence: int) -> str:
    """The label a payment is chained under: REG, the year, and its rank in the year.

    >>> label_of(2026, 42)
    'REG2026-000042'
    """
    return f'REG{year}-{sequence:06d}'


def chain_payload(*, id: int, installment_id: int, document_id: int, kind: str, amount: Decimal, paid_on: date,
                  method: str, reference: str, reason: str, reverses_id: int | None, label: str, client_name: str,
                  created_by_id: int | None) -> dict:
    """What the hash of a payment covers (PAYLOAD_VERSION 1), from the stored row.

    >>> chain_payload(id=1, installment_id=2, document_id=3, kind='settlement', amount=Decimal('5'),
    ...               paid_on=date(2026, 3, 9), method='cheque', reference='1234567', reason='', reverses_id=None,
    ...               label='REG2026-000001', client_name='Petit', created_by_id=None)['amount']
    Decimal('5.00')
    """
    return {'payload_version': PAYLOAD_VERSION, 'id': id, 'installment_id': installment_id,
            'document_id': document_id, 'kind': kind, 'amount': amount.quantize(CENT), 'paid_on': paid_on,
            'method': method, 'reference': reference, 'reason': reason, 'reverses_id': reverses_id, 'label': label,
            'client_name': client_name, 'created_by_id': created_by_id}


def classify(status: str, due_date: date, *, today: date) -> str:
    """The summary bucket of a listed installment: 'overdue', 'not_due', 'paid' or 'irrecoverable'.

    An open installment partly settled counts its settled part as settled and what is left as due.
    """
    if status == 'open':
        return 'overdue' if due_date < today else 'not_due'
    return status


def installment_display(status: str, amount: Decimal, paid_amount: Decimal, due_date: date, today: date,
                        kind: str = 'installment', imputed: Decimal = ZERO) -> tuple[str, str]:
    """The state an installment shows, as (key, French label): the one function every screen asks (the payments
    list, its detail and export, the invoice's schedule, the quote's deposits). `status` is Installment.status;
    `kind` its kind (a deposit's label agrees with "acompte", a refund's with "avoir"); `imputed` the part of
    `paid_amount` that credit notes imputed (`imputed_part` of its journal, same sign): no money was received.

    Keys: 'planned' (not due yet: a draft's schedule, the deposit of a quote not accepted), 'open' (due, no money
    received), 'partial' (due, part received), 'overdue' (its due date is past and it is not fully settled, whether
    part was settled or not: being late is what the owner must see first, the label says the rest), 'paid',
    'credited' (paid by credit notes alone), 'irrecoverable', 'cancelled'. Due on `today` is not late yet. A refund
    reads 'open' "À rembourser", 'partial' "Remboursé en partie", 'paid' "Remboursé" (money given back) or
    'imputed' "Imputé" (wholly imputed on its invoice), and is never late.

    >>> installment_display('open', Decimal('100.00'), Decimal('40.00'), date(2026, 3, 9), date(2026, 3, 9))
    ('partial', 'Réglée en partie')
    >>> installment_display('open', Decimal('100.00'), Decimal('40.00'), date(2026, 3, 1), date(2026, 3, 9))
    ('overdue', 'En retard, réglée en partie')
    >>> installment_display('open', Decimal('100.00'), Decimal('0.00'), date(2026, 3, 1), date(2026, 3, 9))
    ('overdue', 'En retard')
    >>> installment_display('open', Decimal('100.00'), Decimal('54.00'), date(2026, 3, 9), date(2026, 3, 9),
    ...                     imputed=Decimal('54.00'))
    ('open', 'En attente')
    >>> installment_display('paid', Decimal('54.00'), Decimal('54.00'), date(2026, 3, 9), date(2026, 3, 9),
    ...                     imputed=Decimal('54.00'))
    ('credited', 'Soldée par avoir')
    >>> installment_display('paid', Decimal('100.00'), Decimal('100.00'), date(2026, 3, 1), date(2026, 3, 9),
    ...                     'deposit')
    ('paid', 'Réglé')
    >>> installment_display('open', Decimal('-80.00'), Decimal('-30.00'), date(2026, 3, 1), date(2026, 3, 9),
    ...                     'refund')
    ('partial', 'Remboursé en partie')
    >>> installment_display('paid', Decimal('-54.00'), Decimal('-54.00'), date(2026, 3, 9), date(2026, 3, 9),
    ...                     'refund', imputed=Decimal('-54.00'))
    ('imputed', 'Imputé')
    """
    labels = {'deposit': DEPOSIT_LABELS, 'refund': REFUND_LABELS}.get(kind, DISPLAY_LABELS)
    received = paid_amount - imputed  # money actually received (or, on a refund, given back)
    if status == 'paid' and not received and imputed:
        key = 'imputed' if kind == 'refund' else 'credited'
        return key, labels[key]
    if status != 'open':
        if status not in labels:
            raise ValueError(f'unknown installment status {status!r}')
        return status, labels[status]
    settled = received != 0
    if due_date < today and kind != 'refund':
        return 'overdue', f'{labels["overdue"]}, {labels["partial"].lower()}' if settled else labels['overdue']
    key = 'partial' if settled else 'open'
    return key, labels[key]


def imputed_part(records) -> Decimal:
    """What credit notes imputed among an installment's journal records (objects or dicts with `method` and
    `amount`), reversals included: the part of its paid amount that is no money received.

    >>> imputed_part([{'method': 'cheque', 'amount': Decimal('50.00')},
    ...               {'method': 'credit_note', 'amount': Decimal('54.00')}])
    Decimal('54.00')
    """
    total = ZERO
    for record in records:
        method, value = (record['method'], record['amount']) if isinstance(record, dict) else (record.method,
                                                                                                record.amount)
        if method == IMPUTATION:
            total += value
    return total


def is_settled_by_money(status: str, paid_amount: Decimal, imputed: Decimal) -> bool:
    """Whether the "Réglé" box of a row is ticked: paid, and not by credit notes alone.

    >>> is_settled_by_money('paid', Decimal('-54.00'), Decimal('-54.00'))
    False
    """
    return status == 'paid' and paid_amount != imputed


def type_of(kind: str, status: str) -> str:
    """The "type" shown (and filtered) on the payments page.

    >>> type_of('installment', 'irrecoverable')
    'irrecoverable'
    """
    return 'irrecoverable' if status == 'irrecoverable' else kind


def open_amount(amount: Decimal, paid_amount: Decimal) -> Decimal:
    """What is left to pay, as a positive figure for the user (a refund's left is shown positive too)."""
    return abs(amount - paid_amount)
