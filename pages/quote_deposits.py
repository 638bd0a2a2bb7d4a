"""The deposits block of a quote (QU4, DE1-DE3): edit the deposits until the quote is invoiced, follow each deposit
installment, settle it (which makes its deposit invoice, "Réglée"), send a deposit request, cancel a settlement.

The quote page (pages/quotes.py) calls `deposits_block(screen)` under the editor.
"""
from decimal import Decimal

from nicegui import run, ui

from components.deposit_request_dialog import DepositRequestDialog
from components.deposits_editor import DepositRow, DepositsEditor
from components.dialog import ConfirmDialog
from components.send_dialog import SendDialog
from components.settle_dialog import SettleDialog, SettleValues
from db import deposit_requests, deposits
from db.document import Document
from db.issuing import Issuer
from logic.dates import format_date
from logic.deposits import DepositSpec
from logic.money import format_eur
from logic.payments import METHODS, USER_METHODS
from logic.totals import TotalsError
from pages import runtime
from pages.document_page import Screen, document_title, document_url

# A deposit may be added, changed or removed until the quote is invoiced (QU4).
EDITABLE_STATES = ('draft', 'sent', 'accepted')
NOTES = {
    'draft': 'Les acomptes deviennent exigibles à l’acceptation du devis : ils apparaissent alors dans Règlements.',
    'sent': 'Les acomptes deviennent exigibles à l’acceptation du devis : ils apparaissent alors dans Règlements.',
    'accepted': 'Devis accepté : les acomptes sont exigibles (Règlements). Vous pouvez encore en ajouter jusqu’à '
                'la facturation du devis.',
    'refused': 'Devis refusé : repassez-le en brouillon pour modifier ses acomptes.',
    'invoiced': 'Devis facturé : les acomptes ne se modifient plus.',
}

SETTLE_METHODS = {key: METHODS[key] for key in USER_METHODS}


async def deposits_block(screen: Screen) -> None:
    quote = screen.document
    installments = [item for item in getattr(quote, 'installment_list', []) if item.kind == 'deposit']
    editable = quote.state in EDITABLE_STATES
    if not editable and not installments:
        return
    invoice_ids = [item.deposit_invoice_id for item in installments if item.deposit_invoice_id]
    invoices = {doc.id: doc for doc in await Document.filter(id__in=invoice_ids)} if invoice_ids else {}
    rows = [row_of(item, invoices.get(item.deposit_invoice_id)) for item in installments]
    # Once the balance invoice is validated, it has deducted the deposits: their settlements stay (DE5).
    balanced = await Document.filter(source_id=quote.id, doc_type='invoice').exclude(state='draft').exists()
    with ui.card().classes('app-card').props('data-role=deposits-card'):
        ui.label('Acomptes').classes('app-subtitle')
        block = DepositsEditor(rows, total_ttc=current_total(screen), editable=editable,
                               note=NOTES.get(quote.state, ''),
                               on_save=screen.ctx.handler(lambda rows: save(screen, rows)),
                               on_settle=lambda row: settle_dialog(screen, row),
                               on_request=screen.ctx.handler(lambda row: request_dialog(screen, row)),
                               on_unsettle=None if balanced else lambda row: unsettle_dialog(screen, row))
        block.mark('deposits')
    if screen.editable and screen.editor is not None:
        follow_total(screen, block)


def row_of(item, invoice: Document | None) -> DepositRow:
    return DepositRow(id=item.id, percent=item.percent, amount=item.amount, due_date=item.due_date, label=item.label,
                      status=item.status, paid_amount=item.paid_amount, paid_on=item.paid_on,
                      invoice_title=document_title(invoice) if invoice else '',
                      invoice_url=document_url(invoice) if invoice else '')


def current_total(screen: Screen) -> Decimal:
    """The quote's total TTC as the editor shows it now (unsaved lines included)."""
    try:
        return screen.draft.totals().total_ttc
    except TotalsError:
        return screen.document.total_ttc


def follow_total(screen: Screen, block: DepositsEditor) -> None:
    # Percent deposits follow the lines being typed: chain onto the editor's change callback.
    callbacks = screen.editor.callbacks
    previous = callbacks.on_change

    def changed() -> None:
        if previous is not None:
            previous()
        if not block.is_deleted:
            block.set_total(current_total(screen))

    callbacks.on_change = changed


