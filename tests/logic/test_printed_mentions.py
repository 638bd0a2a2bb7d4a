"""What the printed document says, per kind of document and seller (docs/legal.md §1 and §2.2-2.3, issue #12).

Most tests read the rendered HTML as text (fast); the ones about the final look read the PDF's text.
"""
import html
import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from logic.facturx.cii import build_cii
from logic.money import format_eur
from logic.render.context import build_context
from logic.render.html import render_html
from logic.render.pdf import make_job, render_pdf
from logic.render.style import TemplateStyle
from logic.snapshot import DocumentSnapshot, Installment, Party, Reference
from tests import samples

D = Decimal
STYLE = TemplateStyle()
EU_BUYER = Party(name='Holzbau Müller GmbH', address='Hauptstraße 5', postcode='80331', city='München', country='DE',
                 vat_number='DE129273398', category='eu_business')


def printed(snapshot: DocumentSnapshot) -> str:
    """The document's HTML as one line of text, spaces normalised (narrow and no-break spaces included)."""
    text = html.unescape(re.sub(r'<[^>]+>', ' ', render_html(build_context(snapshot, STYLE))))
    return ' '.join(text.replace('\u202f', ' ').replace('\xa0', ' ').split())


def eur(value: Decimal) -> str:
    return format_eur(value).replace('\u202f', ' ').replace('\xa0', ' ')


def pdf_text(snapshot: DocumentSnapshot) -> str:
    pages = PdfReader(io.BytesIO(render_pdf(make_job(snapshot, STYLE)))).pages
    return ' '.join(' '.join(page.extract_text().replace('\u202f', ' ').replace('\xa0', ' ').split())
                    for page in pages)


def with_category(snapshot: DocumentSnapshot, category: str, reason: str = '') -> DocumentSnapshot:
    """The 0 % lines and VAT group of a sample put in another VAT category (K, AE, E)."""
    return replace(snapshot,
                   lines=tuple(replace(line, vat_category=category, exemption_reason=reason)
                               if line.kind == 'item' and not line.vat_rate else line for line in snapshot.lines),
                   vat_lines=tuple(replace(vat, category=category, exemption_reason=reason)
                                   if not vat.rate else vat for vat in snapshot.vat_lines))


# --- credit notes, quotes, deposit and balance invoices: what is owed, and when ----------------------------------


def test_a_credit_note_prints_no_payment_terms_nor_due_date_and_the_net_in_the_clients_favour():
    # As db/credit_notes.py freezes it: due on its date, the invoice's payment wording, a negative refund installment.
    note = samples.credit_note()
    note = replace(note, due_date=note.issue_date, payment_terms='Virement à 30 jours fin de mois',
                   payment_method='Virement', installments=(Installment(due_date=note.issue_date,
                                                                        amount=note.amount_due),))
    text = printed(note)
    assert 'Échéance' not in text and 'Virement à 30 jours' not in text and 'Règlement' not in text
    assert 'Net à payer' not in text
    assert f'Net en votre faveur {eur(-note.amount_due)}' in text
    assert 'déduit des sommes restant dues sur la facture n° F2026-00042' in text


def test_a_balance_invoice_whose_deposits_exceed_it_shows_the_amount_to_refund_not_a_negative_net_to_pay():
    rows = [samples.line('Pose de parquet', '10', '45', '20', nature='service')]  # 540,00 € TTC
    balance = samples.snapshot('invoice', 'F2026-00060', rows, prepaid='600.00',
                               references=(Reference(number='F2026-00044', issue_date=date(2026, 11, 2),
                                                     amount=D('600.00')),))
    text = printed(balance)
    assert 'Net à payer' not in text
    assert 'Montant à rembourser 60,00 €' in text


def test_a_quote_prints_its_validity_date_and_no_due_date():
    quote = replace(samples.quote(), due_date=date(2026, 12, 28))  # previews freeze one (db/validation.py)
    text = printed(quote)
    assert 'Échéance' not in text
    assert 'Date de validité 28/12/2026' in text and 'Devis valable jusqu’au 28/12/2026' in text


