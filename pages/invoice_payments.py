"""What the invoice page shows about money due (IN5, PA2, PA7, DE3, DE5): the schedule editor of a draft, the
installments of a validated invoice with "Régler", the cancellation of a settlement and "Irrécouvrable", the deposits
a balance invoice deducts, a deposit invoice's quote, and the unpaid-deposits dialog met at validation.

pages/invoices.py calls these from its `invoice_extra` and its validation dialog.
"""
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from nicegui import run, ui

from components.dialog import ConfirmDialog
from components.dunning_history import reminder_history
from components.installments_view import InstallmentRow, InstallmentsView
from components.payment_schedule import PaymentSchedule
from components.settle_dialog import SettleDialog, SettleValues
from components.unpaid_deposits_dialog import UnpaidDeposit, UnpaidDepositsDialog
from components.write_off_dialog import WriteOffDialog
from db import deposits, documents, dunning, payments, validation
from db.company import PaymentMethod
from db.contact import Contact
from db.document import Document, Installment, Payment
from db.drafts import payment_method_for
from logic import doctypes
from logic.dates import format_date
from logic.money import format_eur
from logic.payments import METHODS, USER_METHODS, imputed_part, installment_display
from logic.snapshot import DocumentSnapshot
from logic.terms import PaymentTerms, describe, due_date
from logic.totals import TotalsError
from pages import runtime
from pages.document_page import Screen, document_title, document_url

SETTLE_METHODS = {key: METHODS[key] for key in USER_METHODS}
KIND_LABELS = {'installment': 'Échéance', 'deposit': 'Acompte', 'refund': 'Remboursement'}
PAYMENT_LABELS = {'settlement': 'Règlement', 'reversal': 'Annulation', 'write_off': 'Irrécouvrable'}


# --- a draft: the schedule editor ------------------------------------------------------------------------------

async def schedule_card(screen: Screen) -> None:
    document = screen.document
    deducted = await deducted_deposits(document)
    contact = await Contact.get_or_none(id=document.client_id) if document.client_id else None
    method = await payment_method_for(document.payment_method_id, contact)
    terms = PaymentTerms(days=method.days, end_of_month=method.end_of_month) if method else None
    first_due = due_date(date.today(), terms) if terms else date.today()
    saved = [(item.due_date, item.amount) for item in getattr(document, 'installment_list', [])]
    with ui.card().classes('app-card').props('data-role=schedule-card'):
        ui.label('Échéancier').classes('app-subtitle')
        ui.label('Sans échéancier, la facture est due en une fois selon son mode de règlement. Avec un '
                 'échéancier, elle est due à la date de sa dernière échéance.').classes('app-muted text-sm')

        async def save(installments: list[tuple[date, Decimal]]) -> None:
            if screen.dirty and not await screen.save():
                return
            await screen.act(lambda: documents.set_installments(screen.ctx.actor, screen.doc_id, installments,
                                                                screen.version),
                             'Échéancier enregistré.' if installments else 'Échéancier supprimé.')

        schedule = PaymentSchedule(total=net_to_pay(screen, deducted), installments=saved, first_due=first_due,
                                   terms_label=describe(terms) if terms else '',
                                   on_save=screen.ctx.handler(save))
        schedule.mark('schedule')
    follow_total(screen, lambda: schedule.set_total(net_to_pay(screen, deducted)) if not schedule.is_deleted
                 else None)


def net_to_pay(screen: Screen, deducted: list[tuple[str, date, Decimal]]) -> Decimal:
    """What the schedule spreads: the draft's total TTC as typed, less the deposits its validation will deduct."""
    try:
        total = screen.draft.totals().total_ttc
    except TotalsError:
        total = screen.document.total_ttc
    return total - sum((amount for _, _, amount in deducted), Decimal('0.00'))


def follow_total(screen: Screen, callback: Callable[[], None]) -> None:
    if screen.editor is None:
        return
    callbacks = screen.editor.callbacks
    previous = callbacks.on_change

    def changed() -> None:
        if previous is not None:
            previous()
        callback()

    callbacks.on_change = changed


