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

from nicegui import ui

from components.contact_picker import ContactPicker
from components.lines_table import ArticleChoice, CreateArticle, LinesTable, SearchArticles, UnitChoice, VatChoice
from components.money_input import MoneyInput
from components.state_badge import state_css
from components.totals_panel import TotalsPanel
from logic.draft import Draft
from logic.terms import PaymentTerms, due_date
from logic.totals import TotalsError

DOCUMENT_CSS = """
.app-editor { display: flex; flex-direction: column; gap: 16px; }
.app-problems { border-color: #e8b4b4; background: #fdf3f3; }
.app-problem-list { margin: 0; padding-left: 20px; list-style: disc; }
.app-problem { display: list-item; }
.app-pre { white-space: pre-wrap; }
.app-facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 12px 20px; width: 100%; }
.app-lines { container-type: inline-size; }
.app-lines-body { display: flex; flex-direction: column; width: 100%; }
.app-line { display: grid; gap: 8px; align-items: start; padding: 10px 0; border-bottom: 1px solid var(--app-line);
  grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.app-line:last-child { border-bottom: none; }
/* Off-screen rows skip layout and paint: a 300-line document stays quick to type in. The row whose menu is open
   is fully rendered, or the menu would be clipped. */
.app-line { content-visibility: auto; contain-intrinsic-size: auto 96px; }
.app-line.app-line-open { content-visibility: visible; }
.app-line .l-pos { grid-area: pos; color: var(--app-muted); font-size: .85rem; font-weight: 600; padding-top: 4px; }
.app-line .l-main { grid-area: main; min-width: 0; }
.app-line .l-qty { grid-area: qty; } .app-line .l-unit { grid-area: unit; } .app-line .l-price { grid-area: price; }
.app-line .l-disc { grid-area: disc; display: flex; gap: 4px; min-width: 0; }
.app-line .l-disc-kind { width: 64px; flex: none; } .app-line .l-disc-value { flex: 1; min-width: 0; }
.app-line .l-vat { grid-area: vat; min-width: 0; }
.app-line .l-net { grid-area: net; text-align: right; font-weight: 600; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.app-line .l-act { grid-area: act; display: flex; justify-content: flex-end; align-items: flex-start; gap: 0; }
.app-line .l-ref { color: var(--app-muted); font-size: .8rem; padding: 2px 2px 0; }
.app-line .l-title { font-weight: 650; }
.app-line .l-subtotal-label { font-weight: 600; text-align: right; }
.app-line-view .l-pos, .app-line-view .l-net, .app-line-view .l-subtotal-label { padding-top: 2px; }
.app-cell { display: flex; flex-direction: column; gap: 2px; min-width: 0; margin: 0; }
.app-cell-label { font-size: .72rem; color: var(--app-muted); line-height: 1.15; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.app-cell input, .app-cell select, .app-cell textarea, .app-line textarea.l-desc { box-sizing: border-box;
  width: 100%; min-width: 0; font: inherit; font-size: .92rem; color: var(--app-ink); background: #fff;
  border: 1px solid #c3ccd6; border-radius: 4px; padding: 6px 8px; height: 34px; outline: none; }
.app-cell select { padding: 6px 4px; }
.app-cell textarea { height: auto; min-height: 34px; resize: vertical; }
.app-cell input:focus, .app-cell select:focus, .app-cell textarea:focus, .app-line textarea.l-desc:focus {
  border-color: var(--app-primary); box-shadow: 0 0 0 1px var(--app-primary); }
.app-cell input:disabled { background: #f3f5f8; color: var(--app-muted); }
.app-cell .app-invalid, .app-cell .app-invalid:focus { border-color: var(--q-negative);
  box-shadow: 0 0 0 1px var(--q-negative); }
.app-cell-error { color: var(--q-negative); font-size: .75rem; line-height: 1.2; }
.app-cell-box { display: flex; align-items: center; position: relative; }
.app-cell-box input { padding-right: 34px; }
.app-cell-box .app-icon-btn { position: absolute; right: 3px; }
.app-line textarea.l-desc { height: auto; min-height: 30px; max-height: 14em; margin-top: 4px; resize: vertical;
  field-sizing: content; border-color: transparent;
  background: transparent; font-size: .86rem; color: var(--app-muted); padding: 4px 8px; }
.app-line textarea.l-desc:hover { border-color: var(--app-line); }
.app-line textarea.l-desc:focus { background: #fff; color: var(--app-ink); }
.app-icon-btn { display: inline-flex; align-items: center; justify-content: center; width: 28px; height: 28px;
  border: none; border-radius: 50%; background: transparent; color: var(--app-primary); cursor: pointer; padding: 0; }
.app-icon-btn:hover:not(:disabled) { background: #e8eef6; }
.app-icon-btn:disabled { color: #b8c1cc; cursor: default; }
.app-icon-btn .material-icons { font-size: 18px; }
.app-icon-btn.app-danger { color: var(--q-negative); }
.app-menu-anchor { position: relative; display: inline-flex; }
.app-line-menu { position: absolute; right: 0; top: 30px; z-index: 20; display: flex; flex-direction: column;
  min-width: 250px; padding: 4px 0; background: #fff; border: 1px solid var(--app-line); border-radius: 6px;
  box-shadow: 0 6px 18px rgba(0, 0, 0, .12); }
.app-line-menu button { text-align: left; background: none; border: none; padding: 8px 14px; font: inherit;
  font-size: .9rem; color: var(--app-ink); cursor: pointer; }
.app-line-menu button:hover { background: #eef3f9; }
.app-line-menu hr { border: none; border-top: 1px solid var(--app-line); margin: 4px 0; }
.app-line-item { grid-template-areas: "pos act" "main main" "qty unit" "price vat" "disc disc" "net net"; }
.app-line-title, .app-line-text { grid-template-areas: "pos act" "main main"; }
.app-line-subtotal { grid-template-areas: "pos act" "main net"; }
.app-line-fact { display: flex; flex-direction: column; gap: 0; padding-top: 2px; font-variant-numeric: tabular-nums; }
.app-line-caption { color: var(--app-muted); font-size: .75rem; }
.app-line-view { padding: 8px 0; }
.app-line .app-line-fact { gap: 0; }
.app-line-view .l-main { padding-top: 0; }
@container (min-width: 560px) {
  .app-line:not(.app-line-view) .l-pos, .app-line:not(.app-line-view) .l-net,
  .app-line:not(.app-line-view) .l-subtotal-label { padding-top: 24px; }
  .app-line .l-act { padding-top: 18px; }
  .app-line { grid-template-columns: 24px 96px 110px 130px 184px minmax(110px, 1fr) minmax(104px, auto); }
  .app-line-item { grid-template-areas: "pos main main main main main act" "pos qty unit price disc vat net"; }
  .app-line-title, .app-line-text { grid-template-areas: "pos main main main main main act"; }
  .app-line-subtotal { grid-template-areas: "pos main main main main net act"; }
  .app-line-view.app-line-subtotal { grid-template-areas: "pos main main main main main net"; }
}
@container (min-width: 1100px) {
  .app-line { grid-template-columns: 24px minmax(200px, 1fr) 84px 100px 116px 176px 120px 104px 60px; }
  .app-line-item { grid-template-areas: "pos main qty unit price disc vat net act"; }
  .app-line-title, .app-line-text { grid-template-areas: "pos main main main main main main main act"; }
  .app-line-subtotal { grid-template-areas: "pos main main main main main main net act"; }
  .app-line-view.app-line-subtotal { grid-template-areas: "pos main main main main main main net net"; }
  .app-line .l-act { display: grid; grid-template-columns: 28px 28px; justify-content: end; }
}
.app-lines-toolbar { display: flex; flex-wrap: wrap; gap: 8px; padding-top: 12px; }
.app-editor-bottom { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; width: 100%; }
.app-editor-totals { order: -1; }
@media (min-width: 900px) {
  .app-editor-bottom { grid-template-columns: minmax(0, 1fr) minmax(360px, 420px); }
  .app-editor-totals { order: 0; grid-column: 2; }
}
.app-totals { display: flex; flex-direction: column; gap: 6px; width: 100%; }
.app-totals-row { display: flex; align-items: center; justify-content: space-between; gap: 8px; width: 100%; }
.app-totals-inputs { display: flex; gap: 6px; width: 100%; margin-bottom: 4px; }
.app-totals-inputs > * { flex: 1; min-width: 0; }
.app-totals-figure { font-variant-numeric: tabular-nums; white-space: nowrap; min-width: 96px; text-align: right; }
.app-totals-strong { font-weight: 650; }
.app-totals-group { color: var(--app-muted); font-size: .92rem; }
.app-totals-base { flex: 1; text-align: right; font-size: .8rem; }
.app-totals-due { font-weight: 700; font-size: 1.1rem; color: var(--app-primary); padding-top: 4px; }
.app-totals-error { color: var(--q-negative); font-weight: 500; }
.app-client { display: flex; flex-direction: column; gap: 4px; padding-bottom: 6px; }
.app-picker-results { max-height: 50vh; overflow-y: auto; border: 1px solid var(--app-line); border-radius: 6px; }
.app-picker-item { border-bottom: 1px solid var(--app-line); }
.app-doc-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; width: 100%; }
.app-doc-actions { display: flex; flex-wrap: wrap; gap: 8px; }
.app-filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; width: 100%; }
.app-list-head { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; width: 100%; }
.app-doc-link { color: var(--app-primary); font-weight: 600; text-decoration: none; }
.app-doc-card { display: flex; flex-direction: column; gap: 4px; width: 100%; margin: 4px 0; padding: 12px 14px;
  background: #fff; border: 1px solid var(--app-line); border-radius: var(--app-radius); color: var(--app-ink);
  text-decoration: none; }
.app-doc-card-top, .app-doc-card-bottom { display: flex; justify-content: space-between; align-items: center;
  gap: 8px; }
.app-doc-card-number { font-weight: 650; }
.app-doc-card-client { font-weight: 500; }
.app-doc-card-bottom { color: var(--app-muted); font-size: .88rem; }
.app-doc-card-amount { color: var(--app-ink); font-weight: 650; font-variant-numeric: tabular-nums; }
.app-table td.text-right, .app-table th.text-right { font-variant-numeric: tabular-nums; }
.app-links { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; }
"""

