"""Sample documents for the template preview (DOC3): realistic lines, amounts from the totals engine."""
from datetime import date, timedelta
from decimal import Decimal

from logic import doctypes
from logic.company import DEFAULT_DISCOUNT_TEXT, DEFAULT_INDEMNITY_TEXT, DEFAULT_PENALTY_TEXT
from logic.numbering import render
from logic.snapshot import DocumentSnapshot, Party, Reference, SnapshotLine, VatLine
from logic.totals import Document, Line, compute, negate

SAMPLE_CLIENT = Party(name='Client Exemple SARL', address='10 avenue de la République', postcode='75011',
                      city='Paris', siren='552081317', vat_number='FR03552081317', category='fr_business',
                      code='C0001', electronic_address='552081317')
_ROWS = (  # reference, designation, description, quantity, unit, unit code, unit price, VAT rate, line discount %
    ('PRE-01', 'Prestation de conseil', 'Analyse des besoins et recommandations', '2', 'jour', 'DAY', '650', '20',
     None),
    ('MAT-12', 'Fournitures et petit matériel', '', '15', 'unité', 'C62', '12.40', '20', '10'),
    ('TRV-03', 'Travaux de rénovation (logement de plus de deux ans)', '', '8', 'heure', 'HUR', '48', '10', None),
    ('LIV-07', 'Ouvrage technique de référence', '', '1', 'unité', 'C62', '39.90', '5.5', None),
)


def preview_snapshot(seller: Party, doc_type: str = 'invoice', today: date | None = None) -> DocumentSnapshot:
    today = today or date.today()
    doc = Document(lines=tuple(Line(quantity=Decimal(q), unit_price=Decimal(p), vat_rate=Decimal(r),
                                    discount_kind='percent' if d else None, discount_value=Decimal(d or 0))
                               for _ref, _des, _txt, q, _u, _uc, p, r, d in _ROWS),
                   global_discount_kind='percent', global_discount_value=Decimal(3), shipping=Decimal('25'))
    if doc_type == 'credit_note':
        doc = negate(doc)
    totals = compute(doc)
    lines = tuple(SnapshotLine(reference=ref, designation=des, description=txt, quantity=line.quantity, unit=u,
                               unit_code=uc, unit_price=line.unit_price, discount_kind=line.discount_kind,
                               discount_value=line.discount_value, vat_rate=line.vat_rate,
                               net=net, allowance=allowance)
                  for (ref, des, txt, _q, u, uc, *_rest), line, net, allowance
                  in zip(_ROWS, doc.lines, totals.line_nets, totals.line_allowances))
    kind = doctypes.doc_type(doc_type)
    # The first number of its series' default pattern; a printout without a number (a deposit request) shows none.
    number = render(doctypes.SERIES[kind.series].pattern, on=today, counter=1) if kind.series else ''
    cited = render(doctypes.SERIES['invoice'].pattern, on=today, counter=1)  # the invoice a credit note corrects
    # Documents of the invoices' list ask for payment by a due date, except a credit note (money given back).
    payable = kind.family == 'invoice' and doc_type != 'credit_note'
    return DocumentSnapshot(
        doc_type=doc_type, number=number, issue_date=today, seller=seller,
        buyer=SAMPLE_CLIENT, lines=lines,
        vat_lines=tuple(VatLine(category=g.category, rate=g.rate, base=g.base, vat=g.vat) for g in totals.vat_groups),
        lines_total=totals.lines_total, allowance_total=totals.allowance_total, charge_total=totals.charge_total,
        total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc, amount_due=totals.amount_due,
        global_discount_kind='percent', global_discount_value=Decimal(3), shipping=doc.shipping,
        due_date=today + timedelta(days=30) if payable else None,
        validity_date=today + timedelta(days=30) if doc_type == 'quote' else None, operation_nature='M',
        payment_method='Virement à 30 jours', payment_terms='Virement à 30 jours',
        references=(Reference(number=cited, issue_date=today),) if doc_type == 'credit_note' else (),
        penalty_text=DEFAULT_PENALTY_TEXT, indemnity_text=DEFAULT_INDEMNITY_TEXT, discount_text=DEFAULT_DISCOUNT_TEXT)
