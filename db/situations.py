"""Progress invoicing (IN8, issue 20): the contract of an accepted quote, its situations and its holdback.

- `open_contract(actor, quote_id, *, holdback_rate, guarantee, deposit_mode) -> Contract`: "Situations" on an
  accepted quote. One contract per quote, not for a quote already invoiced or ordered, nor one with a global
  discount or shipping (the situations bill the quote's lines). `set_contract(...)` changes the settings while no
  situation is issued.
- `contract_view(contract_id) -> ContractView`: the contract's lines, where each one stands, and every situation's
  stored rows (the progress screen's grid).
- `plan_situation(view, percents, quantities) -> Plan`: what a situation would bill (the editor's live
  figures, and what `issue_situation` issues): pure, no database.
- `issue_situation(actor, contract_id, *, percents, quantities=None, issue_date=None,
  reception_date=None, issuer) -> Document`: the progress invoice, issued through `db.issuing.issue` (mentions,
  number in the invoice series, frozen copy, chain, stored Factur-X original), with its Situation and
  SituationLine rows and, under a holdback, the holdback installment ('planned': not due until the works are
  accepted). The situation that brings every line to 100 % is the last (the "décompte général définitif"): it deducts
  the deposits left and closes the contract: the holdback installments become due one year after `reception_date`
  (loi 71-584) and appear in Règlements; the quote is then 'invoiced'.

Going back is a credit note: a situation credited in full no longer counts, the next one starts from the one before.
"""
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from db import changes
from db.actor import Actor
from db.audit import record
from db.contact import Contact
from db.document import Document, DocumentLine, Installment
from db.drafts import payment_method_for
from db.issuing import Issue, Issuer, NewLine, issue
from db.settings import get_company
from db.situation import CONTRACT_STATES, Contract, Situation, SituationLine
from db.unit_of_work import transaction
from db.validation import build_snapshot, due_on, frozen_values, party_of_contact, quote_deduction
from logic import situations as rules
from logic.draft import Draft, check_invoice_totals
from logic.errors import DomainError
from logic.money import format_decimal_fr
from logic.situations import Amounts, ContractLine, Done, LineProgress, SituationError
from logic.snapshot import DocumentSnapshot
from logic.totals import Totals

ZERO = Decimal('0.00')


# --- the contract --------------------------------------------------------------------------------------------------


async def open_contract(actor: Actor, quote_id: int, *, holdback_rate: Decimal = Decimal(5),
                        guarantee: str = 'holdback', deposit_mode: str = 'proportional') -> Contract:
    rules.check_settings(holdback_rate=holdback_rate, guarantee=guarantee, deposit_mode=deposit_mode)
    async with transaction():
        quote = await Document.filter(id=quote_id).select_for_update().first()
        if quote is None or quote.doc_type != 'quote':
            raise SituationError('Seul un devis accepté se facture en situations.')
        existing = await Contract.get_or_none(quote_id=quote_id)
        if existing is not None:
            return existing
        if quote.state != 'accepted':
            raise SituationError('Seul un devis accepté se facture en situations.')
        if await Document.filter(source_id=quote_id, doc_type__in=('invoice', 'order')).exists():
            raise SituationError('Ce devis a déjà sa facture ou son bon de commande : il ne se facture plus en '
                                 'situations.')
        if quote.global_discount_kind or quote.global_discount_value or quote.shipping:
            raise SituationError('Un devis avec une remise globale ou des frais de port ne se facture pas en '
                                 'situations : reportez-les sur les lignes du devis.')
        if not await DocumentLine.filter(document_id=quote_id, kind='item').exists():
            raise SituationError('Le devis n’a aucune ligne à facturer.')
        contract = await Contract.create(
            quote_id=quote_id, quote_number=quote.number or '', client_id=quote.client_id,
            client_name=quote.client_name, title=(quote.header_text or '').strip().split('\n')[0][:255],
            total_ht=quote.total_ht, holdback_rate=holdback_rate, guarantee=guarantee, deposit_mode=deposit_mode)
        await record('contract.open', actor, target=f'contract:{contract.id}',
                     details={'quote': quote.number, 'holdback_rate': str(holdback_rate), 'guarantee': guarantee,
                              'deposit_mode': deposit_mode})
    changes.publish(changes.DOCUMENTS, quote_id)
    return contract


