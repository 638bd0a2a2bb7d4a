"""An article's page (AR1, AR4): its fields, and for a composite the parts with their quantities."""
from collections.abc import Callable

from nicegui import ui

from components.contact_picker import SearchPicker
from components.form import Form, section
from components.frame import frame
from db import article_parts, articles
from db.article import Article
from db.company import Unit, VatRate
from logic.article import ARTICLE_KINDS, format_price
from logic.contact import FieldsInvalid
from logic.money import format_decimal_fr
from pages.not_found import not_found, record_id
from pages.security import PageContext, secured_page

NONE = 0
FOREIGN_KEYS = ('unit_id', 'vat_rate_id')


@secured_page('/articles/nouveau', title='Nouvel article')
async def new_article_page(ctx: PageContext):
    await _article_page(ctx, None)


@secured_page('/articles/{article_id}', title='Article')
async def article_page(ctx: PageContext, article_id: str):
    # Read as text: an id no row can have ('abc', 99999999999999999999) is not found, not a validation error.
    number = record_id(article_id)
    article = await Article.get_or_none(id=number) if number else None
    if article is None:
        not_found(ctx, title='Article introuvable', message='Cet article n’existe pas ou a été supprimé.',
                  back='/articles', back_label='Revenir à la liste des articles')
        return
    await _article_page(ctx, article)


async def _article_page(ctx: PageContext, article: Article | None) -> None:
    units = {NONE: '— aucune —', **{unit.id: unit.name for unit in await Unit.all()
                                    if unit.active or (article and unit.id == article.unit_id)}}
    rates = await VatRate.all()
    vat = {NONE: '— à choisir —', **{rate.id: rate.label for rate in rates
                                     if rate.active or (article and rate.id == article.vat_rate_id)}}
    default_rate = next((rate.id for rate in rates if rate.is_default), NONE)
    form = Form()
    state = {'version': article.version if article else 0}
    with frame(ctx, article.designation if article else 'Nouvel article'):
        _head(ctx, article, save=lambda: save(), toggle_active=lambda: toggle_active(), delete=lambda: delete())
        with section('Article'):
            _fields(form, article, units, vat, default_rate)
        composition = ui.column().classes('w-full')

    computed = bool(article and article.is_composite)
    if computed:
        form.fields['purchase_price'].disable()
        form.fields['purchase_price'].props['hint'] = 'Somme des prix d’achat des composants.'
        if not article.fixed_price:
            form.fields['sale_price'].disable()
            form.fields['sale_price'].props['hint'] = 'Somme des composants (cochez « Prix fixe » pour le fixer).'

    async def save() -> None:
        values = form.values()
        values.update({key: values[key] or None for key in FOREIGN_KEYS})
        try:
            if article is None:
                created = await articles.create_article(ctx.actor, values)
            else:
                saved = await articles.update_article(ctx.actor, article.id, values, version=state['version'])
        except FieldsInvalid as exc:
            form.show_errors(exc.errors)
            raise
        form.show_errors({})
        if article is None:
            ui.navigate.to(f'/articles/{created.id}')
            return
        ui.notify('Article enregistré.', type='positive')
        ui.navigate.reload()  # a composite's price and its containers' may have moved
        state['version'] = saved.version

    async def toggle_active() -> None:
        await articles.set_active(ctx.actor, article.id, not article.active)
        ui.navigate.reload()

    async def delete() -> None:
        outcome = await articles.delete_article(ctx.actor, article.id)
        if outcome == 'deleted':
            ui.notify('Article supprimé.', type='positive')
            ui.navigate.to('/articles')
        else:
            ui.notify('Cet article sert dans un document ou un article composé : il a été archivé.', type='warning')
            ui.navigate.reload()

    if article is not None:
        with composition:
            await _composition(ctx, article, form, state)


def _head(ctx: PageContext, article: Article | None, *, save: Callable, toggle_active: Callable,
          delete: Callable) -> None:
    with ui.row().classes('w-full items-center gap-2'):
        ui.link('← Articles', '/articles').classes('app-muted')
        if article:
            ui.label(article.reference).classes('app-badge bg-blue-1 text-primary').mark('reference-badge')
            if article.is_composite:
                ui.label('Composé').classes('app-badge bg-grey-3')
            if not article.active:
                ui.label('Archivé').classes('app-badge bg-orange-2').mark('archived')
        ui.space()
        ui.button('Enregistrer', icon='save', on_click=ctx.handler(save)) \
            .props('unelevated no-caps data-action=save').mark('save')
        if article:
            with ui.button(icon='more_vert').props('flat round aria-label="Autres actions"').mark('more'):
                with ui.menu():
                    ui.menu_item('Réactiver' if not article.active else 'Archiver',
                                 on_click=ctx.handler(toggle_active)).mark('toggle-active')
                    ui.menu_item('Supprimer', on_click=ctx.handler(delete)).mark('delete')


