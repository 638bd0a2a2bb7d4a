"""Credit notes ("Avoirs", IN4): created and validated in one step on a validated invoice.

    preview = await credit_note_preview(invoice_id, mode='lines', lines={line_id: Decimal('1')})  # (Draft, Totals)
    note = await create_credit_note(actor, invoice_id, issuer=Issuer.of(config, run.cpu_bound), mode='full')
    note = await create_credit_note(actor, invoice_id, issuer=issuer, mode='amounts',
                                    amounts={('S', Decimal('20.00')): Decimal('50.00')}, reason='Geste commercial')

Why no draft credit notes: a draft would reserve nothing, so two drafts could each fit in what is left and together
exceed it; creating and validating in one transaction, under a lock on the invoice, makes "never more than what is
left" hold by construction. The page shows `credit_note_preview` first, then calls `create_credit_note`.

Issued through `db.issuing.issue` like every legal document: the same mentions check, the same Factur-X
check of its exact frozen copy before its number is taken, the same chain and audit entry.

The credit note copies the parties and the payment wording of the invoice's frozen copy, cites its number and date
(snapshot.references, BR-FR-CO-05), has its own series ('credit_note') and chain, and carries all the mentions of an
invoice (docs/legal.md 2.2). When nothing is left to credit, the invoice becomes "Annulée" (full credit note, or partial
ones adding up to the whole).

Payments (PA2): a credit note is imputed on what its invoice still owes. The invoice's open installments are settled
(method 'credit_note', reference = the credit note's number; earliest due first) and the credit note's own 'refund'
installment is settled by the same amount, in the journal and the payment chain (db/payments.impute_credit_note).
What remains of the credit note (on an invoice already paid) stays an open refund in Payments. An invoice left with
nothing to pay becomes "Réglée", a fully credited one "Annulée" as before. A deposit invoice owes what it was not
paid: a credit note on an unticked deposit invoice leaves nothing to refund.

Bad debts (CGI art. 272-1, BOI-TVA-DED-40-20): an irrecoverable invoice can be credited, to recover its VAT. The
credit note takes the write-off's place in the same transaction: the write-off is cancelled (journal reversals,
'irrecoverable' -> 'validated'), the credit note is imputed on the reopened installments, and the invoice ends
"Annulée" when fully credited; what a partial credit note leaves is written off again, as it was.
"""
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from db import changes, order_links, payments
from db.actor import Actor
from db.company import Company
from db.document import Document, Installment, Payment
from db.drafts import draft_of
from db.integrity import check_sealed, frozen_lines
from db.issuing import Issue, Issuer, NewLine, issue
from db.settings import get_company
from db.state_chain import change_state
from db.validation import build_snapshot
from logic import doctypes
from logic.credit import CreditError, Key, Remaining, amount_lines, check_within, chosen_lines, full_lines, remaining
from logic.draft import Draft
from logic.errors import DomainError
from logic.snapshot import DocumentSnapshot, Reference
from logic.states import check_transition
from logic.totals import Totals

MODES = ('full', 'lines', 'amounts')


async def left_to_credit(invoice_id: int) -> Remaining:
    invoice = await _invoice(invoice_id, lock=False)
    return await _remaining(invoice)


async def credit_note_preview(invoice_id: int, *, mode: str = 'full', lines: Mapping[int, Decimal] | None = None,
                              amounts: Mapping[Key, Decimal] | None = None) -> tuple[Draft, Totals]:
    """The credit note that `create_credit_note` would make, checked against what is left (nothing saved)."""
    invoice = await _invoice(invoice_id, lock=False)
    draft, _, totals = await _build(invoice, await _remaining(invoice), mode, lines, amounts)
    return draft, totals


async def create_credit_note(actor: Actor, invoice_id: int, *, issuer: Issuer, mode: str = 'full',
                             lines: Mapping[int, Decimal] | None = None, amounts: Mapping[Key, Decimal] | None = None,
                             reason: str = '', issue_date: date | None = None) -> Document:
    """Create and issue the credit note (through `db.issuing.issue`, like every legal document)."""
    operation = credit_note_operation(actor, invoice_id, secret=issuer.secret, mode=mode, lines=lines,
                                      amounts=amounts, reason=reason, issue_date=issue_date)
    return (await issue(actor, operation.prepare, issuer=issuer, complete=operation.complete))[0]


@dataclass(kw_only=True, slots=True)
class CreditNoteOperation:
    """A credit note's two steps for `db.issuing.issue`, for an operation that credits an invoice among other
    things (`db.deposits.unsettle_deposit`): `prepare` builds it, `complete` imputes it and updates the invoice."""

    prepare: Callable[[], Awaitable[list[Issue]]]
    complete: Callable[[list[Document]], Awaitable[None]]