async def set_contract(actor: Actor, contract_id: int, *, holdback_rate: Decimal, guarantee: str,
                       deposit_mode: str) -> Contract:
    rules.check_settings(holdback_rate=holdback_rate, guarantee=guarantee, deposit_mode=deposit_mode)
    async with transaction():
        contract = await _lock(contract_id)
        if contract.situations:
            raise SituationError('Une situation est déjà émise : la retenue et la déduction des acomptes ne '
                                 'changent plus.')
        old = [str(contract.holdback_rate), contract.guarantee, contract.deposit_mode]
        contract.holdback_rate, contract.guarantee, contract.deposit_mode = holdback_rate, guarantee, deposit_mode
        contract.version += 1
        await contract.save()
        await record('contract.settings', actor, target=f'contract:{contract_id}',
                     details={'before': old, 'after': [str(holdback_rate), guarantee, deposit_mode]})
    return contract


async def contract_of_quote(quote_id: int) -> Contract | None:
    return await Contract.get_or_none(quote_id=quote_id)


# --- where a contract stands ---------------------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class StoredSituation:
    """One issued situation with its stored rows ({quote line id: SituationLine})."""

    row: Situation
    number: str
    issue_date: date | None
    state: str
    counted: bool  # False once credited in full
    lines: dict[int, SituationLine]


@dataclass(kw_only=True, slots=True)
class ContractView:
    contract: Contract
    quote: Document
    lines: list[ContractLine]
    situations: list[StoredSituation] = field(default_factory=list)
    deposits: Decimal = ZERO  # the quote's deposit invoices, TTC (what is left of them once credited)

    @property
    def last(self) -> StoredSituation | None:
        """The situation the next one starts from: the newest not credited in full."""
        return next((item for item in reversed(self.situations) if item.counted), None)

    @property
    def previous(self) -> dict[int, Done]:
        last = self.last
        if last is None:
            return {}
        return {line_id: Done(percent=row.cumulative_percent, amount=row.cumulative_amount)
                for line_id, row in last.lines.items()}

    @property
    def billed_ht(self) -> Decimal:
        return self.last.row.cumulative_ht if self.last else ZERO

    @property
    def deposit_deducted(self) -> Decimal:
        return sum((item.row.deposit for item in self.situations if item.counted), ZERO)

    @property
    def holdback(self) -> Decimal:
        return sum((item.row.holdback for item in self.situations if item.counted), ZERO)

    @property
    def next_seq(self) -> int:
        return len(self.situations) + 1


async def contract_view(contract_id: int) -> ContractView:
    contract = await Contract.get_or_none(id=contract_id)
    if contract is None:
        raise SituationError('Marché introuvable.')
    return await _view(contract)


async def _view(contract: Contract) -> ContractView:
    quote = await Document.get(id=contract.quote_id)
    lines = [ContractLine(line_id=row.id, designation=row.designation, reference=row.reference,
                          quantity=row.quantity, unit=row.unit, unit_code=row.unit_code, amount=row.net or ZERO,
                          vat_rate=row.vat_rate, vat_category=row.vat_category,
                          exemption_reason=row.exemption_reason, exemption_code=row.exemption_code,
                          nature=row.nature)
             for row in await DocumentLine.filter(document_id=contract.quote_id, kind='item').order_by('position')]
    rows = await Situation.filter(contract_id=contract.id).order_by('seq')
    documents = {doc.id: doc for doc in await Document.filter(id__in=[row.document_id for row in rows])}
    stored: dict[int, dict[int, SituationLine]] = {row.id: {} for row in rows}
    for line in await SituationLine.filter(situation_id__in=list(stored)).order_by('situation_id', 'position'):
        stored[line.situation_id][line.quote_line_id] = line
    situations = [StoredSituation(row=row, number=documents[row.document_id].number or '',
                                  issue_date=documents[row.document_id].issue_date,
                                  state=documents[row.document_id].state,
                                  counted=documents[row.document_id].credited_amount < row.total_ttc
                                  or not row.total_ttc,
                                  lines=stored[row.id]) for row in rows]
    deduction = await quote_deduction(contract.quote_id)
    return ContractView(contract=contract, quote=quote, lines=lines, situations=situations,
                        deposits=deduction.prepaid)


