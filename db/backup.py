"""Backup and restore of a whole instance (AC4), safe while the app runs.

A backup is a .tar.gz holding `manifest.json`, the database (`database.sqlite3` from SQLite's online backup API,
or `database.pgdump` from `pg_dump --format=custom`), the data dir's `uploads/` and `files/`, and the instance
secret (it keys the integrity chain and signs sessions: a restored instance must keep it).

Who works on a data dir holds `facturier.lock` in it (`hold_instance`, an flock): the server for its whole life and
each command, shared, so that several run together; `restore` needs it alone and refuses while anyone holds it. The
kernel releases an flock when its process ends, even on kill -9, so unlike a pid file it never goes stale. A restore
stages everything in the data dir first, then swaps it in by renames: a restore that fails (disk full, a damaged
archive) leaves the instance as it was.
"""
import errno
import fcntl
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from logic.config import SECRET_FILE, Config

FORMAT = 'facturier-backup'
VERSION = 1
LOCK_FILE = 'facturier.lock'
STAGING_PREFIX = '.restore-'
NEARLY_FULL_BYTES = 1024 * 1024  # below this, a write that failed met a full disk


class BackupError(Exception):
    """A backup or restore that can't go on (French message)."""


def backup(config: Config, target: Path) -> dict:
    """Write a consistent archive of the instance to `target`; returns the manifest."""
    target = target.expanduser().resolve()
    if target.exists():
        raise BackupError(f'Le fichier {target} existe déjà : choisissez un autre nom.')
    partial = target.with_name(target.name + '.partial')
    try:
        return _write_backup(config, partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)  # half an archive looks like a backup and restores nothing
        full = _full_disk(exc, target.parent, config.data_dir, Path(tempfile.gettempdir()))
        if full is None:
            raise
        raise BackupError(f'Plus de place sur le disque de {full} : libérez de la place (ou écrivez la sauvegarde '
                          'ailleurs). Aucune sauvegarde n’a été écrite.') from None


def _write_backup(config: Config, partial: Path, target: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix='facturier-backup-') as work:
        work_dir = Path(work)
        if config.is_sqlite:
            if not config.sqlite_path.exists():
                raise BackupError('Aucune base de données à sauvegarder.')
            database = work_dir / 'database.sqlite3'
            _sqlite_online_copy(config.sqlite_path, database)
        else:
            database = work_dir / 'database.pgdump'
            _pg_dump(config.database_url, database)
        manifest = {
            'format': FORMAT, 'version': VERSION, 'created_at': datetime.now(timezone.utc).isoformat(),
            'database': 'sqlite' if config.is_sqlite else 'postgres', 'database_file': database.name,
            'has_secret': (config.data_dir / SECRET_FILE).exists(),
        }
        with tarfile.open(partial, 'w:gz') as archive:
            _add_bytes(archive, 'manifest.json', json.dumps(manifest, indent=2).encode())
            archive.add(database, arcname=database.name)
            for folder in ('uploads', 'files'):
                if (config.data_dir / folder).is_dir():
                    archive.add(config.data_dir / folder, arcname=folder)
            if manifest['has_secret']:
                archive.add(config.data_dir / SECRET_FILE, arcname=SECRET_FILE)
        os.chmod(partial, 0o600)  # it holds the secret and every client's data
        _fsync(partial)  # on disk before it gets its name: a power cut never leaves a truncated backup
        partial.rename(target)
    return manifest


def restore(config: Config, source: Path, *, force: bool = False, then: Callable[[], None] | None = None) -> dict:
    """Replace the instance's data with the archive's; refuses to overwrite existing data without `force`, and
    refuses whatever `force` says while a server or a command works on the data dir. `then` runs before the
    instance is released (the migrations of an older backup, before a server may start on it)."""
    source = source.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f'Fichier introuvable : {source}')
    with _alone(config):
        if _has_data(config) and not force:
            raise BackupError('Ces données contiennent déjà une base : relancez avec --force pour l’écraser.')
        try:
            manifest = _staged_restore(config, source)
        except (OSError, sqlite3.Error) as exc:
            if _full_disk(exc, config.data_dir, config.sqlite_path.parent if config.is_sqlite else None) is None:
                raise
            raise BackupError(f'Plus de place sur le disque de {config.data_dir} pour restaurer : libérez de la '
                              'place. Les données en place n’ont pas été modifiées.') from None
        if then is not None:
            then()
    return manifest


def hold_instance(config: Config) -> IO:
    """Mark the data dir as in use until the returned file is closed or the process ends (shared: servers and
    commands may run side by side). Refuses while a restore replaces the data."""
    handle = _lock_file(config)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BackupError(f'Une restauration est en cours dans {config.data_dir} : réessayez une fois '
                          'terminée.') from None
    return handle


@contextmanager
def _alone(config: Config) -> Iterator[None]:
    handle = _lock_file(config)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f'Facturier est en cours d’exécution sur {config.data_dir} (serveur ou commande) : '
                              'arrêtez-le avant de restaurer.') from None
        yield
    finally:
        handle.close()  # releases the lock


def _lock_file(config: Config) -> IO:
    # Never deleted: a process could lock the old file while another creates a new one under the same name.
    return open(config.data_dir / LOCK_FILE, 'a+b')  # held open for the lock's whole life


