"""What a progress invoice prints (IN8): the contract's progress table and the holdback, from its frozen copy only.

The snapshot's `extra['situation']` (db/situations.py) holds every figure as issued; nothing is recomputed here, so
a situation reprints identically years later.
"""
from decimal import Decimal

from logic.money import format_decimal_fr, format_eur
from logic.snapshot import DocumentSnapshot


def situation_table(s: DocumentSnapshot) -> dict | None:
    """{'rows': per contract line, 'total': the same for the whole contract, 'caption', 'holdback_text'}."""
    data = s.extra.get('situation')
    if not data:
        return None
    rows = [{'designation': line['designation'], 'reference': line['reference'],
             'contract': format_eur(Decimal(line['contract_amount'])),
             'percent': f'{format_decimal_fr(Decimal(line["cumulative_percent"]))} %',
             'cumulative': format_eur(Decimal(line['cumulative_amount'])),
             'previous': format_eur(Decimal(line['previous_amount'])),
             'delta_percent': f'{format_decimal_fr(Decimal(line["delta_percent"]))} %',
             'delta': format_eur(Decimal(line['delta_amount']))} for line in data['lines']]
    contract = Decimal(data['contract_ht'])
    cumulative = Decimal(data['cumulative_ht'])
    percent = (cumulative * 100 / contract).quantize(Decimal('0.01')) if contract else Decimal(0)
    total = {'contract': format_eur(contract), 'percent': f'{format_decimal_fr(percent)} %',
             'cumulative': format_eur(cumulative), 'previous': format_eur(Decimal(data['previous_ht'])),
             'delta': format_eur(Decimal(data['delta_ht']))}
    what = 'Décompte général définitif — situation' if data['final'] else 'Situation'
    caption = f'{what} n° {data["seq"]} du marché (devis n° {data["quote_number"]})'
    return {'caption': caption, 'rows': rows, 'total': total, 'holdback_text': data['holdback_text']}


def situation_settlement(s: DocumentSnapshot, row) -> list[dict]:
    """The last rows of the totals: deposits deducted, the holdback kept, what is to pay now."""
    data = s.extra['situation']
    out = []
    if s.prepaid:  # the deposit invoices are cited by number (docs/legal.md 2.3)
        cited = ', '.join(ref.number for ref in s.references)
        out.append(row(f'Acomptes déduits ({cited})' if cited else 'Acomptes déduits', -s.prepaid))
    kept = Decimal(data['holdback'])
    if kept:
        out.append(row(f'Retenue de garantie {format_decimal_fr(Decimal(data["holdback_rate"]))} %', -kept))
    out.append(row('Net à payer', Decimal(data['pay_now'])))
    return out
