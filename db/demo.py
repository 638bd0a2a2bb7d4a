"""`python main.py demo`: a realistic small renovation company, so that a newcomer can look around.

Contacts (businesses with SIREN, individuals), a catalogue of articles, quotes in every state, validated and paid
invoices (some made from quotes), draft invoices and credit notes. Everything goes through the rules: the totals
engine, the legal mentions, gapless numbering per year, the integrity chain (db/bulk.py for the volume, the usual
operations for the rest). `--invoices N` scales it (100,000 invoices, about 1,000,000 lines, for the benchmarks);
`--seed` makes it deterministic for a given day (dates end today: no invoice may be dated in the future).
"""
import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stdnum import luhn
from tortoise import connections
from tortoise.transactions import in_transaction

from db import articles as article_operations
from db import contacts as contact_operations
from db import credit_notes, documents, settings
from db.accounts import actor_of
from db.actor import Actor
from db.article import Article
from db.bulk import BulkInvoice, validate_in_bulk
from db.company import PaymentMethod, Unit, VatRate
from db.contact import Contact
from db.document import Document, DocumentLine
from db.bulk_rows import insert_lines, line_row
from db.numbering import take_numbers
from db.user import ADMIN, User
from logic.draft import Draft, DraftLine
from logic.errors import DomainError

D = Decimal
COMPANY = {'name': 'Rénovation Lefèvre', 'legal_form': 'SARL', 'capital': '20 000 €', 'address': '14 quai de la Fosse',
           'postcode': '44000', 'city': 'Nantes', 'siren': '732829320', 'siret': '73282932000074',
           'vat_number': 'FR44732829320', 'rcs': 'RCS Nantes 732 829 320', 'email': 'contact@renovation-lefevre.fr',
           'phone': '02 40 00 00 00', 'vat_regime': 'normal', 'activity_type': 'mixed'}
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
# Enough quotes to show every state; a benchmark's volume is about invoices.
MAX_QUOTES = 5000
QUOTE_STATES = ['draft', 'sent', 'sent', 'accepted', 'refused', 'invoiced', 'invoiced']


@dataclass(kw_only=True, slots=True)
class DemoSummary:
    contacts: int = 0
    articles: int = 0
    quotes: int = 0
    invoices: int = 0
    lines: int = 0
    credit_notes: int = 0
    drafts: int = 0
    admin_email: str = ''
    admin_password: str = ''

    def describe(self) -> str:
        return (f'{self.contacts} contacts, {self.articles} articles, {self.quotes} devis, {self.invoices} factures '
                f'validées ({self.lines} lignes), {self.drafts} brouillons, {self.credit_notes} avoirs.')