def _fields(form: Form, article: Article | None, units: dict, vat: dict, default_rate: int) -> None:
    with ui.element('div').classes('app-form-grid'):
        form.input('reference', 'Référence *', article.reference if article else '', maxlength=40)
        form.select('kind', 'Type', ARTICLE_KINDS, article.kind if article else 'service')
        form.input('designation', 'Désignation *', article.designation if article else '', wide=True)
        form.textarea('description', 'Description (imprimée sous la désignation)',
                      article.description if article else '')
        form.select('unit_id', 'Unité', units, (article.unit_id if article else None) or NONE)
        form.select('vat_rate_id', 'Taux de TVA', vat, (article.vat_rate_id if article else default_rate) or NONE)
        form.input('sale_price', 'Prix de vente HT (€)', format_price(article.sale_price) if article else '',
                   hint='Jusqu’à 6 décimales, par exemple 0,125.')
        form.input('purchase_price', 'Prix d’achat HT (€)', format_price(article.purchase_price) if article else '')
        form.input('sales_account', 'Compte de vente', article.sales_account if article else '',
                   hint='Par exemple 706000 (prestations) ou 707000 (marchandises).')


async def _composition(ctx: PageContext, article: Article, form: Form, state: dict) -> None:
    """AR4: the parts of the article, edited as a list and saved at once (a new list replaces the old one)."""
    parts = [{'part_id': part['part_id'], 'reference': part['reference'], 'designation': part['designation'],
              'quantity': format_decimal_fr(part['quantity']), 'price': part['sale_price']}
             for part in await articles.parts_of(article.id)]
    with section('Composition', 'Un article composé regroupe d’autres articles ; son prix est la somme de ses '
                                'composants, sauf prix fixe.').props('data-role=composition'):
        with ui.row().classes('gap-6'):
            form.checkbox('fixed_price', 'Prix fixe (ne suit pas les composants)', article.fixed_price)
            form.checkbox('show_parts', 'Détailler les composants sur les documents', article.show_parts)
        rows = ui.column().classes('w-full gap-1')
        SearchPicker(search=lambda text: articles.search_for_picker(text, exclude=article.id),
                     on_pick=lambda entry: add(entry), label='Ajouter un composant',
                     placeholder='Référence ou désignation', guard=ctx.handler, name='part')
        with ui.row().classes('app-actions'):
            ui.button('Enregistrer la composition', icon='save', on_click=ctx.handler(lambda: save_parts())) \
                .props('outline no-caps data-action=save-parts').mark('save-parts')

    def show() -> None:
        rows.clear()
        with rows:
            if not parts:
                ui.label('Aucun composant : c’est un article simple.').classes('app-muted').mark('no-parts')
            for part in parts:
                with ui.row().classes('w-full items-center gap-3 no-wrap').props(f'data-part={part["reference"]}'):
                    with ui.column().classes('gap-0 grow min-w-0'):
                        ui.label(part['designation']).classes('ellipsis')
                        ui.label(f'{part["reference"]} · {format_price(part["price"])} € HT') \
                            .classes('app-muted text-sm')
                    ui.input('Quantité', value=part['quantity'],
                             on_change=lambda event, part=part: part.update(quantity=event.value)) \
                        .props('outlined dense inputmode=decimal').classes('w-28').mark('part-quantity')
                    ui.button(icon='close', on_click=ctx.handler(lambda part=part: (parts.remove(part), show()))) \
                        .props('flat round dense aria-label="Retirer"').mark('remove-part')

    def add(entry: dict) -> None:
        if any(part['part_id'] == entry['id'] for part in parts):
            ui.notify('Ce composant est déjà dans la liste : changez sa quantité.', type='warning')
            return
        parts.append({'part_id': entry['id'], 'reference': entry['reference'], 'designation': entry['label'],
                      'quantity': '1', 'price': entry.get('price')})
        show()

    async def save_parts() -> None:
        await article_parts.save_components(ctx.actor, article.id,
                                            [(part['part_id'], part['quantity']) for part in parts],
                                            version=state['version'])
        ui.notify('Composition enregistrée.', type='positive')
        ui.navigate.reload()

    show()
