"""Clients, lines and drafts for the document tests (a business client in Rennes, an individual in Villeurbanne)."""
from datetime import date
from decimal import Decimal

from db import documents, validation
from db.company import Company
from db.contact import Contact
from logic.draft import Draft, DraftLine
from tests.personas import set_up_company
from tests.issuing import issuer

D = Decimal


async def company():
    """The company with its bank account: a credit transfer needs the IBAN (CII-SR-470); returns the admin."""
    admin = await set_up_company()
    await Company.all().update(iban='FR7630006000011234567890189')
    return admin


async def business_client(**overrides) -> Contact:
    values = {'code': 'C0001', 'name': 'Boulangerie Martin SAS', 'category': 'fr_business', 'siren': '552081317',
              'address': '3 place du Marché', 'postcode': '35000', 'city': 'Rennes', **overrides}
    return await Contact.create(**values)


async def individual_client(**overrides) -> Contact:
    values = {'code': 'C0002', 'name': 'Petit', 'first_name': 'Camille', 'is_company': False,
              'category': 'individual', 'address': '8 allée des Tilleuls', 'postcode': '69100',
              'city': 'Villeurbanne', **overrides}
    return await Contact.create(**values)


def line(designation: str = 'Pose de carrelage', quantity: str = '2', price: str = '100', rate: str = '20',
         **extra) -> DraftLine:
    return DraftLine(designation=designation, quantity=D(quantity), unit_price=D(price), vat_rate=D(rate), **extra)


def draft(client: Contact, *lines: DraftLine, doc_type: str = 'invoice', **extra) -> Draft:
    return Draft(doc_type=doc_type, client_id=client.id, lines=list(lines or [line()]), **extra)


async def validated_invoice(actor, client: Contact, *lines: DraftLine, issue_date: date | None = None, **extra):
    document = await documents.create_document(actor, draft(client, *lines, **extra))
    return await validation.validate_invoice(actor, document.id, issuer=issuer(), issue_date=issue_date)
