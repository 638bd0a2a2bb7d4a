"""What the print templates see: the snapshot's values as display strings, nothing computed twice.

Every amount is a value of the snapshot (made by logic.totals) formatted with logic.money, so the screen, the PDF
and the XML agree to the cent. Texts stay plain strings: the Jinja environment escapes them.
"""
from datetime import date
from decimal import Decimal

from babel import Locale

from logic import doctypes
from logic.dates import format_date
from logic.facturx.facts import legal_description
from logic.identifiers import format_iban, format_siren, format_siret
from logic.money import format_decimal_fr, format_eur
from logic.render.mentions import mentions, nature_text
from logic.render.style import TemplateStyle, font_face_css, font_stack
from logic.snapshot import DocumentSnapshot, Party

_FR = Locale('fr')


def build_context(snapshot: DocumentSnapshot, style: TemplateStyle, *, draft: bool = False,
                  logo_url: str = '') -> dict:
    columns = {'reference': style.show_reference and any(line.reference for line in snapshot.lines),
               'unit': style.show_unit and any(line.unit for line in snapshot.lines),
               'discount': style.show_discount and any(line.allowance for line in snapshot.lines)}
    return {
        'draft': draft,
        'logo_url': logo_url,
        'layout': style.layout,
        'css': {'fonts': font_face_css(style.font), 'family': font_stack(style.font),
                'primary': style.primary_color, 'accent': style.accent_color},
        'template': {'header': style.header_text.strip(), 'footer': style.footer_text.strip()},
        'doc': _document(snapshot),
        'seller': _party(snapshot.seller, seller=True),
        'buyer': _party(snapshot.buyer, seller=False, b2b=snapshot.is_b2b),
        'delivery': _party(snapshot.delivery_address, seller=False) if snapshot.delivery_address else None,
        'columns': columns,
        'column_count': 5 + sum(columns.values()),
        'lines': [_line(line) for line in snapshot.lines],
        'totals': _totals(snapshot),
        'vat_rows': [{'rate': f'{format_decimal_fr(vat.rate)} %' if vat.category == 'S' else 'Exonéré',
                      'base': format_eur(vat.base), 'vat': format_eur(vat.vat)} for vat in snapshot.vat_lines],
        'installments': [{'date': _date(item.due_date), 'amount': format_eur(item.amount)}
                         for item in snapshot.installments],
        'deductions': [{'number': ref.number, 'date': _date(ref.issue_date), 'amount': format_eur(ref.amount)}
                       for ref in snapshot.references if snapshot.doc_type == 'invoice' and ref.amount],
        'mentions': mentions(snapshot),
        'bank': _bank(snapshot.seller) if style.show_bank and snapshot.doc_type != 'credit_note' else None,
        'legal_footer': _legal_footer(snapshot.seller),
    }


def _document(s: DocumentSnapshot) -> dict:
    return {
        # A deposit request takes no number (DE2): it shows its quote's instead.
        'title': s.title, 'number': s.number or ('' if _never_numbered(s.doc_type) else 'Brouillon'),
        'type': s.doc_type, 'issue_date': _date(s.issue_date),
        'quote': _quote_cited(s),
        'due_date': _date(s.due_date),
        'delivery_date': _date(s.delivery_date) if s.delivery_date and s.delivery_date != s.issue_date else '',
        'validity_date': _date(s.validity_date), 'purchase_order': s.purchase_order,
        'buyer_reference': s.buyer_reference, 'client_code': s.buyer.code,
        'nature': nature_text(s) if doctypes.is_legal(s.doc_type) else '',
        'payment_terms': s.payment_terms, 'payment_method': s.payment_method,
        'header_text': s.header_text.strip(), 'footer_text': s.footer_text.strip(), 'notes': s.notes.strip(),
        'references': [f'{ref.number} du {_date(ref.issue_date)}' for ref in s.references
                       if s.doc_type == 'credit_note'],
        'is_quote': s.doc_type == 'quote', 'is_credit_note': s.doc_type == 'credit_note',
    }


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
            'vat_rate': f'{format_decimal_fr(line.vat_rate)} %' if line.vat_category == 'S' else 'Exo.',
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
    rows.append(_row('Total TVA', s.total_vat))
    rows.append(_row('Total TTC', s.total_ttc, strong=True, grand=not s.prepaid))
    if s.prepaid:
        rows.append(_row('Acomptes déjà facturés', -s.prepaid))
        rows.append(_row('Net à payer', s.amount_due, strong=True, grand=True))
    return rows


def _row(label: str, value: Decimal, *, strong: bool = False, grand: bool = False) -> dict:
    return {'label': label, 'value': format_eur(value), 'strong': strong, 'grand': grand}


def _bank(seller: Party) -> dict | None:
    if not seller.iban:
        return None
    return {'name': seller.bank_name, 'iban': format_iban(seller.iban), 'bic': seller.bic}


def _legal_footer(seller: Party) -> str:
    parts = [seller.name, legal_description(seller)]
    if seller.siret:
        parts.append(f'SIRET {format_siret(seller.siret)}')
    elif seller.siren:
        parts.append(f'SIREN {format_siren(seller.siren)}')
    if seller.ape_code:
        parts.append(f'APE {seller.ape_code}')
    if seller.vat_number:
        parts.append(f'TVA {seller.vat_number}')
    return ' · '.join(part for part in parts if part)


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
