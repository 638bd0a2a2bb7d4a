"""Signed archives (issue 13): an archive verifies on its own, and fails when one byte changes anywhere."""
import json
import tarfile

import pytest

from logic.archive import CLOSINGS, ArchiveWriter, public_key_text, signing_key, verify_archive
from logic.closing import fingerprint

SECRET = 'archive-secret-' + 'y' * 40
PAYLOAD = {'kind': 'month', 'label': 'Novembre 2026', 'previous_fingerprint': '0' * 64, 'totals': {'n': 1}}


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / 'exercice.tar'
    with ArchiveWriter(path, signing_key(SECRET), about={'label': 'Exercice 2026', 'company': 'Atelier'}) as writer:
        writer.add_bytes('documents/invoice/F2026-00001.pdf', b'%PDF-1.7 original ' * 50)
        writer.add_bytes('paiements.csv', b'libelle;montant\r\nREG2026-000001;120,00\r\n')
        writer.add_bytes(CLOSINGS, json.dumps([{'position': 1, 'payload': PAYLOAD,
                                                'fingerprint': fingerprint(PAYLOAD)}]).encode())
    return path


def test_an_archive_verifies_on_its_own(archive):
    report = verify_archive(archive)
    assert report.ok, report.problems
    assert report.files == 3 and report.public_key == public_key_text(SECRET)
    assert report.closings == [{'label': 'Novembre 2026', 'fingerprint': fingerprint(PAYLOAD)}]
    assert report.lines()[-1] == '  intacte et signée'


def test_the_key_is_derived_from_the_secret():
    assert public_key_text(SECRET) == public_key_text(SECRET.encode()) != public_key_text(SECRET + 'z')


@pytest.mark.parametrize('where', ['member', 'manifest', 'signature', 'header'])
def test_an_archive_fails_when_one_byte_changes(archive, where):
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        members = {info.name: info for info in tar}
    if where == 'header':
        offset = members['paiements.csv'].offset + 3  # inside the member's name in its tar header
    else:
        name = {'member': 'documents/invoice/F2026-00001.pdf', 'manifest': 'manifest.json',
                'signature': 'manifest.sig'}[where]
        offset = members[name].offset_data + 20
    data[offset] ^= 0x01
    archive.write_bytes(bytes(data))
    report = verify_archive(archive)
    assert not report.ok and report.problems


def test_a_closing_changed_inside_a_resigned_archive_is_caught_by_its_fingerprint(tmp_path):
    path = tmp_path / 'exercice.tar'
    with ArchiveWriter(path, signing_key(SECRET), about={}) as writer:
        writer.add_bytes(CLOSINGS, json.dumps([{'position': 1, 'payload': dict(PAYLOAD, totals={'n': 2}),
                                                'fingerprint': fingerprint(PAYLOAD)}]).encode())
    assert verify_archive(path).problems == ['La clôture Novembre 2026 ne correspond plus à son empreinte.']


def test_a_file_that_is_no_archive_is_refused(tmp_path):
    path = tmp_path / 'faux.tar'
    path.write_bytes(b'not a tar file at all' * 40)
    assert not verify_archive(path).ok