__all__ = ['ArticleChoice', 'DocumentEditor', 'EditorCallbacks', 'EditorChoices', 'PaymentChoice', 'UnitChoice',
           'VatChoice']

# Client entries are {'id', 'label', 'detail'}, as db.contacts.picker_entry makes them (components/contact_picker).
SearchClients = Callable[[str], Awaitable[list[dict] | None]]
CreateClient = Callable[[dict], Awaitable[dict | None]]


def document_styles() -> None:
    """The styles of the editor, the lines and the lists (call once in each page that shows them)."""
    ui.add_css(DOCUMENT_CSS + state_css())


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
                                        vat_included=draft.vat_included)
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
            ui.input('Date' if self.doc_type == 'quote' else 'Date (fixée à la validation)',
                     value=_fr_date(draft.issue_date) if draft.issue_date else 'à l’enregistrement') \
                .props('outlined dense readonly data-field=issue_date').mark('issue_date')
            if self.doc_type == 'quote':
                self._date('validity_date', 'Valable jusqu’au')
            else:
                methods = {method.id: method.name for method in self.choices.payment_methods}
                ui.select(methods, label='Mode de règlement', value=draft.payment_method_id,
                          on_change=self._payment_method) \
                    .props('outlined dense clearable data-field=payment_method').mark('payment_method')
                self.due = self._date('due_date', 'Échéance (si vide : selon le mode de règlement)')
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
            ui.input('Référence client (bon de commande)', value=draft.purchase_order,
                     on_change=lambda e: self._set('purchase_order', e.value or '')) \
                .props('outlined dense maxlength=100 data-field=purchase_order').mark('purchase_order')
            ui.textarea('Texte d’introduction', value=draft.header_text,
                        on_change=lambda e: self._set('header_text', e.value or '')) \
                .props('outlined dense autogrow rows=1 data-field=header_text').classes('app-wide').mark('header_text')

    def _date(self, name: str, label: str) -> ui.input:
        value = getattr(self.draft, name)
        field_ = ui.input(label, value=value.isoformat() if value else '') \
            .props(f'outlined dense type=date stack-label data-field={name}').mark(name)
        field_.on_value_change(lambda e: self._set(name, _to_date(e.value)))
        return field_

    def _header_view(self, client_label: str, show_probability: bool) -> None:
        draft = self.draft
        facts = [('Client', client_label or '—', 'client'), ('Date', _fr_date(draft.issue_date), 'issue_date')]
        if self.doc_type == 'quote':
            facts.append(('Valable jusqu’au', _fr_date(draft.validity_date), 'validity_date'))
            if show_probability and draft.probability is not None:
                facts.append(('Probabilité', f'{draft.probability} %', 'probability'))
        else:
            method = next((m.name for m in self.choices.payment_methods if m.id == draft.payment_method_id), '—')
            facts += [('Mode de règlement', method, 'payment_method'), ('Échéance', _fr_date(draft.due_date),
                                                                         'due_date')]
        if draft.purchase_order:
            facts.append(('Référence client', draft.purchase_order, 'purchase_order'))
        with ui.element('div').classes('app-facts'):
            for caption, value, name in facts:
                with ui.column().classes('gap-0'):
                    ui.label(caption).classes('app-muted text-sm')
                    ui.label(value).classes('font-medium').props(f'data-field={name}').mark(f'view-{name}')
        if draft.header_text:
            ui.label(draft.header_text).classes('app-pre')

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
        self._set('client_id', entry['id'])

    def _payment_method(self, event) -> None:
        self.draft.payment_method_id = event.value
        method = next((m for m in self.choices.payment_methods if m.id == event.value), None)
        if method is not None:
            # IN5: the due date follows the payment method's terms; the user may still change it afterwards.
            due = due_date(self.draft.issue_date or date.today(), PaymentTerms(days=method.days,
                                                                                end_of_month=method.end_of_month))
            self.due.value = due.isoformat()
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


def _to_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _fr_date(value: date | None) -> str:
    return value.strftime('%d/%m/%Y') if value else '—'
