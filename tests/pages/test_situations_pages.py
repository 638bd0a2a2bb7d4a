"""Situations pages with the User fixture (IN8): an accepted quote opens its contract, a situation is typed with its
amounts live, refused beyond 100 %, issued, and the contract's grid shows what is billed and what remains."""
from decimal import Decimal

from nicegui.testing import User

from db import documents
from db.document import Document, DocumentLine
from db.situation import Contract, Situation
from tests.db.documents_helpers import business_client, draft, line
from tests.pages.helpers import log_in, shown


async def guide_quote(admin):
    client = await business_client()
    quote = await documents.create_document(admin, draft(
        client, line('Béton dosé à 250 kg/m3', '1', '160'), line('Ardoise pilée', '1', '182.45'),
        line('Clôture en bois compo. ajourée', '1', '252.80'), doc_type='quote'))
    return await documents.set_quote_state(admin, quote.id, 'accepted')


async def test_an_accepted_quote_is_billed_in_situations_from_its_page(user: User, admin):
    quote = await guide_quote(admin)
    ids = list(await DocumentLine.filter(document_id=quote.id).order_by('position').values_list('id', flat=True))
    await log_in(user, next_path=f'/devis/{quote.id}')
    await user.should_see(marker='situations', retries=100)
    user.find(marker='situations').click()
    await user.should_see(marker='new-situation', retries=100)
    contract = await Contract.get(quote_id=quote.id)
    assert (contract.holdback_rate, contract.guarantee, contract.total_ht) == (Decimal(5), 'holdback',
                                                                               Decimal('595.25'))
    user.find(marker='new-situation').click()
    await user.should_see(marker=f'cumulative-{ids[0]}', retries=100)
    user.find(marker=f'cumulative-{ids[0]}').clear().type('120')
    await user.should_see('entre 0 et 100 %', retries=50)  # refused as typed, nothing issued
    for line_id in ids:
        user.find(marker=f'cumulative-{line_id}').clear().type('30')
    await user.should_see(marker='plan-pay', retries=50)
    assert shown(user, 'plan-ht') == '178,58\u00a0€'
    assert shown(user, 'plan-ttc') == '214,30\u00a0€'
    assert shown(user, 'plan-holdback') == '-10,72\u00a0€'
    assert shown(user, 'plan-pay') == '203,58\u00a0€'
    user.find(marker='issue-situation').click()
    await user.should_see(marker='confirm-issue', retries=100)
    user.find(marker='confirm-issue').click()
    await user.should_see(marker='grid-billed', retries=200)
    situation = await Situation.get(contract_id=contract.id)
    invoice = await Document.get(id=situation.document_id)
    assert (invoice.doc_type, invoice.state, invoice.total_ht) == ('progress_invoice', 'validated', Decimal('178.58'))
    assert shown(user, 'grid-billed') == '178,58\u00a0€'
    assert shown(user, 'grid-remaining') == '416,67\u00a0€'
    assert shown(user, 'contract-holdback') == '10,72\u00a0€'


async def test_the_contracts_list_shows_each_contract_with_what_is_billed(user: User, admin):
    from db import situations
    quote = await guide_quote(admin)
    await situations.open_contract(admin, quote.id)
    await log_in(user, next_path='/situations')
    await user.should_see(marker='contracts', retries=100)
    (table,) = user.find(marker='contracts').elements
    assert [(row['quote'], row['total_ht'], row['billed_ht'], row['state']) for row in table.rows] == [
        (quote.number, '595,25\u00a0€', '0,00\u00a0€', 'En cours')]


async def test_a_situation_s_page_shows_the_deposit_part_and_the_holdback_kept_from_the_net_to_pay(user: User,
                                                                                                   admin):
    from datetime import date  # noqa: PLC0415

    from db import deposits, situations  # noqa: PLC0415
    from db.deposits import DepositSpec  # noqa: PLC0415
    from tests.issuing import issuer  # noqa: PLC0415
    quote = await guide_quote(admin)
    quote = await deposits.set_deposits(admin, quote.id, [DepositSpec(percent=Decimal(30), due_date=date.today())],
                                        quote.version)
    item = (await deposits.quote_deposits(quote.id))[0]
    await deposits.settle_deposit(admin, item.id, paid_on=date.today(), method='transfer', amount=item.amount,
                                  invoice_date=date.today(), issuer=issuer())
    contract = await situations.open_contract(admin, quote.id)
    ids = await DocumentLine.filter(document_id=quote.id).order_by('position').values_list('id', flat=True)
    first = await situations.issue_situation(admin, contract.id, percents={i: Decimal(30) for i in ids},
                                             issuer=issuer())
    await log_in(user, next_path=f'/factures/{first.id}')
    await user.should_see(marker='net-to-pay', retries=100)
    assert shown(user, 'net-to-pay') == '139,29\u00a0€'  # 214,30 TTC - 64,29 of deposit - 10,72 held back