def credit_note_operation(actor: Actor, invoice_id: int, *, secret: str | bytes, mode: str = 'full',
                          lines: Mapping[int, Decimal] | None = None, amounts: Mapping[Key, Decimal] | None = None,
                          reason: str = '', issue_date: date | None = None) -> CreditNoteOperation:
    today = date.today()
    on = issue_date or today
    if on > today:
        raise DomainError('La date d’un avoir ne peut pas être dans le futur.')
    prepared: dict = {}

    async def prepare() -> list[Issue]:
        invoice = await _invoice(invoice_id, lock=True)  # one credit note at a time per invoice
        await check_sealed(invoice, secret)  # its frozen copy still the one chained at its validation
        if on < invoice.issue_date:
            raise DomainError('Un avoir ne peut pas être antérieur à la facture qu’il rectifie.')
        left = await _remaining(invoice)
        draft, sources, totals = await _build(invoice, left, mode, lines, amounts)
        cancels = left.total_ttc + totals.total_ttc == 0
        if cancels:  # an irrecoverable invoice is credited once its write-off is cancelled (`complete`)
            check_transition('invoice', 'validated' if invoice.state == 'irrecoverable' else invoice.state,
                             'cancelled')
        origin = DocumentSnapshot.from_dict(invoice.snapshot)
        snapshot = _snapshot(origin, draft, totals, invoice, on, reason, await get_company())
        prepared.update(invoice=invoice, totals=totals, cancels=cancels)
        note = Document(
            doc_type='credit_note', source_id=invoice.id, client_id=invoice.client_id,
            client_name=invoice.client_name, payment_method_id=invoice.payment_method_id,
            global_discount_kind=draft.global_discount_kind, global_discount_value=draft.global_discount_value,
            shipping=draft.shipping, shipping_vat_rate=draft.shipping_vat_rate,
            shipping_vat_category=draft.shipping_vat_category, purchase_order=draft.purchase_order,
            header_text=snapshot.header_text, notes=snapshot.notes, vat_included=draft.vat_included,
            created_by_id=actor.user_id,
            total_ht=totals.total_ht, total_vat=totals.total_vat, total_ttc=totals.total_ttc, prepaid=totals.prepaid,
            amount_due=totals.amount_due, total_cost=draft.cost())
        # What the credit note leaves to refund: listed in Payments (PA1) under its number, like an installment.
        return [Issue(document=note, snapshot=snapshot, installments=[(on, totals.amount_due)],
                      installment_kind='refund',
                      lines=[NewLine(line=line, net=totals.line_nets[position], source_line_id=source)
                             for position, (line, source) in enumerate(zip(draft.lines, sources))],
                      audit={'invoice': invoice.number, 'mode': mode, 'reason': reason})]

    async def complete(documents: list[Document]) -> None:
        note, invoice, totals, cancels = documents[0], prepared['invoice'], prepared['totals'], prepared['cancels']
        written_off = await _take_back_write_off(actor, note, invoice, secret) if invoice.state == 'irrecoverable' \
            else None
        # Imputed first on what the invoice still owes (its open installments), the rest stays to refund.
        imputed = await payments.impute_credit_note(actor, note, invoice, secret=secret)
        invoice.credited_amount += -totals.total_ttc
        invoice.version += 1
        await invoice.save(update_fields=['credited_amount', 'version', 'updated_at'])
        if imputed and not cancels:  # nothing left to pay: the invoice is 'Réglée'
            await payments.sync_document(actor, invoice.id, secret=secret)
        if cancels:
            await change_state(actor, invoice, 'cancelled', secret=secret, details={'credit_note': note.number})
            # A cancelled invoice bills nothing any more: its delivery notes and order can be invoiced again (OR3).
            await order_links.refresh(actor, *await order_links.affected(invoice.id))
        elif written_off is not None and await Installment.filter(document_id=invoice.id, status='open').exists():
            # What the credit note leaves of a written-off invoice stays written off, as it was.
            await payments.write_off(actor, invoice.id, on=written_off.paid_on, reason=written_off.reason,
                                     secret=secret)
        changes.publish(changes.DOCUMENTS, invoice.id)
        changes.publish(changes.PAYMENTS, invoice.id)

    return CreditNoteOperation(prepare=prepare, complete=complete)


async def _take_back_write_off(actor: Actor, note: Document, invoice: Document,
                               secret: str | bytes) -> Payment | None:
    """Bad debts (CGI art. 272-1, BOI-TVA-DED-40-20, docs/legal.md 11): the credit note that recovers the VAT of an
    irrecoverable invoice takes the write-off's place. The write-off is cancelled first (reversals in the journal,
    'irrecoverable' -> 'validated' audited), so that the credit note is imputed on the reopened installments and the
    amount leaves the receivables once, not twice. Returns the last write-off, to write off again what is left."""
    last = await Payment.filter(document_id=invoice.id, kind='write_off').order_by('-id').first()
    await payments.cancel_write_off(actor, invoice.id, secret=secret,
                                    reason=f'Avoir {note.number} : TVA sur créance irrécouvrable (CGI art. 272)')
    [(invoice.state, invoice.version)] = await Document.filter(id=invoice.id).values_list('state', 'version')
    return last