def test_a_deposit_invoice_issued_paid_shows_it_already_settled_and_nothing_to_pay():
    deposit = replace(samples.deposit_invoice(), due_date=date(2026, 11, 28),
                      extra={'quote_number': 'D2026-00012', 'quote_date': '2026-11-20', 'received_on': '2026-11-28'})
    text = pdf_text(deposit)
    assert 'Total TTC 486,00 €' in text
    assert 'Déjà réglé -486,00 €' in text and 'Net à payer 0,00 €' in text


def test_a_balance_invoice_shows_the_base_and_vat_of_each_deducted_deposit_per_rate():
    breakdown = ((D('20'), D('200.00'), D('40.00')), (D('10'), D('150.00'), D('15.00')))
    balance = samples.snapshot('invoice', 'F2026-00050', samples.INVOICE_ROWS, prepaid='405.00', references=(
        Reference(number='F2026-00044', issue_date=date(2026, 11, 28), amount=D('405.00'), vat_breakdown=breakdown),))
    text = printed(balance)
    assert 'Acompte facture n° F2026-00044 du 28/11/2026 20 % -200,00 € -40,00 € 10 % -150,00 € -15,00 €' in text
    assert 'Acomptes déjà facturés -405,00 €' in text


def test_a_balance_invoice_at_a_single_rate_shows_its_deposits_base_and_vat_computed_like_the_deposit_invoice():
    rows = [samples.line('Pose de parquet', '20', '45', '20', nature='service')]
    balance = samples.snapshot('invoice', 'F2026-00051', rows, prepaid='300.00', references=(
        Reference(number='F2026-00044', issue_date=date(2026, 11, 20), amount=D('300.00')),))
    # A deposit invoice of 300,00 € TTC at 20 %: VAT = 300 x 20 / 120 = 50,00 €, base 250,00 € (logic/totals.py).
    assert 'Acompte facture n° F2026-00044 du 20/11/2026 20 % -250,00 € -50,00 €' in printed(balance)


def test_a_balance_invoice_at_several_rates_never_guesses_a_deposits_split_it_does_not_know():
    balance = samples.snapshot('invoice', 'F2026-00050', samples.INVOICE_ROWS, prepaid='405.00', references=(
        Reference(number='F2026-00044', issue_date=date(2026, 11, 28), amount=D('405.00')),))
    text = printed(balance)
    assert 'Acompte facture n° F2026-00044 du 28/11/2026 : 405,00 € TTC' in text
    assert '-405,00 €' in text and text.count('Acompte facture n°') == 1


def test_a_reference_keeps_its_vat_breakdown_in_the_frozen_copy_and_older_copies_still_load():
    balance = samples.snapshot('invoice', 'F2026-00050', samples.INVOICE_ROWS, prepaid='405.00', references=(
        Reference(number='F2026-00044', issue_date=date(2026, 11, 28), amount=D('405.00'),
                  vat_breakdown=((D('20.00'), D('337.50'), D('67.50')),)),))
    data = balance.to_dict()
    assert data['references'][0]['vat_breakdown'] == [['20.00', '337.50', '67.50']]
    assert DocumentSnapshot.from_dict(data) == balance
    del data['references'][0]['vat_breakdown']
    del data['seller']['legal_kind'], data['seller']['trade_register']
    older = DocumentSnapshot.from_dict(data)
    assert older.references[0].vat_breakdown == ()
    assert (older.seller.legal_kind, older.seller.trade_register) == ('company', 'rcs')


# --- the seller: franchise, entrepreneur individuel, register ----------------------------------------------------


def franchise_invoice(**seller) -> DocumentSnapshot:
    rows = [samples.line('Réparation de volets', '3', '80', '0', nature='service')]
    invoice = samples.snapshot('invoice', 'F2026-00052', rows, vat_regime='franchise', vat_on_debits=True,
                               seller=replace(samples.SELLER, vat_number='', **seller))
    return with_category(invoice, 'E', 'TVA non applicable, art. 293 B du CGI')


def test_a_franchise_seller_prints_the_293_b_mention_once_beside_the_totals_and_no_vat():
    invoice = franchise_invoice()
    text = pdf_text(invoice)
    assert text.count('293 B') == 1
    assert 'Total TVA' not in text and 'Montant TVA' not in text and 'Total TTC' not in text
    assert 'Total HT 240,00 € Net à payer 240,00 € TVA non applicable, art. 293 B du CGI' in text
    assert 'paiement de la taxe d’après les débits' not in text  # no VAT charged, no option about paying it


