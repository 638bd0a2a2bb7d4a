"""The document editor as a user drives it (User fixture), on a bare page: no database behind it.

The editor takes values and callbacks and never queries, so these tests give it lists and fake searches and look
at the Draft it edits and at what it shows.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from nicegui import ui
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from components.document_editor import (ArticleChoice, DocumentEditor, EditorCallbacks, EditorChoices,
                                        PaymentChoice, UnitChoice, VatChoice)
from logic.draft import Draft, DraftLine
from tests.pages.helpers import edit, elements, lines_of, shown

VAT_20 = VatChoice(rate=Decimal('20'), label='20 %')
VAT_55 = VatChoice(rate=Decimal('5.5'), label='5,5 %')
CHOICES = EditorChoices(vat_rates=[VAT_20, VAT_55, VatChoice(rate=Decimal(0), category='E', label='Exonéré',
                                                              exemption_reason='Exonération, art. 261 du CGI')],
                        units=[UnitChoice(name='heure', code='HUR'), UnitChoice(name='unité', code='C62')],
                        payment_methods=[PaymentChoice(id=1, name='Virement 30 jours', days=30)],
                        default_vat=VAT_20)
PAINT = ArticleChoice(id=7, label='PEINT-01 — Peinture acrylique — 25,00 €',
                      line=DraftLine(article_id=7, reference='PEINT-01', designation='Peinture acrylique',
                                     unit='unité', unit_price=Decimal('25'), vat_rate=Decimal('5.5')))


@dataclass
class Spy:
    editor: DocumentEditor | None = None
    draft: Draft = field(default_factory=Draft)
    searched: list[str] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)


def editor_page(spy: Spy, *, doc_type: str = 'quote', readonly: bool = False) -> None:
    """A bare page showing an editor on `spy.draft`."""

    async def search_articles(text: str) -> list[ArticleChoice]:
        spy.searched.append(text)
        return [PAINT] if text.lower() in 'peint-01 peinture acrylique' else []

    async def create_article(values: dict) -> ArticleChoice:
        spy.created.append(values)
        return ArticleChoice(id=8, label=values['designation'], line=DraftLine(
            article_id=8, reference=values['reference'], designation=values['designation'],
            unit_price=values['sale_price'], vat_rate=values['vat'].rate))

    async def search_clients(text: str) -> list[dict]:
        spy.searched.append(text)
        return [{'id': 3, 'label': 'Dupont SARL', 'detail': 'C00003 · Client · 69003 Lyon'}] \
            if 'dup' in text.lower() else []

    async def create_client(values: dict) -> dict:
        spy.created.append(values)
        return {'id': 4, 'label': values['name'], 'detail': ''}

    @ui.page('/editor')
    def page() -> None:
        spy.editor = DocumentEditor(spy.draft, doc_type=doc_type, choices=CHOICES, readonly=readonly,
                                    show_probability=True, client_label='Dupont SARL' if spy.draft.client_id
                                    else '',
                                    callbacks=EditorCallbacks(search_articles=search_articles,
                                                              create_article=create_article,
                                                              search_clients=search_clients,
                                                              create_client=create_client))


def act(user: User, position: int, action: str) -> None:
    """Click a line's button ('up', 'down', 'delete', 'duplicate', 'insert-title', 'convert-text', 'pick'...)."""
    row = lines_of(user).row(position)
    UserInteraction(user, {elements(user, 'lines')[0]}, None).trigger('act', {'key': row.key, 'action': action})


def leave(user: User, position: int, field: str) -> None:
    row = lines_of(user).row(position)
    UserInteraction(user, {elements(user, 'lines')[0]}, None).trigger('tidy', {'key': row.key, 'field': field})


def net(user: User, position: int) -> str:
    return lines_of(user).row(position).net


def choose(user: User, marker: str, value, index: int = 0) -> None:
    """Pick `value` in the `index`-th select carrying `marker`, as a click on the option would."""
    elements(user, marker)[index].value = value