# --- a validated invoice: installments, settle, untick, irrecoverable ------------------------------------------

async def installments_card(screen: Screen) -> None:
    ctx, document = screen.ctx, screen.document
    items = [item for item in getattr(document, 'installment_list', []) if item.status != 'cancelled']
    if not items:
        return
    today = date.today()
    active = document.state in ('validated', 'paid')
    # The settle dialog preselects the invoice's own payment method.
    method = await PaymentMethod.get_or_none(id=document.payment_method_id) if document.payment_method_id else None
    kind = method.kind if method else ''
    history = await Payment.filter(document_id=document.id).order_by('id')
    rows = []
    for position, item in enumerate(items, start=1):
        # The same state as on Règlements (pages/payments.py): one function, the same journal facts.
        imputed = imputed_part([payment for payment in history if payment.installment_id == item.id])
        status, state = installment_display(item.status, item.amount, item.paid_amount, item.due_date, today,
                                            item.kind, imputed)
        actions = []
        if active and item.status == 'open':
            actions.append(('settle', 'Régler', 'payments', lambda item=item: settle_dialog(screen, item, kind)))
        if active and item.status in ('open', 'paid') and item.paid_amount != imputed:  # money to cancel
            actions.append(('unsettle', 'Annuler le règlement', 'undo',
                            lambda item=item: unsettle_dialog(screen, item)))
        label = item.label or KIND_LABELS.get(item.kind, item.kind)
        if not item.label and len(items) > 1:
            label = f'{label} {position}/{len(items)}'
        rows.append(InstallmentRow(id=item.id, due_date=item.due_date, label=label, amount=item.amount,
                                   paid_amount=item.paid_amount, credited=imputed, status=status, state_label=state,
                                   actions=actions))

    with ui.card().classes('app-card').props('data-role=installments-card'):
        with ui.row().classes('w-full items-center gap-2'):
            ui.label('Échéancier et règlements').classes('app-subtitle')
            ui.space()
            if document.state == 'validated' and any(item.status == 'open' for item in items):
                ui.button('Irrécouvrable', icon='money_off', on_click=lambda: write_off_dialog(screen)) \
                    .props('flat color=warning no-caps data-action=write-off').mark('write-off')
            if document.state == 'irrecoverable':
                ui.button('Annuler l’irrécouvrable', icon='undo',
                          on_click=ctx.handler(lambda: screen.act(lambda: payments.cancel_write_off(
                              ctx.actor, screen.doc_id, secret=runtime.config().secret),
                              'La facture n’est plus irrécouvrable.'))) \
                    .props('flat no-caps data-action=cancel-write-off').mark('cancel-write-off')
        InstallmentsView(rows).mark('installments-detail', 'installments')
        if history:
            payment_history(history)
        reminders = await dunning.document_reminders(document.id)
        if reminders:
            reminder_history(reminders, {item.id: row.label for item, row in zip(items, rows)})


def payment_history(history: list[Payment]) -> None:
    with ui.expansion(f'Historique des règlements ({len(history)})', icon='history') \
            .classes('w-full').props('dense data-role=payment-history').mark('payment-history'):
        for payment in history:
            what = PAYMENT_LABELS.get(payment.kind, payment.kind)
            method = METHODS.get(payment.method, payment.method)
            detail = ' — '.join(part for part in (method, payment.reference, payment.reason) if part)
            with ui.row().classes('w-full items-baseline gap-3 no-wrap text-sm') \
                    .props(f'data-payment-kind={payment.kind}'):
                ui.label(format_date(payment.paid_on)).classes('w-24 shrink-0')
                ui.label(f'{what} {payment.label}').classes('grow')
                ui.label(detail).classes('app-muted grow')
                ui.label(format_eur(payment.amount)).classes('font-medium whitespace-nowrap')


