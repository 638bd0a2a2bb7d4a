"""What the print templates see: the snapshot's values as display strings, nothing computed twice.

Every amount is a value of the snapshot (made by logic.totals) formatted with logic.money, so the screen, the PDF
and the XML agree to the cent. Texts stay plain strings: the Jinja environment escapes them.
"""
import re
from datetime import date
from decimal import Decimal

from babel import Locale

from logic import doctypes
from logic.dates import format_date
from logic.identifiers import format_iban, format_siren, format_siret
from logic.money import format_decimal_fr, format_eur
from logic.render.mentions import mentions, nature_text, vat_note
from logic.render.situation import situation_settlement, situation_table
from logic.render.style import TemplateStyle, font_face_css, font_stack
from logic.snapshot import DocumentSnapshot, Party, Reference, shown_notes
from logic.totals import Document, Line, compute

_FR = Locale('fr')
DELIVERY_LABELS = {'B': 'Date de livraison', 'S': 'Date de la prestation', 'M': 'Date de livraison / prestation'}
_SAYS_EI = re.compile(r'\bEI\b|(?i:entrepreneur individuel)')
_REGISTER_WORD = re.compile(r'^(RCS|RM)\b[\s:]*', re.IGNORECASE)


def build_context(snapshot: DocumentSnapshot, style: TemplateStyle, *, draft: bool = False,
                  logo_url: str = '') -> dict:
    columns = {'reference': style.show_reference and any(line.reference for line in snapshot.lines),
               'unit': style.show_unit and any(line.unit for line in snapshot.lines),
               'discount': style.show_discount and any(line.allowance for line in snapshot.lines),
               # A franchise seller charges no VAT: no rate column, no breakdown, one sentence instead (vat_note).
               'vat': snapshot.vat_regime != 'franchise'}
    if not style.show_prices:  # a delivery note without prices: what was delivered, nothing about money
        columns.update(discount=False, vat=False)
    priced = style.show_prices
    entry = doctypes.TYPES.get(snapshot.doc_type)
    receipt = bool(entry and entry.receipt)  # a delivery note is not what is paid: no bank details
    return {
        'draft': draft,
        'logo_url': logo_url,
        'layout': style.layout,
        'css': {'fonts': font_face_css(style.font), 'family': font_stack(style.font),
                'primary': style.primary_color, 'accent': style.accent_color},
        'template': {'header': style.header_text.strip(), 'footer': style.footer_text.strip()},
        'doc': _document(snapshot),
        'seller': {**_party(snapshot.seller, seller=True), 'name': seller_name(snapshot.seller)},
        'buyer': _party(snapshot.buyer, seller=False, b2b=snapshot.is_b2b),
        'delivery': _party(snapshot.delivery_address, seller=False) if snapshot.delivery_address else None,
        'columns': {**columns, 'prices': priced},
        'column_count': (4 if priced else 2) + sum(columns.values()),
        'lines': [_line(line) for line in snapshot.lines],
        'situation': situation_table(snapshot) if priced else None,  # a progress invoice's progress table
        'totals': _totals(snapshot) if priced else [],
        'vat_rows': [] if not priced else [{'rate': _vat_label(vat.category, vat.rate, long=True), 'base': format_eur(vat.base),
                      'vat': format_eur(vat.vat)} for vat in snapshot.vat_lines] if columns['vat'] else [],
        'vat_note': vat_note(snapshot),
        # A credit note is money given back, not a schedule to pay: no installment, no due date (its own refund
        # installment is negative and only lives in Payments).
        'installments': [{'date': _date(item.due_date), 'amount': format_eur(item.amount)}
                         for item in snapshot.installments] if snapshot.doc_type != 'credit_note' and priced else [],
        'deductions': _deductions(snapshot) if priced else [],
        'mentions': mentions(snapshot),
        'bank': _bank(snapshot.seller) if style.show_bank and not receipt and snapshot.doc_type != 'credit_note'
        else None,
        'legal_footer': _legal_footer(snapshot.seller),
    }