def test_a_sole_trader_prints_ei_after_its_name_and_no_capital():
    text = printed(franchise_invoice(name='Jean Lefèvre', legal_form='EI', capital='1 000 €',
                                     legal_kind='sole_trader', rcs='RCS Lyon 732 829 320'))
    assert text.count('Jean Lefèvre EI') >= 2  # the letterhead and the legal footer
    assert 'capital' not in text and 'EI · EI' not in text
    assert 'Jean Lefèvre EI · RCS Lyon 732 829 320' in text


def test_a_craftsman_prints_its_repertoire_des_metiers_registration_not_rcs():
    text = printed(franchise_invoice(trade_register='rm', rcs='RCS 69 732 829 320'))
    assert 'RM 69 732 829 320' in text and 'RCS' not in text


def test_a_business_in_no_register_prints_no_register_line():
    text = printed(franchise_invoice(trade_register='none', rcs='RCS Lyon 732 829 320'))
    assert 'RCS' not in text and 'SARL au capital de 10 000 €' in text


# --- VAT mentions of the lines ------------------------------------------------------------------------------------


def intra_eu_invoice(reason: str = '') -> DocumentSnapshot:
    rows = [samples.line('Carrelage grès 60x60', '40', '30', '0', nature='good')]
    return with_category(samples.snapshot('invoice', 'F2026-00053', rows, buyer=EU_BUYER), 'K', reason)


def test_an_intra_eu_supply_of_goods_prints_the_262_ter_exemption_and_both_vat_numbers():
    text = printed(intra_eu_invoice())
    assert 'Exonération de TVA, article 262 ter I du CGI' in text
    assert 'N° de TVA intracommunautaire du vendeur : FR44732829320 ; de l’acquéreur : DE129273398.' in text


def test_an_intra_eu_supply_keeps_the_exemption_wording_of_its_vat_rate():
    text = printed(intra_eu_invoice('Exonération de TVA, article 262 ter I du CGI (CIBS L. 262-1)'))
    assert text.count('262 ter I') == 1 and 'CIBS L. 262-1' in text


def test_a_reverse_charge_prints_autoliquidation_and_both_vat_numbers():
    rows = [samples.line('Sous-traitance lot plâtrerie', '1', '4800', '0', nature='service')]
    text = printed(with_category(samples.snapshot('invoice', 'F2026-00054', rows), 'AE'))
    assert 'Autoliquidation' in text
    assert 'du vendeur : FR44732829320 ; de l’acquéreur : FR03552081317' in text


def test_the_vat_on_debits_option_is_printed_only_when_the_document_has_service_lines():
    goods = [samples.line('Faïence murale blanche', '18', '22.90', '20', nature='good')]
    mixed = [*goods, samples.line('Pose', '6', '45', '10', nature='service')]
    option = 'Option pour le paiement de la taxe d’après les débits'
    assert option not in printed(samples.snapshot('invoice', 'F2026-00055', goods, vat_on_debits=True))
    assert option in printed(samples.snapshot('invoice', 'F2026-00056', mixed, vat_on_debits=True))


# --- delivery -----------------------------------------------------------------------------------------------------


def test_the_delivery_address_and_date_are_printed_with_their_labels():
    site = Party(name='Chantier Müller', address='Gartenweg 12', postcode='81245', city='München', country='DE')
    text = printed(replace(intra_eu_invoice(), delivery_address=site))
    assert 'Adresse de livraison Chantier Müller Gartenweg 12 81245 München Allemagne' in text
    assert 'Date de livraison 20/11/2026' in text


def test_a_service_prints_the_date_it_was_performed():
    rows = [samples.line('Dépannage plomberie', '1', '90.00', '10', nature='service')]
    assert 'Date de la prestation 20/11/2026' in printed(samples.snapshot('invoice', 'F2026-00057', rows))


def test_internal_notes_are_never_printed_nor_sent_but_an_older_copy_reprints_as_it_was():
    """The editor says "Notes internes (non imprimées)": since snapshot version 2 they stay in the frozen copy only;
    a copy frozen before (version 1) printed them, and reprints identically."""
    private = replace(samples.invoice_three_rates(), notes='Client difficile : relancer tôt')
    assert 'relancer' not in printed(private) and b'relancer' not in build_cii(private)
    assert 'relancer' in printed(replace(private, version=1))
