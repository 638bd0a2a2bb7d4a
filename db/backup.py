"""Backup and restore of a whole instance (AC4), safe while the app runs.

A backup is a .tar.gz holding `manifest.json`, the database (`database.sqlite3` from SQLite's online backup API,
or `database.pgdump` from `pg_dump --format=custom`), the data dir's `uploads/` and `files/`, and the instance
secret (it keys the integrity chain and signs sessions: a restored instance must keep it).
"""
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from logic.config import SECRET_FILE, Config

FORMAT = 'facturier-backup'
VERSION = 1
LOCK_FILE = 'facturier.pid'


class BackupError(Exception):
    """A backup or restore that can't go on (French message)."""


def backup(config: Config, target: Path) -> dict:
    """Write a consistent archive of the instance to `target`; returns the manifest."""
    target = target.expanduser().resolve()
    if target.exists():
        raise BackupError(f'Le fichier {target} existe déjà : choisissez un autre nom.')
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
        partial = target.with_name(target.name + '.partial')
        with tarfile.open(partial, 'w:gz') as archive:
            _add_bytes(archive, 'manifest.json', json.dumps(manifest, indent=2).encode())
            archive.add(database, arcname=database.name)
            for folder in ('uploads', 'files'):
                if (config.data_dir / folder).is_dir():
                    archive.add(config.data_dir / folder, arcname=folder)
            if manifest['has_secret']:
                archive.add(config.data_dir / SECRET_FILE, arcname=SECRET_FILE)
        os.chmod(partial, 0o600)  # it holds the secret and every client's data
        partial.rename(target)
    return manifest


def restore(config: Config, source: Path, *, force: bool = False) -> dict:
    """Replace the instance's data with the archive's; refuses to overwrite existing data without `force`."""
    source = source.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f'Fichier introuvable : {source}')
    if running_pid(config) and not force:
        raise BackupError('Facturier semble en cours d’exécution sur ces données : arrêtez-le, ou relancez avec '
                          '--force pour écraser quand même.')
    if _has_data(config) and not force:
        raise BackupError('Ces données contiennent déjà une base : relancez avec --force pour l’écraser.')
    with tempfile.TemporaryDirectory(prefix='facturier-restore-') as work:
        work_dir = Path(work)
        manifest = _extract(source, work_dir)
        database = work_dir / manifest['database_file']
        if manifest['database'] == 'sqlite':
            if not config.is_sqlite:
                raise BackupError('Cette sauvegarde vient de SQLite : restaurez-la sur une instance SQLite.')
            _install_sqlite(database, config.sqlite_path)
        else:
            if config.is_sqlite:
                raise BackupError('Cette sauvegarde vient de PostgreSQL : définissez FACTURIER_DATABASE_URL.')
            _pg_restore(config.database_url, database)
        for folder in ('uploads', 'files'):
            destination = config.data_dir / folder
            shutil.rmtree(destination, ignore_errors=True)
            if (work_dir / folder).is_dir():
                shutil.copytree(work_dir / folder, destination)
            else:
                destination.mkdir()
        if (work_dir / SECRET_FILE).exists():
            shutil.copy2(work_dir / SECRET_FILE, config.data_dir / SECRET_FILE)
            os.chmod(config.data_dir / SECRET_FILE, 0o600)
    return manifest


def write_pid(config: Config) -> Path:
    path = config.data_dir / LOCK_FILE
    path.write_text(str(os.getpid()))
    return path


def running_pid(config: Config) -> int | None:
    path = config.data_dir / LOCK_FILE
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid if pid != os.getpid() else None


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


def _install_sqlite(database: Path, target: Path) -> None:
    check = sqlite3.connect(database)
    try:
        if check.execute('PRAGMA integrity_check').fetchone()[0] != 'ok':
            raise BackupError('La base contenue dans la sauvegarde est endommagée.')
    finally:
        check.close()
    for suffix in ('-wal', '-shm'):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy2(database, target)


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
    except (tarfile.TarError, EOFError, OSError) as exc:
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


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    archive.addfile(info, io.BytesIO(data))
