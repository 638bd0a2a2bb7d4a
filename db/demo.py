"""`python main.py demo`: a realistic small renovation company, so that a newcomer can look around.

Contacts (businesses with SIREN, individuals), a catalogue of articles (composite ones too), quotes in every state,
validated and paid invoices (some made from quotes), draft invoices and credit notes, deposits and payments at every
step (db/demo_payments.py). Everything goes through the rules: the totals engine, the legal mentions, gapless
numbering per year, the integrity chains of documents and payments. The volume goes through the bulk paths of the
app itself: contacts and articles through the import (its checks, codes and audit entry), composites through
`article_parts.save_components`, invoices through db/bulk.py, their settlements through db/payment_bulk.py; the few
deposits through the deposits API.

`--invoices N` scales it: 100,000 invoices over ten years (about 1,000,000 lines, 1 to 40 per invoice) come with
20,000 contacts, 5,000 articles and 50 credit notes, proportionally fewer for a smaller N (never fewer than 25
contacts and the 18 articles of CATALOGUE). A few big clients get most invoices, then a long tail (Zipf weights),
and so do popular articles.
`--seed` makes it deterministic for a given day (dates end today: no invoice may be dated in the future).
At the end, db/demo_cases.py adds one validated example of each case French law treats apart (intra-EU goods and
services, export, private client, mixed rates with a delivery address, credit note, deposit and balance).

`--company micro` builds a micro-entrepreneur instead (MICRO): an entrepreneur individuel ("EI", no register), web
designer under the VAT franchise (art. 293 B du CGI: every line at the franchise rate, no VAT number), a year of
invoices (MICRO_INVOICES unless `--invoices` says otherwise), private and business clients, through the same paths.
"""
import random
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from stdnum import luhn
from tortoise import connections

from db import (
    article_parts,
    article_transfer,
    contact_transfer,
    credit_notes,
    demo_cheques,
    demo_dunning,
    demo_orders,
    demo_payments,
    demo_sepa,
    demo_situations,
    documents,
    engine,
    settings,
)
from db.accounts import actor_of
from db.actor import Actor
from db.article import Article
from db.bulk import BulkInvoice, validate_in_bulk
from db.bulk_rows import insert_lines, line_row
from db.closings import close_demo_year
from db.contact import Contact
from db.demo_cases import add_examples
from db.document import Document, DocumentLine, type_columns
from db.issuing import Issuer
from db.numbering import take_numbers
from db.unit_of_work import transaction
from db.user import ADMIN, User
from logic.draft import Draft, DraftLine
from logic.errors import DomainError
from logic.tabular import Table

D = Decimal
COMPANY = {'name': 'Rénovation Lefèvre', 'legal_form': 'SARL', 'capital': '20 000 €', 'address': '14 quai de la Fosse',
           'postcode': '44000', 'city': 'Nantes', 'siren': '732829320', 'siret': '73282932000074',
           'vat_number': 'FR44732829320', 'rcs': 'RCS Nantes 732 829 320', 'email': 'contact@renovation-lefevre.fr',
           'phone': '02 40 00 00 00', 'vat_regime': 'normal', 'activity_type': 'mixed',
           # A credit transfer invoice must carry the payee's account (Factur-X CII-SR-470 / BR-50): without it the
           # demo invoices are not valid e-invoices and grouped printing stops at the first one.
           'bank_name': 'BNP Paribas Nantes', 'iban': 'FR7630004012340001234567862', 'bic': 'BNPAFRPPXXX'}
