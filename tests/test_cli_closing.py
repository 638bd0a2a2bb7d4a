"""`python main.py close / verify --closing-report / verify --archive` (issue 13), run as an operator would."""
import os
import subprocess
import sys

from db import closings, engine, settings
from logic.archive import ArchiveWriter, signing_key
from tests.command import ROOT, cli
from tests.db.documents_helpers import business_client, company, validated_invoice
from tests.helpers import last_day_of_last_month


def test_verify_archive_needs_neither_configuration_nor_database(tmp_path):
    archive = tmp_path / 'exercice.tar'
    with ArchiveWriter(archive, signing_key('s' * 40), about={'label': 'Exercice 2026'}) as writer:
        writer.add_bytes('paiements.csv', b'libelle;montant\r\n')
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(('PYTEST', 'NICEGUI', 'FACTURIER'))}
    run = lambda: subprocess.run([sys.executable, str(ROOT / 'main.py'), 'verify', '--archive', str(archive)],
                                 env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    done = run()
    assert done.returncode == 0 and 'intacte et signée' in done.stdout, done.stdout + done.stderr
    assert not (tmp_path / 'data').exists()  # no data dir, no secret made on a machine that only checks
    data = bytearray(archive.read_bytes())
    data[data.index(b'libelle') + 2] ^= 0x01
    archive.write_bytes(bytes(data))
    done = run()
    assert done.returncode == 1 and 'ALTÉRÉE : paiements.csv a été modifié' in done.stdout


async def test_close_writes_a_report_that_verify_compares_with_the_database(database_url, tmp_path):
    last_day = last_day_of_last_month()
    await engine.open_database(database_url, migrate=False)
    try:
        admin = await company()
        await settings.save_options(admin, {'fiscal_year_start': last_day.month})
        await validated_invoice(admin, await business_client(), issue_date=last_day)
    finally:
        await engine.close_database()
    report = tmp_path / 'rapport.pdf'
    # The data dir is the test issuer's: the originals made at issuing are where the command looks for them.
    done = cli(database_url, tmp_path / 'issuer', 'close', '--month', f'{last_day:%Y-%m}', '--report', str(report))
    assert done.returncode == 0 and 'clôturé : empreinte' in done.stdout, done.stdout + done.stderr
    assert report.read_bytes().startswith(b'%PDF-')
    done = cli(database_url, tmp_path / 'issuer', 'close', '--month', f'{last_day:%Y-%m}')
    assert done.returncode == 2 and 'déjà clôturé' in done.stderr
    done = cli(database_url, tmp_path / 'issuer', 'verify', '--closing-report', str(report))
    assert done.returncode == 0 and 'la base correspond au rapport' in done.stdout, done.stdout + done.stderr
