"""The lines of a document (DOC1): articles, free lines, titles, texts and subtotals, edited in place.

`LinesTable(draft.lines, ...)` edits the `DraftLine` objects of the list it is given (plain objects, never ORM
models) and calls `on_change(recompute)` after each edit; the editor then recomputes the totals once and calls
`show_nets(totals.line_nets)`, which sends only the amounts that changed.

The rows themselves are ONE element (`LinesGrid`, lines_table.js: native inputs rendered by Vue): NiceGUI re-renders
its whole element tree on each update, so rows made of Quasar elements took seconds per keystroke at 300 lines.
The browser sends each keystroke as an event; the server parses it (French comma, Decimal), keeps the last good
value when it can't, and answers with small patches (nets, errors). On a phone the rows stack as cards (CSS grid).
"""
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import count

from nicegui import ui

from components.article_picker import ArticlePicker
from components.line_choices import ArticleChoice, CreateArticle, SearchArticles, UnitChoice, VatChoice, vat_key
from logic.draft import DraftLine
from logic.money import MoneyError, check_amount, format_decimal_fr, format_eur, parse_decimal, parse_money

HUNDRED = Decimal(100)
DISCOUNT_KINDS = {'': '—', 'percent': '%', 'amount': '€'}
# A line's nature (BT-23 "cadre de facturation", the débits option): chosen on free lines, the article's otherwise.
NATURES = {'': 'Nature à choisir', 'service': 'Prestation de service', 'good': 'Livraison de bien'}
MONEY_FIELDS = ('quantity', 'unit_price', 'discount_value')
PRODUCT = {'quantity': 'unit_price', 'unit_price': 'quantity'}  # the two figures a line's total multiplies
# 'net': the read-only caption of a line's total, always HT (logic/totals.py line nets), even on a deposit invoice
# whose unit prices include VAT.
LABELS = {'quantity': 'Quantité', 'unit_price': 'Prix unitaire HT', 'discount_value': 'Remise', 'net': 'Total HT'}


@dataclass(kw_only=True, slots=True)
class Row:
    """One line as the browser shows it: the DraftLine, the texts typed (possibly with a typo) and their errors."""

    key: int
    line: DraftLine
    texts: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    net: str = ''


__all__ = ['ArticleChoice', 'CreateArticle', 'LinesTable', 'SearchArticles', 'UnitChoice', 'VatChoice']


class LinesGrid(ui.element, component='lines_table.js'):
    """The rows, in the browser; see lines_table.js for the events it sends and the methods the server calls."""