ADMIN_EMAIL = 'admin@demo.facturier.fr'
# reference, designation, kind, unit, price HT, VAT rate
CATALOGUE = [
    ('MO-H', 'Main-d’œuvre', 'service', 'heure', '45', '20'),
    ('MO-J', 'Journée de chantier', 'service', 'jour', '340', '20'),
    ('DEP', 'Déplacement', 'service', 'forfait', '35', '20'),
    ('ETU', 'Étude et métré', 'service', 'forfait', '90', '20'),
    ('CAR-30', 'Carrelage grès cérame 30x30', 'good', 'm²', '24.9', '10'),
    ('CAR-60', 'Carrelage 60x60 rectifié', 'good', 'm²', '39.5', '10'),
    ('FAI-M', 'Faïence murale', 'good', 'm²', '29.9', '10'),
    ('COL', 'Colle carrelage 25 kg', 'good', 'unité', '18.4', '10'),
    ('JNT', 'Joint ciment 5 kg', 'good', 'unité', '12.6', '10'),
    ('PLT', 'Plinthes assorties', 'good', 'm', '7.8', '10'),
    ('PAR', 'Parquet chêne massif', 'good', 'm²', '54', '10'),
    ('SOUS', 'Sous-couche isolante', 'good', 'm²', '6.5', '10'),
    ('PEI', 'Peinture acrylique 10 L', 'good', 'unité', '79', '10'),
    ('END', 'Enduit de lissage', 'good', 'unité', '21', '10'),
    ('ISO', 'Isolation laine de bois', 'good', 'm²', '32', '5.5'),
    ('FEN', 'Fenêtre PVC double vitrage', 'good', 'unité', '420', '5.5'),
    ('EVAC', 'Évacuation des gravats', 'service', 'forfait', '150', '20'),
    ('PROT', 'Protection du chantier', 'service', 'forfait', '60', '20'),
]
FIRST_NAMES = ['Camille', 'Louis', 'Emma', 'Hugo', 'Léa', 'Jules', 'Chloé', 'Arthur', 'Manon', 'Paul', 'Inès', 'Nathan']
LAST_NAMES = ['Martin', 'Bernard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Michel', 'Garcia',
              'Roux', 'Fournier', 'Girard', 'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller']
TRADES = ['Boulangerie', 'Cabinet', 'Agence', 'Pharmacie', 'Restaurant', 'Garage', 'Hôtel', 'Librairie', 'SCI',
          'Fromagerie']
CITIES = [('44000', 'Nantes'), ('44600', 'Saint-Nazaire'), ('35000', 'Rennes'), ('49000', 'Angers'),
          ('85000', 'La Roche-sur-Yon'), ('44300', 'Nantes'), ('44800', 'Saint-Herblain'), ('56000', 'Vannes')]
STREETS = ['rue de la Paix', 'avenue des Lilas', 'boulevard Victor Hugo', 'place du Marché', 'rue Crébillon',
           'allée des Tilleuls', 'rue du Calvaire', 'quai de Versailles']
# Generated articles beyond CATALOGUE: prefix, designation, kind, unit, price range HT, VAT rate.
FAMILIES = [
    ('CAR', 'Carrelage', 'good', 'm²', (15, 95), '10'), ('FAI', 'Faïence', 'good', 'm²', (18, 80), '10'),
    ('PAR', 'Parquet', 'good', 'm²', (25, 120), '10'), ('PEI', 'Peinture', 'good', 'unité', (15, 140), '10'),
    ('PLA', 'Plaque de plâtre', 'good', 'unité', (8, 35), '10'), ('ISO', 'Isolant', 'good', 'm²', (8, 60), '5.5'),
    ('MEN', 'Menuiserie', 'good', 'unité', (150, 1800), '5.5'),
    ('SAN', 'Sanitaire', 'good', 'unité', (60, 950), '10'),
    ('ELE', 'Matériel électrique', 'good', 'unité', (3, 250), '20'),
    ('QUI', 'Quincaillerie', 'good', 'unité', (2, 60), '20'),
    ('PRE', 'Prestation', 'service', 'heure', (35, 75), '20'),
    ('FOR', 'Forfait', 'service', 'forfait', (60, 900), '20'),
    ('DOC', 'Revue technique (presse)', 'good', 'unité', (6, 15), '2.1'),
]
VARIANTS = ['standard', 'premium', 'blanc', 'gris anthracite', 'chêne clair', 'béton ciré', 'mat', 'satiné', 'brillant',
            'antidérapant', 'rénovation', 'extérieur', 'intérieur', 'haute résistance', 'éco', 'grand format']
SIZES = ['', '30x30', '45x45', '60x60', '20x120', '1 L', '5 L', '10 L', '13 mm', '100 mm', 'lot de 10', 'Ø 32']
BIG_CLIENTS = ['Nantes Métropole Habitat', 'SCI Les Jardins de l’Erdre', 'Atlantique Promotion', 'Hôtel de la Loire',
               'Groupe Scolaire Sainte-Anne', 'Clinique du Parc', 'Résidences Océanes', 'Cabinet Médical Graslin']
# Enough quotes to show every state; a benchmark's volume is about invoices.
MAX_QUOTES = 5000
CONTACTS_PER_INVOICE = 0.2    # 20,000 contacts at 100,000 invoices
ARTICLES_PER_INVOICE = 0.05   # 5,000 articles
COMPOSITE_SHARE = 50          # one article in 50 is a composite (at least two)
INVOICES_PER_CREDIT_NOTE = 2000  # 50 credit notes at 100,000 invoices (at least two)
INSTALLMENTS_SHARE = 20          # one invoice in 20 is paid in several installments
LOAD_CACHE_KIB = 512 * 1024      # SQLite's page cache while the demo loads (fill_demo)
LOAD_SWITCH_SECONDS = 0.0005     # Python's thread switch interval meanwhile (default 0.005)
YEARS = 10
QUOTE_STATES = ['draft', 'sent', 'sent', 'accepted', 'refused', 'invoiced', 'invoiced']

