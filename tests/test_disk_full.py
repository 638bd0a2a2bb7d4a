"""A full disk under the data dir (issue 18): a validation, a backup and a grouped printing each stop with one clear
French sentence, leave nothing half written, and the integrity chains stay intact.

The disk is a small tmpfs mounted for the test and filled to a few KB, as a real full disk would be. Mounting needs
root (CI runs as root): elsewhere these tests fail with a message that says so, never skip silently, because a
disk-full path nobody runs is a disk-full path that breaks.
"""
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from db import documents, engine, publishing
from db.cli_output import in_thread
from db.document import Document
from db.integrity import verify_integrity
from logic.errors import DomainError
from logic.render import store
from tests.databases import use_postgres
from tests.db.documents_helpers import business_client, company, draft, line
from tests.helpers import SECRET

ROOT = Path(__file__).resolve().parents[1]
DISK_KB = 24 * 1024  # room for a migrated SQLite database, a few invoices and their originals
LEFT_BYTES = 4096    # what is left once filled: less than any PDF, any archive
ARCHIVE_ROOM = 96 * 1024  # enough to open a SQLite database, not to archive it


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 24 MB tmpfs mounted at tmp_path/disk, unmounted at the end."""
    if os.geteuid() != 0:
        pytest.fail('tests/test_disk_full.py needs root: it mounts a small tmpfs (mount -t tmpfs) to fill a disk. '
                    'Run it as root, as CI does (.ci/run).')
    mount = tmp_path / 'disk'
    mount.mkdir()
    result = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={DISK_KB}k,mode=0700', 'tmpfs', str(mount)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f'mounting a tmpfs failed (root, but no mount capability?): {result.stderr.strip()}')
    try:
        yield mount
    finally:
        subprocess.run(['umount', '-l', str(mount)], check=False)


def fill(disk: Path, left: int = LEFT_BYTES) -> Path:
    """Fill `disk` but `left` bytes; returns the filler file (delete it to free the disk)."""
    filler = disk / 'filler'
    stats = os.statvfs(disk)
    with filler.open('wb') as handle:
        handle.write(b'\0' * max(stats.f_bavail * stats.f_frsize - left, 0))
    return filler


def files_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob('*') if path.is_file()) if folder.exists() else []


async def test_it_refuses_a_validation_on_a_full_disk_and_leaves_the_draft_as_it_was(small_disk, databases):
    url = await databases.fresh(small_disk)  # on SQLite the database itself is on the full disk too
    config = SimpleNamespace(files_dir=small_disk / 'files', uploads_dir=small_disk / 'uploads', secret=SECRET)
    config.uploads_dir.mkdir()
    await engine.open_database(url, migrate=False)
    try:
        admin = await company()
        document = await documents.create_document(admin, draft(await business_client(), line()))
        filler = fill(small_disk)
        with pytest.raises(DomainError, match='Plus de place sur le disque') as refused:
            await publishing.validate_and_publish(admin, document.id, config=config, run=in_thread)
        assert '\n' not in str(refused.value)
        after = await Document.get(id=document.id)
        assert after.state == 'draft' and after.number is None
        assert files_in(config.files_dir) == []  # no original, staged or half written
        assert all(report.ok for report in await verify_integrity(SECRET))

        filler.unlink()  # room again: the same draft validates, with its original
        validated = await publishing.validate_and_publish(admin, document.id, config=config, run=in_thread)
        assert validated.number and store.load_pdf(config.files_dir, document.id).startswith(b'%PDF-')
        assert all(report.ok for report in await verify_integrity(SECRET))
    finally:
        await engine.close_database()
        await databases.drop(url)


async def test_it_refuses_a_grouped_printing_on_a_full_disk_and_leaves_no_part_file(small_disk, databases):
    url = await databases.fresh(small_disk)
    config = SimpleNamespace(files_dir=small_disk / 'files', uploads_dir=small_disk / 'uploads', secret=SECRET)
    config.uploads_dir.mkdir()
    await engine.open_database(url, migrate=False)
    try:
        admin = await company()
        client = await business_client()
        ids = []
        for _ in range(3):
            document = await documents.create_document(admin, draft(client, line()))
            ids.append((await publishing.validate_and_publish(admin, document.id, config=config, run=in_thread)).id)
        folder = config.files_dir / 'batches'
        folder.mkdir()
        originals = files_in(config.files_dir / store.FOLDER)
        fill(small_disk)
        with pytest.raises(DomainError, match='Plus de place sur le disque'):
            await publishing.batch_print(ids, folder / 'lot.pdf', config=config, run=in_thread)
        assert files_in(folder) == []
        assert files_in(config.files_dir / store.FOLDER) == originals
        assert all(report.ok for report in await verify_integrity(SECRET))
    finally:
        await engine.close_database()
        await databases.drop(url)


@pytest.mark.skipif(use_postgres(), reason='the SQLite data dir on a full disk; PostgreSQL lives elsewhere')
def test_it_refuses_a_backup_on_a_full_disk_and_leaves_no_partial_archive(small_disk):
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI', 'FACTURIER'))}
    env.update(FACTURIER_DATA_DIR=str(small_disk / 'data'), FACTURIER_SECRET=SECRET)

    def main(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / 'main.py'), *args], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=300, check=False)

    loaded = main('demo', '--invoices', '3')
    assert loaded.returncode == 0, loaded.stderr
    (small_disk / 'data' / 'uploads' / 'logo-x.png').write_bytes(os.urandom(256 * 1024))  # does not compress
    (small_disk / 'backups').mkdir()
    # Room for SQLite to open the database (its shared-memory file), not for the archive: it stops halfway.
    filler = fill(small_disk, left=ARCHIVE_ROOM)
    refused = main('backup', str(small_disk / 'backups' / 'facturier.tar.gz'))
    assert refused.returncode == 2 and 'Plus de place sur le disque' in refused.stderr, refused.stderr
    assert refused.stderr.strip().count('\n') == 0
    assert files_in(small_disk / 'backups') == []

    filler.unlink()  # (SQLite can't even open a database on a full disk: verify once there is room again)
    verified = main('verify')
    assert verified.returncode == 0 and 'ALTÉRÉE' not in verified.stdout, verified.stdout + verified.stderr
    assert main('backup', str(small_disk / 'backups' / 'facturier.tar.gz')).returncode == 0
