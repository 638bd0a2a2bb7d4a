"""What one installment of the payments list can do (PA2, PA7, DE2-DE3): settle, cancel a settlement, settle or
unsettle a deposit (its deposit invoice, its credit note), the "Demande d'acompte", the history and the write-off.

Rows come from the browser: only the installment id is taken from them, everything else is read again from the
database, and every operation re-checks its rules in db/ (a refusal shows the French message and changes nothing).

    actions = PaymentActions(ctx, reload=reload)       # reload: the page's summary and list
    table.on('toggle', ctx.handler(lambda event: actions.toggle(event.args)))
"""
from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import run, ui

from components.dialog import ConfirmDialog
from components.installment_detail import InstallmentDetailDialog
from components.send_dialog import SendDialog
from components.settle_dialog import SettleDialog, SettleValues
from components.write_off_dialog import WriteOffDialog
from db import deposit_requests, deposits, payments
from db.document import SETTLEMENT_METHODS, Document, Installment
from db.issuing import Issuer
from logic import doctypes
from logic.dates import format_date
from logic.filenames import deposit_request_file
from logic.money import format_eur
from logic.payments import METHODS, STATUS_LABELS, TYPE_LABELS, imputed_part, installment_display, open_amount
from pages import runtime
from pages.document_page import document_url
from pages.security import PageContext

RECORD_KINDS = {'settlement': 'Règlement', 'reversal': 'Annulation', 'write_off': 'Irrécouvrable'}


