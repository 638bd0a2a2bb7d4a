"""The document editor shared by quotes and invoices: header fields, lines, totals (DOC1, DOC2, QU1, QU2, IN5).

It edits a `logic.draft.Draft` in place and never queries: the page passes the lists to choose from and async
callbacks (search and create clients and articles, each with a LIMIT on the page's side), reads the draft back to
save it, and calls `show_problems()` with what the server refused.

    editor = DocumentEditor(draft, doc_type='quote', choices=choices, callbacks=callbacks, client_label='Dupont')
    if problems := editor.problems():
        editor.show_problems(problems)
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from nicegui import background_tasks, ui

from components.contact_picker import ContactPicker
from components.date_input import DateInput
from components.lines_table import ArticleChoice, CreateArticle, LinesTable, SearchArticles, UnitChoice, VatChoice
from components.money_input import MoneyInput
from components.totals_panel import TotalsPanel
from logic import doctypes
from logic.dates import format_date
from logic.draft import Draft, address_line
from logic.terms import PaymentTerms, due_date
from logic.totals import TotalsError

SAME_ADDRESS, KEPT_ADDRESS = 0, -1


__all__ = ['ArticleChoice', 'DocumentEditor', 'EditorCallbacks', 'EditorChoices', 'PaymentChoice', 'UnitChoice',
           'VatChoice']

# Client entries are {'id', 'label', 'detail'}, as db.contacts.picker_entry makes them (components/contact_picker).
SearchClients = Callable[[str], Awaitable[list[dict] | None]]
CreateClient = Callable[[dict], Awaitable[dict | None]]


@dataclass(kw_only=True, slots=True, frozen=True)
class PaymentChoice:
    id: int
    name: str
    days: int = 30
    end_of_month: bool = False


@dataclass(kw_only=True, slots=True)
class EditorChoices:
    """The lists the editor offers, loaded by the page."""

    vat_rates: list[VatChoice]
    units: list[UnitChoice] = field(default_factory=list)
    payment_methods: list[PaymentChoice] = field(default_factory=list)
    templates: dict[int, str] = field(default_factory=dict)
    default_vat: VatChoice | None = None
    # A free line's nature when the company makes only goods or only services; '' = each line's user chooses.
    default_nature: str = ''
    # A validated document's payment method and terms as its frozen copy prints them (e.g. a deposit invoice's
    # ('Virement', 'Acompte reçu le 3 mars 2026 (virement)')): the read-only header shows these, not today's choices.
    frozen_payment: tuple[str, str] = ('', '')


@dataclass(kw_only=True, slots=True)
class EditorCallbacks:
    """What the editor asks of the page; each callback is wrapped by the page's `ctx.handler`."""

    search_clients: SearchClients | None = None
    create_client: CreateClient | None = None
    # Wraps the client picker's own events (the page's ctx.handler), so that its search and quick creation
    # re-check the session and show per-field errors of the creation form.
    guard: Callable[[Callable], Callable] = lambda function: function
    search_articles: SearchArticles | None = None
    create_article: CreateArticle | None = None
    on_change: Callable[[], None] | None = None
    # The client's delivery addresses: [{'id', 'label', 'address': stored copy}] (db.contacts.delivery_addresses).
    client_addresses: Callable[[int], Awaitable[list[dict] | None]] | None = None