# --company micro: a web designer, entrepreneur individuel under the franchise (no VAT, no register: a liberal
# activity, its SIREN alone).
FRANCHISE = 'Exonéré (franchise en base)'  # the label of the franchise rate seeded by db/settings.py
MICRO = {'name': 'Julie Moreau', 'legal_kind': 'sole_trader', 'trade_register': 'none', 'legal_form': '',
         'capital': '', 'address': '5 rue Kervégan', 'postcode': '44000', 'city': 'Nantes', 'siren': '842156739',
         'siret': '84215673900018', 'vat_number': '', 'rcs': '', 'ape_code': '7410Z',
         'email': 'bonjour@juliemoreau-design.fr', 'phone': '06 12 34 56 78', 'website': 'juliemoreau-design.fr',
         'vat_regime': 'franchise', 'activity_type': 'services', 'bank_name': 'LCL Nantes Commerce',
         'iban': 'FR3330002005500000157841Z25', 'bic': 'CRLYFRPPXXX'}
MICRO_ADMIN = ('julie@demo.facturier.fr', 'Julie Moreau')
MICRO_INVOICES = 90  # a year of a busy micro business
MICRO_CATALOGUE = [
    ('SITE-V', 'Création de site vitrine (5 pages)', 'service', 'forfait', '1200', FRANCHISE),
    ('SITE-E', 'Boutique en ligne (catalogue et paiement)', 'service', 'forfait', '2800', FRANCHISE),
    ('MAQ', 'Maquette graphique d’une page', 'service', 'unité', '180', FRANCHISE),
    ('LOGO', 'Création de logo et charte graphique', 'service', 'forfait', '650', FRANCHISE),
    ('INT', 'Intégration et mise en ligne', 'service', 'heure', '45', FRANCHISE),
    ('MAINT', 'Maintenance mensuelle du site', 'service', 'forfait', '60', FRANCHISE),
    ('SEO', 'Audit de référencement', 'service', 'forfait', '350', FRANCHISE),
    ('FORM', 'Formation à l’outil d’édition', 'service', 'heure', '55', FRANCHISE),
    ('PHOTO', 'Retouche photo', 'service', 'unité', '12', FRANCHISE),
    ('HEB', 'Hébergement et nom de domaine (un an)', 'service', 'forfait', '120', FRANCHISE),
]
MICRO_FAMILIES = [
    ('WEB', 'Développement', 'service', 'heure', (35, 60), FRANCHISE),
    ('GRA', 'Création graphique', 'service', 'forfait', (80, 900), FRANCHISE),
    ('RED', 'Rédaction de contenus', 'service', 'unité', (40, 250), FRANCHISE),
]
MICRO_CLIENTS = ['Librairie Coiffard', 'Agence Ouest Immobilier', 'Association Les Jardins de Procé',
                 'Cabinet d’avocats Mercier', 'Fromagerie du Bouffay']


@dataclass(kw_only=True, frozen=True)
class Profile:
    """What differs between the demo companies (`--company`)."""

    company: dict
    admin: tuple[str, str]              # e-mail, name
    catalogue: list
    families: list
    big_clients: list[str]
    composite: tuple[str, str, str]     # reference prefix, designation, kind of the composite articles
    default_invoices: int
    business_share: float = 0.7
    mean_lines: int = 9                 # 1 to 40 lines an invoice, about mean_lines + 1
    shipping: bool = True
    building: bool = True               # building contracts billed in situations (IN8): a trade's, not a web designer's
    days: int | None = None             # the span of the invoices; None: from 90 days to YEARS by volume
    examples: bool = False              # db/demo_cases.py


PROFILES = {
    'sarl': Profile(company=COMPANY, admin=(ADMIN_EMAIL, 'Alice Démo'), catalogue=CATALOGUE, families=FAMILIES,
                    big_clients=BIG_CLIENTS, composite=('KIT', 'Kit', 'Bien'), default_invoices=40, examples=True),
    'micro': Profile(company=MICRO, admin=MICRO_ADMIN, catalogue=MICRO_CATALOGUE, families=MICRO_FAMILIES,
                     big_clients=MICRO_CLIENTS, composite=('PACK', 'Pack', 'Prestation'),
                     default_invoices=MICRO_INVOICES, business_share=0.5, mean_lines=2, shipping=False, days=365,
                     building=False),
}


