"""The article search of the lines editor (DOC1): one dialog per editor, searching as the user types (the page's
search has a LIMIT), with a short form to create an article and put it on the line at once.

It never queries: `search(text)` and `create(values)` are the page's callbacks (wrapped with its `ctx.handler`);
`create` returns None when it refused (the page said why).

    picker = ArticlePicker(search, create, units=units, vat_choices=rates)
    await picker.choose(lambda choice: add_line(choice.line))
"""
from collections.abc import Callable
from decimal import Decimal

from nicegui import ui

from components.dialog import Dialog
from components.line_choices import ArticleChoice, CreateArticle, SearchArticles, UnitChoice, VatChoice
from components.money_input import MoneyInput


class ArticlePicker(ui.dialog):
    """One dialog per editor, kept for the page's life: `choose(on_pick)` opens it on a fresh search."""

    def __init__(self, search: SearchArticles, create: CreateArticle | None, *, units: list[UnitChoice],
                 vat_choices: list[VatChoice]) -> None:
        super().__init__()
        self.props('data-role=article-picker')
        self.search = search
        self.create = create
        self.units = units
        self.vat_choices = vat_choices
        self.on_pick: Callable[[ArticleChoice], None] | None = None
        self.choices: list[ArticleChoice] = []
        self._query_seq = 0
        with self, ui.card().classes('app-card app-picker w-[640px] max-w-full'):
            with ui.row().classes('w-full items-center no-wrap'):
                ui.label('Choisir un article').classes('app-subtitle')
                ui.space()
                ui.button(icon='close', on_click=self.close).props('flat round dense aria-label=Fermer')
            self.query = ui.input(placeholder='Référence ou désignation…') \
                .props('outlined dense autofocus clearable data-field=article-search debounce=200') \
                .classes('w-full').mark('article-search')
            self.query.on_value_change(lambda e: self._search(e.value or ''))
            self.query.on('keydown.enter', self._pick_first)
            self.results = ui.column().classes('app-picker-results w-full gap-0')
            if create is not None:
                ui.button('Créer un article', icon='add', on_click=self._create_form) \
                    .props('flat no-caps data-action=new-article').mark('new-article')

    async def choose(self, on_pick: Callable[[ArticleChoice], None]) -> None:
        self.on_pick = on_pick
        self.open()
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
        self.close()
        if self.on_pick is not None:
            self.on_pick(choice)

    def _create_form(self) -> None:
        NewArticleDialog(units=self.units, vat_choices=self.vat_choices, create=self.create,
                         on_created=self._pick).open()


class NewArticleDialog(Dialog):
    """"Créer un article" from the picker: the article is created (the page's `create`), then put on the line."""

    def __init__(self, *, units: list[UnitChoice], vat_choices: list[VatChoice], create: CreateArticle,
                 on_created: Callable[[ArticleChoice], None]) -> None:
        super().__init__('Nouvel article', width=560)
        self.vat_choices, self._create, self._on_created = vat_choices, create, on_created
        unit_names = {'': '—', **{unit.name: unit.name for unit in units}}
        vats = {choice.key: choice.label for choice in vat_choices}
        with self.body:
            with ui.element('div').classes('app-form-grid'):
                self.reference = ui.input('Référence').props('outlined dense maxlength=40 data-field=reference') \
                    .mark('article-reference')
                self.kind = ui.select({'service': 'Prestation', 'good': 'Bien'}, label='Type', value='service') \
                    .props('outlined dense data-field=kind').mark('article-kind')
                self.designation = ui.input('Désignation') \
                    .props('outlined dense maxlength=200 data-field=designation').classes('app-wide') \
                    .mark('article-designation')
                self.price = MoneyInput('Prix de vente HT', value=Decimal(0), places=6, min_places=2,
                                        minimum=Decimal(0)).props('data-field=price').mark('article-price')
                self.unit = ui.select(unit_names, label='Unité', value='').props('outlined dense data-field=unit') \
                    .mark('article-unit')
                self.vat = ui.select(vats, label='TVA', value=next(iter(vats), None)) \
                    .props('outlined dense data-field=vat').mark('article-vat')
            self.error = ui.label().classes('text-negative').props('data-role=article-error')
            self.error.set_visibility(False)
        with self.actions:
            ui.button('Annuler', on_click=self.close).props('flat')
            ui.button('Créer et ajouter', on_click=self._save).props('unelevated data-action=save-article') \
                .mark('save-article')

    async def _save(self) -> None:
        if self.price.error:
            self.error.text, self.error.visible = f'Prix : {self.price.error}', True
            return
        choice = await self._create({
            'reference': (self.reference.value or '').strip(), 'designation': (self.designation.value or '').strip(),
            'kind': self.kind.value, 'sale_price': self.price.decimal or Decimal(0), 'unit': self.unit.value or '',
            'vat': next((c for c in self.vat_choices if c.key == self.vat.value), None)})
        if choice is None:
            return  # refused: the page showed why
        self.done()
        self._on_created(choice)