class DocumentEditor(ui.element):
    """`readonly=True` shows a validated document (or a quote past the draft state) without any input."""

    def __init__(self, draft: Draft, *, doc_type: str, choices: EditorChoices, callbacks: EditorCallbacks,
                 client_label: str = '', readonly: bool = False, show_probability: bool = False,
                 prepaid: Decimal = Decimal(0)) -> None:
        super().__init__('div')
        self.classes('app-editor w-full').props(f'data-role=editor data-readonly={str(readonly).lower()}')
        self.draft = draft
        self.doc_type = doc_type
        self.choices = choices
        self.callbacks = callbacks
        self.readonly = readonly
        self.prepaid = prepaid
        self.dirty = False
        self._inputs: list[MoneyInput] = []
        self._address_copies: dict[int, dict | None] = {}  # the delivery select's choices (load_addresses)
        with self:
            self.problems_card = ui.card().classes('app-card app-problems').props('data-role=problems')
            self.problems_card.set_visibility(False)
            with ui.card().classes('app-card'):
                if readonly:
                    self._header_view(client_label, show_probability)
                else:
                    self._header_inputs(client_label, show_probability)
            initial = self._totals()
            with ui.card().classes('app-card app-lines-card'):
                ui.label('Lignes').classes('app-subtitle')
                self.lines = LinesTable(draft.lines, vat_choices=choices.vat_rates, units=choices.units,
                                        search_articles=callbacks.search_articles,
                                        create_article=callbacks.create_article, on_change=self._changed,
                                        default_vat=choices.default_vat, readonly=readonly,
                                        nets=initial.line_nets if initial else (),
                                        vat_included=draft.vat_included, default_nature=choices.default_nature)
            with ui.element('div').classes('app-editor-bottom'):
                if not readonly or draft.footer_text or draft.notes:
                    with ui.card().classes('app-card app-editor-notes'):
                        self._notes()
                with ui.card().classes('app-card app-editor-totals'):
                    ui.label('Totaux').classes('app-subtitle')
                    self.totals_panel = TotalsPanel(draft, vat_choices=choices.vat_rates, on_change=self._changed,
                                                    readonly=readonly)
        if initial is not None:
            self.totals_panel.show(initial)
        else:
            self.recompute()  # shows why the figures make no document

    # --- header --------------------------------------------------------------------------------------------

    def _header_inputs(self, client_label: str, show_probability: bool) -> None:
        draft = self.draft
        with ui.element('div').classes('app-form-grid'):
            with ui.element('div').classes('app-wide app-client'):
                with ui.row().classes('items-baseline gap-2 no-wrap'):
                    ui.label('Client :').classes('app-muted whitespace-nowrap')
                    self.client_label = ui.label(client_label or 'aucun client choisi') \
                        .classes('font-semibold' if client_label else 'app-muted').mark('client')
                self.client_picker = ContactPicker(
                    search=self.callbacks.search_clients, create=self.callbacks.create_client,
                    on_pick=self._client_chosen, guard=self.callbacks.guard,
                    label='Changer de client' if client_label else 'Client (obligatoire)')
            # The date is not typed: a quote is dated the day it is created (QU1), an invoice the day it is
            # validated (IN2, chosen in the validation dialog).
            ui.input('Date' if doctypes.doc_type(self.doc_type).numbered_at == 'creation'
                     else 'Date (fixée à la validation)',
                     value=format_date(draft.issue_date) if draft.issue_date else 'à l’enregistrement') \
                .props('outlined dense readonly data-field=issue_date').mark('issue_date')
            if self.doc_type == 'quote':
                self._date('validity_date', 'Valable jusqu’au')
            else:
                methods = {method.id: method.name for method in self.choices.payment_methods}
                ui.select(methods, label='Mode de règlement', value=draft.payment_method_id,
                          on_change=self._payment_method) \
                    .props('outlined dense clearable data-field=payment_method').mark('payment_method')
                # An order or a delivery note falls due on nothing: only what is invoiced has a due date.
                self.due = self._date('due_date', 'Échéance (si vide : selon le mode de règlement)') \
                    if doctypes.is_legal(self.doc_type) else None
            if self.choices.templates:
                ui.select({None: 'Modèle par défaut', **self.choices.templates}, label='Modèle d’édition',
                          value=draft.template_id, on_change=lambda e: self._set('template_id', e.value)) \
                    .props('outlined dense data-field=template').mark('template')
            if show_probability:
                probability = MoneyInput('Probabilité de transformation', places=0, minimum=Decimal(0),
                                         maximum=Decimal(100), required=False, suffix='%',
                                         value=Decimal(draft.probability) if draft.probability is not None else None,
                                         on_change=lambda v: self._set('probability', None if v is None else int(v)))
                probability.props('data-field=probability').mark('probability')
                self._inputs.append(probability)
            self._date('delivery_date', 'Date de livraison ou d’exécution')
            self.delivery = ui.select({}, label='Adresse de livraison', value=None,
                                      on_change=self._delivery_chosen) \
                .props('outlined dense data-field=delivery_address').mark('delivery_address')
            ui.input('Référence client (bon de commande)', value=draft.purchase_order,
                     on_change=lambda e: self._set('purchase_order', e.value or '')) \
                .props('outlined dense maxlength=100 data-field=purchase_order').mark('purchase_order')
            ui.textarea('Texte d’introduction', value=draft.header_text,
                        on_change=lambda e: self._set('header_text', e.value or '')) \
                .props('outlined dense autogrow rows=1 data-field=header_text').classes('app-wide').mark('header_text')

    def _date(self, name: str, label: str) -> DateInput:
        return DateInput(label, getattr(self.draft, name), field=name, on_change=lambda day: self._set(name, day))

    def _header_view(self, client_label: str, show_probability: bool) -> None:
        draft = self.draft
        facts = [('Client', client_label or '—', 'client'),
                 ('Date', format_date(draft.issue_date, empty='—'), 'issue_date')]
        if self.doc_type == 'quote':
            facts.append(('Valable jusqu’au', format_date(draft.validity_date, empty='—'), 'validity_date'))
            if show_probability and draft.probability is not None:
                facts.append(('Probabilité', f'{draft.probability} %', 'probability'))
        else:
            frozen_method, frozen_terms = self.choices.frozen_payment
            method = frozen_method or next(
                (m.name for m in self.choices.payment_methods if m.id == draft.payment_method_id), '—')
            facts.append(('Mode de règlement', method, 'payment_method'))
            if frozen_terms and self.doc_type != 'credit_note':  # a credit note prints no terms
                facts.append(('Conditions de paiement', frozen_terms, 'payment_terms'))
            if doctypes.is_legal(self.doc_type):
                facts.append(('Échéance', format_date(draft.due_date, empty='—'), 'due_date'))
        if draft.delivery_date:
            facts.append(('Livraison ou exécution', format_date(draft.delivery_date), 'delivery_date'))
        if draft.delivery_address:
            facts.append(('Adresse de livraison', address_line(draft.delivery_address), 'delivery_address'))
        if draft.purchase_order:
            facts.append(('Référence client', draft.purchase_order, 'purchase_order'))
        with ui.element('div').classes('app-facts'):
            for caption, value, name in facts:
                with ui.column().classes('gap-0'):
                    ui.label(caption).classes('app-muted text-sm')
                    ui.label(value).classes('font-medium').props(f'data-field={name}').mark(f'view-{name}')
        if draft.header_text:  # printed under the references (a credit note's "Motif : …" first)
            ui.label(draft.header_text).classes('app-pre').props('data-field=header_text').mark('view-header_text')

    def _notes(self) -> None:
        draft = self.draft
        ui.label('Conditions et notes').classes('app-subtitle')
        if self.readonly:
            for caption, text in (('Texte de conclusion', draft.footer_text), ('Notes internes', draft.notes)):
                if text:
                    ui.label(caption).classes('app-muted text-sm')
                    ui.label(text).classes('app-pre')
            return
        ui.textarea('Texte de conclusion (imprimé)', value=draft.footer_text,
                    on_change=lambda e: self._set('footer_text', e.value or '')) \
            .props('outlined dense autogrow data-field=footer_text').classes('w-full').mark('footer_text')
        ui.textarea('Notes internes (non imprimées)', value=draft.notes,
                    on_change=lambda e: self._set('notes', e.value or '')) \
            .props('outlined dense autogrow data-field=notes').classes('w-full').mark('notes')

    # --- edits ---------------------------------------------------------------------------------------------

    def _set(self, name: str, value) -> None:
        setattr(self.draft, name, value)
        self._changed(False)

    def _client_chosen(self, entry: dict) -> None:
        label = f'{entry["label"]} — {entry["detail"]}' if entry.get('detail') else entry['label']
        self.client_label.text = label
        self.client_label.classes(replace='font-semibold')
        self.client_picker.input.props['label'] = 'Changer de client'
        changed = entry['id'] != self.draft.client_id
        self._set('client_id', entry['id'])
        if changed:
            self.draft.delivery_address = None  # another client's address would be wrong
            background_tasks.create(self._reload_addresses(), name='delivery addresses')

    async def _reload_addresses(self) -> None:
        with self:  # a task of its own: the editor's slot, for what the page's handler may notify
            await self.load_addresses()

    async def load_addresses(self) -> None:
        """Offer the client's delivery addresses (after the page built the editor, and when the client changes)."""
        if self.readonly:
            return
        found = []
        if self.draft.client_id and self.callbacks.client_addresses:
            found = await self.callbacks.client_addresses(self.draft.client_id) or []
        labels = {SAME_ADDRESS: 'Identique à l’adresse de facturation'}
        copies = {SAME_ADDRESS: None}
        for entry in found:
            labels[entry['id']] = entry['label']
            copies[entry['id']] = entry['address']
        current = self.draft.delivery_address
        chosen = next((key for key, copy in copies.items() if copy == current), None)
        if chosen is None:  # kept as stored, though the contact's address changed or went since
            labels[KEPT_ADDRESS] = address_line(current)
            copies[KEPT_ADDRESS] = current
            chosen = KEPT_ADDRESS
        self._address_copies = copies
        self.delivery.set_options(labels, value=chosen)

    def _delivery_chosen(self, event) -> None:
        copies = self._address_copies
        if event.value in copies and copies[event.value] != self.draft.delivery_address:
            self._set('delivery_address', copies[event.value])

    def _payment_method(self, event) -> None:
        self.draft.payment_method_id = event.value
        method = next((m for m in self.choices.payment_methods if m.id == event.value), None)
        if method is not None:
            # IN5: the due date follows the payment method's terms; the user may still change it afterwards.
            due = due_date(self.draft.issue_date or date.today(), PaymentTerms(days=method.days,
                                                                                end_of_month=method.end_of_month))
            if self.due is not None:
                self.due.day = due
        self._changed(False)

    def _changed(self, recompute: bool) -> None:
        self.dirty = True
        if recompute:
            self.recompute()
        if self.callbacks.on_change is not None:
            self.callbacks.on_change()

    def recompute(self) -> None:
        try:
            totals = self.draft.totals(self.prepaid)
        except TotalsError as exc:
            self.totals_panel.show_error(str(exc))
            return
        self.lines.show_nets(totals.line_nets)
        self.totals_panel.show(totals)

    def _totals(self):
        try:
            return self.draft.totals(self.prepaid)
        except TotalsError:
            return None

    # --- for the page ----------------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Typos the user must fix before saving (the server checks the rest)."""
        if self.readonly:
            return []
        found = [f'{money.what} : {money.error}' for money in self._inputs if money.error]
        found += self.lines.invalid_fields() + self.totals_panel.invalid_fields()
        try:
            self.draft.totals(self.prepaid)
        except TotalsError as exc:
            found.append(str(exc))
        return found

    def show_problems(self, problems: list[str], title: str = 'À corriger avant d’enregistrer') -> None:
        """List what blocks saving or validating (e.g. the legal mentions missing on an invoice)."""
        self.problems_card.clear()
        with self.problems_card:
            with ui.row().classes('items-center gap-2 no-wrap'):
                ui.icon('error_outline').classes('text-negative text-xl')
                ui.label(title).classes('font-semibold text-negative').mark('problems-title')
            with ui.element('ul').classes('app-problem-list'):
                for problem in problems:
                    ui.label(problem).classes('app-problem').props('data-role=problem').mark('problem')
        self.problems_card.set_visibility(bool(problems))
        if problems:
            with self.problems_card:  # the caller's context may be a dialog that just closed
                ui.run_javascript(f'getHtmlElement({self.problems_card.id})?.scrollIntoView({{block: "center"}})')

    def clear_problems(self) -> None:
        self.problems_card.set_visibility(False)

    def mark_saved(self) -> None:
        self.dirty = False
        self.clear_problems()
