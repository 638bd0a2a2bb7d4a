"""Cheque remittances (PA4), the pure part: the details typed at settlement, slip numbers, what the chain hashes.

A slip ("bordereau de remise de chèques") is numbered in its own gapless series, RC{AAAA}-{N:5}, restarting each
year; its hash covers the account it is paid into and every cheque it carries. Cancelling a slip is chained too,
as a second entry labelled "<number> annulée".

>>> slip_number(date(2026, 3, 9), 7)
'RC2026-00007'
>>> check_details(ChequeDetails(drawer=' Durand ', bank='CIC', number='0012345')).drawer
'Durand'
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from logic.errors import DomainError
from logic.numbering import render

SERIES = 'cheque_slip'
PATTERN = 'RC{AAAA}-{N:5}'
PAYLOAD_VERSION = 1
CANCEL_SUFFIX = ' annulée'
MAX_CHEQUES = 500  # one slip; a bank's own slips hold far fewer lines


class ChequeError(DomainError):
    """A refusal about cheques or slips; `str(exc)` is the French message."""


@dataclass(kw_only=True, slots=True, frozen=True)
class ChequeDetails:
    """What is written on the cheque: who signed it ("tireur"), the bank it is drawn on, its number."""

    drawer: str = ''
    bank: str = ''
    number: str = ''


def check_details(details: ChequeDetails) -> ChequeDetails:
    """The details trimmed, or a ChequeError naming the bad field."""
    drawer, bank, number = (details.drawer or '').strip(), (details.bank or '').strip(), (details.number or '').strip()
    if len(drawer) > 100:
        raise ChequeError('Tireur du chèque : 100 caractères au maximum.')
    if len(bank) > 100:
        raise ChequeError('Banque du chèque : 100 caractères au maximum.')
    if len(number) > 20 or (number and not number.replace(' ', '').isalnum()):
        raise ChequeError('Numéro de chèque : des chiffres (et lettres), 20 caractères au maximum.')
    return ChequeDetails(drawer=drawer, bank=bank, number=number)


def slip_number(on: date, counter: int) -> str:
    return render(PATTERN, on=on, counter=counter)


def cancel_label(number: str) -> str:
    return f'{number}{CANCEL_SUFFIX}'


def check_selection(ids: Iterable[int]) -> list[int]:
    chosen = list(dict.fromkeys(int(id_) for id_ in ids))
    if not chosen:
        raise ChequeError('Choisissez au moins un chèque à remettre.')
    if len(chosen) > MAX_CHEQUES:
        raise ChequeError(f'Une remise compte au plus {MAX_CHEQUES} chèques : faites-en plusieurs.')
    return chosen


def slip_payload(*, id: int, number: str, issued_on: date, count: int, total: Decimal, holder: str, bank_name: str,
                 iban: str, bic: str, cheques: list[dict]) -> dict:
    """What the hash of a slip covers; `cheques` in the slip's order, each with the keys of `cheque_payload`."""
    return {'payload_version': PAYLOAD_VERSION, 'kind': 'slip', 'id': id, 'number': number, 'issued_on': issued_on,
            'count': count, 'total': total, 'holder': holder, 'bank_name': bank_name, 'iban': iban, 'bic': bic,
            'cheques': cheques}


def cheque_payload(*, id: int, payment_id: int, amount: Decimal, received_on: date, drawer: str, bank: str,
                   cheque_number: str, invoice_number: str) -> dict:
    return {'id': id, 'payment_id': payment_id, 'amount': amount, 'received_on': received_on, 'drawer': drawer,
            'bank': bank, 'cheque_number': cheque_number, 'invoice_number': invoice_number}


def cancel_payload(*, id: int, number: str, cancelled_on: date | None, reason: str) -> dict:
    return {'payload_version': PAYLOAD_VERSION, 'kind': 'cancel', 'id': id, 'number': number,
            'cancelled_on': cancelled_on, 'reason': reason}