def _document(s: DocumentSnapshot) -> dict:
    entry = doctypes.TYPES.get(s.doc_type)
    receipt = bool(entry and entry.receipt)  # a delivery note: no due date nor payment, the day it was delivered
    return {
        # A deposit request takes no number (DE2): it shows its quote's instead.
        'title': s.title, 'number': s.number or ('' if _never_numbered(s.doc_type) else 'Brouillon'),
        'type': s.doc_type, 'issue_date': _date(s.issue_date),
        'quote': _quote_cited(s),
        # A quote is valid until a date, it falls due on none; a credit note falls due on none either.
        'due_date': _date(s.due_date) if s.doc_type not in ('quote', 'credit_note', 'order') and not receipt else '',
        'delivery_date': _date(s.delivery_date) if s.delivery_date and (s.delivery_date != s.issue_date or receipt)
        else '',
        'delivery_label': DELIVERY_LABELS.get(s.operation_nature, DELIVERY_LABELS['B']),
        'validity_date': _date(s.validity_date) if s.doc_type == 'quote' else '', 'purchase_order': s.purchase_order,
        'buyer_reference': s.buyer_reference, 'client_code': s.buyer.code,
        'nature': nature_text(s) if doctypes.is_legal(s.doc_type) else '',
        # A credit note copies its invoice's payment wording (db/credit_notes.py), which does not apply to it.
        'payment': payment_lines(s.payment_method, s.payment_terms) if s.doc_type != 'credit_note' and not receipt
        else [],
        'header_text': s.header_text.strip(), 'footer_text': s.footer_text.strip(), 'notes': shown_notes(s),
        'references': [f'{ref.number} du {_date(ref.issue_date)}' for ref in s.references
                       if s.doc_type == 'credit_note'],
        'is_quote': s.doc_type == 'quote', 'is_credit_note': s.doc_type == 'credit_note',
        'is_receipt': receipt,  # signed by the receiver: "Bon pour réception" (OR2)
    }


def payment_lines(method: str, terms: str) -> list[str]:
    """The "Règlement" block says each fact once: a method named after its terms already says them.

    >>> payment_lines('Virement à 30 jours', '30 jours')
    ['Virement à 30 jours']
    >>> payment_lines('Virement à réception', 'À réception')
    ['Virement à réception']
    >>> payment_lines('Chèque', '45 jours fin de mois')
    ['Chèque', '45 jours fin de mois']
    >>> payment_lines('', 'Paiement à réception')
    ['Paiement à réception']
    """
    method, terms = method.strip(), terms.strip()
    if terms and method and terms.casefold() in method.casefold():
        return [method]
    return [text for text in (method, terms) if text]


def _quote_cited(s: DocumentSnapshot) -> str:
    """'D2026-00012 du 05/03/2026' on deposit invoices and requests: the quote their snapshot's extra cites (DE2)."""
    number = s.extra.get('quote_number') or ''
    if not number:
        return ''
    issued = s.extra.get('quote_date')
    return f'{number} du {_date(date.fromisoformat(issued))}' if issued else number


def _party(party: Party | None, *, seller: bool, b2b: bool = True) -> dict:
    address = [party.address, party.address2, f'{party.postcode} {party.city}'.strip()]
    if party.country and party.country != 'FR':
        address.append(_FR.territories.get(party.country, party.country))
    ids = []
    if party.siren and (seller or b2b):
        ids.append(f'SIREN {format_siren(party.siren)}')
    if party.vat_number:
        ids.append(f'N° TVA {party.vat_number}')
    if seller and party.siret:
        ids.append(f'SIRET {format_siret(party.siret)}')
    contact = [value for value in (party.phone, party.email) if value] if seller else []
    return {'name': party.name, 'address': [line for line in address if line], 'ids': ids, 'contact': contact}


