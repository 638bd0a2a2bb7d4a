"""`python main.py fec --from D --to D -o DIR [--csv]` (AC1), run as an operator would: the checked file, named after
the SIREN and the closing date; exit 2 with a French line when the checker refuses or the period is empty."""
from db import engine
from db.accounting import AccountingSettings
from logic.fec_check import check_bytes
from tests.command import cli
from tests.db.documents_helpers import business_client, company, validated_invoice


async def test_it_writes_the_checked_fec_and_csv_of_a_year_and_refuses_what_the_checker_refuses(database_url,
                                                                                                 tmp_path):
    await engine.open_database(database_url, migrate=False)
    try:
        admin = await company()
        invoice = await validated_invoice(admin, await business_client())
    finally:
        await engine.close_database()
    year = invoice.issue_date.year  # the year the application dated it
    out = tmp_path / 'out'
    out.mkdir()
    done = cli(database_url, tmp_path / 'data', 'fec', '--from', f'{year}-01-01', '--to', f'{year}-12-31', '-o',
               str(out), '--csv')
    assert done.returncode == 0, done.stdout + done.stderr
    fec_file = out / f'732829320FEC{year}1231.txt'
    assert 'Fichier conforme : 1 écritures' in done.stdout and str(fec_file) in done.stdout
    assert check_bytes(fec_file.read_bytes()).ok and invoice.number in fec_file.read_text('iso-8859-15')
    assert (out / f'732829320-ecritures-{year}0101-{year}1231.csv').read_bytes().startswith(b'\xef\xbb\xbf')

    empty = cli(database_url, tmp_path / 'data', 'fec', '--from', '2001-01-01', '--to', '2001-12-31', '-o', str(out))
    assert empty.returncode == 2
    assert empty.stderr.strip() == 'Erreur : Aucune écriture du 01/01/2001 au 31/12/2001 : ni facture, ni avoir, ni ' \
                                   'règlement dans la période.'

    await engine.open_database(database_url, migrate=False)
    try:  # an account the chart can't have, typed behind the settings page's back
        await AccountingSettings.filter(id=1).update(client_account='CLIENTS')
    finally:
        await engine.close_database()
    fec_file.unlink()
    refused = cli(database_url, tmp_path / 'data', 'fec', '--from', f'{year}-01-01', '--to', f'{year}-12-31', '-o',
                  str(out))
    assert refused.returncode == 2 and 'Fichier refusé par le contrôle' in refused.stderr
    assert 'CompteNum « CLIENTS » doit commencer par trois chiffres' in refused.stderr
    assert not fec_file.exists() and not list(out.glob('*.part'))  # nothing left behind
