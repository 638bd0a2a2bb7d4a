"""The signed archive of a closed fiscal year (issue 13): built from the database, checked without it."""
import json
import tarfile
from datetime import date
from decimal import Decimal

import pytest

from db import closings, payments, settings
from db.archive import build_archive
from db.cli_output import in_thread
from db.document import Installment
from logic.archive import public_key_text, verify_archive
from logic.errors import DomainError
from logic.render import store
from tests.db.documents_helpers import business_client, company, validated_invoice
from tests.helpers import SECRET, last_day_of_last_month
from tests.issuing import issuer


async def test_a_closed_year_is_archived_signed_and_verifies_without_the_database(db, config, tmp_path):
    admin = await company()
    last_day = last_day_of_last_month()  # the fiscal year made to end with last month
    await settings.save_options(admin, {'fiscal_year_start': date.today().month})
    invoice = await validated_invoice(admin, await business_client(), issue_date=last_day)
    installment = await Installment.filter(document_id=invoice.id).first()
    await payments.settle(admin, installment.id, paid_on=last_day, method='transfer', amount=invoice.total_ttc,
                          secret=SECRET)
    year = last_day.year
    with pytest.raises(DomainError, match='n’est pas clôturé'):
        await build_archive(year, tmp_path / 'a.tar', config=config, run=in_thread)
    made = await closings.close_due(admin, secret=SECRET)
    assert [closing.kind for closing in made] == ['month'] * 12 + ['year']
    path = tmp_path / 'exercice.tar'
    files = issuer().files_dir
    manifest = await build_archive(year, path, config=type(config)(files_dir=files, uploads_dir=config.uploads_dir,
                                                                   secret=SECRET), run=in_thread)
    assert manifest['missing_originals'] == [] and manifest['public_key'] == public_key_text(SECRET)
    report = verify_archive(path)
    assert report.ok, report.problems
    assert len(report.closings) == 13
    with tarfile.open(path) as tar:
        names = tar.getnames()
        pdf = tar.extractfile(f'documents/invoice/{invoice.number}.pdf').read()
        journal = tar.extractfile('paiements.csv').read().decode()
        index = json.loads(tar.extractfile('originaux.json').read())
    assert pdf == store.load_pdf(files, invoice.id)
    assert f'documents/invoice/{invoice.number}.xml' in names and 'journal-audit.csv' in names
    assert any(name.startswith('clotures/') and name.endswith('.pdf') for name in names)
    assert str(Decimal(invoice.total_ttc)).replace('.', ',') in journal
    assert index[0]['number'] == invoice.number and index[0]['pdf_sha256']
    # One byte changed in the archived original: the archive no longer verifies.
    data = bytearray(path.read_bytes())
    at = bytes(data).index(pdf[:200]) + 150
    data[at] ^= 0x20
    path.write_bytes(bytes(data))
    broken = verify_archive(path)
    assert not broken.ok and any(invoice.number in problem for problem in broken.problems)
