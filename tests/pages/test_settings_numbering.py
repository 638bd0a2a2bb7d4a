"""Paramètres > Numérotation with the User fixture: a pattern that could give another series' numbers is refused."""
from datetime import date

from nicegui.testing import User

from db import numbering
from db.document import NumberSeries
from tests.pages.helpers import elements, log_in, shown


async def test_a_pattern_that_can_collide_with_another_series_is_refused_and_nothing_changes(user: User, admin):
    await log_in(user, next_path='/parametres/numerotation')
    await user.should_see(marker='pattern-credit_note', retries=100)
    user.find(marker='pattern-credit_note').clear().type('F{AAAA}-{N:5}')
    assert 'série « Factures et factures d\'acompte » (F{AAAA}-{N:5})' in shown(user, 'preview-credit_note')
    assert not elements(user, 'save-credit_note')[0].enabled
    user.find(marker='pattern-credit_note').clear().type('AVR-{AAAA}-{N:5}')
    assert shown(user, 'preview-credit_note') == f'AVR-{date.today().year}-00001'

    # Meanwhile another administrator gives the invoices that very pattern: the save is refused all the same.
    await numbering.save_series(admin, 'invoice', pattern='AVR-{AAAA}-{N:5}', reset='yearly', version=1)
    user.find(marker='save-credit_note').click()
    await user.should_see('Ce modèle pourrait donner un numéro de la série « Factures et factures d\'acompte » '
                          '(AVR-{AAAA}-{N:5})', retries=50)
    assert (await NumberSeries.get(key='credit_note')).pattern == 'AV{AAAA}-{N:5}'