def settle_dialog(screen: Screen, item: Installment, method: str = '') -> None:
    ctx, document = screen.ctx, screen.document

    async def settle(values: SettleValues) -> bool:
        await screen.act(lambda: payments.settle(ctx.actor, item.id, paid_on=values.paid_on, method=values.method,
                                                 amount=values.amount, reference=values.reference,
                                                 cheque=values.cheque, secret=runtime.config().secret),
                         f'Règlement de {format_eur(values.amount)} enregistré.')
        return True

    with screen.stable:
        SettleDialog(title=f'Règlement de {document.number}', left_to_pay=item.left_to_pay, methods=SETTLE_METHODS,
                     method=method, on_settle=ctx.handler(settle),
                     detail=f'Échéance du {format_date(item.due_date)} — {document.client_name}').open()


def unsettle_dialog(screen: Screen, item: Installment) -> None:
    ctx = screen.ctx

    async def confirm() -> None:
        await screen.act(lambda: payments.cancel_settlement(ctx.actor, item.id, secret=runtime.config().secret,
                                                            reason=reason.value or ''),
                         'Règlement annulé.')

    with screen.stable:
        dialog = ConfirmDialog('Annuler le règlement', f'Les règlements de l’échéance du {format_date(item.due_date)} '
                               f'({format_eur(item.paid_amount)}) sont annulés par des écritures inverses : rien n’est '
                               'effacé, l’historique garde les deux.', confirm='Annuler le règlement', cancel='Fermer',
                               action='confirm-unsettle', on_confirm=confirm, guard=ctx.handler)
    with dialog.body:
        reason = ui.input('Motif (facultatif)').props('outlined dense maxlength=255 data-field=reason') \
            .classes('w-full').mark('unsettle-reason')
    dialog.open()


def write_off_dialog(screen: Screen) -> None:
    """PA7: what is left to pay is declared irrecoverable, with a date and a reason (reversible)."""
    ctx = screen.ctx

    async def write_off(day: date, reason: str) -> None:
        await screen.act(lambda: payments.write_off(ctx.actor, screen.doc_id, on=day, reason=reason,
                                                    secret=runtime.config().secret),
                         'Facture passée en irrécouvrable.')

    with screen.stable:
        WriteOffDialog(title='Créance irrécouvrable', text=(
            'Ce qui reste à payer sur la facture est passé en perte. Vous pourrez annuler ce passage si le client '
            'finit par payer.'), on_confirm=write_off, guard=ctx.handler).open()


# --- deposits: deducted on a balance invoice, a deposit invoice's quote, unpaid at validation -----------------

async def deducted_deposits(document: Document) -> list[tuple[str, date, Decimal]]:
    """(number, date, amount TTC) of the deposit invoices a balance invoice deducts (DE5): a validated invoice's
    from its frozen copy, a draft's as its validation will find them (db.validation.deposit_deduction)."""
    if document.snapshot is not None:
        snapshot = DocumentSnapshot.from_dict(document.snapshot)
        return [(ref.number, ref.issue_date, ref.amount) for ref in snapshot.references]
    if not doctypes.doc_type(document.doc_type).scheduled:
        return []
    deduction = await validation.deposit_deduction(document)
    return [(ref.number, ref.issue_date, ref.amount) for ref in deduction.references]


async def deductions_card(screen: Screen) -> None:
    document = screen.document
    deducted = await deducted_deposits(document)
    if not deducted:
        return
    with ui.card().classes('app-card').props('data-role=deductions'):
        ui.label('Acomptes déduits').classes('app-subtitle')
        with ui.column().classes('w-full gap-1'):
            for number, issued, amount in deducted:
                with ui.row().classes('w-full items-center no-wrap gap-3').props('data-role=deduction') \
                        .mark('deduction'):
                    with ui.element('div').classes('grow flex flex-wrap gap-x-3 items-baseline'):
                        ui.label(number).classes('font-medium whitespace-nowrap')
                        ui.label(f'Facture d’acompte du {format_date(issued)}').classes('app-muted text-sm')
                    ui.label(format_eur(-amount)).classes('w-28 text-right whitespace-nowrap')
            total = document.total_ttc if document.snapshot is not None else net_total(screen)
            net = total - sum((amount for _, _, amount in deducted), Decimal('0.00'))
            ui.separator()
            with ui.row().classes('w-full items-baseline no-wrap gap-3'):
                ui.label('Total TTC').classes('grow')
                ui.label(format_eur(total)).classes('w-28 text-right whitespace-nowrap')
            situation = (document.snapshot or {}).get('extra', {}).get('situation')
            if situation and Decimal(situation['holdback']):  # a progress invoice (IN8): the holdback is paid later
                net -= Decimal(situation['holdback'])
                with ui.row().classes('w-full items-baseline no-wrap gap-3'):
                    ui.label('Retenue de garantie').classes('grow')
                    ui.label(format_eur(-Decimal(situation['holdback']))).classes('w-28 text-right whitespace-nowrap')
            with ui.row().classes('w-full items-baseline no-wrap gap-3 font-semibold text-primary'):
                ui.label('Net à payer').classes('grow')
                ui.label(format_eur(net)).classes('w-28 text-right whitespace-nowrap').mark('net-to-pay')
        if document.state == 'draft':
            ui.label('Les acomptes réglés du devis sont déduits à la validation.').classes('app-muted text-sm')