class PaymentActions:
    def __init__(self, ctx: PageContext, *, reload: Callable[[], Awaitable[None]]) -> None:
        self.ctx = ctx
        self.reload = reload
        # Dialogs live here: the table's rows are redrawn under them on each reload.
        self.container = ui.element('div')

    # --- the "Réglé" box -----------------------------------------------------------------------------------------

    async def toggle(self, row: dict) -> None:
        installment = await self._installment(row)
        if installment is None:
            return
        if installment.status == 'open':
            await self.settle(installment)
        elif installment.status == 'paid':
            await self.unsettle(installment)
        else:
            ui.notify(f'Cette échéance est « {STATUS_LABELS.get(installment.status, installment.status)} » : '
                      'elle ne se règle pas.', type='warning')
            await self.reload()

    async def settle(self, installment: Installment) -> None:
        document = await Document.get(id=installment.document_id)
        deposit = installment.kind == 'deposit'

        async def settle(values: SettleValues) -> bool:
            if deposit:
                invoice = await deposits.settle_deposit_and_publish(
                    self.ctx.actor, installment.id, config=runtime.config(), run=run.cpu_bound,
                    paid_on=values.paid_on, method=values.method, amount=values.amount,
                    invoice_date=values.invoice_date, reference=values.reference)
                ui.notify(f'Acompte réglé : facture d’acompte {invoice.number} établie.', type='positive')
            else:
                await payments.settle(self.ctx.actor, installment.id, paid_on=values.paid_on, method=values.method,
                                      amount=values.amount, reference=values.reference, cheque=values.cheque,
                                      secret=runtime.config().secret)
                ui.notify(f'Règlement de {format_eur(values.amount)} enregistré.', type='positive')
            await self.reload()
            return True

        what = {'deposit': 'l’acompte', 'refund': 'le remboursement de l’avoir'}.get(installment.kind, 'l’échéance')
        with self.container:
            SettleDialog(title=f'Régler {what} — {installment.number or document.number}',
                         detail=f'{installment.client_name} · échéance du {format_date(installment.due_date)} · '
                                f'{format_eur(abs(installment.amount))}',
                         left_to_pay=open_amount(installment.amount, installment.paid_amount),
                         methods=SETTLEMENT_METHODS, method=await _method_kind(document), deposit=deposit,
                         on_settle=self.ctx.handler(settle)).open()

    async def unsettle(self, installment: Installment) -> None:
        """Untick: confirm, then reversing records; a deposit's deposit invoice may be cancelled by a credit note."""
        deposit_invoice = await Document.get_or_none(id=installment.deposit_invoice_id) \
            if installment.kind == 'deposit' and installment.deposit_invoice_id else None

        async def confirm() -> None:
            secret = runtime.config().secret
            note = None
            if installment.kind == 'deposit':
                note = await deposits.unsettle_deposit(self.ctx.actor, installment.id,
                                                       issuer=Issuer.of(runtime.config(), run.cpu_bound),
                                                       credit=bool(credit and credit.value),
                                                       reason=(reason.value or '').strip())
            else:
                await payments.cancel_settlement(self.ctx.actor, installment.id, secret=secret,
                                                 reason=(reason.value or '').strip())
            ui.notify(f'Règlement annulé ; avoir {note.number} établi.' if note else 'Règlement annulé.',
                      type='positive')
            await self.reload()

        with self.container:
            dialog = ConfirmDialog('Annuler le règlement', f'{installment.number} · {installment.client_name} · '
                                   f'{format_eur(abs(installment.paid_amount))} réglés.',
                                   confirm='Annuler le règlement',
                                   icon='undo', cancel='Garder le règlement', cancel_action='keep', width=520,
                                   action='confirm-unsettle', role='unsettle-dialog', on_confirm=confirm,
                                   guard=self.ctx.handler)
        with dialog.body:
            ui.label('Le règlement n’est pas effacé : une écriture d’annulation est ajoutée au journal, et les deux '
                     'restent visibles dans l’historique.').classes('text-sm')
            credit = None
            if deposit_invoice is not None:
                credit = ui.checkbox(f'Établir aussi l’avoir qui annule la facture d’acompte {deposit_invoice.number}',
                                     value=True).props('data-field=credit').mark('unsettle-credit')
                ui.label('Sans avoir, la facture d’acompte reste due (« Validée ») ; un nouveau règlement '
                         'réutilisera cette facture.').classes('app-muted text-sm')
            reason = ui.input('Motif (facultatif)').props('outlined dense maxlength=255 data-field=reason') \
                .classes('w-full').mark('unsettle-reason')

        dialog.open()  # the box keeps showing the stored state until the cancellation is confirmed

    # --- the detail: history and the other actions ---------------------------------------------------------------

    async def detail(self, row: dict) -> None:
        installment = await self._installment(row)
        if installment is None:
            return
        document = await Document.get(id=installment.document_id)
        history = await payments.installment_history(installment.id)
        imputed = imputed_part(history)
        _, state = installment_display(installment.status, installment.amount, installment.paid_amount,
                                       installment.due_date, date.today(), installment.kind, imputed)
        credited = [('Avoir imputé', format_eur(abs(imputed)))] if imputed else []
        links = [(f'{document.type_label} {document.number}', document_url(document), 'detail-document')]
        invoice = await Document.get_or_none(id=installment.deposit_invoice_id) \
            if installment.deposit_invoice_id else None
        if invoice is not None:
            links.append((f'Facture d’acompte {invoice.number}', document_url(invoice), 'deposit-invoice'))
        with self.container:
            dialog = InstallmentDetailDialog(
                title=f'{TYPE_LABELS.get(installment.kind, "Échéance")} — {installment.number}',
                client=installment.client_name, links=links, history=history_rows(history), figures=[
                    ('Échéance', format_date(installment.due_date)), ('Montant', format_eur(abs(installment.amount))),
                    ('Remboursé' if installment.kind == 'refund' else 'Réglé',
                     format_eur(abs(installment.paid_amount - imputed))), *credited,
                    ('Reste à rembourser' if installment.kind == 'refund' else 'Reste à payer',
                     format_eur(open_amount(installment.amount, installment.paid_amount))),
                    ('État', state)])
        with dialog.actions:
            self._detail_actions(installment, document, dialog)
        dialog.open()

    def _detail_actions(self, installment: Installment, document: Document, dialog: ui.dialog) -> None:
        handler = self.ctx.handler

        async def then(action: Callable[[Installment], Awaitable[None]]) -> None:
            dialog.close()
            await action(installment)

        if installment.kind == 'deposit' and installment.status == 'open':
            ui.button('Demande d’acompte (PDF)', icon='picture_as_pdf',
                      on_click=handler(lambda: self.request_pdf(installment))) \
                .props('outline data-action=deposit-request').mark('deposit-request')
            ui.button('Envoyer la demande', icon='send', on_click=handler(lambda: self.send_request(installment))) \
                .props('outline data-action=send-deposit-request').mark('send-deposit-request')
        if installment.kind == 'deposit' and installment.status == 'open' and installment.deposit_invoice_id:
            # Unticked without its credit note: the deposit invoice still stands until a credit note cancels it.
            ui.button('Annuler la facture d’acompte (avoir)', icon='undo',
                      on_click=handler(lambda: then(self.credit_deposit_invoice))) \
                .props('outline color=negative data-action=credit-deposit').mark('credit-deposit')
        if installment.kind == 'installment' and doctypes.doc_type(document.doc_type).writable_off:
            if installment.status == 'open':
                ui.button('Irrécouvrable', icon='money_off', on_click=handler(lambda: then(self.write_off))) \
                    .props('outline color=warning data-action=write-off').mark('write-off')
            elif installment.status == 'irrecoverable':
                ui.button('Annuler l’irrécouvrable', icon='undo',
                          on_click=handler(lambda: then(self.cancel_write_off))) \
                    .props('outline data-action=cancel-write-off').mark('cancel-write-off')
        if installment.status in ('open', 'paid') and installment.paid_amount:
            ui.button('Annuler le règlement', icon='undo', on_click=handler(lambda: then(self.unsettle))) \
                .props('outline color=negative data-action=unsettle').mark('unsettle')
        if installment.status == 'open':
            ui.button('Régler', icon='check', on_click=handler(lambda: then(self.settle))) \
                .props('unelevated color=positive data-action=settle').mark('settle')

    async def credit_deposit_invoice(self, installment: Installment) -> None:
        async def credit() -> None:
            note = await deposits.unsettle_deposit(self.ctx.actor, installment.id,
                                                   issuer=Issuer.of(runtime.config(), run.cpu_bound),
                                                   credit=True)
            ui.notify(f'Avoir {note.number} établi : la facture d’acompte est annulée.' if note else
                      'La facture d’acompte était déjà annulée.', type='positive')

        self.confirm('Annuler la facture d’acompte', 'Un avoir total annule la facture d’acompte ; un nouveau '
                     'règlement de l’acompte en établira une nouvelle.', 'Établir l’avoir', credit)

    def confirm(self, title: str, text: str, button: str, action: Callable[[], Awaitable[None]]) -> None:
        """A yes/no dialog for the operations that write to the journal or issue a document."""
        async def confirmed() -> None:
            await action()
            await self.reload()

        with self.container:
            ConfirmDialog(title, text, confirm=button, on_confirm=confirmed, guard=self.ctx.handler).open()

    # --- PA7: irrecoverable ------------------------------------------------------------------------------------------

    async def write_off(self, installment: Installment) -> None:
        async def write_off(day: date, reason: str) -> None:
            await payments.write_off(self.ctx.actor, installment.document_id, on=day, reason=reason,
                                     secret=runtime.config().secret)
            ui.notify(f'Facture {installment.number} passée en irrécouvrable.', type='positive')
            await self.reload()

        with self.container:
            WriteOffDialog(title=f'Facture {installment.number} irrécouvrable', text=(
                'Ce qui reste dû sur chacune de ses échéances est passé en perte ; l’opération s’annule par une '
                'écriture inverse.'), on_confirm=write_off, guard=self.ctx.handler).open()

    async def cancel_write_off(self, installment: Installment) -> None:
        async def cancel() -> None:
            await payments.cancel_write_off(self.ctx.actor, installment.document_id, secret=runtime.config().secret)
            ui.notify(f'La facture {installment.number} est de nouveau due.', type='positive')

        self.confirm('Annuler l’irrécouvrable', f'La facture {installment.number} redevient due : des écritures '
                     'inverses annulent les pertes, l’historique garde les deux.', 'Annuler l’irrécouvrable', cancel)

    # --- DE2: the deposit request ------------------------------------------------------------------------------------

    async def request_pdf(self, installment: Installment) -> None:
        pdf = await deposit_requests.deposit_request_pdf(installment.id, config=runtime.config(), run=run.cpu_bound)
        ui.download.content(pdf, deposit_request_file(installment.number), 'application/pdf')

    async def send_request(self, installment: Installment) -> None:
        recipients, subject, body, attachment = await deposit_requests.deposit_request_mail_defaults(installment.id)

        async def send(to: str, subject_: str, body_: str) -> bool:
            await deposit_requests.send_deposit_request(self.ctx.actor, installment.id, to, subject_, body_,
                                                        config=runtime.config(), run=run.cpu_bound)
            return True

        with self.container:
            SendDialog(recipients=recipients, subject=subject, body=body, attachment_name=attachment,
                       on_send=self.ctx.handler(send)).open()

    async def _installment(self, row: dict) -> Installment | None:
        try:
            installment = await Installment.get_or_none(id=int(row['id']))
        except (KeyError, TypeError, ValueError):
            installment = None
        if installment is None or installment.status == 'planned':
            ui.notify('Cette échéance n’existe plus.', type='warning')
            await self.reload()
            return None
        return installment


def history_rows(records: list) -> list[dict]:
    """The journal of one installment, oldest first; a reversal names the record it cancels."""
    labels = {record.id: record.label for record in records}
    rows = []
    for record in records:
        kind = RECORD_KINDS.get(record.kind, record.kind)
        if record.kind == 'reversal' and record.reverses_id in labels:
            kind = f'Annulation de {labels[record.reverses_id]}'
        rows.append({'id': record.id, 'date': format_date(record.paid_on), 'kind': kind,
                     'method': METHODS.get(record.method, record.method),
                     'reference': ' — '.join(part for part in (record.reference, record.reason) if part),
                     'amount': format_eur(record.amount), 'label': record.label})
    return rows


async def _method_kind(document: Document) -> str:
    """The document's payment method kind ('transfer', 'cheque'...), the settle dialog's default."""
    if not document.payment_method_id:
        return ''
    kinds = await Document.filter(id=document.id).values_list('payment_method__kind', flat=True)
    return kinds[0] if kinds and kinds[0] else ''