class LinesTable(ui.element):
    """`LinesTable(lines, vat_choices=..., units=..., search_articles=..., on_change=...)`.

    `on_change(recompute: bool)` is called after each edit; recompute is False for text-only edits.
    """

    def __init__(self, lines: list[DraftLine], *, vat_choices: list[VatChoice], units: list[UnitChoice],
                 search_articles: SearchArticles | None = None, create_article: CreateArticle | None = None,
                 on_change: Callable[[bool], None] = lambda recompute: None, default_vat: VatChoice | None = None,
                 readonly: bool = False, nets: tuple[Decimal | None, ...] = (), vat_included: bool = False,
                 default_nature: str = '') -> None:
        super().__init__('div')
        self.classes('app-lines w-full')
        self.lines = lines
        self.vat_choices = vat_choices
        self.units = units
        self.default_vat = default_vat or (vat_choices[0] if vat_choices else None)
        self.on_change = on_change
        self.readonly = readonly
        # A free line's nature (goods or service) when the company does only one of them; '' = the user chooses.
        self.default_nature = default_nature
        self._keys = count(1)
        self.rows: list[Row] = [self._row(line) for line in lines]
        for row, net in zip(self.rows, nets):
            row.net = _net_text(net)
        self._pending: dict[int, dict] = {}
        self.picker = ArticlePicker(search_articles, create_article, units=units, vat_choices=vat_choices) \
            if search_articles and not readonly else None
        vats = [{'value': choice.key, 'label': choice.label} for choice in vat_choices]
        for line in lines:  # a rate no longer offered stays shown on the lines that use it
            if line.kind == 'item' and vat_key(line.vat_category, line.vat_rate) not in {v['value'] for v in vats}:
                vats.append({'value': vat_key(line.vat_category, line.vat_rate),
                             'label': f'{format_decimal_fr(line.vat_rate)} %'})
        units_ = [{'value': '', 'label': '—'}] + [{'value': unit.name, 'label': unit.name} for unit in units]
        for line in lines:
            if line.unit and line.unit not in {u['value'] for u in units_}:
                units_.append({'value': line.unit, 'label': line.unit})
        self._vat_labels = {v['value']: v['label'] for v in vats}
        with self:
            self.grid = LinesGrid()
            self.grid.props.update({
                'rows': [self._payload(row) for row in self.rows], 'units': units_, 'vats': vats,
                'discounts': [{'value': key, 'label': label} for key, label in DISCOUNT_KINDS.items()],
                'natures': [{'value': key, 'label': label} for key, label in NATURES.items()],
                'readonly': readonly, 'picker': self.picker is not None,
                'priceLabel': 'Prix unitaire TTC' if vat_included else LABELS['unit_price'],
                'netLabel': LABELS['net']})
            self.grid.mark('lines')
            self.grid.on('edit', self._edit)
            self.grid.on('tidy', self._tidy)
            self.grid.on('act', self._act)
            if not readonly:
                with ui.element('div').classes('app-lines-toolbar'):
                    if self.picker is not None:
                        ui.button('Article', icon='inventory_2', on_click=lambda: self.pick_article(None)) \
                            .props('unelevated dense no-caps data-action=add-article').mark('add-article')
                    for kind, label, icon in (('item', 'Ligne libre', 'add'), ('title', 'Titre', 'title'),
                                              ('text', 'Texte', 'notes'), ('subtotal', 'Sous-total', 'functions')):
                        ui.button(label, icon=icon, on_click=lambda k=kind: self.add(
                            self.new_item() if k == 'item' else DraftLine(kind=k), focus=True)) \
                            .props(f'outline dense no-caps data-action=add-{kind}').mark(f'add-{kind}')

    # --- structure -------------------------------------------------------------------------------------------

    def new_item(self) -> DraftLine:
        line = DraftLine(kind='item', nature=self.default_nature)
        vat = self.default_vat
        if vat is not None:
            line.vat_rate, line.vat_category, line.exemption_reason = vat.rate, vat.category, vat.exemption_reason
            line.exemption_code = vat.exemption_code
        return line

    def add(self, line: DraftLine, *, after: Row | None = None, focus: bool = False) -> Row:
        index = self.rows.index(after) + 1 if after is not None else len(self.rows)
        row = self._row(line)
        self.rows.insert(index, row)
        self.lines.insert(index, line)
        self.grid.run_method('insert', index, self._payload(row))
        if focus:
            self.grid.run_method('focus', row.key)
        self._changed(line.kind in ('item', 'subtotal'))
        return row

    def remove(self, row: Row) -> None:
        index = self.rows.index(row)
        self.rows.pop(index)
        self.lines.pop(index)
        self.grid.run_method('remove', row.key)
        self._changed(True)

    def move(self, row: Row, delta: int) -> None:
        index = self.rows.index(row)
        target = index + delta
        if not 0 <= target < len(self.rows):
            return
        self.rows.insert(target, self.rows.pop(index))
        self.lines.insert(target, self.lines.pop(index))
        self.grid.run_method('move', row.key, target)
        self._changed(True)

    def replace_row(self, row: Row, line: DraftLine) -> Row:
        """Change a line's kind, or put an article on it."""
        index = self.rows.index(row)
        new = self._row(line, key=row.key)
        self.rows[index] = new
        self.lines[index] = line
        self.grid.run_method('replace', row.key, self._payload(new))
        self._changed(True)
        return new

    async def pick_article(self, row: Row | None) -> None:
        """Open the article search; the chosen article fills `row`, or a new line at the end."""
        if self.picker is None:
            return

        def chosen(choice: ArticleChoice) -> None:
            line = replace(choice.line)
            if row is not None and row in self.rows:
                if row.line.kind == 'item' and row.line.quantity != Decimal(1):
                    line.quantity = row.line.quantity  # keep a quantity typed before choosing the article
                self.replace_row(row, line)
            else:
                self.add(line)

        await self.picker.choose(chosen)

    # --- shown by the editor -----------------------------------------------------------------------------------

    def show_nets(self, nets: tuple[Decimal | None, ...]) -> None:
        for row, net in zip(self.rows, nets):
            text = _net_text(net)
            if text != row.net:
                row.net = text
                self._pending.setdefault(row.key, {})['net'] = text
        self._flush()

    def invalid_fields(self) -> list[str]:
        """'Ligne 3 : Quantité : nombre invalide' for each field holding a typo."""
        return [f'Ligne {position} : {LABELS.get(name, name)} : {message}'
                for position, row in enumerate(self.rows, start=1) for name, message in row.errors.items()]

    def row(self, position: int) -> Row:
        """The row at `position` (1 = first), as shown."""
        return self.rows[position - 1]

    # --- events from the browser -------------------------------------------------------------------------------

    def _edit(self, event) -> None:
        row = self._find(event.args)
        name, value = event.args.get('field'), event.args.get('value')
        if row is None or name not in ('designation', 'description', *MONEY_FIELDS, 'unit', 'discount_kind', 'vat',
                                       'nature'):
            return
        line = row.line
        if name == 'nature':
            if value in NATURES:
                line.nature = value
                self._changed(False)
            return
        if name in ('designation', 'description'):
            setattr(line, name, str(value or '')[:255 if name == 'designation' else 4000])
            self._changed(False)
            return
        if name == 'unit':
            line.unit = str(value or '')
            line.unit_code = next((unit.code for unit in self.units if unit.name == line.unit), 'C62')
            self._changed(False)
            return
        if name == 'vat':
            choice = next((c for c in self.vat_choices if c.key == value), None)
            if choice is not None:
                line.vat_rate, line.vat_category, line.exemption_reason = (choice.rate, choice.category,
                                                                           choice.exemption_reason)
                line.exemption_code = choice.exemption_code
                self._changed(True)
            return
        if name == 'discount_kind':
            line.discount_kind = value or None
            self._read(row, 'discount_value', row.texts.get('discount_value', ''))
            self._flush()
            self._changed(True)
            return
        self._read(row, name, str(value or ''))
        other = PRODUCT.get(name)
        if other in row.errors:  # its error may have been the line's total, which this value just changed
            self._read(row, other, row.texts.get(other, ''))
        self._flush()
        self._changed(True)

    def _tidy(self, event) -> None:
        # '12,5' becomes '12,50' when the field is left: what is shown is what will be printed.
        row = self._find(event.args)
        name = event.args.get('field')
        if row is None or name not in MONEY_FIELDS or name in row.errors:
            return
        text = _format(row.line, name)
        if text != row.texts.get(name):
            row.texts[name] = text
            self._pending.setdefault(row.key, {})[name] = text
            self._flush()

    def _act(self, event):
        row = self._find(event.args)
        action = event.args.get('action', '')
        if row is None:
            return
        if action in ('up', 'down'):
            self.move(row, -1 if action == 'up' else 1)
        elif action == 'delete':
            self.remove(row)
        elif action == 'duplicate':
            self.add(replace(row.line), after=row)
        elif action.startswith('insert-'):
            kind = action.removeprefix('insert-')
            self.add(self.new_item() if kind == 'item' else DraftLine(kind=kind), after=row, focus=True)
        elif action.startswith('convert-'):
            self._convert(row, action.removeprefix('convert-'))
        elif action == 'pick':
            return self.pick_article(row)  # NiceGUI awaits it
        return None

    def _convert(self, row: Row, kind: str) -> None:
        line = replace(row.line, kind=kind)
        if kind == 'text' and not line.description:
            line.description = line.designation
        if kind in ('title', 'item') and not line.designation:
            line.designation = line.description
        self.replace_row(row, line)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _row(self, line: DraftLine, key: int | None = None) -> Row:
        row = Row(key=key or next(self._keys), line=line)
        for name in MONEY_FIELDS:
            row.texts[name] = _format(line, name)
        return row

    def _payload(self, row: Row) -> dict:
        line = row.line
        payload = {'key': row.key, 'kind': line.kind, 'designation': line.designation,
                   'description': line.description, 'reference': line.reference, 'unit': line.unit,
                   'discount_kind': line.discount_kind or '', 'vat': vat_key(line.vat_category, line.vat_rate),
                   'nature': line.nature, 'free': line.article_id is None, 'net': row.net, 'errors': dict(row.errors), **row.texts}
        if self.readonly:
            payload['discount_text'] = _discount_text(line)
        return payload

    def _find(self, args) -> Row | None:
        key = args.get('key') if isinstance(args, dict) else None
        return next((row for row in self.rows if row.key == key), None)

    def _read(self, row: Row, name: str, text: str) -> None:
        """Parse what was typed; a typo keeps the line's last good value and shows a French message."""
        row.texts[name] = text
        try:
            value = _parse(row.line, name, text)
        except MoneyError as exc:
            message = str(exc).removeprefix(f'{LABELS[name]} : ')
            if row.errors.get(name) != message:
                row.errors[name] = message
                self._pending.setdefault(row.key, {}).setdefault('errors', {})[name] = message
            return
        setattr(row.line, name, value)
        if row.errors.pop(name, None) is not None:
            self._pending.setdefault(row.key, {}).setdefault('errors', {})[name] = None

    def _changed(self, recompute: bool) -> None:
        self.on_change(recompute)

    def _flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, {}
            self.grid.run_method('patch', pending)


