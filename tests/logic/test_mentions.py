from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from logic.company import DEFAULT_DISCOUNT_TEXT, DEFAULT_INDEMNITY_TEXT, DEFAULT_PENALTY_TEXT
from logic.mentions import missing_mentions
from logic.snapshot import DocumentSnapshot, Party, Reference, SnapshotLine, VatLine
from logic.totals import Document, Line, compute

D = Decimal
SELLER = Party(name='Atelier Durand', legal_form='SARL', capital='10 000 €', rcs='RCS Lyon 732 829 320',
               address='12 rue des Lilas', postcode='69003', city='Lyon', siren='732829320',
               vat_number='FR44732829320', iban='FR7630006000011234567890189')
BUSINESS = Party(name='Boulangerie Martin SAS', address='3 place du Marché', postcode='35000', city='Rennes',
                 siren='552081317', category='fr_business')
INDIVIDUAL = Party(name='Camille Petit', address='8 allée des Tilleuls', postcode='69100', city='Villeurbanne',
                   category='individual')
MENTIONS = {'penalty_text': DEFAULT_PENALTY_TEXT, 'indemnity_text': DEFAULT_INDEMNITY_TEXT,
            'discount_text': DEFAULT_DISCOUNT_TEXT}


def line(designation: str, quantity: str, price: str, rate: str) -> tuple[str, Line]:
    return designation, Line(quantity=D(quantity), unit_price=D(price), vat_rate=D(rate))


def snapshot(doc_type: str, number: str, rows: list[tuple[str, Line]], **extra) -> DocumentSnapshot:
    totals = compute(Document(lines=tuple(row for _, row in rows)))
    lines = tuple(SnapshotLine(designation=name, quantity=row.quantity, unit_price=row.unit_price,
                               vat_rate=row.vat_rate, net=net) for (name, row), net in zip(rows, totals.line_nets))
    vat_lines = tuple(VatLine(category=g.category, rate=g.rate, base=g.base, vat=g.vat) for g in totals.vat_groups)
    return DocumentSnapshot(doc_type=doc_type, number=number, issue_date=date(2026, 3, 9), seller=SELLER,
                            buyer=BUSINESS, lines=lines, vat_lines=vat_lines, lines_total=totals.lines_total,
                            allowance_total=totals.allowance_total, charge_total=totals.charge_total,
                            total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc,
                            amount_due=totals.amount_due, **extra)


def invoice(**changes):
    base = snapshot('invoice', 'F2026-00001', [line('Pose', '2', '100', '20')], due_date=date(2026, 4, 8),
                    payment_terms='30 jours', **MENTIONS)
    return replace(base, **changes)


def test_a_complete_business_invoice_misses_nothing() -> None:
    assert missing_mentions(invoice()) == []


@pytest.mark.parametrize(('changes', 'expected'), [
    ({'seller': replace(SELLER, siren='')}, 'le SIREN du vendeur (Paramètres > Société)'),
    ({'seller': replace(SELLER, city='')}, 'l’adresse complète du vendeur (Paramètres > Société)'),
    ({'seller': replace(SELLER, vat_number='')}, 'le numéro de TVA intracommunautaire du vendeur'),
    ({'buyer': replace(BUSINESS, siren='')}, 'le SIREN du client, entreprise française (fiche du client)'),
    ({'buyer': replace(BUSINESS, address='')}, 'l’adresse du client (fiche du client)'),
    ({'due_date': None}, 'la date d’échéance'),
    ({'payment_terms': ''}, 'les conditions de paiement (mode de règlement)'),
    ({'penalty_text': ''}, 'le taux des pénalités de retard (Paramètres > Société)'),
    ({'indemnity_text': ' '}, 'l’indemnité forfaitaire de 40 € pour frais de recouvrement (Paramètres > Société)'),
    ({'discount_text': ''}, 'les conditions d’escompte (Paramètres > Société)'),
    ({'lines': ()}, 'au moins une ligne facturée'),
])
def test_it_names_each_missing_mention_of_a_business_invoice(changes, expected) -> None:
    missing = missing_mentions(invoice(**changes))
    assert len(missing) == 1 and missing[0].startswith(expected)


def test_an_individual_needs_neither_siren_nor_the_business_notes() -> None:
    doc = invoice(buyer=INDIVIDUAL, payment_terms='', penalty_text='', indemnity_text='', discount_text='')
    assert missing_mentions(doc) == []


def test_the_seller_vat_number_may_be_left_out_below_150_euros() -> None:
    small = snapshot('invoice', 'F1', [line('Clé', '1', '150', '20')], due_date=date(2026, 4, 8),
                     payment_terms='À réception', **MENTIONS)
    assert missing_mentions(replace(small, seller=replace(SELLER, vat_number=''))) == []


def test_an_exempt_rate_needs_its_exemption_mention() -> None:
    doc = snapshot('invoice', 'F1', [line('Export', '1', '100', '0')], due_date=date(2026, 4, 8),
                   payment_terms='30 jours', **MENTIONS)
    exempt = replace(doc, vat_lines=tuple(replace(vat, category='G', exemption_reason='') for vat in doc.vat_lines))
    assert missing_mentions(exempt) == ['la mention d’exonération de TVA des lignes à 0 % (catégorie G) '
                                        '(Paramètres > Listes par défaut > TVA)']


def test_a_franchise_seller_shows_no_vat_and_the_293_b_mention() -> None:
    doc = invoice(vat_regime='franchise')
    assert missing_mentions(doc) == ['une facture sans TVA : en franchise en base, la TVA n’est pas facturée',
                                     'la mention « TVA non applicable, art. 293 B du CGI » sur les lignes']


