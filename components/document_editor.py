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

from components.lines_table import (ArticleChoice, CreateArticle, LinesTable, SearchArticles, UnitChoice,
                                    VatChoice, vat_key)
from components.money_input import MoneyInput
from components.totals_panel import TotalsPanel
from logic.draft import Draft, DraftLine
from logic.money import format_decimal_fr, format_eur
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
.app-line .l-pos { grid-area: pos; color: var(--app-muted); font-size: .85rem; font-weight: 600; padding-top: 8px; }
.app-line .l-main { grid-area: main; min-width: 0; }
.app-line .l-qty { grid-area: qty; } .app-line .l-unit { grid-area: unit; } .app-line .l-price { grid-area: price; }
.app-line .l-disc { grid-area: disc; display: flex; gap: 4px; min-width: 0; }
.app-line .l-disc-kind { width: 64px; flex: none; } .app-line .l-disc-value { flex: 1; min-width: 0; }
.app-line .l-vat { grid-area: vat; min-width: 0; }
.app-line .l-net { grid-area: net; text-align: right; font-weight: 600; padding-top: 8px; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.app-line .l-act { grid-area: act; display: flex; justify-content: flex-end; gap: 0; }
.app-line .l-ref { color: var(--app-muted); font-size: .8rem; padding: 2px 2px 0; }
.app-line .l-desc textarea { font-size: .88rem; color: var(--app-muted); padding-left: 2px; }
.app-line .l-title input, .app-line .l-title { font-weight: 650; }
.app-line .l-subtotal-label { font-weight: 600; padding-top: 8px; text-align: right; }
.app-line-item { grid-template-areas: "pos act" "main main" "qty unit" "price price" "disc vat" "net net"; }
.app-line-title, .app-line-text { grid-template-areas: "pos act" "main main"; }
.app-line-subtotal { grid-template-areas: "pos act" "main net"; }
.app-line-fact { display: flex; flex-direction: column; padding-top: 2px; font-variant-numeric: tabular-nums; }
.app-line-caption { color: var(--app-muted); font-size: .75rem; }
.app-line-view { padding: 8px 0; }
@container (min-width: 560px) {
  .app-line { grid-template-columns: 24px 92px 100px 130px 170px minmax(90px, 1fr) minmax(96px, auto) auto; }
  .app-line-item { grid-template-areas: "pos main main main main main main act" "pos qty unit price disc vat net net"; }
  .app-line-title, .app-line-text { grid-template-areas: "pos main main main main main main act"; }
  .app-line-subtotal { grid-template-areas: "pos main main main main main net act"; }
}
@container (min-width: 900px) {
  .app-line { grid-template-columns: 24px minmax(180px, 1fr) 80px 88px 112px 156px 104px 100px 60px; }
  .app-line-item { grid-template-areas: "pos main qty unit price disc vat net act"; }
  .app-line-title, .app-line-text { grid-template-areas: "pos main main main main main main main act"; }
  .app-line-subtotal { grid-template-areas: "pos main main main main main main net act"; }
  .app-line .l-act { display: grid; grid-template-columns: 28px 28px; justify-content: end; }
  .app-line-view .l-main { padding-top: 2px; }
}
.app-lines-toolbar { display: flex; flex-wrap: wrap; gap: 8px; padding-top: 12px; }
.app-editor-bottom { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; width: 100%; }
.app-editor-totals { order: -1; }
@media (min-width: 900px) {
  .app-editor-bottom { grid-template-columns: minmax(0, 1fr) minmax(360px, 420px); }
  .app-editor-totals { order: 0; }
}
.app-totals { display: flex; flex-direction: column; gap: 6px; width: 100%; }
.app-totals-row { display: flex; align-items: center; justify-content: space-between; gap: 8px; width: 100%; }
.app-totals-input { flex-wrap: wrap; }
.app-totals-figure { font-variant-numeric: tabular-nums; white-space: nowrap; min-width: 96px; text-align: right; }
.app-totals-strong { font-weight: 650; }
.app-totals-group { color: var(--app-muted); font-size: .92rem; }
.app-totals-base { flex: 1; text-align: right; font-size: .8rem; }
.app-totals-due { font-weight: 700; font-size: 1.1rem; color: var(--app-primary); padding-top: 4px; }
.app-totals-error { color: var(--q-negative); font-weight: 500; }
.app-picker-results { max-height: 50vh; overflow-y: auto; border: 1px solid var(--app-line); border-radius: 6px; }
.app-picker-item { border-bottom: 1px solid var(--app-line); }
.app-doc-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; width: 100%; }
.app-doc-actions { display: flex; flex-wrap: wrap; gap: 8px; }
.app-filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; width: 100%; }
"""

__all__ = ['ArticleChoice', 'DocumentEditor', 'EditorCallbacks', 'EditorChoices', 'PaymentChoice', 'UnitChoice',
           'VatChoice']

SearchClients = Callable[[str], Awaitable[list[tuple[int, str]] | None]]
CreateClient = Callable[[dict], Awaitable[tuple[int, str] | None]]


def document_styles() -> None:
    """The styles of the editor, the lines and the lists (call once in each page that shows them)."""
    ui.add_css(DOCUMENT_CSS)


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
            with ui.card().classes('app-card app-lines-card'):
                ui.label('Lignes').classes('app-subtitle')
                if readonly:
                    self.lines = None
                    self.lines_view = LinesView(draft.lines, vat_choices=choices.vat_rates)
                else:
                    self.lines = LinesTable(draft.lines, vat_choices=choices.vat_rates, units=choices.units,
                                            search_articles=callbacks.search_articles,
                                            create_article=callbacks.create_article, on_change=self._changed,
                                            default_vat=choices.default_vat)
            with ui.element('div').classes('app-editor-bottom'):
                with ui.card().classes('app-card app-editor-notes'):
                    self._notes()
                with ui.card().classes('app-card app-editor-totals'):
                    ui.label('Totaux').classes('app-subtitle')
                    self.totals_panel = TotalsPanel(draft, vat_choices=choices.vat_rates, on_change=self._changed,
                                                    readonly=readonly)
        self.recompute()

    # --- header --------------------------------------------------------------------------------------------

    def _header_inputs(self, client_label: str, show_probability: bool) -> None:
        draft = self.draft
        with ui.element('div').classes('app-form-grid'):
            self.client_picker = ClientPicker(draft.client_id, client_label, search=self.callbacks.search_clients,
                                       create=self.callbacks.create_client, on_change=self._client_chosen)
            self.client_picker.classes('app-wide')
            self._date('issue_date', 'Date')
            if self.doc_type == 'quote':
                self._date('validity_date', 'Valable jusqu’au')
            else:
                methods = {method.id: method.name for method in self.choices.payment_methods}
                ui.select(methods, label='Mode de règlement', value=draft.payment_method_id,
                          on_change=self._payment_method) \
                    .props('outlined dense clearable data-field=payment_method').mark('payment_method')
                self.due = self._date('due_date', 'Échéance')
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
            if not (draft.footer_text or draft.notes):
                ui.label('—').classes('app-muted')
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

    def _client_chosen(self, client_id: int | None) -> None:
        self._set('client_id', client_id)

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
        if self.lines is not None:
            self.lines.show_nets(totals.line_nets)
        else:
            self.lines_view.show_nets(totals.line_nets)
        self.totals_panel.show(totals)

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
            ui.run_javascript(f'getHtmlElement({self.problems_card.id})?.scrollIntoView({{block: "center"}})')

    def clear_problems(self) -> None:
        self.problems_card.set_visibility(False)

    def mark_saved(self) -> None:
        self.dirty = False
        self.clear_problems()


class ClientPicker(ui.element):
    """Client autocomplete (the page's search has a LIMIT) with a "Nouveau client" quick-creation dialog (CO4)."""

    def __init__(self, client_id: int | None, label: str, *, search: SearchClients | None,
                 create: CreateClient | None, on_change: Callable[[int | None], None]) -> None:
        super().__init__('div')
        self.classes('app-client-picker')
        self.search = search
        self.create = create
        self.on_change = on_change
        self._query_seq = 0
        options = {client_id: label} if client_id is not None else {}
        with self, ui.row().classes('w-full items-start no-wrap gap-2'):
            self.select = ui.select(options, label='Client', value=client_id, with_input=True) \
                .props('outlined dense hide-bottom-space input-debounce=250 data-field=client '
                       'no-error-icon behavior=menu') \
                .classes('grow').mark('client')
            self.select.props('hint="Tapez quelques lettres du nom, du code ou de la ville"')
            self.select.on('input-value', self._typed)
            self.select.on_value_change(lambda e: self.on_change(e.value))
            if create is not None:
                ui.button('Nouveau client', icon='person_add', on_click=self._create_dialog) \
                    .props('outline no-caps data-action=new-client').classes('self-center').mark('new-client')

    async def _typed(self, event) -> None:
        if self.search is None:
            return
        self._query_seq += 1
        seq = self._query_seq
        found = await self.search((event.args or '').strip())
        if found is None or seq != self._query_seq:
            return
        options = dict(found)
        if self.select.value is not None and self.select.value not in options:
            options[self.select.value] = self.select.options.get(self.select.value, '')
        self.select.set_options(options)

    def set_client(self, client_id: int, label: str) -> None:
        self.select.set_options({**self.select.options, client_id: label}, value=client_id)

    def _create_dialog(self) -> None:
        with ui.dialog() as dialog, ui.card().classes('app-card w-[560px] max-w-full'):
            dialog.on_value_change(lambda e: None if e.value else dialog.delete())
            ui.label('Nouveau client').classes('app-subtitle')
            fields_: dict[str, ui.element] = {}
            with ui.element('div').classes('app-form-grid'):
                fields_['is_company'] = ui.select({True: 'Entreprise', False: 'Particulier'}, label='Type',
                                                  value=True).props('outlined dense data-field=is_company') \
                    .mark('client-is-company')
                for key, label_, wide in (('name', 'Nom ou raison sociale', True), ('email', 'E-mail', False),
                                          ('siren', 'SIREN (entreprise)', False), ('address', 'Adresse', True),
                                          ('postcode', 'Code postal', False), ('city', 'Ville', False)):
                    fields_[key] = ui.input(label_).props(f'outlined dense maxlength=200 data-field={key}') \
                        .classes('app-wide' if wide else '').mark(f'client-{key}')
            error = ui.label().classes('text-negative').props('data-role=client-error')
            error.set_visibility(False)

            async def save() -> None:
                values = {key: (f.value.strip() if isinstance(f.value, str) else f.value) for key, f in fields_.items()}
                if not values['name']:
                    error.text, error.visible = 'Le nom du client est obligatoire.', True
                    return
                created = await self.create(values)
                if created is None:
                    return  # refused: the page showed why
                dialog.close()
                self.set_client(*created)

            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Créer le client', on_click=save).props('unelevated data-action=save-client') \
                    .mark('save-client')
        dialog.open()


class LinesView(ui.element):
    """The lines of a document that can no longer change, in the same grid as the editor's rows."""

    def __init__(self, lines: list[DraftLine], *, vat_choices: list[VatChoice]) -> None:
        super().__init__('div')
        self.classes('app-lines app-lines-view w-full').props('data-role=lines')
        labels = {choice.key: choice.label for choice in vat_choices}
        self.nets: list[ui.label | None] = []
        with self:
            if not lines:
                ui.label('Aucune ligne.').classes('app-empty')
            for position, line in enumerate(lines, start=1):
                with ui.element('div').classes(f'app-line app-line-{line.kind} app-line-view') \
                        .props(f'data-line-kind={line.kind} data-position={position}'):
                    ui.label(str(position)).classes('l-pos')
                    self.nets.append(self._line(line, labels))

    @staticmethod
    def _line(line: DraftLine, vat_labels: dict[str, str]) -> ui.label | None:
        if line.kind == 'title':
            ui.label(line.designation).classes('l-main l-title').mark('line-designation')
            return None
        if line.kind == 'text':
            ui.label(line.description).classes('l-main app-pre').mark('line-description')
            return None
        if line.kind == 'subtotal':
            ui.label('Sous-total').classes('l-main l-subtotal-label')
            return ui.label().classes('l-net').mark('line-net')
        with ui.element('div').classes('l-main'):
            ui.label(line.designation).classes('font-medium').mark('line-designation')
            if line.reference:
                ui.label(f'Réf. {line.reference}').classes('l-ref')
            if line.description:
                ui.label(line.description).classes('app-pre app-muted text-sm')
        _fact('l-qty', 'Quantité', format_decimal_fr(line.quantity))
        _fact('l-unit', 'Unité', line.unit or '—')
        _fact('l-price', 'Prix unitaire HT', format_decimal_fr(line.unit_price, 2)
              if -line.unit_price.normalize().as_tuple().exponent <= 2 else format_decimal_fr(line.unit_price))
        discount = '—'
        if line.discount_kind == 'percent':
            discount = f'{format_decimal_fr(line.discount_value)} %'
        elif line.discount_kind == 'amount':
            discount = format_eur(line.discount_value)
        _fact('l-disc', 'Remise', discount)
        _fact('l-vat', 'TVA', vat_labels.get(vat_key(line.vat_category, line.vat_rate),
                                             f'{format_decimal_fr(line.vat_rate)} %'))
        return ui.label().classes('l-net').mark('line-net')

    def show_nets(self, nets: tuple[Decimal | None, ...]) -> None:
        for label, net in zip(self.nets, nets):
            if label is not None:
                label.text = format_eur(net) if net is not None else ''


def _fact(css: str, caption: str, value: str) -> None:
    with ui.element('div').classes(f'{css} app-line-fact'):
        ui.label(caption).classes('app-line-caption')
        ui.label(value)


def _to_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _fr_date(value: date | None) -> str:
    return value.strftime('%d/%m/%Y') if value else '—'
