"""Validating a draft invoice (IN2): what it freezes, issued through the one path of db/issuing.py.

    document = await validate_invoice(actor, doc_id, issuer=Issuer.of(config, run.cpu_bound))   # dated today
    document = await validate_invoice(actor, doc_id, issuer=issuer, issue_date=date(2026, 3, 9))

Inside the issuing transaction this module locks the draft, rebuilds the totals with the engine, checks the
schedule and builds the frozen copy; `db.issuing.issue` then checks the mentions, makes and checks the original,
takes the number (dates must not go back in time), freezes, chains and audits. Any failure rolls back everything,
the counter included: no gap.

The invoice is dated the day it is validated unless `issue_date` says otherwise (the draft's date is provisional:
a draft opened last week is issued today). The due date follows: the payment method's terms (the draft's, else the
client's, else the default one) applied to that date, or the last installment's date when a schedule was set. To
choose a due date by hand, set a one-installment schedule (`documents.set_installments`).

Balance invoice (DE5): an invoice made from a quote (`source`) deducts the quote's deposit invoices that are not
cancelled (prepaid BT-113, each cited by number, date and amount: the PDF's "Acomptes déjà facturés", the XML's
cadre B4/S4/M4), and is refused with `UnpaidDeposits` while a deposit of the quote is still open (settle it, or
give it up with `db.deposits.delete_deposit`). A balance entirely covered by its deposits is 'paid' at once.
"""
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from db import sepa
from db.actor import Actor
from db.company import Company, PaymentMethod
from db.contact import Contact
from db.document import Document, DocumentLine, Installment
from db.drafts import draft_of, payment_method_for
from db.issuing import Issue, Issuer, MentionsMissing, issue  # noqa: F401 - MentionsMissing: validation raises it
from db.settings import get_company
from logic import doctypes
from logic.deposits import UnpaidDeposits
from logic.draft import Draft, check_invoice_totals, delivery_copy, operation_nature
from logic.errors import DomainError
from logic.schedule import check_amounts
from logic.snapshot import (PAYMENT_MEANS, DocumentSnapshot, Installment as PlannedInstallment, Party, Reference,
                            SnapshotLine, VatLine)
from logic.terms import PaymentTerms, describe, due_date
from logic.totals import Totals

async def validate_invoice(actor: Actor, doc_id: int, *, issuer: Issuer, issue_date: date | None = None) -> Document:
    """Issue the draft `doc_id` (an invoice, deposit or progress invoice) through `db.issuing.issue`."""
    today = date.today()
    on = issue_date or today
    if on > today:
        raise DomainError('La date d’une facture ne peut pas être dans le futur.')
    company = await get_company()
    if company is None:
        raise DomainError('Renseignez d’abord la fiche société (Paramètres > Société).')

    async def prepare() -> list[Issue]:
        return [await _prepare(doc_id, on, company)]

    return (await issue(actor, prepare, issuer=issuer))[0]