# --- a situation ---------------------------------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class Plan:
    """What a situation bills: its lines, totals, deposits deducted and holdback (the editor shows it live)."""

    seq: int
    final: bool
    lines: list[LineProgress]
    draft_lines: list
    totals: Totals
    amounts: Amounts

    @property
    def cumulative_ht(self) -> Decimal:
        return sum((line.cumulative_amount for line in self.lines), ZERO)

    @property
    def delta_ht(self) -> Decimal:
        return sum((line.delta_amount for line in self.lines), ZERO)


def plan_situation(view: ContractView, percents: dict[int, Decimal],
                   quantities: dict[int, Decimal] | None = None) -> Plan:
    """The situation `percents` (cumulative, per quote line id) would make; refusals are SituationError. The one
    that brings every line to 100 % is the last one (the DGD)."""
    contract = view.contract
    if contract.state != 'open':
        raise SituationError('Le marché est soldé (décompte général définitif émis) : plus aucune situation.')
    lines = rules.progress(view.lines, view.previous, percents, quantities)
    final = all(line.cumulative_percent == rules.HUNDRED for line in lines)
    draft_lines = rules.invoice_lines(lines, view.next_seq)
    cumulative = sum((line.cumulative_amount for line in lines), ZERO)
    deposit = rules.deposit_deduction(deposits=view.deposits, already=view.deposit_deducted,
                                      contract_ht=contract.total_ht, cumulative_ht=cumulative,
                                      mode=contract.deposit_mode, final=final)
    totals = Draft(doc_type='progress_invoice', lines=draft_lines).totals(deposit)
    kept = rules.holdback(totals.total_ttc, rate=contract.holdback_rate, guarantee=contract.guarantee)
    amounts = Amounts(total_ttc=totals.total_ttc, deposit=deposit, holdback=kept)
    return Plan(seq=view.next_seq, final=final, lines=lines, draft_lines=draft_lines, totals=totals,
                amounts=amounts)


async def issue_situation(actor: Actor, contract_id: int, *, percents: dict[int, Decimal],
                          quantities: dict[int, Decimal] | None = None, issue_date: date | None = None, reception_date: date | None = None,
                          issuer: Issuer) -> Document:
    today = date.today()
    on = issue_date or today
    if on > today:
        raise SituationError('La date d’une facture ne peut pas être dans le futur.')
    if reception_date is not None and reception_date > today:
        raise SituationError('La réception des travaux ne peut pas être dans le futur.')
    company = await get_company()
    if company is None:
        raise DomainError('Renseignez d’abord la fiche société (Paramètres > Société).')
    planned: dict = {}

    async def prepare() -> list[Issue]:
        contract = await _lock(contract_id)
        view = await _view(contract)
        plan = plan_situation(view, percents, quantities)
        if plan.final:
            if reception_date is None:
                raise SituationError('Cette situation porte chaque ligne à 100 % : c’est le décompte général '
                                     'définitif. Indiquez la date de réception des travaux (la retenue de '
                                     'garantie est libérée un an après).')
            if (await quote_deduction(contract.quote_id)).unpaid:
                raise SituationError('Un acompte du devis reste à régler : réglez-le ou supprimez-le avant le '
                                     'décompte général définitif.')
        rules.check_amounts(plan.amounts)
        check_invoice_totals(plan.totals)
        planned['view'], planned['plan'] = view, plan
        return [await _issue_of(actor, view, plan, on=on, company=company, reception=reception_date)]

    async def complete(documents: list[Document]) -> None:
        await _record(actor, planned['view'], planned['plan'], documents[0], reception=reception_date)

    document = (await issue(actor, prepare, issuer=issuer, complete=complete))[0]
    changes.publish(changes.DOCUMENTS, planned['view'].quote.id)
    return document


