"""The lines of a document (DOC1): articles, free lines, titles, texts and subtotals, edited in place.

`LinesTable(draft.lines, ...)` edits the `DraftLine` objects of the list it is given (plain objects, never ORM
models) and calls `on_change(recompute)` after each edit; the editor then recomputes the totals once and calls
`show_nets(totals.line_nets)`, which touches only the amounts that changed. Adding, removing or moving a line
creates, deletes or moves one row: a 300-line document is never rebuilt on a keystroke.

Each row is a CSS grid: one line of fields on a wide screen, a stacked card on a phone.
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from nicegui import ui

from components.money_input import MoneyInput
from logic.draft import LINE_KINDS, DraftLine
from logic.money import CENT, format_decimal_fr, format_eur

HUNDRED = Decimal(100)
DISCOUNT_KINDS = {'': 'Sans', 'percent': '%', 'amount': '€'}


@dataclass(kw_only=True, slots=True, frozen=True)
class VatChoice:
    """A VAT rate the lines may use, from Paramètres > Listes par défaut."""

    rate: Decimal
    label: str
    category: str = 'S'
    exemption_reason: str = ''

    @property
    def key(self) -> str:
        return vat_key(self.category, self.rate)


@dataclass(kw_only=True, slots=True, frozen=True)
class UnitChoice:
    name: str
    code: str = 'C62'


@dataclass(kw_only=True, slots=True, frozen=True)
class ArticleChoice:
    """An article found by the search: its label in the list and the line it makes on a document."""

    id: int
    label: str
    line: DraftLine


SearchArticles = Callable[[str], Awaitable[list[ArticleChoice] | None]]
CreateArticle = Callable[[dict], Awaitable[ArticleChoice | None]]


def vat_key(category: str, rate: Decimal) -> str:
    return f'{category}:{Decimal(rate).quantize(CENT)}'


class LinesTable(ui.element):
    """`LinesTable(lines, vat_choices=..., units=..., search_articles=..., on_change=...)`.

    `on_change(recompute: bool)` is called after each edit; recompute is False for text-only edits.
    """

    def __init__(self, lines: list[DraftLine], *, vat_choices: list[VatChoice], units: list[UnitChoice],
                 search_articles: SearchArticles | None, create_article: CreateArticle | None,
                 on_change: Callable[[bool], None], default_vat: VatChoice | None = None) -> None:
        super().__init__('div')
        self.classes('app-lines w-full')
        self.lines = lines
        self.vat_choices = vat_choices
        self.units = units
        self.default_vat = default_vat or (vat_choices[0] if vat_choices else None)
        self.on_change = on_change
        self.rows: list[LineRow] = []
        self.picker = ArticlePicker(search_articles, create_article, units=units, vat_choices=vat_choices) \
            if search_articles else None
        with self:
            self.body = ui.element('div').classes('app-lines-body w-full').props('data-role=lines')
            self.empty = ui.label('Aucune ligne : ajoutez un article, une ligne libre ou un titre.') \
                .classes('app-empty').props('data-role=no-lines')
            with ui.element('div').classes('app-lines-toolbar'):
                if self.picker:
                    ui.button('Article', icon='inventory_2', on_click=lambda: self.pick_article(None)) \
                        .props('unelevated dense no-caps data-action=add-article').mark('add-article')
                for kind, label, icon in (('item', 'Ligne libre', 'add'), ('title', 'Titre', 'title'),
                                          ('text', 'Texte', 'notes'), ('subtotal', 'Sous-total', 'functions')):
                    ui.button(label, icon=icon, on_click=lambda k=kind: self.add(
                        self.new_item() if k == 'item' else DraftLine(kind=k), focus=True)) \
                        .props(f'outline dense no-caps data-action=add-{kind}').mark(f'add-{kind}')
        with self.body:
            for line in lines:
                self.rows.append(LineRow(self, line))
        self._renumber(0)

    # --- structure -------------------------------------------------------------------------------------------

    def new_item(self) -> DraftLine:
        vat = self.default_vat
        line = DraftLine(kind='item')
        if vat is not None:
            line.vat_rate, line.vat_category, line.exemption_reason = vat.rate, vat.category, vat.exemption_reason
        return line

    def add(self, line: DraftLine, *, after: 'LineRow | None' = None, focus: bool = False) -> 'LineRow':
        index = self.rows.index(after) + 1 if after is not None else len(self.rows)
        with self.body:
            row = LineRow(self, line)
        if index < len(self.rows):
            row.move(self.body, target_index=index)
        self.rows.insert(index, row)
        self.lines.insert(index, line)
        self._renumber(index)
        self.on_change(line.kind in ('item', 'subtotal'))
        if focus:
            row.focus()
        return row

    def remove(self, row: 'LineRow') -> None:
        index = self.rows.index(row)
        self.rows.pop(index)
        self.lines.pop(index)
        row.delete()
        self._renumber(index)
        self.on_change(True)

    def move(self, row: 'LineRow', delta: int) -> None:
        index = self.rows.index(row)
        target = index + delta
        if not 0 <= target < len(self.rows):
            return
        self.rows.insert(target, self.rows.pop(index))
        self.lines.insert(target, self.lines.pop(index))
        row.move(self.body, target_index=target)
        self._renumber(min(index, target))
        self.on_change(True)

    def replace_row(self, row: 'LineRow', line: DraftLine) -> 'LineRow':
        """Change a line's kind, or put an article on it: only that row is built again."""
        index = self.rows.index(row)
        with self.body:
            new = LineRow(self, line)
        new.move(self.body, target_index=index)
        row.delete()
        self.rows[index] = new
        self.lines[index] = line
        self._renumber(index)
        self.on_change(True)
        return new

    async def pick_article(self, row: 'LineRow | None') -> None:
        """Open the article search; the chosen article fills `row`, or a new line at the end."""
        if self.picker is None:
            return

        def chosen(choice: ArticleChoice) -> None:
            line = replace(choice.line)
            if row is not None and row in self.rows:
                if row.line.quantity != Decimal(1) and row.line.kind == 'item':
                    line.quantity = row.line.quantity  # keep a quantity typed before choosing the article
                self.replace_row(row, line)
            else:
                self.add(line)

        await self.picker.open(chosen)

    def show_nets(self, nets: tuple[Decimal | None, ...]) -> None:
        for row, net in zip(self.rows, nets):
            row.show_net(net)

    def invalid_fields(self) -> list[str]:
        """'Ligne 3 : Quantité : nombre invalide' for each field holding a typo."""
        return [f'Ligne {position} : {message}' for position, row in enumerate(self.rows, start=1)
                for message in row.errors()]

    def _renumber(self, start: int) -> None:
        for position in range(start, len(self.rows)):
            self.rows[position].set_position(position + 1)
        self.empty.set_visibility(not self.rows)


