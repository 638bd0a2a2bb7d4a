"""Règlements > Relances (PA6) with the User fixture: the proposal by client, a run printed for the post by a job
worker (issue 17) and recorded in the invoice's history, a run by e-mail whose outcome shows in the dialog and in
« Téléchargements », a client excluded from its contact page, and the settings kept to admins."""
from datetime import date, timedelta

from nicegui import ui
from nicegui.testing import User

from db.reminder import DunningExclusion, Reminder
from tests.db.documents_helpers import business_client, individual_client, line, validated_invoice
from tests.helpers import until
from tests.mail import configured, running_smtp_server
from tests.pages.helpers import elements, log_in, log_out, shown
from tests.personas import CLERK_EMAIL, CLERK_PASSWORD


async def late_invoice(admin, client, days: int = 90, price: str = '100'):
    return await validated_invoice(admin, client, line(price=price), issue_date=date.today() - timedelta(days=days))


async def test_it_proposes_late_clients_and_prints_their_letters_for_the_post(user: User, admin):
    invoice = await late_invoice(admin, await business_client())
    await late_invoice(admin, await individual_client(), price='10')
    await log_in(user, next_path='/reglements/relances')
    await user.should_see(marker='dunning-summary', retries=100)
    assert shown(user, 'dunning-summary').startswith('2 client(s), 2 échéance(s)')
    assert [label.text for label in elements(user, 'dunning-client')] == ['Boulangerie Martin SAS', 'Camille Petit']
    user.find(marker='choose-all').click()  # every page's installments, read from the server
    await user.should_see(marker='dunning-summary', content='2 choisie(s)', retries=100)
    user.find(marker='print-post').click()
    await user.should_see(marker='start-run', retries=50)
    user.find(marker='start-run').click()
    # Made by the job worker (tests/pages/conftest.py: job_worker), its progress followed in the dialog.
    await user.should_see(marker='job-status', content='2 lettre(s) prête(s)', retries=600)
    await until(lambda: user.download.http_responses, timeout=10)  # the PDF downloads by itself
    response = user.download.http_responses[-1]
    assert response.content.startswith(b'%PDF')
    assert f'relances-{date.today().isoformat()}.pdf' in response.headers['content-disposition']
    rows = await Reminder.all().order_by('id')
    assert sorted((r.level, r.channel, r.penalties > 0, r.indemnity) for r in rows) == [
        (1, 'post', False, 0), (1, 'post', True, 40)]
    await user.should_see(marker='dunning-summary', content='Aucune échéance', retries=100)

    await user.open(f'/factures/{invoice.id}')
    await user.should_see(marker='reminder-history', retries=100)
    assert 'Historique des relances (1)' in shown(user, 'reminder-history')


async def test_the_proposal_turns_pages_of_clients_and_chooses_on_every_page(user: User, admin, monkeypatch):
    monkeypatch.setattr('db.dunning.CLIENTS_PER_PAGE', 1)
    await late_invoice(admin, await business_client())
    await late_invoice(admin, await individual_client(), price='10')
    await log_in(user, next_path='/reglements/relances')
    await user.should_see(marker='dunning-summary', retries=100)
    assert shown(user, 'dunning-summary').startswith('2 client(s), 2 échéance(s) à relancer, 264,00\xa0€ restant dus')
    assert [label.text for label in elements(user, 'dunning-client')] == ['Boulangerie Martin SAS']
    [pages] = [element for element in user.find(ui.pagination).elements]
    pages.value = 2  # the second page: its client read from the server
    await user.should_see(marker='dunning-client', content='Camille Petit', retries=100)
    assert [label.text for label in elements(user, 'dunning-client')] == ['Camille Petit']
    user.find(marker='choose-all').click()  # both clients, the one not shown too
    await user.should_see(marker='dunning-summary', content='2 choisie(s)', retries=100)


async def test_an_email_run_reports_the_client_without_address_in_the_dialog_and_the_downloads(user: User, admin):
    await late_invoice(admin, await business_client(email='compta@martin.fr'))
    await late_invoice(admin, await individual_client(email=''), price='10')
    with running_smtp_server() as (controller, inbox):
        await configured(admin, controller.port)
        await log_in(user, next_path='/reglements/relances')
        await user.should_see(marker='choose-all', retries=100)
        user.find(marker='choose-all').click()
        await user.should_see(marker='dunning-summary', content='2 choisie(s)', retries=100)
        user.find(marker='send-email').click()
        await user.should_see(marker='start-run', retries=50)
        user.find(marker='start-run').click()
        outcome = '1 lettre(s) envoyée(s) sur 2.\nCamille Petit : pas d’adresse e-mail'
        await user.should_see(marker='job-status', content=outcome, retries=600)
        assert [recipients for recipients, _ in inbox.messages] == [['compta@martin.fr']]
    assert [r.channel for r in await Reminder.all()] == ['email']
    # The proposal is read again: the client not reached is still there, alone.
    await user.should_see(marker='dunning-summary', content='1 client(s), 1 échéance(s)', retries=100)
    await user.open('/telechargements')
    await user.should_see(marker='job-line', content=outcome, retries=100)
    await user.should_see('Relances par e-mail : 2 lettre(s)')


async def test_a_client_excluded_on_its_contact_page_is_no_longer_proposed(user: User, admin):
    client = await business_client()
    await late_invoice(admin, client)
    await log_in(user, next_path=f'/contacts/{client.id}')
    await user.should_see(marker='dunning_excluded', retries=100)
    elements(user, 'dunning_reason')[0].value = 'Litige sur la livraison'
    elements(user, 'dunning_excluded')[0].value = True
    await user.should_see('Ce client ne sera plus relancé.', retries=50)
    assert (await DunningExclusion.get(contact_id=client.id)).reason == 'Litige sur la livraison'
    await user.open('/reglements/relances')
    await user.should_see(marker='dunning-summary', content='Aucune échéance', retries=100)


async def test_the_dunning_settings_are_for_admins_and_refuse_levels_out_of_order(user: User, clerk):
    await log_in(user, CLERK_EMAIL, CLERK_PASSWORD, next_path='/parametres/relances')
    await user.should_see('Cette page est réservée aux administrateurs.', retries=100)
    await user.should_not_see(marker='save-levels')
    await log_out(user)
    await log_in(user, next_path='/parametres/relances')
    await user.should_see(marker='save-levels', retries=100)
    elements(user, 'days-2')[0].value = '10'
    user.find(marker='save-levels').click()
    await user.should_see('Le délai du niveau 2 doit dépasser celui du niveau 1.', retries=50)
    elements(user, 'days-2')[0].value = '20'
    user.find(marker='save-levels').click()
    await user.should_see('Niveaux de relance enregistrés.', retries=50)