def _line(line) -> dict:
    if line.kind != 'item':
        return {'kind': line.kind, 'designation': line.designation, 'description': line.description,
                'net': format_eur(line.net) if line.kind == 'subtotal' and line.net is not None else ''}
    discount = ''
    if line.discount_kind == 'percent' and line.discount_value:
        discount = f'{format_decimal_fr(line.discount_value)} %'
    elif line.discount_kind == 'amount' and line.discount_value:
        discount = format_eur(line.discount_value)
    return {'kind': 'item', 'reference': line.reference, 'designation': line.designation,
            'description': line.description, 'quantity': format_decimal_fr(line.quantity), 'unit': line.unit,
            'unit_price': price_text(line.unit_price), 'discount': discount,
            'vat_rate': _vat_label(line.vat_category, line.vat_rate),
            'net': format_eur(line.net if line.net is not None else Decimal(0))}


def _totals(s: DocumentSnapshot) -> list[dict]:
    rows = []
    if s.allowance_total or s.charge_total:
        rows.append(_row('Total des lignes HT', s.lines_total))
    if s.allowance_total:
        label = 'Remise globale'
        if s.global_discount_kind == 'percent':
            label += f' ({format_decimal_fr(s.global_discount_value)} %)'
        rows.append(_row(label, -s.allowance_total))
    if s.charge_total:
        rows.append(_row('Frais de port HT', s.charge_total))
    rows.append(_row('Total HT', s.total_ht, strong=True))
    if s.vat_regime != 'franchise':
        rows.append(_row('Total TVA', s.total_vat))
        rows.append(_row('Total TTC', s.total_ttc, strong=True))
    rows.extend(_settlement(s))
    rows[-1]['grand'] = True
    return rows


def _settlement(s: DocumentSnapshot) -> list[dict]:
    """What the last rows say is owed, and by whom.

    A credit note is owed to the client (deducted from its invoice or refunded, see mentions). A deposit invoice is
    issued once the money is in (DE3): already settled, nothing to pay. A balance invoice deducts the deposits
    invoiced; should they exceed it, the difference is to be refunded, never a negative "Net à payer".
    """
    if s.doc_type == 'credit_note':
        return [_row('Net en votre faveur', -s.amount_due)]
    if s.extra.get('situation'):  # a progress invoice: deposits deducted, holdback kept, what is paid now
        return situation_settlement(s, _row)
    if s.doc_type == 'deposit_invoice':
        paid = s.prepaid or (s.total_ttc if s.extra.get('received_on') else Decimal(0))
        label = 'Déjà réglé'
    else:
        paid, label = s.prepaid, 'Acomptes déjà facturés'
    if not paid:
        return [_row('Net à payer', s.amount_due)] if s.vat_regime == 'franchise' else []
    due = s.amount_due if s.prepaid else s.total_ttc - paid
    last = _row('Montant à rembourser', -due) if due < 0 else _row('Net à payer', due)
    return [_row(label, -paid), last]


def _deductions(s: DocumentSnapshot) -> list[dict]:
    """The deposit invoices a balance invoice deducts, each with the base and VAT per rate it already invoiced (as
    negative rows under the VAT breakdown), so that nobody counts that VAT twice (docs/legal.md 2.3)."""
    if s.doc_type != 'invoice':
        return []
    out = []
    for ref in s.references:
        if not ref.amount:
            continue
        rows = [{'rate': f'{format_decimal_fr(rate)} %', 'base': format_eur(-base), 'vat': format_eur(-vat)}
                for rate, base, vat in ref.vat_breakdown or _single_rate_breakdown(s, ref)]
        caption = f'Acompte facture n° {ref.number} du {_date(ref.issue_date)}'
        out.append({'caption': caption if rows else f'{caption} : {format_eur(ref.amount)} TTC', 'rows': rows})
    return out


def _single_rate_breakdown(s: DocumentSnapshot, ref: Reference) -> tuple[tuple[Decimal, Decimal, Decimal], ...]:
    """For a reference frozen without its breakdown: when the balance invoice has a single VAT rate, its deposits
    (split over the quote's rates, logic/deposits.py) had that one rate too, and the engine of prices including VAT
    gives their base and VAT exactly. With several rates the split is not in the snapshot: nothing is guessed."""
    if len(s.vat_lines) != 1:
        return ()
    vat = s.vat_lines[0]
    group = compute(Document(lines=(Line(quantity=Decimal(1), unit_price=ref.amount, vat_rate=vat.rate,
                                         vat_category=vat.category),), vat_included=True)).vat_groups[0]
    return ((group.rate, group.base, group.vat),)