async def test_typing_a_price_with_a_french_comma_updates_the_line_and_the_totals(user: User):
    spy = Spy()
    editor_page(spy)
    await user.open('/editor')
    user.find(marker='add-item').click()
    edit(user, 1, 'designation', 'Pose de parquet')
    edit(user, 1, 'quantity', '2,5')
    edit(user, 1, 'unit_price', '1 234,56')
    line = spy.draft.lines[0]
    assert (line.designation, line.quantity, line.unit_price) == ('Pose de parquet', Decimal('2.5'),
                                                                  Decimal('1234.56'))
    assert net(user, 1) == '3\u202f086,40\xa0€'
    assert shown(user, 'total-ht') == '3\u202f086,40\xa0€'
    assert shown(user, 'total-vat') == '617,28\xa0€'
    assert shown(user, 'total-ttc') == '3\u202f703,68\xa0€'
    leave(user, 1, 'unit_price')
    assert lines_of(user).row(1).texts['unit_price'] == '1\u202f234,56'


async def test_a_typo_shows_a_french_error_and_keeps_the_last_good_value(user: User):
    spy = Spy()
    editor_page(spy)
    await user.open('/editor')
    user.find(marker='add-item').click()
    edit(user, 1, 'unit_price', '12')
    edit(user, 1, 'unit_price', '12x')
    assert lines_of(user).row(1).errors == {'unit_price': 'nombre invalide (« 12x »)'}
    assert spy.draft.lines[0].unit_price == Decimal('12')
    assert spy.editor.problems() == ['Ligne 1 : Prix unitaire HT : nombre invalide (« 12x »)']
    edit(user, 1, 'unit_price', '12,5')
    assert spy.editor.problems() == [] and spy.draft.lines[0].unit_price == Decimal('12.5')


async def test_lines_can_be_added_moved_and_removed_and_the_draft_follows(user: User):
    spy = Spy()
    editor_page(spy)
    await user.open('/editor')
    user.find(marker='add-title').click()
    edit(user, 1, 'designation', 'Salon')
    user.find(marker='add-item').click()
    edit(user, 2, 'designation', 'Peinture')
    user.find(marker='add-subtotal').click()
    assert [line.kind for line in spy.draft.lines] == ['title', 'item', 'subtotal']
    act(user, 2, 'up')
    assert [line.kind for line in spy.draft.lines] == ['item', 'title', 'subtotal']
    act(user, 1, 'delete')
    assert [line.kind for line in spy.draft.lines] == ['title', 'subtotal']
    act(user, 1, 'down')
    assert [line.kind for line in spy.draft.lines] == ['subtotal', 'title']
    act(user, 2, 'duplicate')
    act(user, 3, 'convert-text')
    assert [(line.kind, line.description) for line in spy.draft.lines] == [
        ('subtotal', ''), ('title', ''), ('text', 'Salon')]
    assert [row.line for row in lines_of(user).rows] == spy.draft.lines


async def test_a_subtotal_sums_the_lines_since_the_previous_title(user: User):
    spy = Spy(draft=Draft(lines=[DraftLine(kind='title', designation='Salon'),
                                 DraftLine(designation='Peinture', unit_price=Decimal(100)),
                                 DraftLine(designation='Enduit', unit_price=Decimal(50)),
                                 DraftLine(kind='subtotal')]))
    editor_page(spy)
    await user.open('/editor')
    assert net(user, 4) == '150,00\xa0€'
    edit(user, 3, 'quantity', '2')
    assert net(user, 4) == '200,00\xa0€'


async def test_a_line_discount_and_a_global_discount_and_shipping_count_in_the_totals(user: User):
    spy = Spy(draft=Draft(lines=[DraftLine(designation='Audit', quantity=Decimal(1), unit_price=Decimal(1000))]))
    editor_page(spy)
    await user.open('/editor')
    edit(user, 1, 'discount_kind', 'percent')
    edit(user, 1, 'discount_value', '10')
    assert net(user, 1) == '900,00\xa0€'
    choose(user, 'global-discount-kind', 'amount')
    user.find(marker='global-discount').type('100')
    user.find(marker='shipping').clear().type('50')
    assert spy.draft.global_discount_kind == 'amount'
    assert spy.draft.global_discount_value == Decimal('100.00')
    assert shown(user, 'total-ht') == '850,00\xa0€'
    assert shown(user, 'total-ttc') == '1\u202f020,00\xa0€'