async def save(screen: Screen, rows: list[DepositRow]) -> None:
    ctx = screen.ctx
    if screen.editable and screen.dirty and not await screen.save():
        return  # the quote's own changes first: the percentages apply to its saved total
    specs = [DepositSpec(id=row.id, due_date=row.due_date, label=row.label,
                         percent=row.percent, amount=None if row.percent is not None else row.amount)
             for row in rows if row.status != 'cancelled']
    await screen.act(lambda: deposits.set_deposits(ctx.actor, screen.doc_id, specs, screen.version),
                     'Acomptes enregistrés.')


def settle_dialog(screen: Screen, row: DepositRow) -> None:
    """DE3: the settlement creates the deposit invoice, "Réglée", dated as chosen here."""
    ctx, quote = screen.ctx, screen.document

    async def settle(values: SettleValues) -> bool:
        invoice = await screen.act(lambda: deposits.settle_deposit_and_publish(
            ctx.actor, row.id, config=runtime.config(), run=run.cpu_bound, paid_on=values.paid_on,
            method=values.method, amount=values.amount, invoice_date=values.invoice_date,
            reference=values.reference, cheque=values.cheque))
        with screen.stable:
            ui.notify(f'Acompte réglé : facture d’acompte {invoice.number} établie.', type='positive')
        return True

    # The whole deposit as saved (db/deposits.py refuses another amount: change the deposit first).
    left = (row.amount if row.amount is not None else Decimal(0)) - row.paid_amount
    with screen.stable:
        SettleDialog(title=f'Règlement de l’acompte du devis {quote.number}', left_to_pay=left,
                     methods=SETTLE_METHODS, deposit=True, on_settle=ctx.handler(settle),
                     detail=row.label or f'Acompte à régler le {format_date(row.due_date)}').open()


def unsettle_dialog(screen: Screen, row: DepositRow) -> None:
    """Untick a paid deposit: the settlement is reversed; its deposit invoice is cancelled by a credit note."""
    ctx = screen.ctx

    async def confirm() -> None:
        await screen.act(lambda: deposits.unsettle_deposit(ctx.actor, row.id,
                                                           issuer=Issuer.of(runtime.config(), run.cpu_bound),
                                                           credit=bool(credit and credit.value)),
                         'Règlement de l’acompte annulé.')

    with screen.stable:
        dialog = ConfirmDialog('Annuler le règlement de l’acompte', 'Le règlement est annulé par une écriture inverse '
                               '(il reste visible dans l’historique).', confirm='Annuler le règlement', cancel='Fermer',
                               action='confirm-unsettle', width=520, on_confirm=confirm, guard=ctx.handler)
    credit = None
    if row.invoice_url:
        with dialog.body:
            credit = ui.checkbox(f'Établir l’avoir qui annule la {row.invoice_title}', value=True) \
                .props('data-field=credit').mark('unsettle-credit')
    dialog.open()


async def request_dialog(screen: Screen, row: DepositRow) -> None:
    """DE2: the "Demande d'acompte" (a request, not an invoice: no number taken), as a PDF or by e-mail."""
    ctx = screen.ctx
    recipients, subject, body, attachment = await deposit_requests.deposit_request_mail_defaults(row.id)

    async def send(to: str, subject: str, body: str) -> bool:
        screen.busy += 1
        try:
            await deposit_requests.send_deposit_request(ctx.actor, row.id, to, subject, body,
                                                        config=runtime.config(), run=run.cpu_bound)
        finally:
            screen.busy -= 1
        return True

    async def download() -> None:
        pdf = await deposit_requests.deposit_request_pdf(row.id, config=runtime.config(), run=run.cpu_bound)
        ui.download.content(pdf, attachment, 'application/pdf')

    def open_send() -> None:
        with screen.stable:
            SendDialog(recipients=recipients, subject=subject, body=body, attachment_name=attachment,
                       on_send=ctx.handler(send)).open()

    amount = row.euros(screen.document.total_ttc) or Decimal(0)
    with screen.stable:
        DepositRequestDialog(text=f'{format_eur(amount - row.paid_amount)} à régler le {format_date(row.due_date)}.',
                             on_pdf=download, on_send=open_send, guard=ctx.handler).open()