def test_a_credit_note_cites_the_invoice_it_corrects() -> None:
    note = invoice(doc_type='credit_note', references=())
    assert missing_mentions(note) == ['le numéro et la date de la facture rectifiée']
    cited = invoice(doc_type='credit_note', references=(Reference(number='F2026-00001', issue_date=date(2026, 3, 9)),))
    assert missing_mentions(cited) == []


def test_a_transfer_needs_the_seller_iban_but_a_cheque_does_not() -> None:
    no_iban = replace(SELLER, iban='')
    assert missing_mentions(invoice(seller=no_iban)) == [
        'l’IBAN du vendeur, pour un paiement par virement (Paramètres > Société > Banque)']
    assert missing_mentions(invoice(seller=no_iban, payment_means='20')) == []
    assert missing_mentions(invoice(seller=no_iban, doc_type='credit_note', references=(
        Reference(number='F2026-00001', issue_date=date(2026, 3, 9)),))) == []


def test_a_company_prints_its_legal_form_capital_and_rcs() -> None:
    """C. com. R123-238: a company's documents show its legal form, its capital and its RCS with the registry."""
    bare = replace(SELLER, legal_form='', capital='', rcs='')
    assert missing_mentions(invoice(seller=bare)) == [
        'la forme juridique de la société (SARL, SAS…) (Paramètres > Société)',
        'le montant du capital social (Paramètres > Société)',
        'la mention RCS suivie de la ville du greffe (ex. RCS Lyon 732 829 320) (Paramètres > Société)']


def test_an_entrepreneur_individuel_needs_no_capital_but_a_craftsman_his_repertoire_des_metiers() -> None:
    """An EI has no capital nor legal form to show; a craftsman is listed in the Répertoire des métiers (RM)."""
    craftsman = replace(SELLER, legal_kind='sole_trader', trade_register='rm', legal_form='', capital='', rcs='')
    assert missing_mentions(invoice(seller=craftsman)) == [
        'le numéro au Répertoire des métiers (ex. RM 69 732 829 320) (Paramètres > Société)']
    assert missing_mentions(invoice(seller=replace(craftsman, rcs='RM 69 732 829 320'))) == []
    consultant = replace(craftsman, trade_register='none')
    assert missing_mentions(invoice(seller=consultant)) == []


def test_a_free_line_carries_the_nature_its_user_chose_never_a_default() -> None:
    """Goods or service decides the e-invoice's cadre, the débits option and the intra-EU rules: not assumed."""
    unknown = replace(invoice().lines[0], nature='')
    assert missing_mentions(invoice(lines=(unknown,))) == ['la nature (bien ou service) de la ligne « Pose »']


def test_a_business_due_date_beyond_sixty_days_or_forty_five_days_end_of_month_is_refused_with_l441_10() -> None:
    # Issued 9 March 2026: 60 days is 8 May, later than 45 days end of month (23 April, then 30 April).
    assert missing_mentions(invoice(due_date=date(2026, 5, 8))) == []
    [problem] = missing_mentions(invoice(due_date=date(2026, 5, 9)))
    assert 'L441-10 du Code de commerce' in problem and '09/05/2026' in problem and '08/05/2026' in problem
    assert 'fiche du client' in problem and 'mode de règlement' in problem


def test_a_recorded_derogation_lifts_the_business_ceiling_but_an_individual_or_a_credit_note_never_had_one() -> None:
    late = date(2026, 9, 30)
    assert missing_mentions(invoice(due_date=late, buyer=replace(BUSINESS, payment_terms_derogation='Accord n° 14')
                                    )) == []
    assert missing_mentions(invoice(due_date=late, buyer=replace(BUSINESS, payment_terms_derogation='  '))) != []
    assert missing_mentions(invoice(due_date=late, buyer=INDIVIDUAL)) == []
    note = invoice(doc_type='credit_note', due_date=late,
                   references=(Reference(number='F2026-00001', issue_date=date(2026, 3, 1)),))
    assert missing_mentions(note) == []


def test_br_ic_11_br_ic_12_an_intra_eu_supply_needs_its_delivery_date_and_country() -> None:
    doc = snapshot('invoice', 'F2', [line('Carrelage', '10', '30', '0')], due_date=date(2026, 4, 8),
                   payment_terms='30 jours', delivery_date=date(2026, 3, 2), **MENTIONS)
    eu_buyer = Party(name='Bäckerei Müller GmbH', address='Hauptstraße 5', postcode='10115', city='Berlin',
                     country='DE', vat_number='DE129273398', category='eu_business')
    supply = replace(doc, buyer=eu_buyer, vat_lines=tuple(
        replace(vat, category='K', exemption_reason='Exonération de TVA, article 262 ter I du CGI')
        for vat in doc.vat_lines))
    assert missing_mentions(supply) == []
    date_message = ('la date de livraison, obligatoire pour une livraison intracommunautaire '
                    '(document, champ « Date de livraison »)')
    country_message = ('le pays de livraison, obligatoire pour une livraison intracommunautaire '
                       '(adresse de livraison du document, ou pays sur la fiche du client)')
    assert missing_mentions(replace(supply, delivery_date=None)) == [date_message]
    assert missing_mentions(replace(supply, buyer=replace(eu_buyer, country=''))) == [country_message]
    # A separate delivery address gives the country; the buyer's does not matter then.
    warehouse = Party(name='Lager Wien', address='Lagerstraße 1', postcode='1010', city='Wien', country='AT')
    assert missing_mentions(replace(supply, buyer=replace(eu_buyer, country=''), delivery_address=warehouse)) == []
    assert missing_mentions(replace(supply, delivery_address=replace(warehouse, country=''))) == [country_message]