async def _build(invoice: Document, left: Remaining, mode: str, lines: Mapping[int, Decimal] | None,
                 amounts: Mapping[Key, Decimal] | None) -> tuple[Draft, list[int | None], Totals]:
    if mode not in MODES:
        raise ValueError(f'unknown credit note mode {mode!r}')
    invoice_lines = await frozen_lines(invoice)  # never lines edited after validation (docs/legal.md 2.6)
    invoice_draft = draft_of(invoice, invoice_lines)
    if mode == 'full':
        if left.already_credited:
            raise CreditError('Un avoir a déjà été établi sur cette facture : créditez le reste ligne par ligne ou '
                              'par montant.')
        draft = full_lines(invoice_draft)
        sources = [line.id if line.kind == 'item' else None for line in invoice_lines]
    elif mode == 'lines':
        draft, sources = chosen_lines(invoice_draft, [line.id for line in invoice_lines], lines or {}, left)
    else:
        origin = DocumentSnapshot.from_dict(invoice.snapshot)
        reasons = {(vat.category, vat.rate): vat.exemption_reason for vat in origin.vat_lines}
        credit_lines = amount_lines(amounts or {}, label=f'Avoir sur facture {invoice.number}', reasons=reasons)
        # Amounts are typed HT per rate, even on a deposit invoice whose lines were TTC.
        draft = replace(invoice_draft, lines=credit_lines, shipping=Decimal(0), global_discount_kind=None,
                        global_discount_value=Decimal(0), vat_included=False)
        sources = [None] * len(credit_lines)
    draft = replace(draft, doc_type='credit_note', issue_date=None, due_date=None, validity_date=None,
                    probability=None)
    totals = draft.totals()
    check_within(left, totals)
    return draft, sources, totals


async def _remaining(invoice: Document) -> Remaining:
    origin = DocumentSnapshot.from_dict(invoice.snapshot)
    notes = await Document.filter(source_id=invoice.id, doc_type='credit_note').exclude(state='draft').order_by('id')
    credit_snapshots = [DocumentSnapshot.from_dict(note.snapshot) for note in notes]
    quantities = {line.id: line.quantity for line in await frozen_lines(invoice) if line.kind == 'item'}
    # The quantities already credited, from each credit note's rows once they match its frozen copy.
    credited: dict[int, Decimal] = {}
    for note in notes:
        for line in await frozen_lines(note):
            if line.source_line_id is not None:
                credited[line.source_line_id] = credited.get(line.source_line_id, Decimal(0)) + line.quantity
    return remaining(invoice_ttc=origin.total_ttc, invoice_groups=origin.vat_lines, invoice_quantities=quantities,
                     credit_ttc=[snap.total_ttc for snap in credit_snapshots],
                     credit_groups=[vat for snap in credit_snapshots for vat in snap.vat_lines],
                     credited_quantities=credited)


async def _invoice(invoice_id: int, *, lock: bool) -> Document:
    query = Document.filter(id=invoice_id)
    invoice = await (query.select_for_update() if lock else query).first()
    if invoice is None:
        raise DomainError('Facture introuvable.')
    if not doctypes.doc_type(invoice.doc_type).creditable or invoice.state == 'draft':
        raise DomainError('Un avoir se fait sur une facture validée.')
    if invoice.state == 'cancelled':
        raise DomainError(f'La facture {invoice.number} est déjà entièrement créditée.')
    return invoice


def _snapshot(origin: DocumentSnapshot, draft: Draft, totals: Totals, invoice: Document, on: date,
              reason: str, company: Company) -> DocumentSnapshot:
    """The credit note's frozen copy: the invoice's parties, VAT regime and wording, its own lines and totals.

    The reason is printed ("Motif : …", first in the printed header text, right under "Avoir sur la facture n° …"):
    a credit note states why it corrects the invoice. It is not a note: `notes` are the internal notes.
    """
    header = '\n'.join(part for part in (f'Motif : {reason.strip()}' if reason.strip() else '', draft.header_text)
                       if part)
    snapshot = build_snapshot(replace(draft, header_text=header), totals, doc_type='credit_note', number='', on=on, due=on,
                              company=company, buyer=origin.buyer, method=None, installments=[(on, totals.amount_due)],
                              references=(Reference(number=invoice.number, issue_date=invoice.issue_date,
                                                    amount=invoice.total_ttc),))
    return replace(snapshot, seller=origin.seller, vat_regime=origin.vat_regime, vat_on_debits=origin.vat_on_debits,
                   payment_method=origin.payment_method, payment_means=origin.payment_means,
                   payment_terms=origin.payment_terms, penalty_text=origin.penalty_text,
                   indemnity_text=origin.indemnity_text, discount_text=origin.discount_text)
