"""The legal mentions a printed document carries, by document type and client kind (docs/legal.md §1).

Texts the company may reword (penalties, indemnity, escompte) come from the snapshot, frozen at validation; the others
are fixed here. Business clients get the L441-9 commercial mentions; individuals get the consumer ones.
"""
from datetime import date

from logic import doctypes
from logic.company import DEFAULT_DISCOUNT_TEXT, DEFAULT_INDEMNITY_TEXT, DEFAULT_PENALTY_TEXT
from logic.dates import format_date
from logic.snapshot import DocumentSnapshot, direct_debit

NATURES = {'B': 'Livraisons de biens', 'S': 'Prestations de services', 'M': 'Livraisons de biens et prestations de '
           'services'}
FRANCHISE = 'TVA non applicable, art. 293 B du CGI'
# Defaults when a 0 % rate of these categories carries no wording of its own (the seeded rates do: db/settings.py).
INTRA_EU_SUPPLY = 'Exonération de TVA, article 262 ter I du CGI'
REVERSE_CHARGE = 'Autoliquidation'
VAT_ON_DEBITS = 'Option pour le paiement de la taxe d’après les débits'
CONFORMITY = ('Les biens vendus bénéficient de la garantie légale de conformité de deux ans (articles L217-3 et '
              'suivants du Code de la consommation).')


def mentions(snapshot: DocumentSnapshot) -> list[str]:
    """Sentences printed under the totals, in reading order, without duplicates."""
    out: list[str] = []
    is_invoice = doctypes.is_legal(snapshot.doc_type)  # invoices of every kind and credit notes
    franchise = snapshot.vat_regime == 'franchise'
    for vat in snapshot.vat_lines:
        if franchise and '293 B' in vat.exemption_reason:
            continue  # printed once, beside the totals (vat_note)
        if vat.exemption_reason:
            out.append(vat.exemption_reason)
        elif vat.category == 'K':
            out.append(INTRA_EU_SUPPLY)
    categories = {vat.category for vat in snapshot.vat_lines}
    if 'AE' in categories and not any('autoliquidation' in vat.exemption_reason.lower()
                                      for vat in snapshot.vat_lines if vat.category == 'AE'):
        out.append(REVERSE_CHARGE)
    if categories & {'K', 'AE'}:  # 242 nonies A 3°-4°: both VAT numbers, side by side with the exemption
        out.append(_vat_numbers(snapshot))
    # The débits option only concerns services (VAT on goods is always due on delivery), and a seller charging VAT:
    # CGI annexe III art. 77-2.
    services = any(line.kind == 'item' and line.nature == 'service' for line in snapshot.lines)
    if snapshot.vat_on_debits and is_invoice and not franchise and services:
        out.append(VAT_ON_DEBITS)
    if snapshot.doc_type == 'credit_note':
        out.append(_credit_settlement(snapshot))
    if snapshot.doc_type == 'deposit_invoice':
        out.append(_quote_citation(snapshot, 'Acompte sur le devis'))
        received = snapshot.extra.get('received_on')
        if received and received != snapshot.issue_date.isoformat():  # docs/legal.md 1, 10°: the date it was received
            out.append(f'Acompte encaissé le {_date(received)}.')
        out.append('Facture d’acompte : la TVA est due sur l’acompte encaissé ; le montant sera déduit de la '
                   'facture finale.')
    if snapshot.doc_type == 'deposit_request':
        out.append(_quote_citation(snapshot, 'Acompte demandé sur le devis'))
        out.append('Ce document est une demande d’acompte, pas une facture : la facture d’acompte sera établie à '
                   'réception du règlement.')
    if is_invoice and snapshot.doc_type != 'credit_note' and direct_debit(snapshot):
        out.append(_debit_notice(snapshot))
    if snapshot.doc_type == 'quote' and snapshot.validity_date:
        out.append(f'Devis valable jusqu’au {format_date(snapshot.validity_date)}.')
    receipt = snapshot.doc_type in doctypes.TYPES and doctypes.doc_type(snapshot.doc_type).receipt
    if snapshot.is_b2b and snapshot.doc_type != 'credit_note' and not receipt:  # a delivery note is not paid
        out.append(snapshot.discount_text or DEFAULT_DISCOUNT_TEXT)
        out.append(snapshot.penalty_text or DEFAULT_PENALTY_TEXT)
        out.append(snapshot.indemnity_text or DEFAULT_INDEMNITY_TEXT)
    if not snapshot.is_b2b and snapshot.operation_nature in ('B', 'M'):
        out.append(CONFORMITY)
    return list(dict.fromkeys(text.strip() for text in out if text.strip()))


def vat_note(snapshot: DocumentSnapshot) -> str:
    """The franchise sentence, printed once beside the totals rather than among the other mentions."""
    return FRANCHISE if snapshot.vat_regime == 'franchise' else ''


def _vat_numbers(snapshot: DocumentSnapshot) -> str:
    """'N° de TVA intracommunautaire du vendeur : FR44732829320 ; de l’acquéreur : DE129273398.'"""
    numbers = [f'{who} : {party.vat_number}' for who, party in (('du vendeur', snapshot.seller),
                                                               ('de l’acquéreur', snapshot.buyer)) if party.vat_number]
    return f'N° de TVA intracommunautaire {" ; ".join(numbers)}.' if numbers else ''


def _credit_settlement(snapshot: DocumentSnapshot) -> str:
    """How a credit note is settled (db/credit_notes.py): first deducted from what its invoice still owes, the rest
    refunded. The frozen copy does not know which part is which, so the sentence says both."""
    invoices = ', '.join(ref.number for ref in snapshot.references if ref.number)
    if not invoices or snapshot.amount_due >= 0:
        return ''
    return (f'Cet avoir est déduit des sommes restant dues sur la facture n° {invoices} ; le surplus éventuel vous '
            'sera remboursé.')


def _debit_notice(snapshot: DocumentSnapshot) -> str:
    """PA5, the pre-notification on the invoice: 'Montant prélevé sur le compte FR76 **** 0189 le 12/04/2026, mandat
    RUM-BM-0001, identifiant créancier SEPA FR72ZZZ123456.' (several installments: 'à chaque échéance')."""
    debit = direct_debit(snapshot)
    account = f'{debit.iban[:4]} **** {debit.iban[-4:]}'
    when = 'à chaque échéance' if len(snapshot.installments) > 1 else (
        f'le {format_date(snapshot.due_date)}' if snapshot.due_date else 'à l’échéance')
    return (f'Montant prélevé sur le compte {account} {when}, mandat {debit.mandate}, identifiant créancier SEPA '
            f'{debit.creditor_id}.')


def _quote_citation(snapshot: DocumentSnapshot, words: str) -> str:
    """'Acompte sur le devis n° D2026-00012 du 05/03/2026.' (the quote is in the snapshot's `extra`)."""
    number, issued = snapshot.extra.get('quote_number'), snapshot.extra.get('quote_date')
    if not number:
        return ''
    return f'{words} n° {number}' + (f' du {_date(issued)}' if issued else '') + '.'


def _date(iso: str) -> str:
    return format_date(date.fromisoformat(iso))


def nature_text(snapshot: DocumentSnapshot) -> str:
    """The nature of the operations, printed on invoices since the e-invoicing reform (BT-23)."""
    return NATURES.get(snapshot.operation_nature, '')