class LineRow(ui.element):
    """One line; its inputs write straight into its DraftLine."""

    def __init__(self, table: LinesTable, line: DraftLine) -> None:
        super().__init__('div')
        self.table = table
        self.line = line
        self.inputs: list[MoneyInput] = []
        self._net_text: str | None = None
        self._position = 0
        self.net_label: ui.label | None = None
        self.classes(f'app-line app-line-{line.kind}').props(f'data-line-kind={line.kind}')
        with self:
            self.position_label = ui.label().classes('l-pos')
            build = {'item': self._item, 'title': self._title, 'text': self._text, 'subtotal': self._subtotal}
            build[line.kind]()
            self._actions()

    def _item(self) -> None:
        line, table = self.line, self.table
        with ui.element('div').classes('l-main'):
            self.first = ui.input('Désignation', value=line.designation) \
                .props('dense outlined hide-bottom-space maxlength=500 data-field=designation') \
                .classes('w-full').mark('line-designation')
            self.first.on_value_change(lambda e: self._text_edit('designation', e.value))
            if table.picker is not None:
                with self.first.add_slot('append'):
                    ui.button(icon='search', on_click=lambda: table.pick_article(self)) \
                        .props('flat round dense size=sm data-action=pick-article aria-label="Choisir un article"') \
                        .tooltip('Choisir un article').mark('pick-article')
            if line.reference:
                ui.label(f'Réf. {line.reference}').classes('l-ref')
            ui.textarea(placeholder='Description (facultatif)', value=line.description) \
                .props('dense borderless autogrow rows=1 maxlength=4000 data-field=description') \
                .classes('l-desc w-full').mark('line-description') \
                .on_value_change(lambda e: self._text_edit('description', e.value))
        self._money('l-qty', 'Quantité', value=line.quantity, places=4, field='quantity',
                    on_change=lambda v: self._set('quantity', v))
        units = {unit.name: unit.name for unit in table.units}
        if line.unit and line.unit not in units:
            units[line.unit] = line.unit
        ui.select({'': '—', **units}, label='Unité', value=line.unit or '', on_change=self._unit) \
            .props('dense outlined hide-bottom-space options-dense data-field=unit').classes('l-unit') \
            .mark('line-unit')
        self._money('l-price', 'Prix unitaire HT', value=line.unit_price, places=6, field='unit_price', min_places=2,
                    on_change=lambda v: self._set('unit_price', v))
        with ui.element('div').classes('l-disc'):
            ui.select(DISCOUNT_KINDS, label='Remise', value=line.discount_kind or '', on_change=self._discount_kind) \
                .props('dense outlined hide-bottom-space options-dense data-field=discount_kind') \
                .classes('l-disc-kind').mark('line-discount-kind')
            self.discount = self._money('l-disc-value', 'Valeur', what='Remise', value=line.discount_value if line.discount_kind else None,
                                        places=_discount_places(line.discount_kind), field='discount_value',
                                        minimum=Decimal(0), maximum=HUNDRED if line.discount_kind == 'percent'
                                        else None, required=False, on_change=self._discount_value)
            self.discount.set_enabled(bool(line.discount_kind))
        vats = {choice.key: choice.label for choice in table.vat_choices}
        key = vat_key(line.vat_category, line.vat_rate)
        if key not in vats:
            vats[key] = f'{format_decimal_fr(line.vat_rate)} %'
        ui.select(vats, label='TVA', value=key, on_change=self._vat) \
            .props('dense outlined hide-bottom-space options-dense data-field=vat').classes('l-vat').mark('line-vat')
        self.net_label = ui.label().classes('l-net').props('data-field=net').mark('line-net')

    def _title(self) -> None:
        self.first = ui.input('Titre', value=self.line.designation) \
            .props('dense outlined hide-bottom-space maxlength=500 data-field=designation') \
            .classes('l-main l-title').mark('line-designation')
        self.first.on_value_change(lambda e: self._text_edit('designation', e.value))

    def _text(self) -> None:
        self.first = ui.textarea('Texte', value=self.line.description) \
            .props('dense outlined hide-bottom-space autogrow rows=1 maxlength=4000 data-field=description') \
            .classes('l-main').mark('line-description')
        self.first.on_value_change(lambda e: self._text_edit('description', e.value))

    def _subtotal(self) -> None:
        self.first = None
        ui.label('Sous-total').classes('l-main l-subtotal-label')
        self.net_label = ui.label().classes('l-net').props('data-field=net').mark('line-net')

    def _actions(self) -> None:
        table = self.table
        with ui.element('div').classes('l-act'):
            ui.button(icon='arrow_upward', on_click=lambda: table.move(self, -1)) \
                .props('flat round dense size=sm data-action=line-up aria-label="Monter"').mark('line-up')
            ui.button(icon='arrow_downward', on_click=lambda: table.move(self, 1)) \
                .props('flat round dense size=sm data-action=line-down aria-label="Descendre"').mark('line-down')
            more = ui.button(icon='more_vert').props('flat round dense size=sm data-action=line-more '
                                                     'aria-label="Autres actions"').mark('line-more')
            more.on('click', lambda: self._menu(more))
            ui.button(icon='delete_outline', on_click=lambda: table.remove(self)) \
                .props('flat round dense size=sm color=negative data-action=line-delete aria-label="Supprimer"') \
                .mark('line-delete')

    def _menu(self, anchor: ui.button) -> None:
        # Built on first use: 300 rows would otherwise carry 300 hidden menus.
        if getattr(self, '_more_menu', None) is not None:
            self._more_menu.open()
            return
        table = self.table
        with anchor:
            with ui.menu().props('data-role=line-menu') as self._more_menu:
                ui.menu_item('Dupliquer la ligne', on_click=lambda: table.add(replace(self.line), after=self)) \
                    .mark('line-duplicate')
                ui.separator()
                for kind in ('item', 'title', 'text', 'subtotal'):
                    ui.menu_item(f'Insérer dessous : {LINE_KINDS[kind].lower()}',
                                 on_click=lambda k=kind: table.add(
                                     table.new_item() if k == 'item' else DraftLine(kind=k), after=self, focus=True)) \
                        .mark(f'line-insert-{kind}')
                ui.separator()
                for kind in ('item', 'title', 'text', 'subtotal'):
                    if kind != self.line.kind:
                        ui.menu_item(f'Transformer en : {LINE_KINDS[kind].lower()}',
                                     on_click=lambda k=kind: self._convert(k)).mark(f'line-convert-{kind}')
        self._more_menu.open()

    def _convert(self, kind: str) -> None:
        line = replace(self.line, kind=kind)
        if kind == 'text' and not line.description:
            line.description = line.designation
        if kind in ('title', 'item') and not line.designation:
            line.designation = line.description
        self.table.replace_row(self, line)

    # --- edits -----------------------------------------------------------------------------------------------

    def _money(self, css: str, label: str, value: Decimal | None = None, *, places: int | None, field: str,
               on_change, minimum: Decimal | None = None, maximum: Decimal | None = None, required: bool = True,
               min_places: int = 0, what: str = '') -> MoneyInput:
        money = MoneyInput(label, value=value, places=places, minimum=minimum, maximum=maximum, required=required,
                           min_places=min_places, what=what or label, on_change=on_change)
        money.classes(css).props(f'data-field={field}').mark(f'line-{field.replace("_", "-")}')
        self.inputs.append(money)
        return money

    def _set(self, name: str, value: Decimal | None) -> None:
        setattr(self.line, name, value if value is not None else Decimal(0))
        self.table.on_change(True)

    def _text_edit(self, name: str, value: str | None) -> None:
        setattr(self.line, name, value or '')
        self.table.on_change(False)

    def _unit(self, event) -> None:
        name = event.value or ''
        self.line.unit = name
        self.line.unit_code = next((unit.code for unit in self.table.units if unit.name == name), 'C62')
        self.table.on_change(False)

    def _vat(self, event) -> None:
        choice = next((c for c in self.table.vat_choices if c.key == event.value), None)
        if choice is None:
            return
        self.line.vat_rate, self.line.vat_category = choice.rate, choice.category
        self.line.exemption_reason = choice.exemption_reason
        self.table.on_change(True)

    def _discount_kind(self, event) -> None:
        kind = event.value or None
        self.line.discount_kind = kind
        self.discount.places = _discount_places(kind)
        self.discount.maximum = HUNDRED if kind == 'percent' else None
        self.discount.set_enabled(bool(kind))
        if kind is None:
            self.line.discount_value = Decimal(0)
            self.discount.set_decimal(None)
        else:
            self.discount.reparse()
            self.line.discount_value = self.discount.decimal or Decimal(0)
        self.table.on_change(True)

    def _discount_value(self, value: Decimal | None) -> None:
        self.line.discount_value = value or Decimal(0)
        self.table.on_change(True)

    # --- shown by the table ----------------------------------------------------------------------------------

    def set_position(self, position: int) -> None:
        if position != self._position:
            self._position = position
            self.position_label.text = str(position)
            self.props(f'data-position={position}')

    def show_net(self, net: Decimal | None) -> None:
        if self.net_label is None:
            return
        text = format_eur(net) if net is not None else ''
        if text != self._net_text:
            self._net_text = text
            self.net_label.text = text

    def focus(self) -> None:
        if self.first is not None:
            self.first.run_method('focus')

    def errors(self) -> list[str]:
        return [f'{money.what} : {money.error}' for money in self.inputs if money.error]