def net_total(screen: Screen) -> Decimal:
    try:
        return screen.draft.totals().total_ttc
    except TotalsError:
        return screen.document.total_ttc


def deposit_invoice_note(screen: Screen, quote: Document | None) -> None:
    """A deposit invoice is born "Réglée" and never edited (DE3): say where it comes from and how to undo it."""
    with ui.card().classes('app-card').props('data-role=deposit-invoice-note'):
        ui.label('Facture d’acompte').classes('app-subtitle')
        if quote is not None:
            with ui.row().classes('items-baseline gap-2'):
                ui.label('Acompte sur le').classes('app-muted')
                ui.link(document_title(quote), document_url(quote)).classes('app-doc-link').mark('deposit-quote')
        if screen.document.state == 'cancelled':
            text = 'Annulée par un avoir : elle n’est plus déduite de la facture de solde du devis.'
        else:
            text = ('Établie au règlement de l’acompte, elle est déjà « Réglée » et ne se modifie pas. Elle sera '
                    'déduite de la facture de solde du devis. Pour l’annuler, annulez le règlement de l’acompte '
                    'depuis le devis : un avoir est alors établi.')
        ui.label(text).classes('app-muted text-sm').mark('deposit-invoice-text')


def unpaid_deposits_dialog(screen: Screen, installments: list[Installment], retry: Callable[[], None]) -> None:
    """DE5: the quote's deposits are not all paid. Settle each (its deposit invoice is made) or give it up, then
    validate again."""
    ctx = screen.ctx

    def settle(deposit: UnpaidDeposit) -> None:
        async def done(values: SettleValues) -> bool:
            invoice = await deposits.settle_deposit_and_publish(
                ctx.actor, deposit.id, config=runtime.config(), run=run.cpu_bound, paid_on=values.paid_on,
                method=values.method, amount=values.amount, invoice_date=values.invoice_date,
                reference=values.reference, cheque=values.cheque)
            ui.notify(f'Acompte réglé : facture d’acompte {invoice.number} établie.', type='positive')
            refreshed = await Installment.get(id=deposit.id)
            dialog.settled(deposit.id, unpaid_deposit(refreshed) if refreshed.status == 'open' else None)
            return True

        with screen.stable:
            SettleDialog(title='Règlement de l’acompte', left_to_pay=deposit.left, methods=SETTLE_METHODS,
                         deposit=True, on_settle=ctx.handler(done),
                         detail=deposit.label or f'Acompte à régler le {format_date(deposit.due_date)}').open()

    async def delete(deposit: UnpaidDeposit) -> None:
        await deposits.delete_deposit(ctx.actor, deposit.id)
        ui.notify('Acompte supprimé.', type='positive')

    with screen.stable:
        dialog = UnpaidDepositsDialog([unpaid_deposit(item) for item in installments], on_settle=settle,
                                      on_delete=delete, on_retry=retry, guard=ctx.handler)
    dialog.open()


def unpaid_deposit(item: Installment) -> UnpaidDeposit:
    return UnpaidDeposit(id=item.id, label=item.label, left=item.amount - item.paid_amount, due_date=item.due_date)
