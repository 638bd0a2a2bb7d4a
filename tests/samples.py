"""Sample documents for the PDF, Factur-X and e-mail tests, built through the one totals engine.

Every amount comes from `logic.totals.compute`, so the samples are consistent to the cent the same way validated
documents will be. The seller is the company of tests/personas.py.
"""
from dataclasses import replace
from datetime import date
from decimal import Decimal

from logic.company import DEFAULT_DISCOUNT_TEXT, DEFAULT_INDEMNITY_TEXT, DEFAULT_PENALTY_TEXT
from logic.snapshot import DocumentSnapshot, Party, Reference, SnapshotLine, VatLine
from logic.totals import Document, Line, compute, negate
from tests.personas import COMPANY

D = Decimal
SELLER = Party(
    name=COMPANY['name'], legal_form=COMPANY['legal_form'], capital='10 000 €', address=COMPANY['address'],
    postcode=COMPANY['postcode'], city=COMPANY['city'], siren=COMPANY['siren'], siret=COMPANY['siret'],
    vat_number=COMPANY['vat_number'], rcs='RCS Lyon 732 829 320', ape_code='4332A', email='contact@atelier-durand.fr',
    phone='04 78 00 00 00', electronic_address=COMPANY['siren'], bank_name='Banque Populaire',
    iban='FR7630006000011234567890189', bic='CCBPFRPPLYO',
)
BUSINESS = Party(
    name='Boulangerie Martin SAS', address='3 place du Marché', address2='Bâtiment B', postcode='35000',
    city='Rennes', siren='552081317', siret='55208131700018', vat_number='FR03552081317',
    email='compta@boulangerie-martin.fr', electronic_address='552081317', category='fr_business', code='C0001',
)
INDIVIDUAL = Party(name='Mme Camille Petit', address='8 allée des Tilleuls', postcode='69100', city='Villeurbanne',
                   email='camille.petit@example.org', category='individual', code='C0002')
MENTIONS = {'penalty_text': DEFAULT_PENALTY_TEXT, 'indemnity_text': DEFAULT_INDEMNITY_TEXT,
            'discount_text': DEFAULT_DISCOUNT_TEXT}


def line(designation: str, quantity: str, price: str, rate: str, *, reference: str = '', unit: str = 'unité',
         unit_code: str = 'C62', discount: str | None = None, nature: str = 'good', description: str = '') -> dict:
    return {'designation': designation, 'quantity': D(quantity), 'unit_price': D(price), 'vat_rate': D(rate),
            'reference': reference, 'unit': unit, 'unit_code': unit_code, 'nature': nature,
            'description': description, 'discount_kind': 'percent' if discount else None,
            'discount_value': D(discount or '0')}


def snapshot(doc_type: str, number: str, rows: list[dict], *, buyer: Party = BUSINESS, discount: str | None = None,
             shipping: str = '0', prepaid: str = '0', negate_amounts: bool = False, **extra) -> DocumentSnapshot:
    """A snapshot whose totals are those of logic.totals for these rows (negated for a credit note)."""
    doc = Document(lines=tuple(Line(kind=row.get('kind', 'item'), quantity=row['quantity'],
                                    unit_price=row['unit_price'], discount_kind=row['discount_kind'],
                                    discount_value=row['discount_value'], vat_rate=row['vat_rate']) for row in rows),
                   global_discount_kind='percent' if discount else None, global_discount_value=D(discount or '0'),
                   shipping=D(shipping), prepaid=D(prepaid))
    if negate_amounts:
        doc = negate(doc)
    totals = compute(doc)
    lines = tuple(SnapshotLine(kind=row.get('kind', 'item'), reference=row['reference'],
                               designation=row['designation'], description=row['description'],
                               quantity=source.quantity, unit=row['unit'], unit_code=row['unit_code'],
                               unit_price=row['unit_price'], discount_kind=row['discount_kind'],
                               discount_value=row['discount_value'], vat_rate=row['vat_rate'], nature=row['nature'],
                               net=net, allowance=allowance)
                  for row, source, net, allowance in zip(rows, doc.lines, totals.line_nets, totals.line_allowances))
    vat_lines = tuple(VatLine(category=group.category, rate=group.rate, base=group.base, vat=group.vat,
                              exemption_reason=group.exemption_reason) for group in totals.vat_groups)
    natures = {row['nature'] for row in rows if row.get('kind', 'item') == 'item'}
    values = dict(
        doc_type=doc_type, number=number, issue_date=date(2026, 11, 28), seller=SELLER, buyer=buyer, lines=lines,
        vat_lines=vat_lines, lines_total=totals.lines_total, allowance_total=totals.allowance_total,
        charge_total=totals.charge_total, total_ht=totals.total_ht, total_vat=totals.total_vat,
        total_ttc=totals.total_ttc, prepaid=totals.prepaid, amount_due=totals.amount_due,
        global_discount_kind=doc.global_discount_kind, global_discount_value=doc.global_discount_value,
        shipping=doc.shipping, due_date=date(2026, 12, 28), delivery_date=date(2026, 11, 20),
        operation_nature='M' if len(natures) > 1 else ('B' if natures == {'good'} else 'S'),
        payment_method='Virement à 30 jours', payment_means='30', payment_terms='Virement à 30 jours',
        **MENTIONS)
    values.update(extra)
    return DocumentSnapshot(**values)