async def _prepare(doc_id: int, on: date, company: Company) -> Issue:
    """Inside the transaction: lock the draft, rebuild its totals with the engine, its schedule and frozen copy."""
    document = await Document.get_or_none(id=doc_id).select_for_update()
    if document is None:
        raise DomainError('Facture introuvable (elle a peut-être été supprimée).')
    if document.doc_type not in doctypes.keys(drafted=True):
        raise DomainError('Seule une facture se valide ainsi.')
    if document.state != 'draft':
        raise DomainError(f'La facture {document.number} est déjà validée.')
    lines = await DocumentLine.filter(document_id=doc_id).order_by('position')
    draft = draft_of(document, lines)
    deduction = await deposit_deduction(document)
    if deduction.unpaid:
        raise UnpaidDeposits(deduction.unpaid)
    totals = draft.totals(deduction.prepaid)
    check_invoice_totals(totals)
    contact = await Contact.get(id=document.client_id)
    method = await payment_method_for(document.payment_method_id, contact)
    installments = await Installment.filter(document_id=doc_id).order_by('position', 'id')
    if installments:
        check_amounts(totals.amount_due, [item.amount for item in installments])
    due = max(item.due_date for item in installments) if installments else due_on(on, method)
    if due < on:
        raise DomainError('Une échéance précède la date de la facture : corrigez l’échéancier.')
    snapshot = build_snapshot(draft, totals, doc_type=document.doc_type, number='', on=on, due=due,
                              company=company, buyer=party_of_contact(contact), method=method,
                              installments=[(item.due_date, item.amount) for item in installments]
                              or [(due, totals.amount_due)], references=deduction.references)
    if method and method.kind == 'direct_debit':  # PA5: the mandate and ICS the invoice states (BT-89/90/91)
        snapshot = await sepa.with_mandate(snapshot, contact.id, company)
    settled = bool(totals.prepaid) and not totals.amount_due  # the deposits paid it all: nothing is left due
    document.update_from_dict(frozen_values(totals, contact, method))
    return Issue(document=document, snapshot=snapshot, state='paid' if settled else 'validated',
                 installments=[] if installments or settled else [(due, totals.amount_due)],
                 audit={'prepaid': str(totals.prepaid), 'deposits': [ref.number for ref in deduction.references]}
                 if deduction.references else {})


def frozen_values(totals: Totals, contact: Contact, method: PaymentMethod | None) -> dict:
    """The columns of a document that issuing freezes besides its number, dates and snapshot."""
    return {'client_id': contact.id, 'client_name': contact.display_name[:255],
            'payment_method_id': method.id if method else None, 'total_ht': totals.total_ht,
            'total_vat': totals.total_vat, 'total_ttc': totals.total_ttc, 'prepaid': totals.prepaid,
            'amount_due': totals.amount_due}


async def preview_snapshot(doc_id: int) -> DocumentSnapshot:
    """The frozen copy of a validated document, or what a draft or a quote would print today (previews, PDFs)."""
    document = await Document.get(id=doc_id)
    if document.snapshot is not None:
        return DocumentSnapshot.from_dict(document.snapshot)
    lines = await DocumentLine.filter(document_id=doc_id).order_by('position')
    draft = draft_of(document, lines)
    contact = await Contact.get_or_none(id=document.client_id) if document.client_id else None
    method = await payment_method_for(document.payment_method_id, contact)
    on = document.issue_date or date.today()
    installments = await Installment.filter(document_id=doc_id).order_by('position', 'id')
    deduction = await deposit_deduction(document)
    totals = draft.totals(deduction.prepaid)
    if document.doc_type == 'quote':  # a quote's installments are its deposits, not a payment schedule
        installments = []
    company = await get_company() or Company(name='')
    snapshot = build_snapshot(draft, totals, doc_type=document.doc_type, number=document.number or '', on=on,
                              due=document.due_date or due_on(on, method), company=company,
                              buyer=party_of_contact(contact) if contact else Party(name=''), method=method,
                              installments=[(item.due_date, item.amount) for item in installments],
                              references=deduction.references, validity=document.validity_date)
    if method and method.kind == 'direct_debit' and contact:  # PA5, as validation will state it
        snapshot = await sepa.with_mandate(snapshot, contact.id, company)
    return snapshot


@dataclass(kw_only=True, slots=True, frozen=True)
class Deduction:
    """What a balance invoice deducts (DE5): its quote's deposit invoices, and the deposits still unpaid."""

    prepaid: Decimal = Decimal('0.00')
    references: tuple[Reference, ...] = ()
    unpaid: tuple[Installment, ...] = ()


async def deposit_deduction(document: Document) -> Deduction:
    """The deposit invoices of the quote an invoice comes from (cancelled ones aside, partly credited ones for what
    is left), oldest first, and the quote's deposits still open. Nothing for other documents."""
    if document.doc_type != 'invoice' or not document.source_id:
        return Deduction()
    return await quote_deduction(document.source_id)


