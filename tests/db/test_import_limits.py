"""`python main.py import` reads a user's file as the import dialog does: in a child process under hard limits
(issue 18)."""
from db.contact import Contact
from tests.command import cli
from tests.logic.test_importing import handmade_xlsx, repeated
from tests.personas import set_up_company


async def test_the_command_line_refuses_an_xlsx_bomb_in_french_and_writes_nothing(db, tmp_path):
    await set_up_company()
    bomb = tmp_path / 'clients.xlsx'
    # The second file: 5.3 million cells in one row, a few hundred kilobytes once deflated.
    bomb.write_bytes(handmade_xlsx([b'<row r="1">', *repeated(b'<c t="s"><v>0</v></c>', 5_300_000), b'</row>']))
    result = cli(db, tmp_path / 'data', 'import', 'contacts', str(bomb))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == ('Erreur : Le fichier Excel est trop volumineux une fois décompressé (plus de '
                                     '100 Mo) : découpez-le en plusieurs fichiers ou enregistrez-le en CSV.')
    assert not await Contact.exists()