INVOICE_ROWS = [
    line('Pose de carrelage grès cérame 60x60, salle de bains et cuisine, fourniture de colle et joints compris',
         '12.5', '48.00', '10', reference='CAR-60', unit='m²', unit_code='MTK', nature='service'),
    line('Faïence murale blanche', '18', '22.90', '20', reference='FAI-01', unit='m²', unit_code='MTK',
         discount='10'),
    line('Livre « Bien rénover sa maison »', '2', '24.50', '5.5', reference='LIV-03'),
    line('Main-d’œuvre de préparation du support', '6', '45.00', '10', unit='heure', unit_code='HUR',
         nature='service', description='Ragréage et primaire d’accrochage <b>inclus</b> & nettoyage du chantier.'),
]


def invoice_three_rates() -> DocumentSnapshot:
    """B2B invoice with 20 %, 10 % and 5,5 %, a line discount, a 5 % global discount and shipping."""
    return snapshot('invoice', 'F2026-00042', INVOICE_ROWS, discount='5', shipping='35.00',
                    purchase_order='BC-7781', notes='Chantier : 14 rue Victor Hugo, Rennes.')


def credit_note() -> DocumentSnapshot:
    """The credit note cancelling two lines of the invoice above, citing it (number and date)."""
    return snapshot('credit_note', 'AV2026-00003', INVOICE_ROWS[1:3], negate_amounts=True,
                    references=(Reference(number='F2026-00042', issue_date=date(2026, 11, 28)),),
                    issue_date=date(2026, 12, 2), due_date=None, payment_method='',
                    payment_terms='Remboursement par virement')


def b2c_invoice() -> DocumentSnapshot:
    return snapshot('invoice', 'F2026-00043', [line('Dépannage plomberie', '1', '90.00', '10', nature='service'),
                                               line('Mitigeur thermostatique', '1', '129.00', '20')],
                    buyer=INDIVIDUAL, payment_method='Carte bancaire', payment_means='48',
                    payment_terms='Paiement à réception', due_date=date(2026, 11, 28))


def quote() -> DocumentSnapshot:
    rows = [line(f'Lot {n} : fourniture et pose de plinthes assorties, coupe et finition des angles', '4', '37.5',
                 '20', reference=f'PL-{n:02}') for n in range(1, 4)]
    return snapshot('quote', 'D2026-00012', rows, validity_date=date(2026, 12, 28), due_date=None,
                    payment_terms='Acompte de 30 % à la commande, solde à réception de facture')


def deposit_invoice() -> DocumentSnapshot:
    rows = [line('Acompte de 30 % sur le devis D2026-00012 du 28/11/2026', '1', '405.00', '20', nature='good')]
    return snapshot('deposit_invoice', 'F2026-00044', rows, delivery_date=None)


def long_invoice(count: int = 60) -> DocumentSnapshot:
    """Several pages: the table header repeats and the pages are numbered."""
    rows = [line(f'Article {n} : désignation longue qui doit passer à la ligne proprement dans la colonne prévue '
                 f'pour elle, sans déborder sur les montants', str(n % 5 + 1), f'{n * 3}.10', ('20', '10')[n % 2],
                 reference=f'REF-{n:03}') for n in range(1, count + 1)]
    return snapshot('invoice', 'F2026-00099', rows)


ALL = {'invoice': invoice_three_rates, 'credit_note': credit_note, 'b2c_invoice': b2c_invoice, 'quote': quote,
       'deposit_invoice': deposit_invoice}


def with_number(snap: DocumentSnapshot, number: str) -> DocumentSnapshot:
    return replace(snap, number=number)
