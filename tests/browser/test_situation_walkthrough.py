"""The guide's situation example in a real browser (issue 20): the three articles (160 + 182,45 + 252,80 =
595,25 HT) of an accepted quote with a 30 % deposit settled, billed in three situations (30 %, +45 %, +25 %) with a
5 % holdback from the "Situations" screens; the last one, the final account, closes the contract. Each stored
original is a Factur-X PDF that passes the checks and prints the progress table; the sums equal the contract.
Screenshots of the progress screen and of the editor at 1280 and 390 px land in screenshots/."""
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By

from db import accounts, deposits, documents, engine
from db.deposits import DepositSpec
from db.document import Document, DocumentLine, Installment
from db.issuing import Issuer
from db.situation import Contract, Situation
from db.user import User
from logic.facturx import checker
from logic.render import store
from tests.browser.helpers import fill, log_in, resize, screenshot, text, wait_for
from tests.browser.test_deposit_walkthrough import click
from tests.db.documents_helpers import business_client, draft, line
from tests.helpers import SECRET
from tests.personas import ADMIN_EMAIL

pytestmark = pytest.mark.browser
D = Decimal


async def prepare(server) -> tuple[int, list[int]]:
    """The guide's quote, accepted, with its 30 % deposit settled (214,29 € TTC); returns its id and line ids."""
    await engine.open_database(server.database_url, migrate=False)
    try:
        admin = accounts.actor_of(await User.get(email=ADMIN_EMAIL), '127.0.0.1')
        client = await business_client()
        quote = await documents.create_document(admin, draft(
            client, line('Béton dosé à 250 kg/m3', '1', '160', reference='ART12'),
            line('Ardoise pilée', '1', '182.45', reference='ART15'),
            line('Clôture en bois compo. ajourée', '1', '252.80', reference='ART31'), doc_type='quote'))
        quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(percent=D(30), due_date=date.today())],
                                            quote.version)
        await documents.set_quote_state(admin, quote.id, 'accepted')
        item = (await deposits.quote_deposits(quote.id))[0]
        await deposits.settle_deposit(admin, item.id, paid_on=date.today(), method='transfer', amount=item.amount,
                                      invoice_date=date.today(), issuer=Issuer.for_generated_data(SECRET))
        ids = await DocumentLine.filter(document_id=quote.id).order_by('position').values_list('id', flat=True)
        return quote.id, list(ids)
    finally:
        await engine.close_database()


async def stored(server) -> tuple[list[Document], list[Situation], list[Installment], Contract]:
    await engine.open_database(server.database_url, migrate=False)
    try:
        made = await Document.filter(doc_type='progress_invoice').order_by('id')
        return (made, await Situation.all().order_by('seq'),
                await Installment.filter(document_id__in=[doc.id for doc in made]).order_by('document_id', 'position'),
                await Contract.get())
    finally:
        await engine.close_database()


def situation(browser, ids: list[int], percent: str, *, final: bool = False, shots: str = '') -> None:
    click(browser, '[data-action=new-situation]')
    for line_id in ids:
        fill(browser, f'[data-field=cumulative-{line_id}]', percent)
    wait_for(browser, lambda d: text(d, '[data-role=situation-totals]').startswith(
        'Situation n°') and ('définitif' in text(d, '[data-role=situation-totals]')) == final)
    if shots:
        for width in (1280, 390):
            screenshot(browser, shots, width)
        resize(browser)
    click(browser, '[data-action=issue-situation]')
    click(browser, '.q-dialog [data-action=confirm-issue]')
    wait_for(browser, lambda d: '/nouvelle' not in d.current_url and d.find_elements(
        By.CSS_SELECTOR, '[data-role=situation-grid]'), timeout=60)


async def test_the_guide_example_is_billed_in_three_situations_from_the_browser(server, browser):
    quote_id, ids = await prepare(server)
    log_in(browser, server, path=f'/devis/{quote_id}')
    click(browser, '[data-action=situations]')
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-action=new-situation]'), timeout=30)
    situation(browser, ids, '30', shots='situation-editor')
    situation(browser, ids, '75')
    for width in (1280, 390):
        screenshot(browser, 'situation-progress', width)
    resize(browser)
    situation(browser, ids, '100', final=True)
    wait_for(browser, lambda d: 'Soldé' in text(d, '[data-role=situation-grid]') or 'Soldé' in d.find_element(
        By.TAG_NAME, 'body').text)

    made, rows, installments, contract = await stored(server)
    assert [doc.total_ht for doc in made] == [D('178.58'), D('267.86'), D('148.81')]
    assert sum(doc.total_ht for doc in made) == D('595.25') and sum(doc.total_ttc for doc in made) == D('714.30')
    assert [doc.prepaid for doc in made] == [D('64.29'), D('96.43'), D('53.57')]
    assert [row.holdback for row in rows] == [D('10.72'), D('16.07'), D('8.93')]
    assert [(item.amount, item.status) for item in installments if item.label] == [
        (D('10.72'), 'open'), (D('16.07'), 'open'), (D('8.93'), 'open')]
    assert (contract.state, contract.billed_ht) == ('closed', D('595.25'))
    try:
        for document, printed in zip(made, ('Situation n° 1', 'Situation n° 2', 'Décompte général définitif')):
            pdf = store.load_pdf(server.data_dir / 'files', document.id)
            assert pdf is not None and pdf.startswith(b'%PDF-'), document.number
            result = checker.check_blocking(store.xml_from_pdf(pdf))
            assert result.ok, (document.number, result.errors)
            words = ' '.join(' '.join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
            assert printed in words and 'Retenue de garantie' in words, document.number
    finally:
        checker.shutdown()
