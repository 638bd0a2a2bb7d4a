"""The legal mentions an invoice or a credit note must carry (docs/legal.md §1), checked on its frozen copy.

`missing_mentions(snapshot)` lists, in French, what is missing; validation refuses while the list is not empty, so
that no invoice is ever issued without them. Between businesses (B2B: the buyer's category is a business or a
public body) the commercial mentions of C. com. L441-9 are due too: payment terms, late-penalty rate, the 40 €
recovery indemnity and the early-payment discount conditions. Each message names where to fix it.

>>> from logic.snapshot import DocumentSnapshot, Party
>>> seller = Party(name='Atelier Durand', address='12 rue des Lilas', postcode='69003', city='Lyon',
...               legal_kind='sole_trader', trade_register='none')
>>> missing_mentions(DocumentSnapshot(doc_type='invoice', number='F2026-00001', issue_date=date(2026, 3, 9),
...     seller=seller, buyer=Party(name='Mme Petit', category='individual'), lines=(), vat_lines=(),
...     lines_total=Z, allowance_total=Z, charge_total=Z, total_ht=Z, total_vat=Z, total_ttc=Z, amount_due=Z))[:3]
['le SIREN du vendeur (Paramètres > Société)', 'l’adresse du client (fiche du client)', 'au moins une ligne facturée']

The number and the date are not checked here: validation assigns them.
"""
from datetime import date  # noqa: F401 - used by the doctest
from decimal import Decimal

from logic.snapshot import DocumentSnapshot, Party
from logic.terms import b2b_due_date_problem

Z = Decimal('0.00')
# Below this amount HT the seller's VAT number may be left out (BOI-TVA-DECLA-30-20-20-20 §20), except for
# intra-EU operations and reverse charge.
VAT_NUMBER_THRESHOLD = Decimal('150')
INTRA_EU_CATEGORIES = ('K', 'AE')
FRANCHISE_MENTION = '293 B'
COMPANY = '(Paramètres > Société)'
TRANSFER_MEANS = ('30', '58')
CLIENT = '(fiche du client)'


def missing_mentions(snapshot: DocumentSnapshot) -> list[str]:
    """What the document lacks to be a lawful invoice or credit note, as French phrases (empty when complete)."""
    return [*_seller(snapshot), *_buyer(snapshot.buyer, snapshot), *_content(snapshot), *_natures(snapshot),
            *_terms(snapshot)]


def is_b2b(snapshot: DocumentSnapshot) -> bool:
    return snapshot.buyer.is_business


def _seller(snapshot: DocumentSnapshot) -> list[str]:
    seller, missing = snapshot.seller, []
    if not seller.name.strip():
        missing.append(f'la raison sociale du vendeur {COMPANY}')
    if not _has_address(seller):
        missing.append(f'l’adresse complète du vendeur {COMPANY}')
    if not seller.siren:
        missing.append(f'le SIREN du vendeur {COMPANY}')
    missing.extend(_legal_status(seller))
    categories = {line.category for line in snapshot.vat_lines}
    needs_vat_number = snapshot.vat_regime != 'franchise' and (
        abs(snapshot.total_ht) > VAT_NUMBER_THRESHOLD or categories & set(INTRA_EU_CATEGORIES))
    if needs_vat_number and not seller.vat_number:
        missing.append(f'le numéro de TVA intracommunautaire du vendeur {COMPANY}')
    return missing


def _natures(snapshot: DocumentSnapshot) -> list[str]:
    """Each line is a delivery of goods or a service (the e-invoice's "cadre de facturation", the débits option,
    the intra-EU rules): chosen by the user on a free line, never assumed (docs/legal.md 1)."""
    unknown = [line.designation or '(sans désignation)' for line in snapshot.lines
               if line.kind == 'item' and line.nature not in ('good', 'service')]
    if not unknown:
        return []
    return [f'la nature (bien ou service) de la ligne « {unknown[0]} »' + (
        f' et de {len(unknown) - 1} autre(s)' if len(unknown) > 1 else '')]


def _legal_status(seller: Party) -> list[str]:
    """Per kind of business (docs/legal.md 1.1): a company shows its legal form and capital (C. com. R123-238); every
    registered business its register — RCS and the registry's city for traders and companies, the Répertoire des
    métiers for craftsmen (décret 98-247 art. 9); an entrepreneur individuel prints "EI" (C. com. R526-26, done by
    the printout) and has no capital."""
    missing = []
    if seller.legal_kind == 'company':
        if not seller.legal_form.strip():
            missing.append(f'la forme juridique de la société (SARL, SAS…) {COMPANY}')
        if not seller.capital.strip():
            missing.append(f'le montant du capital social {COMPANY}')
    if seller.trade_register == 'rcs' and not seller.rcs.strip():
        missing.append(f'la mention RCS suivie de la ville du greffe (ex. RCS Lyon 732 829 320) {COMPANY}')
    if seller.trade_register == 'rm' and not seller.rcs.strip():
        missing.append(f'le numéro au Répertoire des métiers (ex. RM 69 732 829 320) {COMPANY}')
    return missing