async def quote_deduction(quote_id: int) -> Deduction:
    """`deposit_deduction` of the balance invoice of `quote_id` (nothing when it is not a quote with deposits)."""
    invoices = await Document.filter(source_id=quote_id, doc_type='deposit_invoice').exclude(
        state__in=('draft', 'cancelled')).order_by('issue_date', 'id')
    credits: dict[int, list[Document]] = {}
    if invoices:
        for note in await Document.filter(source_id__in=[invoice.id for invoice in invoices],
                                          doc_type='credit_note').exclude(state__in=('draft', 'cancelled')):
            credits.setdefault(note.source_id, []).append(note)
    references = tuple(Reference(number=invoice.number, issue_date=invoice.issue_date,
                                 amount=invoice.total_ttc - invoice.credited_amount,
                                 vat_breakdown=_left_per_rate(invoice, credits.get(invoice.id, [])))
                       for invoice in invoices if invoice.total_ttc - invoice.credited_amount > 0)
    unpaid = await Installment.filter(document_id=quote_id, kind='deposit', status='open').order_by(
        'position', 'id')
    return Deduction(prepaid=sum((ref.amount for ref in references), Decimal('0.00')), references=references,
                     unpaid=tuple(unpaid))


def _left_per_rate(invoice: Document, credit_notes: list[Document]) -> tuple[tuple[Decimal, Decimal, Decimal], ...]:
    """(rate, base HT, VAT) of a deposit invoice as frozen, less its credit notes: what the balance invoice deducts
    per rate (docs/legal.md 2.3). Empty when the parts don't add up to what is left (nothing printed is guessed)."""
    left: dict[Decimal, list[Decimal]] = {}
    for document in (invoice, *credit_notes):
        if not document.snapshot:
            return ()
        for vat in DocumentSnapshot.from_dict(document.snapshot).vat_lines:
            base, tax = left.setdefault(vat.rate, [Decimal('0.00'), Decimal('0.00')])
            left[vat.rate] = [base + vat.base, tax + vat.vat]
    parts = tuple((rate, base, tax) for rate, (base, tax) in left.items() if base or tax)
    if sum((base + tax for _, base, tax in parts), Decimal('0.00')) != invoice.total_ttc - invoice.credited_amount:
        return ()
    return parts