async def _issue_of(actor: Actor, view: ContractView, plan: Plan, *, on: date, company,
                    reception: date | None) -> Issue:
    contract, quote = view.contract, view.quote
    contact = await Contact.get(id=quote.client_id)
    method = await payment_method_for(quote.payment_method_id, contact)
    due = due_on(on, method)
    draft = Draft(doc_type='progress_invoice', client_id=quote.client_id, purchase_order=quote.purchase_order,
                  delivery_address=quote.delivery_address, lines=plan.draft_lines)
    references = ()
    if plan.amounts.deposit:  # each deposit invoice cited with the part of it this situation deducts
        cited = (await quote_deduction(quote.id)).references
        parts = rules.allocate([ref.amount for ref in cited], already=view.deposit_deducted,
                               now=plan.amounts.deposit)
        references = tuple(replace(ref, amount=part, vat_breakdown=()) for ref, part in zip(cited, parts) if part)
    snapshot = build_snapshot(draft, plan.totals, doc_type='progress_invoice', number='', on=on, due=due,
                              company=company, buyer=party_of_contact(contact), method=method,
                              installments=[(due, plan.amounts.pay_now)], references=references)
    release = rules.release_date(reception) if reception and plan.final else None  # known at the DGD
    snapshot = replace(snapshot, extra={'quote_number': quote.number or '',
                                        'quote_date': quote.issue_date.isoformat() if quote.issue_date else '',
                                        'situation': situation_extra(view, plan, release)})
    document = Document(doc_type='progress_invoice', source_id=quote.id, purchase_order=quote.purchase_order,
                        delivery_address=quote.delivery_address, created_by_id=actor.user_id,
                        **frozen_values(plan.totals, contact, method))
    settled = not plan.amounts.pay_now and not plan.amounts.holdback
    return Issue(document=document, snapshot=snapshot, state='paid' if settled else 'validated',
                 lines=[NewLine(line=line, net=net, source_line_id=line.source_line_id)
                        for line, net in zip(plan.draft_lines, plan.totals.line_nets)],
                 installments=[(due, plan.amounts.pay_now)],
                 audit={'contract': contract.id, 'situation': plan.seq, 'final': plan.final,
                        'deposit': str(plan.amounts.deposit), 'holdback': str(plan.amounts.holdback)})


def situation_extra(view: ContractView, plan: Plan, release: date | None) -> dict:
    """What the printout and the e-invoice state beyond the lines billed: the whole progress table, as of now."""
    contract = view.contract
    billed = [line for line in plan.lines if line.delta_amount]
    return {
        'contract_id': contract.id, 'seq': plan.seq, 'final': plan.final, 'quote_number': contract.quote_number,
        'contract_ht': str(contract.total_ht), 'cumulative_ht': str(plan.cumulative_ht),
        'previous_ht': str(plan.cumulative_ht - plan.delta_ht), 'delta_ht': str(plan.delta_ht),
        'lines': [{'designation': line.line.designation, 'reference': line.line.reference,
                   'contract_amount': str(line.line.amount), 'cumulative_percent': str(line.cumulative_percent),
                   'previous_percent': str(line.previous_percent), 'delta_percent': str(line.delta_percent),
                   'cumulative_quantity': '' if line.cumulative_quantity is None else str(line.cumulative_quantity),
                   'cumulative_amount': str(line.cumulative_amount), 'previous_amount': str(line.previous_amount),
                   'delta_amount': str(line.delta_amount)} for line in plan.lines],
        'notes': [rules.line_note(line) for line in billed],  # one per invoice line, in order (BT-127)
        'deposit': str(plan.amounts.deposit), 'holdback': str(plan.amounts.holdback),
        'holdback_rate': str(contract.holdback_rate), 'guarantee': contract.guarantee,
        'pay_now': str(plan.amounts.pay_now),
        'holdback_text': rules.holdback_text(rate=contract.holdback_rate, guarantee=contract.guarantee,
                                             amount=plan.amounts.holdback, release=release,
                                             total=view.holdback + plan.amounts.holdback if plan.final else None),
    }