def _buyer(buyer: Party, snapshot: DocumentSnapshot) -> list[str]:
    missing = []
    if not buyer.name.strip():
        missing.append(f'le nom du client {CLIENT}')
    if not _has_address(buyer):
        missing.append(f'l’adresse du client {CLIENT}')
    if buyer.category in ('fr_business', 'public') and not buyer.siren:
        missing.append(f'le SIREN du client, entreprise française {CLIENT}')
    categories = {line.category for line in snapshot.vat_lines}
    if buyer.category == 'eu_business' and categories & set(INTRA_EU_CATEGORIES) and not buyer.vat_number:
        missing.append(f'le numéro de TVA intracommunautaire du client {CLIENT}')
    return missing


def _content(snapshot: DocumentSnapshot) -> list[str]:
    missing = []
    items = [line for line in snapshot.lines if line.kind == 'item']
    if not items:
        missing.append('au moins une ligne facturée')
    if any(not line.designation.strip() for line in items):
        missing.append('la désignation de chaque ligne')
    for group in snapshot.vat_lines:
        if group.category != 'S' and group.category != 'Z' and not group.exemption_reason.strip():
            missing.append(f'la mention d’exonération de TVA des lignes à 0 % (catégorie {group.category}) '
                           '(Paramètres > Listes par défaut > TVA)')
    if any(group.category == 'K' for group in snapshot.vat_lines):
        # An intra-EU supply of goods states when and where the goods were delivered (EN 16931 BR-IC-11, BR-IC-12):
        # the delivery address's country, or the buyer's when the goods go to its own address.
        if snapshot.delivery_date is None:
            missing.append('la date de livraison, obligatoire pour une livraison intracommunautaire '
                           '(document, champ « Date de livraison »)')
        if not (snapshot.delivery_address or snapshot.buyer).country.strip():
            missing.append('le pays de livraison, obligatoire pour une livraison intracommunautaire '
                           '(adresse de livraison du document, ou pays sur la fiche du client)')
    if snapshot.vat_regime == 'franchise':
        if snapshot.total_vat:
            missing.append('une facture sans TVA : en franchise en base, la TVA n’est pas facturée')
        if not any(FRANCHISE_MENTION in group.exemption_reason for group in snapshot.vat_lines):
            missing.append('la mention « TVA non applicable, art. 293 B du CGI » sur les lignes')
    if snapshot.doc_type == 'credit_note' and not any(ref.number and ref.issue_date for ref in snapshot.references):
        missing.append('le numéro et la date de la facture rectifiée')
    return missing


def _terms(snapshot: DocumentSnapshot) -> list[str]:
    missing = []
    if snapshot.due_date is None:
        missing.append('la date d’échéance')
    # A transfer (or SEPA transfer) needs the account to pay to: the e-invoice rules BR-50/BR-61 refuse it otherwise.
    if snapshot.doc_type != 'credit_note' and snapshot.payment_means in TRANSFER_MEANS and not snapshot.seller.iban:
        missing.append('l’IBAN du vendeur, pour un paiement par virement (Paramètres > Société > Banque)')
    if not is_b2b(snapshot):
        return missing
    # C. com. L441-10 II caps B2B terms (docs/legal.md 7); a credit note owes nothing. Only a derogation recorded on
    # the client's card (a negotiated agreement, frozen with the buyer) lifts the ceiling, never a default.
    if (snapshot.doc_type != 'credit_note' and snapshot.due_date is not None
            and not snapshot.buyer.payment_terms_derogation.strip()):
        problem = b2b_due_date_problem(snapshot.issue_date, snapshot.due_date)
        if problem:
            missing.append(problem)
    if not snapshot.payment_terms.strip():
        missing.append('les conditions de paiement (mode de règlement)')
    if not snapshot.penalty_text.strip():
        missing.append(f'le taux des pénalités de retard {COMPANY}')
    if not snapshot.indemnity_text.strip():
        missing.append(f'l’indemnité forfaitaire de 40 € pour frais de recouvrement {COMPANY}')
    if not snapshot.discount_text.strip():
        missing.append(f'les conditions d’escompte {COMPANY}')
    return missing


def _has_address(party: Party) -> bool:
    return bool(party.address.strip() and party.postcode.strip() and party.city.strip())