@dataclass(kw_only=True, slots=True)
class DemoSummary:
    contacts: int = 0
    articles: int = 0
    quotes: int = 0
    invoices: int = 0
    lines: int = 0
    credit_notes: int = 0
    drafts: int = 0
    deposits: int = 0
    deposit_invoices: int = 0
    payments: int = 0
    written_off: int = 0
    reminders: int = 0
    cheque_slips: int = 0
    examples: int = 0
    orders: int = 0
    situations: int = 0  # progress invoices (IN8), besides `invoices`
    closings: int = 0
    admin_email: str = ''
    admin_password: str = ''
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step of the fill, in order

    def timings(self) -> str:
        """Where the load's time went, e.g. 'contacts 1.2 s, invoices 40.3 s, ...' (docs/benchmarks.md)."""
        return ', '.join(f'{name} {seconds:.1f} s' for name, seconds in self.steps.items())

    def describe(self) -> str:
        return (f'{self.contacts} contacts, {self.articles} articles, {self.quotes} devis, {self.invoices} factures '
                f'validées ({self.lines} lignes), {self.drafts} brouillons, {self.credit_notes} avoirs, '
                f'{self.deposits} acomptes ({self.deposit_invoices} factures d’acompte), {self.payments} règlements, '
                f'{self.written_off} factures irrécouvrables, {self.reminders} relances, '
                f'{self.cheque_slips} remises de chèques, '
                f'{self.orders} bons de commande, {self.situations} factures de situation, '
                f'{self.closings} clôtures'
                + (f', dont {self.examples} documents d’exemple (autoliquidation, export…).' if self.examples else '.'))


async def fill_demo(*, secret: str, invoices: int | None = None, seed: int = 1, company: str = 'sarl',
                    progress=None) -> DemoSummary:
    """`company` names a PROFILES entry ('sarl', 'micro'); `invoices` defaults to that profile's.

    All or nothing: the whole demo is one transaction (its operations' own transactions are savepoints within),
    so a demo stopped halfway (Ctrl+C, kill -9, a full disk) leaves the instance empty, with no administrator whose
    password was never shown, and `demo` runs again from scratch (issue 18). Nobody else works on an instance being
    filled, so holding the writers back meanwhile costs nothing.
    """
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    # The whole demo is one transaction: with SQLite's default page cache (2 MB), the pages of the growing indexes
    # are spilled to the WAL and read back again and again. A bigger cache for the load only; it is a setting of
    # this connection, not of the database file (put back afterwards: the file is the same).
    if sqlite:
        (row,) = await client.execute_query_dict('PRAGMA cache_size')
        await client.execute_script(f'PRAGMA cache_size=-{LOAD_CACHE_KIB}')
    # The invoices are prepared in a thread while SQLite writes the previous batch (db/bulk.py), and SQLite's thread
    # takes the GIL back after every row it inserts: with Python's default switch interval (5 ms) it waits for the
    # preparing thread that long: an executemany of 60,000 lines took 1.2-1.9 s alone, 5 s beside a busy thread and
    # 2 s with an interval of 0.5 ms. The interval is the process's: put back afterwards.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(LOAD_SWITCH_SECONDS)
    try:
        async with transaction():
            summary = await _fill(secret=secret, invoices=invoices, seed=seed, company=company, progress=progress)
            started = time.perf_counter()
    finally:
        sys.setswitchinterval(interval)
        if sqlite:
            await client.execute_script(f'PRAGMA cache_size={int(row["cache_size"])}')
    summary.steps['commit'], started = time.perf_counter() - started, time.perf_counter()
    # Statistics after a bulk load, so that the query planner knows how selective each index is: on SQLite the
    # app's own upkeep (db/engine.py: the tables without statistics analysed, what a server does when it opens the
    # database); on PostgreSQL what its autovacuum does minutes later, and a visibility map, so that list pages are
    # read from the indexes alone: every table (the payments list counts installments from an index, the dunning
    # proposal reads the installments and their dunning state). VACUUM can't run in a transaction.
    if sqlite:
        await engine.optimize()
    else:
        await client.execute_script('VACUUM (ANALYZE)')
    summary.steps['statistics'] = time.perf_counter() - started
    return summary


