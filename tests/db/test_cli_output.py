"""`python main.py pdf NUMBER [-o FILE]`, run as a user would, against the test database."""
from db.company import Company
from logic.render import store
from tests.command import cli
from tests.db.documents_helpers import business_client, validated_invoice
from tests.personas import set_up_company


async def test_the_pdf_of_a_validated_invoice_is_its_stored_original(db, tmp_path):
    admin = await set_up_company()
    await Company.all().update(iban='FR7630006000011234567890189')
    invoice = await validated_invoice(admin, await business_client())
    output = tmp_path / 'facture.pdf'
    # The instance's data dir is the issuer's (tests/issuing.py): the original stored at validation is served.
    result = cli(db, tmp_path / 'issuer', 'pdf', invoice.number, '-o', str(output))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f'Facture {invoice.number} : PDF écrit dans {output}.'
    data = output.read_bytes()
    assert data.startswith(b'%PDF-') and store.xml_from_pdf(data) is not None
    assert store.load_pdf(tmp_path / 'issuer' / 'files', invoice.id) == data  # stored once, served ever after


async def test_an_unknown_number_is_one_french_line_on_stderr(db, tmp_path):
    await set_up_company()
    result = cli(db, tmp_path / 'data', 'pdf', 'F1999-00001', '-o', str(tmp_path / 'x.pdf'))
    assert result.returncode == 2
    assert result.stderr.strip() == 'Erreur : Aucun document ne porte le numéro F1999-00001.'
    assert not (tmp_path / 'x.pdf').exists()
