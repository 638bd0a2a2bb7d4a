"""One validated example of each case French law treats apart (issue #12), added at the end of the demo.

Each goes through the app's own operations, so through every check (mentions, VAT exemptions and their VATEX codes,
delivery date and country, payment ceiling, Factur-X): contacts and a delivery address through `db.contacts`, drafts
through `documents.create_document`, validation through `validation.validate_invoice`, the credit note through
`credit_notes.create_credit_note`, the deposit and its balance through `db.deposits`. All are dated today, the last
day of the demo: their numbers follow the generated invoices' (chronological, gapless).

    examples = await add_examples(actor, issuer=issuer)

| Case | Client | VAT |
|---|---|---|
| Intra-EU supply of goods, delivered to a site in Germany | German GmbH, VAT number | K, art. 262 ter I du CGI |
| Intra-EU services (technical study) | Belgian SRL, VAT number | AE, Autoliquidation |
| Export of goods | Swiss SA | G, art. 262 I du CGI |
| Private client, goods and labour (then a credit note: a returned item) | an individual | 10 % and 20 % |
| Mixed rates, delivered to the client's building site on a given date | a French SCI | 20 %, 10 % and 5,5 % |
| Deposit invoice (30 %) then the balance invoice that deducts it | an individual | 10 % and 20 % |
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from stdnum import luhn

from db import contacts, credit_notes, documents, settings, validation
from db.actor import Actor
from db.article import Article
from db.company import VatRate
from db.deposits import quote_deposits, set_deposits, settle_deposit
from db.document import Document, DocumentLine
from db.issuing import Issuer
from logic.deposits import DepositSpec
from logic.draft import Draft, DraftLine

D = Decimal
# reference (an article of demo.CATALOGUE when it exists), designation, nature, unit, quantity, price HT, VAT rate
# (a standard rate in %, or the category of a 0 % exemption)
Line = tuple[str, str, str, str, str, str, str]


@dataclass(kw_only=True, slots=True)
class Examples:
    contacts: int = 0
    invoices: list[Document] = field(default_factory=list)   # invoices and the balance invoice
    credit_notes: list[Document] = field(default_factory=list)
    deposit_invoices: list[Document] = field(default_factory=list)


def _siren(prefix: str) -> str:
    return prefix + luhn.calc_check_digit(prefix)


SCI_SIREN = _siren('81347926')
SCI_SIRET = SCI_SIREN + '0001' + luhn.calc_check_digit(SCI_SIREN + '0001')
CLIENTS = {
    'intra_eu_goods': {
        'is_company': True, 'category': 'eu_business', 'name': 'Holzbau Schneider GmbH', 'legal_form': 'GmbH',
        'vat_number': 'DE129273398', 'address': 'Hauptstraße 42', 'postcode': '66111', 'city': 'Saarbrücken',
        'country': 'DE', 'email': 'einkauf@holzbau-schneider.example.de'},
    'intra_eu_services': {
        'is_company': True, 'category': 'eu_business', 'name': 'Bureau d’architectes Janssens', 'legal_form': 'SRL',
        'vat_number': 'BE0477472701', 'address': 'Rue Royale 120', 'postcode': '1000', 'city': 'Bruxelles',
        'country': 'BE', 'email': 'projets@janssens-architectes.example.be'},
    'export': {
        'is_company': True, 'category': 'non_eu_business', 'name': 'Chalets du Léman SA', 'legal_form': 'SA',
        'address': 'Route de Chêne 36', 'postcode': '1208', 'city': 'Genève', 'country': 'CH',
        'email': 'achats@chalets-leman.example.ch'},
    'private': {
        'is_company': False, 'category': 'individual', 'name': 'Rousseau', 'first_name': 'Camille',
        'address': '7 rue des Hortensias', 'postcode': '44300', 'city': 'Nantes', 'email': 'camille.rousseau@example.org'},
    'mixed_rates': {
        'is_company': True, 'category': 'fr_business', 'name': 'SCI Les Terrasses de Chantenay', 'legal_form': 'SCI',
        'siren': SCI_SIREN, 'siret': SCI_SIRET,
        'address': '3 place Mellinet', 'postcode': '44100', 'city': 'Nantes', 'email': 'gestion@sci-terrasses.example.fr'},
    'deposit': {
        'is_company': False, 'category': 'individual', 'name': 'Garnier', 'first_name': 'Antoine',
        'address': '25 chemin de la Censive', 'postcode': '44300', 'city': 'Nantes',
        'email': 'antoine.garnier@example.org'},
}
# Delivery addresses kept on the client's card ('delivery'), copied to the document.
SITES = {
    'intra_eu_goods': {'kind': 'delivery', 'label': 'Baustelle Villa Becker', 'address': 'Am Staden 18',
                       'postcode': '66121', 'city': 'Saarbrücken', 'country': 'DE'},
    'mixed_rates': {'kind': 'delivery', 'label': 'Chantier résidence Chantenay', 'address': '112 boulevard de '
                    'Chantenay', 'postcode': '44100', 'city': 'Nantes', 'country': 'FR'},
}
LINES: dict[str, list[Line]] = {
    'intra_eu_goods': [
        ('FEN', 'Fenêtre PVC double vitrage', 'good', 'unité', '12', '420', 'K'),
        ('CAR-60', 'Carrelage 60x60 rectifié', 'good', 'm²', '85', '39.5', 'K'),
        ('COL', 'Colle carrelage 25 kg', 'good', 'unité', '20', '18.4', 'K')],
    'intra_eu_services': [
        ('ETU', 'Étude et métré', 'service', 'forfait', '1', '90', 'AE'),
        ('', 'Assistance technique à maîtrise d’ouvrage (rénovation d’un immeuble)', 'service', 'jour', '4', '540',
         'AE')],
    'export': [
        ('PAR', 'Parquet chêne massif', 'good', 'm²', '64', '54', 'G'),
        ('SOUS', 'Sous-couche isolante', 'good', 'm²', '64', '6.5', 'G')],
    'private': [
        ('FAI-M', 'Faïence murale', 'good', 'm²', '18', '29.9', '10'),
        ('JNT', 'Joint ciment 5 kg', 'good', 'unité', '3', '12.6', '10'),
        ('MO-H', 'Main-d’œuvre', 'service', 'heure', '14', '45', '20')],
    'mixed_rates': [
        ('ISO', 'Isolation laine de bois', 'good', 'm²', '120', '32', '5.5'),
        ('CAR-30', 'Carrelage grès cérame 30x30', 'good', 'm²', '46', '24.9', '10'),
        ('PEI', 'Peinture acrylique 10 L', 'good', 'unité', '6', '79', '10'),
        ('MO-J', 'Journée de chantier', 'service', 'jour', '5', '340', '20'),
        ('EVAC', 'Évacuation des gravats', 'service', 'forfait', '1', '150', '20')],
    'deposit': [
        ('PAR', 'Parquet chêne massif', 'good', 'm²', '42', '54', '10'),
        ('PLT', 'Plinthes assorties', 'good', 'm', '38', '7.8', '10'),
        ('MO-J', 'Journée de chantier', 'service', 'jour', '3', '340', '20')],
}
NOTES = {
    'intra_eu_goods': 'Livraison intracommunautaire : marchandises expédiées de Nantes vers Saarbrücken (Allemagne).',
    'intra_eu_services': 'Prestation de services intracommunautaire : TVA due par le preneur (art. 283-2 du CGI, '
                         'art. 196 de la directive 2006/112/CE).',
    'export': 'Exportation : marchandises livrées à Genève (Suisse), déclaration d’export jointe.',
}
RETURNED = 'JNT'   # the private client brings back one unopened bag of grout: a credit note by lines
DEPOSIT_PERCENT = D(30)


async def add_examples(actor: Actor, *, issuer: Issuer) -> Examples:
    """Create the clients and issue one document of each case, dated today."""
    today = date.today()
    examples = Examples()
    rates = await _vat_rates(actor)
    articles = dict(await Article.all().values_list('reference', 'id'))
    clients = {}
    for key, data in CLIENTS.items():
        clients[key] = await contacts.create_contact(actor, {'kind': 'client', **data})
        examples.contacts += 1
    sites = {}
    for key, data in SITES.items():
        address = await contacts.save_address(actor, clients[key].id, None, data)
        sites[key] = next(entry['address'] for entry in await contacts.delivery_addresses(clients[key].id)
                          if entry['id'] == address.id)

    def draft(key: str, doc_type: str = 'invoice', **extra) -> Draft:
        return Draft(doc_type=doc_type, client_id=clients[key].id, notes=NOTES.get(key, ''),
                     delivery_address=sites.get(key), lines=[_line(spec, rates, articles) for spec in LINES[key]],
                     **extra)

    async def issue(key: str, **extra) -> Document:
        document = await documents.create_document(actor, draft(key, **extra))
        invoice = await validation.validate_invoice(actor, document.id, issuer=issuer, issue_date=today)
        examples.invoices.append(invoice)
        return invoice

    await issue('intra_eu_goods', delivery_date=today - timedelta(days=2), purchase_order='Bestellung 4711')
    await issue('intra_eu_services', delivery_date=today - timedelta(days=5))
    await issue('export', delivery_date=today - timedelta(days=1))
    private = await issue('private', delivery_date=today - timedelta(days=3))
    await issue('mixed_rates', delivery_date=today - timedelta(days=1), purchase_order='BC-2207')
    returned = await DocumentLine.filter(document_id=private.id, reference=RETURNED).first()
    examples.credit_notes.append(await credit_notes.create_credit_note(
        actor, private.id, issuer=issuer, mode='lines', lines={returned.id: D(1)}, reason='Article retourné',
        issue_date=today))
    quote = await documents.create_document(actor, draft('deposit', doc_type='quote'))
    await set_deposits(actor, quote.id, [DepositSpec(due_date=today, percent=DEPOSIT_PERCENT,
                                                     label='Acompte à la commande')], quote.version)
    await documents.set_quote_state(actor, quote.id, 'accepted')
    deposit = (await quote_deposits(quote.id))[0]
    examples.deposit_invoices.append(await settle_deposit(
        actor, deposit.id, paid_on=today, method='transfer', amount=deposit.amount, invoice_date=today,
        reference='VIR GARNIER ACOMPTE', issuer=issuer))
    balance = await documents.invoice_quote(actor, quote.id)
    examples.invoices.append(await validation.validate_invoice(actor, balance.id, issuer=issuer, issue_date=today))
    return examples


async def _vat_rates(actor: Actor) -> dict[str, VatRate]:
    """The rates the examples use, by rate ('20') or exemption category ('K'); a missing one (deleted from the
    settings) is added back as Paramètres > Listes par défaut would, with its exemption text and VATEX code."""
    wanted = {(category, D(rate)): (rate, category, label, reason, code)
              for rate, category, label, reason, code, _ in settings.DEFAULT_VAT_RATES
              if category in ('K', 'AE', 'G') or rate in ('20', '10', '5.5')}
    found = {}
    for (category, rate), (text, _, label, reason, code) in wanted.items():
        row = await VatRate.filter(category=category, rate=rate, active=True).order_by('position', 'id').first()
        if row is None:
            row = await settings.save_vat_rate(actor, rate_id=None, rate=text, category=category, label=label,
                                               exemption_reason=reason, exemption_code=code)
        found[category if category != 'S' else text] = row
    return found


def _line(spec: Line, rates: dict[str, VatRate], articles: dict[str, int]) -> DraftLine:
    reference, designation, nature, unit, quantity, price, rate_key = spec
    rate = rates[rate_key]
    return DraftLine(article_id=articles.get(reference), reference=reference, designation=designation,
                     nature=nature, unit=unit, unit_code=UNIT_CODES.get(unit, 'C62'), quantity=D(quantity),
                     unit_price=D(price), vat_rate=rate.rate, vat_category=rate.category,
                     exemption_reason=rate.exemption_reason, exemption_code=rate.exemption_code)


UNIT_CODES = dict(settings.DEFAULT_UNITS)