def _row(label: str, value: Decimal, *, strong: bool = False, grand: bool = False) -> dict:
    return {'label': label, 'value': format_eur(value), 'strong': strong, 'grand': grand}


def _bank(seller: Party) -> dict | None:
    if not seller.iban:
        return None
    return {'name': seller.bank_name, 'iban': format_iban(seller.iban), 'bic': seller.bic}


def _legal_footer(seller: Party) -> str:
    parts = [seller_name(seller), legal_identity(seller)]
    if seller.siret:
        parts.append(f'SIRET {format_siret(seller.siret)}')
    elif seller.siren:
        parts.append(f'SIREN {format_siren(seller.siren)}')
    if seller.ape_code:
        parts.append(f'APE {seller.ape_code}')
    if seller.vat_number:
        parts.append(f'TVA {seller.vat_number}')
    return ' · '.join(part for part in parts if part)


def seller_name(seller: Party) -> str:
    """The seller's name, followed by "EI" for an entrepreneur individuel (C. com. R526-26) unless it already says so.

    >>> seller_name(Party(name='Jean Lefèvre', legal_kind='sole_trader'))
    'Jean Lefèvre EI'
    """
    if seller.legal_kind == 'sole_trader' and not _SAYS_EI.search(seller.name):
        return f'{seller.name} EI'
    return seller.name


def legal_identity(seller: Party) -> str:
    """Legal form, capital and register as printed (C. com. R123-237, R123-238): a company's form and capital, never
    a capital for an entrepreneur individuel; "RCS" or "RM" (craftsmen) before the register text, nothing when the
    business is in no register. The register text may already start with either word: it is replaced.

    >>> legal_identity(Party(name='X', legal_form='SARL', capital='10 000 €', rcs='RCS Lyon 732 829 320'))
    'SARL au capital de 10 000 € · RCS Lyon 732 829 320'
    >>> legal_identity(Party(name='X', legal_kind='sole_trader', capital='1 €', trade_register='rm', rcs='RCS 69'))
    'RM 69'
    """
    form = seller.legal_form.strip()
    if seller.legal_kind == 'sole_trader':
        form = '' if _SAYS_EI.fullmatch(form) else form  # "EI" already follows the name
    elif seller.capital.strip():
        form = f'{form} au capital de {seller.capital.strip()}'.strip()
    register = ''
    if seller.trade_register != 'none' and seller.rcs.strip():
        words = _REGISTER_WORD.sub('', seller.rcs.strip())
        register = f'{"RM" if seller.trade_register == "rm" else "RCS"} {words}'.strip()
    return ' · '.join(part for part in (form, register) if part)


def _vat_label(category: str, rate: Decimal, *, long: bool = False) -> str:
    """A rate as printed: '20 %'; '0 %' for zero-rated and reverse-charged lines (VAT due, at 0 % on this invoice or
    by the buyer); exempt otherwise."""
    if category in ('S', 'Z') or (category == 'AE' and not long):
        return f'{format_decimal_fr(rate)} %'
    if category == 'AE':
        return 'Autoliquidation'
    return 'Exonéré' if long else 'Exo.'


def price_text(value: Decimal) -> str:
    """A unit price with its own decimals, at least two: '22,90 €', '10,005 €' (never rounded away)."""
    places = max(2, -value.normalize().as_tuple().exponent)
    return f'{format_decimal_fr(value, places=places)}\u00a0€'


def _never_numbered(doc_type: str) -> bool:
    """A printout that takes no number (a deposit request, DE2) shows none, rather than "Brouillon"."""
    entry = doctypes.TYPES.get(doc_type)
    return entry is not None and entry.numbered_at == 'never'


def _date(value: date | None) -> str:
    return format_date(value)