def _parse(line: DraftLine, name: str, text: str) -> Decimal:
    if name in PRODUCT:
        value = parse_decimal(text, places=4 if name == 'quantity' else 6, label=LABELS[name])
        # Each figure is below logic.money.LIMIT; their product must be too, or no total could be stored.
        other = line.unit_price if name == 'quantity' else line.quantity
        check_amount(value * other, LABELS[name], 'le total de la ligne')
        return value
    if not line.discount_kind or not text.strip():
        return Decimal(0)
    if line.discount_kind == 'percent':
        return parse_decimal(text, places=2, minimum=Decimal(0), maximum=HUNDRED, label=LABELS[name])
    value = parse_money(text, allow_negative=False)
    return value


def _format(line: DraftLine, name: str) -> str:
    if name == 'quantity':
        return format_decimal_fr(line.quantity)
    if name == 'unit_price':
        return _price_text(line.unit_price)
    if not line.discount_kind:
        return ''
    return format_decimal_fr(line.discount_value) if line.discount_kind == 'percent' else \
        format_decimal_fr(line.discount_value, 2)


def _price_text(value: Decimal) -> str:
    """At least two decimals ('12,50'), more when the price has them ('0,125')."""
    return format_decimal_fr(value, 2) if -value.normalize().as_tuple().exponent <= 2 else format_decimal_fr(value)


def _discount_text(line: DraftLine) -> str:
    if line.discount_kind == 'percent':
        return f'{format_decimal_fr(line.discount_value)} %'
    if line.discount_kind == 'amount':
        return format_eur(line.discount_value)
    return ''


def _net_text(net: Decimal | None) -> str:
    return format_eur(net) if net is not None else ''