class ArticlePicker:
    """One dialog per editor: search the articles as you type (the page's search has a LIMIT), or create one."""

    def __init__(self, search: SearchArticles, create: CreateArticle | None, *, units: list[UnitChoice],
                 vat_choices: list[VatChoice]) -> None:
        self.search = search
        self.create = create
        self.units = units
        self.vat_choices = vat_choices
        self.on_pick: Callable[[ArticleChoice], None] | None = None
        self.choices: list[ArticleChoice] = []
        self._query_seq = 0
        with ui.dialog().props('data-role=article-picker') as self.dialog, \
                ui.card().classes('app-card app-picker w-[640px] max-w-full'):
            with ui.row().classes('w-full items-center no-wrap'):
                ui.label('Choisir un article').classes('app-subtitle')
                ui.space()
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label=Fermer')
            self.query = ui.input(placeholder='Référence ou désignation…') \
                .props('outlined dense autofocus clearable data-field=article-search debounce=200') \
                .classes('w-full').mark('article-search')
            self.query.on_value_change(lambda e: self._search(e.value or ''))
            self.query.on('keydown.enter', self._pick_first)
            self.results = ui.column().classes('app-picker-results w-full gap-0')
            if create is not None:
                ui.button('Créer un article', icon='add', on_click=self._create_form) \
                    .props('flat no-caps data-action=new-article').mark('new-article')

    async def open(self, on_pick: Callable[[ArticleChoice], None]) -> None:
        self.on_pick = on_pick
        self.dialog.open()
        if self.query.value:
            self.query.value = ''  # searches again through the input's change handler
        else:
            await self._search('')

    async def _search(self, text: str) -> None:
        self._query_seq += 1
        seq = self._query_seq
        found = await self.search(text.strip())
        if seq != self._query_seq or found is None:
            return  # a later keystroke already asked again, or the page refused the request
        self.choices = found
        self.results.clear()
        with self.results:
            if not found:
                ui.label('Aucun article ne correspond.').classes('app-muted q-pa-sm').props('data-role=no-article')
            for choice in found:
                ui.item(choice.label, on_click=lambda c=choice: self._pick(c)) \
                    .props('clickable dense data-role=article-result').classes('app-picker-item') \
                    .mark('article-result')

    def _pick_first(self) -> None:
        if self.choices:
            self._pick(self.choices[0])

    def _pick(self, choice: ArticleChoice) -> None:
        self.dialog.close()
        if self.on_pick is not None:
            self.on_pick(choice)

    def _create_form(self) -> None:
        units = {'': '—', **{unit.name: unit.name for unit in self.units}}
        vats = {choice.key: choice.label for choice in self.vat_choices}
        with ui.dialog() as dialog, ui.card().classes('app-card w-[560px] max-w-full'):
            dialog.on_value_change(lambda e: None if e.value else dialog.delete())
            ui.label('Nouvel article').classes('app-subtitle')
            with ui.element('div').classes('app-form-grid'):
                reference = ui.input('Référence').props('outlined dense maxlength=40 data-field=reference') \
                    .mark('article-reference')
                kind = ui.select({'service': 'Prestation', 'good': 'Bien'}, label='Type', value='service') \
                    .props('outlined dense data-field=kind').mark('article-kind')
                designation = ui.input('Désignation').props('outlined dense maxlength=200 data-field=designation') \
                    .classes('app-wide').mark('article-designation')
                price = MoneyInput('Prix de vente HT', value=Decimal(0), places=6, min_places=2,
                                   minimum=Decimal(0)).props('data-field=price').mark('article-price')
                unit = ui.select(units, label='Unité', value='').props('outlined dense data-field=unit') \
                    .mark('article-unit')
                vat = ui.select(vats, label='TVA', value=next(iter(vats), None)) \
                    .props('outlined dense data-field=vat').mark('article-vat')
            error = ui.label().classes('text-negative').props('data-role=article-error')
            error.set_visibility(False)

            async def save() -> None:
                if price.error:
                    error.text, error.visible = f'Prix : {price.error}', True
                    return
                choice = await self.create({
                    'reference': (reference.value or '').strip(), 'designation': (designation.value or '').strip(),
                    'kind': kind.value, 'sale_price': price.decimal or Decimal(0), 'unit': unit.value or '',
                    'vat': next((c for c in self.vat_choices if c.key == vat.value), None)})
                if choice is None:
                    return  # refused: the page showed why
                dialog.close()
                self._pick(choice)

            with ui.row().classes('app-actions'):
                ui.button('Annuler', on_click=dialog.close).props('flat')
                ui.button('Créer et ajouter', on_click=save).props('unelevated data-action=save-article') \
                    .mark('save-article')
        dialog.open()


def _discount_places(kind: str | None) -> int | None:
    return 2 if kind == 'percent' else None