async def _fill(*, secret: str, invoices: int | None, seed: int, company: str, progress) -> DemoSummary:
    if await Document.exists() or await Contact.exists():
        raise DomainError('L’instance contient déjà des contacts ou des documents : la démonstration ne remplit '
                          'qu’une instance vide.')
    profile = PROFILES[company]
    invoices = profile.default_invoices if invoices is None else invoices
    rng = random.Random(seed)
    summary = DemoSummary()
    step = _Steps(summary)
    issuer = Issuer.for_generated_data(secret)  # originals made on first request: see db/issuing.py
    actor = await _admin(summary, profile)
    contacts = await _contacts(actor, rng, max(25, int(invoices * CONTACTS_PER_INVOICE)), profile)
    articles = await _articles(actor, rng, max(len(profile.catalogue), int(invoices * ARTICLES_PER_INVOICE)),
                               profile)
    summary.contacts, summary.articles = len(contacts), len(articles.items)
    step('contacts and articles')
    await demo_sepa.add_mandates(actor)  # PA5, before the invoices: their frozen copies state the mandate
    clients = _Picker(rng, contacts)
    today = date.today()
    span = profile.days or max(90, min(YEARS * 365, invoices // 27))  # ten years at 100,000 invoices
    quote_specs = sorted(([today - timedelta(days=rng.randrange(span)), clients.pick(), _lines(rng, articles),
                           rng.choice(QUOTE_STATES)] for _ in range(max(8, min(invoices // 5, MAX_QUOTES)))),
                         key=lambda spec: spec[0])
    invoiced = 0
    for spec in quote_specs:  # an invoiced quote has its invoice among the `invoices`
        invoiced += spec[3] == 'invoiced'
        spec[3] = 'accepted' if spec[3] == 'invoiced' and invoiced > invoices else spec[3]
    deposits = demo_payments.plan_deposits(rng, quote_specs, today)  # their quotes' balances are invoices too
    balances = sum(plan.balance_on is not None for plan in deposits)
    quote_ids = await _quotes(actor, rng, quote_specs)
    await demo_payments.request_deposits(actor, deposits, quote_ids)
    step('quotes')
    bulk: list[BulkInvoice] = []
    for quote_id, (day, contact, lines, state) in zip(quote_ids, quote_specs):
        if state == 'invoiced':
            bulk.append(_invoice(rng, contact, lines, min(today, day + timedelta(days=rng.randint(1, 20))),
                                 quote_id, shipping=profile.shipping))
    while len(bulk) + balances < invoices:
        bulk.append(_invoice(rng, clients.pick(), _DrawnLines(rng, articles),
                             today - timedelta(days=rng.randrange(span)), None, shipping=profile.shipping))
    step('invoices drawn')
    order_rng = random.Random(seed + 15)  # its own draws: the other documents stay what they were for a seed
    summary.orders = await demo_orders.add_orders(actor, order_rng, bulk)  # OR3: one invoice in five from a delivery
    step('orders and delivery notes')
    situation_rng = random.Random(seed + 20)  # IN8: building contracts, a situation a month among the invoices
    building = await demo_situations.plan_contracts(
        actor, situation_rng, contacts[6:], count=demo_situations.contract_count(invoices) if profile.building else 0,
        issuer=issuer, today=today)
    ids = await validate_in_bulk(actor, bulk, issuer=issuer, progress=progress,
                                 stops=demo_payments.deposit_stops(actor, deposits, issuer=issuer, rng=rng)
                                 + building.stops)
    step('invoices validated')
    summary.quotes, summary.invoices = len(quote_ids), len(ids) + balances
    summary.lines = sum(len(item.make_lines) if item.make_lines else len(item.draft.lines) for item in bulk)
    del bulk
    summary.deposits = sum(len(plan.dues) for plan in deposits)
    summary.deposit_invoices = sum(len(plan.paid_on) for plan in deposits)
    summary.quotes += building.contracts
    summary.deposits += building.deposits
    summary.deposit_invoices += building.deposits
    summary.situations = building.situations
    summary.payments = (await demo_payments.settle_invoices(actor, rng, secret=secret, progress=progress)).settlements
    step('settlements')
    for contact in contacts[:2]:  # work in progress
        await documents.create_document(actor, Draft(doc_type='invoice', client_id=contact.id,
                                                     lines=_lines(rng, articles)))
        summary.drafts += 1
    await documents.create_document(actor, Draft(doc_type='quote', client_id=contacts[2].id, probability=50,
                                                 lines=_lines(rng, articles)))
    summary.quotes += 1
    summary.orders += len(await demo_orders.add_open_orders(actor, order_rng, contacts[3:6],
                                                            [_lines(order_rng, articles) for _ in range(3)]))
    # Cancelled invoices and commercial gestures, in turn, on the latest invoices.
    for index, invoice_id in enumerate(reversed(ids[-max(2, invoices // INVOICES_PER_CREDIT_NOTE):])):
        if len(ids) < 2:
            break
        if index % 2 == 0:
            await credit_notes.create_credit_note(actor, invoice_id, issuer=issuer, reason='Facture émise en double')
        else:
            first = await DocumentLine.filter(document_id=invoice_id, kind='item').order_by('position').first()
            await credit_notes.create_credit_note(actor, invoice_id, issuer=issuer, mode='lines',
                                                  lines={first.id: abs(first.quantity)}, reason='Article retourné')
        summary.credit_notes += 1
    step('drafts, open orders, credit notes')
    summary.written_off = await demo_payments.write_off_some(actor, rng, invoices, secret=secret)
    summary.reminders = await demo_dunning.add_history(actor, seed)  # PA6, after the write-offs
    summary.cheque_slips = await demo_cheques.remit_old_cheques(actor, secret=secret)  # PA4, once every cheque is in
    summary.payments += await demo_sepa.add_collections(actor, secret=secret)  # PA5: the last months' debits
    step('write-offs, reminders, cheques, debits')
    if profile.examples:  # dated today, after every generated document: numbers stay chronological
        examples = await add_examples(actor, issuer=issuer)
        summary.examples = len(examples.invoices) + len(examples.credit_notes) + len(examples.deposit_invoices)
        summary.contacts += examples.contacts
        summary.invoices += len(examples.invoices)
        summary.credit_notes += len(examples.credit_notes)
        summary.deposits += len(examples.deposit_invoices)
        summary.deposit_invoices += len(examples.deposit_invoices)
        summary.quotes += 1
    # Issue 13: the demo's first fiscal year closed, its months then the year (db/closings.py: close_demo_year).
    summary.closings = len(await close_demo_year(actor, secret=secret))
    step('examples and closings')
    return summary


class _Steps:
    """`step(name)` records the seconds since the previous step in `summary.steps`."""

    def __init__(self, summary: DemoSummary) -> None:
        self.summary, self.last = summary, time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.summary.steps[name], self.last = now - self.last, now


async def _admin(summary: DemoSummary, profile: Profile) -> Actor:
    user = await User.filter(role=ADMIN, is_active=True).order_by('id').first()
    if user is None:
        (summary.admin_email, name), summary.admin_password = profile.admin, secrets.token_urlsafe(12)
        user = await settings.setup_instance(company=dict(profile.company), admin_email=summary.admin_email,
                                             admin_name=name, admin_password=summary.admin_password, ip='127.0.0.1')
    return actor_of(user, '127.0.0.1')


class _Picker:
    """Weighted choice with Zipf weights (the i-th item weighs 1/(i+1)): a few big ones, then a long tail."""

    def __init__(self, rng: random.Random, items: list) -> None:
        self.rng, self.items = rng, list(items)
        total, self.cumulative = 0.0, []
        for index in range(len(self.items)):
            total += 1 / (index + 1)
            self.cumulative.append(total)

    def pick(self):
        return self.rng.choices(self.items, cum_weights=self.cumulative)[0]


async def _contacts(actor: Actor, rng: random.Random, count: int, profile: Profile) -> list[Contact]:
    """Clients imported through the contacts import (its checks, codes, search columns and audit entry): the big
    clients first (they get the most invoices), then a long tail, 70 % businesses (the profile's share)."""
    methods = [name for name, *_ in settings.DEFAULT_PAYMENT_METHODS]
    headers = ['Type', 'Société ou particulier', 'Catégorie', 'Nom', 'Prénom', 'SIREN', 'SIRET', 'E-mail', 'Adresse',
               'Code postal', 'Ville', 'Mode de règlement']
    rows = []
    for index in range(1, count + 1):
        postcode, city = rng.choice(CITIES)
        address = f'{rng.randint(1, 120)} {rng.choice(STREETS)}'
        big = index <= len(profile.big_clients)
        if big or rng.random() < profile.business_share:
            siren = ''.join(str(rng.randint(0, 9)) for _ in range(8))
            siren += luhn.calc_check_digit(siren)
            siret = siren + '0001' + luhn.calc_check_digit(siren + '0001')
            name = profile.big_clients[index - 1] if big else f'{rng.choice(TRADES)} {rng.choice(LAST_NAMES)}'
            row = ['Client', 'Société', 'Entreprise française', name, '', siren, siret]
        else:
            row = ['Client', 'Particulier', 'Particulier', rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES), '', '']
        rows.append(row + [f'contact{index}@example.org', address, postcode, city, rng.choice(methods)])
    preview, _, _ = await contact_transfer.preview_import(Table(headers=headers, rows=rows))
    await contact_transfer.commit_import(actor, preview, filename='démonstration')
    return await Contact.all().order_by('id')


@dataclass(kw_only=True, slots=True)
class _Article:
    id: int
    reference: str
    designation: str
    kind: str
    unit: str
    price: Decimal
    rate: Decimal
    cost: Decimal
    category: str = 'S'
    exemption_reason: str = ''
    exemption_code: str = ''


@dataclass(kw_only=True, slots=True)
class _Catalogue:
    items: list[_Article]
    picker: _Picker
    mean_lines: int = 9


async def _articles(actor: Actor, rng: random.Random, count: int, profile: Profile) -> _Catalogue:
    """The profile's catalogue, then generated articles up to `count`, through the articles import; one in
    COMPOSITE_SHARE is a composite (a kit of 2 to 5 simple articles, priced as the sum of its parts) made by
    save_components."""
    composites = max(2, count // COMPOSITE_SHARE)
    catalogue = profile.catalogue
    rows = [[reference, 'Prestation' if kind == 'service' else 'Bien', name, unit, price.replace('.', ','), rate,
             _cost(D(price), kind, index)] for index, (reference, name, kind, unit, price, rate) in enumerate(catalogue)]
    for number in range(1, count - len(catalogue) - composites + 1):
        prefix, base, kind, unit, (low, high), rate = rng.choice(profile.families)
        name = ' '.join(part for part in (base, rng.choice(VARIANTS), rng.choice(SIZES)) if part)
        price = D(rng.randint(low * 100, high * 100)) / 100
        rows.append([f'{prefix}-{number:05d}', 'Prestation' if kind == 'service' else 'Bien', name, unit,
                     f'{price:f}'.replace('.', ','), rate, _cost(price, kind, number)])
    simple = len(rows)
    prefix, name, kind = profile.composite
    for number in range(1, composites + 1):
        rows.append([f'{prefix}-{number:04d}', kind, f'{name} {rng.choice(VARIANTS)} n° {number}', 'forfait', '0',
                     catalogue[0][5], ''])
    preview, _, _ = await article_transfer.preview_import(Table(
        headers=['Référence', 'Type', 'Désignation', 'Unité', 'Prix de vente HT', 'TVA', 'Prix d’achat HT'],
        rows=rows))
    await article_transfer.commit_import(actor, preview, filename='démonstration')
    ids = dict(await Article.all().values_list('reference', 'id'))
    for reference in (row[0] for row in rows[simple:]):
        parts = rng.sample(rows[:simple], rng.randint(2, 5))
        await article_parts.save_components(actor, ids[reference], [
            (ids[part[0]], D(rng.randint(1, 10))) for part in parts], version=1)
    items = [_Article(id=row['id'], reference=row['reference'], designation=row['designation'], kind=row['kind'],
                      unit=row['unit__name'] or '', price=row['sale_price'], rate=row['vat_rate__rate'],
                      cost=row['purchase_price'],
                      category=row['vat_rate__category'], exemption_reason=row['vat_rate__exemption_reason'],
                      exemption_code=row['vat_rate__exemption_code'])
             for row in await Article.all().order_by('id').values(
                 'id', 'reference', 'designation', 'kind', 'sale_price', 'purchase_price', 'unit__name', 'vat_rate__rate',
                 'vat_rate__category', 'vat_rate__exemption_reason', 'vat_rate__exemption_code')]
    # The catalogue first: the everyday articles stay the most used, then the others in a seeded order.
    return _Catalogue(items=items, picker=_Picker(rng, items[:len(catalogue)] + _shuffled(rng, items[len(catalogue):])),
                      mean_lines=profile.mean_lines)


def _cost(price: Decimal, kind: str, number: int) -> str:
    """A purchase price for the margin, derived without drawing (the seed's other draws stay as they were): goods
    cost 55 to 73 % of their price, services 20 to 38 % (supplies, subcontracting)."""
    share = (D(55) if kind in ('good', 'Bien') else D(20)) + D(number % 7 * 3)
    return f'{(price * share / 100).quantize(D("0.01")):f}'.replace('.', ',')


def _shuffled(rng: random.Random, items: list) -> list:
    items = list(items)
    rng.shuffle(items)
    return items


def _lines(rng: random.Random, articles: _Catalogue) -> list[DraftLine]:
    """1 to 40 lines, about 10 on average (a million lines for 100,000 invoices; fewer for the micro profile)."""
    return _DrawnLines(rng, articles)()


class _DrawnLines:
    """An invoice's lines as drawn: (article, quantity, discount) each, made into DraftLines only when called
    (db/bulk.py: BulkInvoice.make_lines, when the invoice's batch is prepared). A million invoices' ten million
    DraftLines do not fit in memory at once; these tuples of shared objects take about 70 bytes a line."""

    __slots__ = ('specs',)

    def __init__(self, rng: random.Random, articles: _Catalogue) -> None:
        specs = []
        for _ in range(min(40, 1 + int(rng.expovariate(1 / articles.mean_lines)))):
            article = articles.picker.pick()
            service = article.kind == 'service'
            quantity = _QUANTITIES[service, rng.randint(1, 16) if service else rng.randint(1, 40)]
            discount = _DISCOUNTS[rng.choice((5, 10))] if rng.random() < 0.1 else _DISCOUNTS[0]
            specs.append((article, quantity, discount))
        self.specs = tuple(specs)

    def __len__(self) -> int:
        return len(self.specs)

    def __call__(self) -> list[DraftLine]:
        return [DraftLine(article_id=article.id, reference=article.reference, designation=article.designation,
                          quantity=quantity, unit=article.unit, unit_price=article.price, vat_rate=article.rate,
                          vat_category=article.category, exemption_reason=article.exemption_reason,
                          exemption_code=article.exemption_code, nature=article.kind, unit_cost=article.cost,
                          discount_kind='percent' if discount else None, discount_value=discount)
                for article, quantity, discount in self.specs]


# The values a drawn line's quantity and discount take, each one Decimal shared by every line: a service's half
# hours (1 to 16 halves), a good's units (1 to 40).
_QUANTITIES = {(True, count): D(count) / 2 for count in range(1, 17)} | {(False, count): D(count)
                                                                           for count in range(1, 41)}
_DISCOUNTS = {value: D(value) for value in (0, 5, 10)}
_SHIPPING = {value: D(value) for value in (0, 15, 25, 40)}


def _invoice(rng: random.Random, contact: Contact, lines: list[DraftLine] | _DrawnLines, day: date,
             quote_id: int | None, *, shipping: bool = True) -> BulkInvoice:
    """One invoice in INSTALLMENTS_SHARE to a private client is paid in 2 or 3 monthly installments (a business's
    schedule would end past the 60-day ceiling of C. com. L441-10). Drawn lines are made when validated."""
    drawn = isinstance(lines, _DrawnLines)
    draft = Draft(client_id=contact.id, lines=[] if drawn else lines,
                  shipping=_SHIPPING[rng.choice((15, 25, 40))] if rng.random() < 0.15 else _SHIPPING[0],
                  global_discount_kind='percent' if rng.random() < 0.1 else None, global_discount_value=_DISCOUNTS[5])
    parts = rng.choice((2, 3)) if rng.random() < 1 / INSTALLMENTS_SHARE else 1
    if contact.category != 'individual':
        parts = 1
    if not shipping:  # drawn all the same: a profile without shipping keeps the other draws of its seed
        draft.shipping = _SHIPPING[0]
    return BulkInvoice(draft=draft, issue_date=day, parts=parts, source_id=quote_id,
                       make_lines=lines if drawn else None)


async def _quotes(actor: Actor, rng: random.Random, specs: list) -> list[int]:
    """Numbered quotes in every state (quotes are not legal documents: inserted directly, numbered in order)."""
    columns = type_columns('quote')
    async with transaction():
        numbers = await take_numbers(columns['series'], [day for day, *_ in specs])
        rows, all_totals = [], [Draft(lines=lines).totals() for _, _, lines, _ in specs]
        for number, (day, contact, lines, state), totals in zip(numbers, specs, all_totals):
            rows.append(Document(**columns, state=state, number=number,
                                 issue_date=day, validity_date=day + timedelta(days=30), client_id=contact.id,
                                 client_name=contact.display_name, probability=rng.choice((None, 30, 50, 80)),
                                 total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc,
                                 total_cost=Draft(lines=lines).cost(),
                                 amount_due=totals.amount_due, created_by_id=actor.user_id))
        await Document.bulk_create(rows, batch_size=2000)
        ids = dict(await Document.filter(series=columns['series'], number__in=numbers).values_list('number', 'id'))
        await insert_lines([line_row(ids[number], position, line, totals.line_nets[position])
                            for number, (_, _, lines, _), totals in zip(numbers, specs, all_totals)
                            for position, line in enumerate(lines)])
    return [ids[number] for number in numbers]