def _staged_restore(config: Config, source: Path) -> dict:
    """Everything that can fail (extraction, checks, copies, pg_restore) happens before the first rename."""
    for stale in config.data_dir.glob(f'{STAGING_PREFIX}*'):  # left by a restore that was killed
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=config.data_dir) as work:  # same disk: renames
        work_dir = Path(work)
        manifest = _extract(source, work_dir)
        database = work_dir / manifest['database_file']
        if manifest['database'] == 'sqlite':
            if not config.is_sqlite:
                raise BackupError('Cette sauvegarde vient de SQLite : restaurez-la sur une instance SQLite.')
            swap_database = _stage_sqlite(database, config.sqlite_path)
        else:
            if config.is_sqlite:
                raise BackupError('Cette sauvegarde vient de PostgreSQL : définissez FACTURIER_DATABASE_URL.')
            _pg_restore(config.database_url, database)  # one transaction: all or nothing
            swap_database = None
        for folder in ('uploads', 'files'):
            (work_dir / folder).mkdir(exist_ok=True)
        if (work_dir / SECRET_FILE).exists():
            os.chmod(work_dir / SECRET_FILE, 0o600)
        # From here on only renames within the data dir's disk.
        if swap_database is not None:
            swap_database()
        for folder in ('uploads', 'files'):
            current = config.data_dir / folder
            if current.exists():
                os.replace(current, work_dir / f'{folder}.replaced')  # removed with the staging folder
            os.replace(work_dir / folder, current)
        if (work_dir / SECRET_FILE).exists():
            os.replace(work_dir / SECRET_FILE, config.data_dir / SECRET_FILE)
        _fsync(config.data_dir)
    return manifest


def _sqlite_online_copy(source: Path, target: Path) -> None:
    """SQLite's backup API copies a consistent snapshot even while the app writes."""
    src = sqlite3.connect(f'file:{source}?mode=ro', uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute('PRAGMA journal_mode=DELETE')
    finally:
        dst.close()
        src.close()


def _stage_sqlite(database: Path, target: Path) -> Callable[[], None]:
    """Copy the checked database beside `target` (same disk) and return the swap that puts it in place."""
    check = sqlite3.connect(database)
    try:
        if check.execute('PRAGMA integrity_check').fetchone()[0] != 'ok':
            raise BackupError('La base contenue dans la sauvegarde est endommagée.')
    finally:
        check.close()
    staged = target.with_name(target.name + '.restoring')  # a previous attempt's, if any, is overwritten
    try:
        shutil.copyfile(database, staged)
        _fsync(staged)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise

    def swap() -> None:
        # The old file's WAL goes first: SQLite would replay it into the new file. Nobody has the database open
        # (the caller holds the instance alone), so its last commits are not lost but replaced, as asked.
        for suffix in ('-wal', '-shm', '-journal'):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(staged, target)
    return swap


def _extract(source: Path, work_dir: Path) -> dict:
    try:
        with tarfile.open(source, 'r:gz') as archive:
            try:
                manifest = json.load(archive.extractfile('manifest.json'))
            except (KeyError, json.JSONDecodeError, TypeError):
                raise BackupError('Ce fichier n’est pas une sauvegarde Facturier.') from None
            if manifest.get('format') != FORMAT or manifest.get('version') != VERSION:
                raise BackupError('Ce fichier n’est pas une sauvegarde Facturier de ce format.')
            archive.extractall(work_dir, filter='data')  # refuses absolute paths, '..' and device files
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise
        raise BackupError(f'Sauvegarde illisible : {exc}') from None
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(f'Sauvegarde illisible : {exc}') from None
    return manifest


def _has_data(config: Config) -> bool:
    if config.is_sqlite:
        return config.sqlite_path.exists() and config.sqlite_path.stat().st_size > 0
    return True  # a PostgreSQL database may hold data: always ask for --force


def _pg_env(url: str) -> tuple[list[str], dict]:
    parts = urlsplit(url)
    env = dict(os.environ, PGPASSWORD=unquote(parts.password or ''))
    args = ['-h', parts.hostname or '127.0.0.1', '-p', str(parts.port or 5432), '-U', unquote(parts.username or ''),
            '-d', parts.path.lstrip('/')]
    return args, env


def _pg_dump(url: str, target: Path) -> None:
    args, env = _pg_env(url)
    _run(['pg_dump', '--format=custom', '--no-owner', '--file', str(target), *args], env)


def _pg_restore(url: str, source: Path) -> None:
    args, env = _pg_env(url)
    _run(['pg_restore', '--clean', '--if-exists', '--no-owner', '--single-transaction', *args, str(source)], env)


def _run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f'{command[0]} est introuvable : installez le client PostgreSQL (paquet postgresql-client).')
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f'{command[0]} a échoué : {result.stderr.strip()[:500]}')


def _full_disk(exc: BaseException, *folders: Path | None) -> Path | None:
    """Which of `folders` is full when `exc` says a disk is; None when it is another error. SQLite reports a full
    disk as "database or disk is full", or as a "disk I/O error" when it could not even create its shared-memory file
    next to the database: then the folder's free space tells."""
    text = str(exc)
    told = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or 'is full' in text
    if not told and 'disk I/O error' not in text:
        return None
    for folder in folders:
        if folder is not None and folder.exists() and shutil.disk_usage(folder).free < NEARLY_FULL_BYTES:
            return folder
    return next((folder for folder in folders if folder is not None), None) if told else None


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    archive.addfile(info, io.BytesIO(data))
