"""The dialogs every page shares (components/dialog.py), on a bare page: no database behind them.

What a user relies on: a dialog closes only once its action succeeded, a refusal is shown in French while the
dialog stays open with what was typed, and each wrong field of a form says what is wrong under it.
"""
import inspect
from datetime import date

import pytest
from nicegui import ui
from nicegui.testing import User

from components.date_input import DateInput
from components.dialog import ConfirmDialog, FormDialog
from logic.contact import FieldsInvalid
from logic.errors import DomainError


def guard(function):
    """What `ctx.handler` does with a refusal: a French notification, and nothing else happens."""
    async def guarded(*args):
        try:
            result = function(*args)
            return await result if inspect.isawaitable(result) else result
        except DomainError as exc:
            ui.notify(str(exc), type='negative')
            return None

    return guarded


async def test_it_closes_a_confirm_dialog_once_its_action_succeeded(user: User):
    done = []

    @ui.page('/confirm')
    def page() -> None:
        ui.button('Supprimer', on_click=lambda: ConfirmDialog(
            'Supprimer ce devis ?', 'Cette suppression est définitive.', confirm='Supprimer',
            on_confirm=lambda: done.append(True), guard=guard, action='confirm-delete').open()).mark('delete')

    await user.open('/confirm')
    user.find(marker='delete').click()
    await user.should_see('Cette suppression est définitive.')
    user.find(marker='confirm-delete').click()
    await user.should_not_see(marker='confirm-delete')
    assert done == [True]


async def test_it_keeps_the_dialog_open_with_the_french_refusal(user: User):
    async def refuse() -> None:
        raise DomainError('La facture est déjà validée.')

    @ui.page('/refused')
    def page() -> None:
        dialog = ConfirmDialog('Annuler le règlement', confirm='Annuler le règlement', on_confirm=refuse,
                               guard=guard, action='confirm-unsettle')
        with dialog.body:
            ui.input('Motif', value='client en liquidation').mark('reason')
        dialog.open()

    await user.open('/refused')
    user.find(marker='confirm-unsettle').click()
    await user.should_see('La facture est déjà validée.')
    await user.should_see(marker='confirm-unsettle')
    assert user.find(marker='reason').elements.pop().value == 'client en liquidation'


async def test_it_shows_each_wrong_field_of_a_form_under_it(user: User):
    async def save(values: dict) -> None:
        if not values['label'].strip():
            raise FieldsInvalid({'label': 'Le libellé est obligatoire.'})

    @ui.page('/form')
    def page() -> None:
        dialog = FormDialog('Adresse', on_save=save, guard=guard, action='save-address')
        with dialog.fields:
            dialog.form.input('label', 'Libellé')
        dialog.open()

    await user.open('/form')
    user.find(marker='save-address').click()
    await user.should_see('Certains champs sont invalides : Le libellé est obligatoire.')
    await user.should_see(marker='save-address')  # still open
    field = user.find(marker='label').elements.pop()
    assert field.props['error'] is True and field.props['error-message'] == 'Le libellé est obligatoire.'
    user.find(marker='label').type('Chantier Perrache')
    user.find(marker='save-address').click()
    await user.should_not_see(marker='save-address')


async def test_a_date_field_reads_and_shows_dates_the_french_way(user: User):
    chosen = []

    @ui.page('/date')
    def page() -> None:
        DateInput('Échéance', date(2026, 3, 9), field='due', on_change=chosen.append)

    await user.open('/date')
    field = user.find(marker='due').elements.pop()
    assert field.value == '09/03/2026'  # jj/mm/aaaa, whatever the browser's language
    user.find(marker='due').clear().type('31/03/2026')
    assert field.day == date(2026, 3, 31) and chosen[-1] == date(2026, 3, 31)
    field.value = '2026-04-02'  # ISO text, as a program sets it, is shown the French way at once
    assert field.value == '02/04/2026' and chosen[-1] == date(2026, 4, 2)
    user.find(marker='due').clear().type('5/4/2026').trigger('blur')  # a short spelling is tidied on leaving
    assert field.value == '05/04/2026' and chosen[-1] == date(2026, 4, 5)


async def test_a_date_field_marks_a_text_that_is_no_date_and_refuses_it(user: User):
    chosen = []

    @ui.page('/bad-date')
    def page() -> None:
        DateInput('Date', date(2026, 3, 9), field='on', on_change=chosen.append)

    await user.open('/bad-date')
    field = user.find(marker='on').elements.pop()
    user.find(marker='on').clear().type('31/02/2026').trigger('blur')
    assert field.props['error'] is True and 'jj/mm/aaaa' in field.props['error-message']
    assert chosen[-1] is None  # the caller no longer holds a date
    with pytest.raises(DomainError, match='Date invalide'):
        _ = field.day
    user.find(marker='on').clear().type('28/02/2026')
    assert not field.props['error'] and field.day == date(2026, 2, 28)


async def test_a_disabled_date_field_keeps_its_calendar_closed(user: User):
    @ui.page('/fixed-date')
    def page() -> None:
        DateInput('Échéance', date(2026, 3, 9), field='fixed').set_enabled(False)

    await user.open('/fixed-date')
    field = user.find(marker='fixed').elements.pop()
    assert field.props['disable'] is True and field.picker_button.props['disable'] is True