async def _record(actor: Actor, view: ContractView, plan: Plan, document: Document, *,
                  reception: date | None) -> None:
    """Inside the issuing transaction, once numbered: the stored rows, the holdback, the contract's totals."""
    contract = view.contract
    situation = await Situation.create(contract_id=contract.id, document_id=document.id, seq=plan.seq,
                                       final=plan.final, cumulative_ht=plan.cumulative_ht, delta_ht=plan.delta_ht,
                                       total_ttc=plan.amounts.total_ttc, deposit=plan.amounts.deposit,
                                       holdback=plan.amounts.holdback)
    await SituationLine.bulk_create([
        SituationLine(situation_id=situation.id, quote_line_id=line.line.line_id, position=position,
                      contract_amount=line.line.amount, cumulative_percent=line.cumulative_percent,
                      delta_percent=line.delta_percent, cumulative_quantity=line.cumulative_quantity,
                      cumulative_amount=line.cumulative_amount, previous_amount=line.previous_amount,
                      delta_amount=line.delta_amount) for position, line in enumerate(plan.lines)])
    if plan.amounts.holdback:
        # Owed, but not before the works are accepted: 'planned' keeps it out of Payments until the DGD.
        await Installment.create(document_id=document.id, position=1, kind='installment', status='planned',
                                 due_date=rules.release_date(document.issue_date), amount=plan.amounts.holdback,
                                 paid_amount=0, label=rules.HOLDBACK_LABEL, number=document.number,
                                 client_id=document.client_id, client_name=document.client_name)
    contract.situations = plan.seq
    contract.billed_ht = plan.cumulative_ht
    contract.holdback_total = view.holdback + plan.amounts.holdback
    contract.version += 1
    details = {'number': document.number, 'seq': plan.seq, 'cumulative_ht': str(plan.cumulative_ht),
               'delta_ht': str(plan.delta_ht), 'holdback': str(plan.amounts.holdback)}
    if plan.final:
        contract.state, contract.reception_date = 'closed', reception
        release = rules.release_date(reception)
        counted = [item.row.document_id for item in view.situations if item.counted] + [document.id]
        opened = await Installment.filter(document_id__in=counted, label=rules.HOLDBACK_LABEL,
                                          status='planned').update(status='open', due_date=release)
        # A situation credited in full keeps nothing back: its holdback is given up with it.
        await Installment.filter(document_id__in=[item.row.document_id for item in view.situations
                                                  if not item.counted],
                                 label=rules.HOLDBACK_LABEL, status='planned').update(status='cancelled')
        await Document.filter(id=contract.quote_id, state='accepted').update(state='invoiced')
        details.update(final=True, reception=reception.isoformat(), release=release.isoformat(),
                       holdbacks_opened=opened)
    await contract.save()
    await record('contract.situation', actor, target=f'contract:{contract.id}', details=details)
    if plan.final:
        changes.publish(changes.PAYMENTS, document.id)


async def _lock(contract_id: int) -> Contract:
    contract = await Contract.filter(id=contract_id).select_for_update().first()
    if contract is None:
        raise SituationError('Marché introuvable.')
    return contract


def percent_text(value: Decimal) -> str:
    return f'{format_decimal_fr(value)} %'


def snapshot_situation(snapshot: DocumentSnapshot) -> dict | None:
    return snapshot.extra.get('situation')


# --- what the screens show -----------------------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True, frozen=True)
class LineStanding:
    """Where a contract line stands after the situations that count: billed, remaining, and each situation's cell."""

    line: ContractLine
    percent: Decimal
    billed: Decimal
    cells: tuple[SituationLine | None, ...]  # per situation, in order (None: the line was not in it)

    @property
    def remaining(self) -> Decimal:
        return self.line.amount - self.billed


def standing(view: ContractView) -> list[LineStanding]:
    previous = view.previous
    return [LineStanding(line=line, percent=previous.get(line.line_id, Done()).percent,
                         billed=previous.get(line.line_id, Done()).amount,
                         cells=tuple(item.lines.get(line.line_id) for item in view.situations))
            for line in view.lines]


CONTRACT_SORTS = {'id': 'id', 'client': 'client_name', 'quote': 'quote_number', 'total_ht': 'total_ht',
                  'billed_ht': 'billed_ht', 'state': 'state'}


async def contract_page(*, offset: int, limit: int, sort: str = 'id', descending: bool = True, state: str = '',
                        total: int | None = None) -> tuple[list[Contract], int]:
    """One page of the contracts list, sorted and filtered in SQL (the count only when `total` is unknown)."""
    query = Contract.all()
    if state in CONTRACT_STATES:
        query = query.filter(state=state)
    column = CONTRACT_SORTS.get(sort, 'id')
    order = [f'-{column}' if descending else column] + ([] if column == 'id' else ['-id' if descending else 'id'])
    rows = await query.order_by(*order).offset(offset).limit(limit)
    return rows, total if total is not None else await query.count()