async def fill_demo(*, secret: str, invoices: int = 40, seed: int = 1, progress=None) -> DemoSummary:
    if await Document.exists() or await Contact.exists():
        raise DomainError('L’instance contient déjà des contacts ou des documents : la démonstration ne remplit '
                          'qu’une instance vide.')
    rng = random.Random(seed)
    summary = DemoSummary()
    actor = await _admin(summary)
    contacts = await _contacts(actor, rng, max(25, min(400, invoices // 250)))
    articles = await _articles(actor)
    summary.contacts, summary.articles = len(contacts), len(articles)
    today = date.today()
    span = max(90, min(3 * 365, invoices // 30))
    quote_specs = sorted(([today - timedelta(days=rng.randrange(span)), rng.choice(contacts), _lines(rng, articles),
                           rng.choice(QUOTE_STATES)] for _ in range(max(8, min(invoices // 5, MAX_QUOTES)))),
                         key=lambda spec: spec[0])
    invoiced = 0
    for spec in quote_specs:  # an invoiced quote has its invoice among the `invoices`
        invoiced += spec[3] == 'invoiced'
        spec[3] = 'accepted' if spec[3] == 'invoiced' and invoiced > invoices else spec[3]
    quote_ids = await _quotes(actor, rng, quote_specs)
    bulk: list[BulkInvoice] = []
    for quote_id, (day, contact, lines, state) in zip(quote_ids, quote_specs):
        if state == 'invoiced':
            bulk.append(_invoice(rng, contact, lines, min(today, day + timedelta(days=rng.randint(1, 20))), today,
                                 quote_id))
    while len(bulk) < invoices:
        bulk.append(_invoice(rng, rng.choice(contacts), _lines(rng, articles),
                             today - timedelta(days=rng.randrange(span)), today, None))
    ids = await validate_in_bulk(actor, bulk, secret=secret, progress=progress)
    summary.quotes, summary.invoices = len(quote_ids), len(ids)
    summary.lines = sum(len(item.draft.lines) for item in bulk)
    for contact in contacts[:2]:  # work in progress
        await documents.create_document(actor, Draft(doc_type='invoice', client_id=contact.id,
                                                     lines=_lines(rng, articles)))
        summary.drafts += 1
    await documents.create_document(actor, Draft(doc_type='quote', client_id=contacts[2].id, probability=50,
                                                 lines=_lines(rng, articles)))
    summary.quotes += 1
    if len(ids) >= 2:  # a cancelled invoice and a commercial gesture
        await credit_notes.create_credit_note(actor, ids[-1], secret=secret, reason='Facture émise en double')
        first = await DocumentLine.filter(document_id=ids[-2], kind='item').order_by('position').first()
        await credit_notes.create_credit_note(actor, ids[-2], secret=secret, mode='lines',
                                              lines={first.id: abs(first.quantity)}, reason='Article retourné')
        summary.credit_notes = 2
    # Fresh statistics after a bulk load, so that the query planner knows how selective each index is (and, on
    # PostgreSQL, a visibility map, so that list pages are read from the indexes alone).
    client = connections.get('default')
    await client.execute_script('ANALYZE' if client.capabilities.dialect == 'sqlite' else
                                'VACUUM (ANALYZE) document, document_line, chain_entry')
    return summary


async def _admin(summary: DemoSummary) -> Actor:
    user = await User.filter(role=ADMIN, is_active=True).order_by('id').first()
    if user is None:
        summary.admin_email, summary.admin_password = ADMIN_EMAIL, secrets.token_urlsafe(12)
        user = await settings.setup_instance(company=dict(COMPANY), admin_email=ADMIN_EMAIL, admin_name='Alice Démo',
                                             admin_password=summary.admin_password, ip='127.0.0.1')
    return actor_of(user, '127.0.0.1')


async def _contacts(actor: Actor, rng: random.Random, count: int) -> list[Contact]:
    """Clients made by the contacts area's own operation (checks, codes, search columns, audit)."""
    methods = [m.id for m in await PaymentMethod.filter(active=True).order_by('position', 'id')] or [None]
    for index in range(1, count + 1):
        postcode, city = rng.choice(CITIES)
        data = {'kind': 'client', 'address': f'{rng.randint(1, 120)} {rng.choice(STREETS)}', 'postcode': postcode,
                'city': city, 'email': f'contact{index}@example.org', 'default_payment_method_id': rng.choice(methods)}
        if rng.random() < 0.7:
            siren = ''.join(str(rng.randint(0, 9)) for _ in range(8))
            siren += luhn.calc_check_digit(siren)
            siret = siren + '0001' + luhn.calc_check_digit(siren + '0001')
            data.update(name=f'{rng.choice(TRADES)} {rng.choice(LAST_NAMES)}', is_company=True,
                        category='fr_business', siren=siren, siret=siret)
        else:
            data.update(name=rng.choice(LAST_NAMES), first_name=rng.choice(FIRST_NAMES), is_company=False,
                        category='individual')
        await contact_operations.create_contact(actor, data)
    return await Contact.all().order_by('id')


async def _articles(actor: Actor) -> list[Article]:
    units = {unit.name: unit.id for unit in await Unit.all()}
    rates = {str(rate.rate.normalize()): rate.id for rate in await VatRate.filter(category='S')}
    for reference, name, kind, unit, price, rate in CATALOGUE:
        await article_operations.create_article(actor, {
            'reference': reference, 'designation': name, 'kind': kind, 'unit_id': units.get(unit),
            'sale_price': price, 'vat_rate_id': rates.get(rate)})
    return await Article.all().order_by('id')


def _lines(rng: random.Random, articles: list[Article]) -> list[DraftLine]:
    lines = []
    for _ in range(rng.randint(1, 19)):
        index = rng.randrange(len(articles))  # articles were created in CATALOGUE order
        article, (ref, name, kind, unit, price, rate) = articles[index], CATALOGUE[index]
        quantity = D(rng.randint(1, 16)) / 2 if kind == 'service' else D(rng.randint(1, 40))
        discount = D(rng.choice((5, 10))) if rng.random() < 0.1 else D(0)
        lines.append(DraftLine(article_id=article.id, reference=ref, designation=name, quantity=quantity, unit=unit,
                               unit_price=D(price), vat_rate=D(rate), nature=kind,
                               discount_kind='percent' if discount else None, discount_value=discount))
    return lines


def _invoice(rng: random.Random, contact: Contact, lines: list[DraftLine], day: date, today: date,
             quote_id: int | None) -> BulkInvoice:
    draft = Draft(client_id=contact.id, lines=lines,
                  shipping=D(rng.choice((15, 25, 40))) if rng.random() < 0.15 else D(0),
                  global_discount_kind='percent' if rng.random() < 0.1 else None, global_discount_value=D(5))
    paid = rng.random() < (0.85 if (today - day).days > 40 else 0.2)
    return BulkInvoice(draft=draft, issue_date=day, state='paid' if paid else 'validated', source_id=quote_id)


async def _quotes(actor: Actor, rng: random.Random, specs: list) -> list[int]:
    """Numbered quotes in every state (quotes are not legal documents: inserted directly, numbered in order)."""
    async with in_transaction():
        numbers = await take_numbers('quote', [day for day, *_ in specs])
        rows, all_totals = [], [Draft(lines=lines).totals() for _, _, lines, _ in specs]
        for number, (day, contact, lines, state), totals in zip(numbers, specs, all_totals):
            rows.append(Document(doc_type='quote', family='quote', series='quote', state=state, number=number,
                                 issue_date=day, validity_date=day + timedelta(days=30), client_id=contact.id,
                                 client_name=contact.display_name, probability=rng.choice((None, 30, 50, 80)),
                                 total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc,
                                 amount_due=totals.amount_due, created_by_id=actor.user_id))
        await Document.bulk_create(rows, batch_size=2000)
        ids = dict(await Document.filter(series='quote', number__in=numbers).values_list('number', 'id'))
        await insert_lines([line_row(ids[number], position, line, totals.line_nets[position])
                            for number, (_, _, lines, _), totals in zip(numbers, specs, all_totals)
                            for position, line in enumerate(lines)])
    return [ids[number] for number in numbers]
