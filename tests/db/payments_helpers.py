"""Invoices with installments for the payment tests, and the state a refused payment action must leave unchanged."""
from datetime import date, timedelta
from decimal import Decimal

from db import documents, validation
from db.document import ChainEntry, Document, Installment, Payment
from tests.db.documents_helpers import business_client, draft, line
from tests.issuing import issuer

D = Decimal


async def invoice_in_two(admin, client=None, *, first='100.00', second='140.00'):
    """A 240.00 invoice payable in two installments, due in 10 and 40 days."""
    client = client or await business_client()
    document = await documents.create_document(admin, draft(client, line(price='100')))
    today = date.today()
    document = await documents.set_installments(admin, document.id, [(today + timedelta(days=10), D(first)),
                                                                    (today + timedelta(days=40), D(second))],
                                                document.version)
    return await validation.validate_invoice(admin, document.id, issuer=issuer())


async def invoice_of_a_quote_with_a_deposit(admin, *, deposit_status='open'):
    """A validated invoice of a quote whose 72.00 deposit is made afterwards (validation refuses open deposits)."""
    client = await business_client()
    quote = await documents.create_document(admin, draft(client, doc_type='quote'))
    invoice = await documents.create_document(admin, draft(client))
    await Document.filter(id=invoice.id).update(source_id=quote.id)
    invoice = await validation.validate_invoice(admin, invoice.id, issuer=issuer())
    # Made after the validation (which refuses open deposits, DE5): the rule must hold in db/payments.py too.
    deposit = await Installment.create(document=quote, kind='deposit', status=deposit_status, due_date=date.today(),
                                       amount=D('72.00'), number=quote.number, client_name=quote.client_name)
    return quote, deposit, invoice


async def snapshot_of_payments(doc_id):
    """Everything a refused action must leave unchanged."""
    document = await Document.get(id=doc_id)
    rows = await Installment.filter(document_id=doc_id).order_by('id').values_list('status', 'paid_amount',
                                                                                  'paid_on', 'version')
    return document.state, document.version, rows, await Payment.all().count(), await ChainEntry.all().count()