def build_snapshot(draft: Draft, totals: Totals, *, doc_type: str, number: str, on: date, due: date | None,
                   company: Company, buyer: Party, method: PaymentMethod | None,
                   installments: list[tuple[date, object]] = (), references: tuple[Reference, ...] = (),
                   validity: date | None = None) -> DocumentSnapshot:
    """The frozen copy (logic/snapshot.py) of a document: seller and buyer as of now, lines and totals of the engine."""
    business = buyer.is_business
    lines = tuple(_shown(SnapshotLine(kind=line.kind, reference=line.reference, designation=line.designation,
                                      description=line.description, quantity=line.quantity, unit=line.unit,
                                      unit_code=line.unit_code, unit_price=line.unit_price,
                                      discount_kind=line.discount_kind, discount_value=line.discount_value,
                                      vat_rate=line.vat_rate, vat_category=line.vat_category,
                                      exemption_reason=line.exemption_reason,
                                      exemption_code=line.exemption_code, nature=line.nature, net=net,
                                      allowance=allowance), draft.vat_included)
                  for line, net, allowance in zip(draft.lines, totals.line_nets, totals.line_allowances))
    vat_lines = tuple(VatLine(category=group.category, rate=group.rate, base=group.base, vat=group.vat,
                              exemption_reason=group.exemption_reason, exemption_code=group.exemption_code)
                  for group in totals.vat_groups)
    terms = PaymentTerms(days=method.days, end_of_month=method.end_of_month) if method else None
    return DocumentSnapshot(
        doc_type=doc_type, number=number, issue_date=on, seller=party_of_company(company), buyer=buyer,
        lines=lines, vat_lines=vat_lines, lines_total=totals.lines_total, allowance_total=totals.allowance_total,
        charge_total=totals.charge_total, total_ht=totals.total_ht, total_vat=totals.total_vat,
        total_ttc=totals.total_ttc, prepaid=totals.prepaid, amount_due=totals.amount_due,
        global_discount_kind=draft.global_discount_kind, global_discount_value=draft.global_discount_value,
        shipping=draft.shipping, shipping_vat_rate=draft.shipping_vat_rate,
        shipping_vat_category=draft.shipping_vat_category, due_date=due, delivery_date=draft.delivery_date,
        delivery_address=_delivery_party(draft.delivery_address, buyer),
        validity_date=validity, operation_nature=operation_nature(draft.lines), vat_regime=company.vat_regime,
        vat_on_debits=company.vat_on_debits, payment_method=method.name if method else '',
        payment_means=PAYMENT_MEANS.get(method.kind, '1') if method else '1',
        payment_terms=describe(terms) if terms else '',
        installments=tuple(PlannedInstallment(due_date=day, amount=amount) for day, amount in installments),
        references=references, buyer_reference=draft.purchase_order, purchase_order=draft.purchase_order,
        penalty_text=company.penalty_text if business else '',
        indemnity_text=company.indemnity_text if business else '',
        discount_text=company.discount_text if business else '', header_text=draft.header_text,
        footer_text=draft.footer_text, notes=draft.notes,
    )


def _shown(line: SnapshotLine, vat_included: bool) -> SnapshotLine:
    """A line as printed and sent. Prices including VAT (deposit invoices) are stored TTC, but an invoice shows unit
    prices HT (docs/legal.md 1, 8°) and the XML wants net = quantity x net price: one unit at the line's net HT."""
    if not vat_included or line.kind != 'item' or line.net is None:
        return line
    unit = Decimal(-1) if line.quantity < 0 else Decimal(1)
    return replace(line, quantity=unit, unit_price=line.net * unit, discount_kind=None, discount_value=Decimal(0))


def _delivery_party(address: dict | None, buyer: Party) -> Party | None:
    """The ship-to party (BG-13): the stored copy, named after the buyer when the address has no name of its own."""
    copy = delivery_copy(address)
    if copy is None:
        return None
    return Party(**{**copy, 'name': copy['name'] or buyer.name})


def party_of_company(company: Company) -> Party:
    return Party(name=company.name, legal_form=company.legal_form, capital=company.capital, address=company.address,
                 address2=company.address2, postcode=company.postcode, city=company.city, country=company.country,
                 siren=company.siren, siret=company.siret, vat_number=company.vat_number, rcs=company.rcs,
                 ape_code=company.ape_code, email=company.email, phone=company.phone,
                 electronic_address=company.electronic_address, bank_name=company.bank_name, iban=company.iban,
                 bic=company.bic, legal_kind=company.legal_kind, trade_register=company.trade_register)


def party_of_contact(contact: Contact) -> Party:
    return Party(name=contact.display_name, legal_form=contact.legal_form, address=contact.address,
                 address2=contact.address2, postcode=contact.postcode, city=contact.city, country=contact.country,
                 siren=contact.siren, siret=contact.siret, vat_number=contact.vat_number, email=contact.email,
                 phone=contact.phone, electronic_address=contact.electronic_address, category=contact.category,
                 code=contact.code, payment_terms_derogation=contact.payment_terms_derogation)


def terms_for(method: PaymentMethod | None) -> PaymentTerms | None:
    return PaymentTerms(days=method.days, end_of_month=method.end_of_month) if method else None


def due_on(on: date, method: PaymentMethod | None) -> date:
    return due_date(on, terms_for(method)) if method else on
