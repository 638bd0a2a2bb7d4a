"""Instance configuration read from the environment.

Every setting has a safe default except the secret, which is generated once per instance and kept in the data
dir (readable by its owner only). A bad value raises `ConfigError` with one French line for the operator.
"""
import ipaddress
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SECRET_FILE = 'instance-secret.key'
SQLITE_FILE = 'facturier.sqlite3'
SECURE_COOKIE_MODES = ('auto', 'always')


class ConfigError(Exception):
    """A setting the operator must fix before Facturier can start."""


@dataclass(kw_only=True, slots=True, frozen=True)
class Config:
    data_dir: Path
    database_url: str
    host: str
    port: int
    secret: str
    idle_timeout_minutes: int
    absolute_timeout_hours: int
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For/-Proto are believed; empty: none.
    trusted_proxies: tuple[str, ...] = ()
    # 'auto': cookies are Secure on requests that came over HTTPS (directly or per a trusted proxy); 'always'.
    secure_cookies: str = 'auto'
    # The e-invoice checker and the PDF workers (about 245 and 120 MB each) stop after this long unused (issue 21).
    workers_idle_seconds: int = 300
    # Job worker processes the web server starts and supervises (issue 17); 0 where workers run apart
    # (`python main.py worker`, docs/deploy.md). Each runs up to `job_slots` jobs at once.
    job_workers: int = 1
    job_slots: int = 2

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith('sqlite://')

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / 'uploads'

    @property
    def files_dir(self) -> Path:
        return self.data_dir / 'files'

    @property
    def sqlite_path(self) -> Path:
        assert self.is_sqlite
        return Path(self.database_url.removeprefix('sqlite://'))


def load(env: dict[str, str] | None = None, *, create_secret: bool = True) -> Config:
    """Read FACTURIER_* variables, check them, and prepare the data dir."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get('FACTURIER_DATA_DIR') or './data').expanduser().resolve()
    _prepare_data_dir(data_dir)
    database_url = env.get('FACTURIER_DATABASE_URL') or f'sqlite://{data_dir / SQLITE_FILE}'
    database_url = check_database_url(database_url)
    port = _int(env, 'FACTURIER_PORT', 8080, 1, 65535)
    secret = env.get('FACTURIER_SECRET') or ''
    if secret and len(secret) < 32:
        raise ConfigError('FACTURIER_SECRET est trop court : au moins 32 caractères sont nécessaires.')
    if not secret:
        secret = read_or_create_secret(data_dir) if create_secret else ''
    return Config(
        data_dir=data_dir,
        database_url=database_url,
        host=env.get('FACTURIER_HOST') or '127.0.0.1',
        port=port,
        secret=secret,
        idle_timeout_minutes=_int(env, 'FACTURIER_IDLE_TIMEOUT_MINUTES', 30, 1, 24 * 60),
        absolute_timeout_hours=_int(env, 'FACTURIER_ABSOLUTE_TIMEOUT_HOURS', 12, 1, 24 * 30),
        trusted_proxies=parse_trusted_proxies(env.get('FACTURIER_TRUSTED_PROXIES') or ''),
        secure_cookies=_choice(env, 'FACTURIER_SECURE_COOKIES', SECURE_COOKIE_MODES),
        workers_idle_seconds=_int(env, 'FACTURIER_WORKERS_IDLE_SECONDS', 300, 5, 24 * 3600),
        job_workers=_int(env, 'FACTURIER_JOB_WORKERS', 1, 0, 8),
        job_slots=_int(env, 'FACTURIER_JOB_SLOTS', 2, 1, 8),
    )


def parse_trusted_proxies(raw: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks, as networks.

    >>> parse_trusted_proxies(' 127.0.0.1, 10.0.0.0/8,::1 ')
    ('127.0.0.1/32', '10.0.0.0/8', '::1/128')
    """
    networks = []
    for entry in filter(None, (part.strip() for part in raw.split(','))):
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise ConfigError(f'FACTURIER_TRUSTED_PROXIES : « {entry} » n’est ni une adresse IP ni un réseau '
                              '(ex. 127.0.0.1, 10.0.0.0/8).') from None
    return tuple(networks)


def check_database_url(url: str) -> str:
    """Accept sqlite://PATH and postgres://user:pass@host:port/db (also postgresql://)."""
    if url.startswith('sqlite://'):
        path = url.removeprefix('sqlite://')
        if not path or path == ':memory:':
            raise ConfigError('FACTURIER_DATABASE_URL : indiquez un fichier SQLite, par exemple sqlite:///chemin/base.db.')
        parent = Path(path).expanduser().resolve().parent
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise ConfigError(f'FACTURIER_DATABASE_URL : le dossier {parent} n’existe pas ou n’est pas accessible en écriture.')
        return f'sqlite://{Path(path).expanduser().resolve()}'
    if url.startswith(('postgres://', 'postgresql://')):
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise ConfigError('FACTURIER_DATABASE_URL : port PostgreSQL invalide.') from None
        if not parts.hostname or not parts.path.strip('/'):
            raise ConfigError('FACTURIER_DATABASE_URL mal formée : attendu postgres://utilisateur:motdepasse@hôte:port/base.')
        return 'postgres://' + url.split('://', 1)[1]
    raise ConfigError('FACTURIER_DATABASE_URL mal formée : elle doit commencer par sqlite:// ou postgres://.')


def read_or_create_secret(data_dir: Path) -> str:
    """The instance secret signs sessions and keys the integrity chain: made once, never a built-in default."""
    path = data_dir / SECRET_FILE
    if path.exists():
        value = path.read_text(encoding='ascii').strip()
        if len(value) < 32:
            raise ConfigError(f'Le secret de l’instance ({path}) est illisible ou trop court.')
        return value
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, 'w', encoding='ascii') as handle:
        handle.write(value + '\n')
    return value


def _prepare_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        for sub in ('uploads', 'files'):
            (data_dir / sub).mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(f'FACTURIER_DATA_DIR : impossible de créer le dossier {data_dir} ({exc.strerror}).') from None
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise ConfigError(f'FACTURIER_DATA_DIR : le dossier {data_dir} n’est pas accessible en écriture.')


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(name) or choices[0]).strip().lower()
    if raw not in choices:
        raise ConfigError(f'{name} doit valoir {" ou ".join(choices)} (reçu « {raw} »).')
    return raw


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f'{name} doit être un nombre entier (reçu « {raw} »).') from None
    if not low <= value <= high:
        raise ConfigError(f'{name} doit être compris entre {low} et {high} (reçu {value}).')
    return value