async def test_a_discount_above_the_amount_is_explained_in_the_totals_panel(user: User):
    spy = Spy(draft=Draft(lines=[DraftLine(designation='Audit', quantity=Decimal(1), unit_price=Decimal(100))]))
    editor_page(spy)
    await user.open('/editor')
    edit(user, 1, 'discount_kind', 'amount')
    edit(user, 1, 'discount_value', '150')
    await user.should_see(marker='totals-error')
    assert 'dépasse' in shown(user, 'totals-error')
    assert any('dépasse' in problem for problem in spy.editor.problems())


async def test_choosing_an_article_fills_the_line_with_its_price_unit_and_vat(user: User):
    spy = Spy()
    editor_page(spy)
    await user.open('/editor')
    user.find(marker='add-article').click()
    await user.should_see(marker='article-search')
    user.find(marker='article-search').type('peint')
    await user.should_see('PEINT-01 — Peinture acrylique — 25,00 €')
    user.find(marker='article-result').click()
    line = spy.draft.lines[0]
    assert (line.article_id, line.designation, line.unit_price, line.vat_rate) == (7, 'Peinture acrylique',
                                                                                  Decimal(25), Decimal('5.5'))
    assert shown(user, 'total-vat') == '1,38\xa0€'


async def test_an_article_can_be_created_from_the_editor(user: User):
    spy = Spy()
    editor_page(spy)
    await user.open('/editor')
    user.find(marker='add-article').click()
    await user.should_see(marker='new-article')
    user.find(marker='new-article').click()
    await user.should_see(marker='article-designation')
    user.find(marker='article-reference').type('NEW-1')
    user.find(marker='article-designation').type('Ponçage')
    user.find(marker='article-price').clear().type('42,5')
    user.find(marker='save-article').click()
    await user.should_not_see(marker='save-article')
    assert spy.created[0]['sale_price'] == Decimal('42.5')
    assert spy.draft.lines[0].designation == 'Ponçage'
    assert shown(user, 'total-ht') == '42,50\xa0€'


async def test_the_client_is_found_by_typing_or_created_in_a_dialog(user: User):
    spy = Spy()
    editor_page(spy)
    await user.open('/editor')
    user.find(marker='contact-search').type('dup')
    await user.should_see(marker='contact-result')
    user.find(marker='contact-result').click()
    await user.should_see('Dupont SARL — C00003 · Client · 69003 Lyon')
    assert spy.draft.client_id == 3
    user.find(marker='contact-search').type('Boulangerie Martin')
    await user.should_see(marker='contact-create')
    user.find(marker='contact-create').click()
    await user.should_see(marker='create-contact')
    user.find(marker='create-contact').click()
    await user.should_not_see(marker='create-contact')
    assert spy.draft.client_id == 4
    assert spy.created[0]['name'] == 'Boulangerie Martin'
    assert shown(user, 'client') == 'Boulangerie Martin'


async def test_the_probability_accepts_0_to_100_only(user: User):
    spy = Spy()
    editor_page(spy)
    await user.open('/editor')
    user.find(marker='probability').type('150')
    assert spy.editor.problems() == ['Probabilité de transformation : 100 au maximum']
    user.find(marker='probability').clear().type('60')
    assert spy.draft.probability == 60 and spy.editor.problems() == []


async def test_an_invoice_due_date_follows_the_payment_method(user: User):
    spy = Spy(draft=Draft(doc_type='invoice', issue_date=date(2026, 3, 9)))
    editor_page(spy, doc_type='invoice')
    await user.open('/editor')
    choose(user, 'payment_method', 1)
    assert spy.draft.due_date == date(2026, 4, 8)


async def test_a_read_only_document_shows_figures_without_inputs(user: User):
    spy = Spy(draft=Draft(client_id=3, issue_date=date(2026, 3, 9), lines=[
        DraftLine(designation='Audit', quantity=Decimal(2), unit_price=Decimal('99.99'))]))
    editor_page(spy, doc_type='invoice', readonly=True)
    await user.open('/editor')
    await user.should_see('09/03/2026')
    assert elements(user, 'lines')[0].props['rows'][0]['designation'] == 'Audit'
    assert net(user, 1) == '199,98\xa0€'
    assert shown(user, 'total-ttc') == '239,98\xa0€'
    assert elements(user, 'lines')[0].props['readonly'] is True
    await user.should_not_see(marker='add-item')
