"""`python main.py import|export contacts|articles`, run as a user would, against the test database."""
import io

import openpyxl

from db.audit import AuditEntry
from db.contact import Contact
from logic.contact_fields import sample_csv
from tests.command import cli
from tests.personas import set_up_company


async def test_a_refused_file_prints_each_problem_exits_non_zero_and_writes_nothing(db, tmp_path):
    await set_up_company()
    bad = tmp_path / 'clients.csv'
    bad.write_bytes('Raison sociale;SIREN;Remarque\nAtelier Nord;552100555;x\n;552100554;y\n'.encode('cp1252'))
    result = cli(db, tmp_path / 'data', 'import', 'contacts', str(bad))
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        '2 ligne(s). Colonnes lues : Raison sociale → Nom, SIREN.',
        'Colonnes ignorées (titres non reconnus) : Remarque.',
        'Ligne 2, colonne « SIREN » : SIREN invalide : la clé de contrôle ne correspond pas.',
        'Ligne 3, colonne « Raison sociale » : Valeur obligatoire manquante (Nom).',
        'Rien n’a été importé : 2 problème(s) à corriger dans le fichier.',
    ]
    assert not await Contact.exists()


async def test_a_good_file_is_imported_then_exported(db, tmp_path):
    await set_up_company()
    sample = tmp_path / 'exemple.csv'
    sample.write_bytes(sample_csv())
    result = cli(db, tmp_path / 'data', 'import', 'contacts', str(sample))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == '3 contacts importés.'
    assert await Contact.all().count() == 3
    assert (await AuditEntry.get(action='contact.import')).actor == 'ligne de commande'
    output = tmp_path / 'contacts.xlsx'
    result = cli(db, tmp_path / 'data', 'export', 'contacts', '-o', str(output))
    assert result.returncode == 0 and result.stdout.strip() == f'3 contacts exportés dans {output}.'
    sheet = openpyxl.load_workbook(io.BytesIO(output.read_bytes())).worksheets[0]
    assert sheet.max_row == 4 and sheet.cell(row=1, column=5).value == 'Nom'


async def test_an_unreadable_file_is_one_french_line_on_stderr(db, tmp_path):
    empty = tmp_path / 'articles.xlsx'
    empty.write_bytes(b'PK\x03\x04 not really a zip')
    result = cli(db, tmp_path / 'data', 'import', 'articles', str(empty))
    assert result.returncode == 2
    assert result.stderr.startswith('Erreur : Le fichier Excel est endommagé ou incomplet')
