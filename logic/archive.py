"""Signed fiscal-year archives (AC3, docs/legal.md 2.6), the pure part: the signing key, writing an archive with its
manifest, and checking one on its own, on any machine, without the database or the instance secret.

An archive is a plain tar file. Its members come first (documents' PDF and XML, the payments journal, the closings,
the audit log, the FEC, a README), then `manifest.json`, which lists every member with its size and SHA-256, and
last `manifest.sig`, the Ed25519 signature of the manifest's exact bytes, in hexadecimal. The manifest names the
public key; the same key is printed on every closing report, so that whoever checks an archive can tell it was
signed by this instance.

The signing key is derived from the instance secret (HKDF-SHA256, its own label): nothing new to keep or back up,
the same key after a restore, and a different one on every instance. Whoever holds the secret can sign, as they can
seal the chains: what they can't do is change an archive, or a closing report, that already left the machine.

    with ArchiveWriter(path, signing_key(secret), about={'year': 2026}) as archive:
        archive.add_bytes('paiements.csv', data)
    report = verify_archive(path)        # report.ok, report.problems (French), report.public_key
"""
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from logic.closing import fingerprint, grouped
from logic.integrity import secret_key

FORMAT = 'facturier-archive'
VERSION = 1
MANIFEST = 'manifest.json'
SIGNATURE = 'manifest.sig'
CLOSINGS = 'clotures.json'
ORIGINALS = 'originaux.json'
_KEY_INFO = b'facturier: archive and closing signing key, version 1'
_SMALL = 64 * 1024 * 1024  # members read whole for the content checks (closings, originals index)
_CHUNK = 1024 * 1024


def signing_key(secret: str | bytes) -> Ed25519PrivateKey:
    """The instance's Ed25519 key, derived from its secret (same secret, same key)."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b'facturier-ed25519', info=_KEY_INFO).derive(
        secret_key(secret))
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes_raw().hex()


def public_key_text(secret: str | bytes) -> str:
    """The public key of the instance, 64 hexadecimal digits: printed on reports, named in archives."""
    return public_key_hex(signing_key(secret))


def sign(secret: str | bytes, data: bytes) -> str:
    return signing_key(secret).sign(data).hex()


def check_signature(public_key: str, data: bytes, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(bytes.fromhex(signature), data)
    except (ValueError, InvalidSignature):
        return False
    return True


class ArchiveWriter:
    """Write an archive member by member (streamed: a year of PDFs never sits in memory), then its signed manifest
    on `close()` (or leaving the `with` block without an error)."""

    def __init__(self, path: Path, key: Ed25519PrivateKey, *, about: Mapping) -> None:
        self.path, self.key, self.about = Path(path), key, dict(about)
        self.files: list[dict] = []
        self._names: set[str] = set()
        self._tar = tarfile.open(self.path, 'w', format=tarfile.PAX_FORMAT)

    def __enter__(self) -> 'ArchiveWriter':
        return self

    def __exit__(self, kind, _value, _trace) -> None:
        if kind is None:
            self.close()
        else:
            self._tar.close()

    def add_bytes(self, name: str, data: bytes) -> None:
        self._add(name, io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest())

    def add_file(self, name: str, source: Path) -> None:
        digest = hashlib.sha256()
        with open(source, 'rb') as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b''):
                digest.update(chunk)
        with open(source, 'rb') as handle:
            self._add(name, handle, Path(source).stat().st_size, digest.hexdigest())

    def close(self) -> dict:
        manifest = {'format': FORMAT, 'version': VERSION, **self.about, 'public_key': public_key_hex(self.key),
                    'files': self.files}
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode('utf-8')
        self._raw(MANIFEST, io.BytesIO(data), len(data))
        signature = self.key.sign(data).hex().encode('ascii')
        self._raw(SIGNATURE, io.BytesIO(signature), len(signature))
        self._tar.close()
        return manifest

    def _add(self, name: str, handle, size: int, digest: str) -> None:
        if not _safe_name(name) or name in self._names or name in (MANIFEST, SIGNATURE):
            raise ValueError(f'invalid or repeated archive member name {name!r}')
        self._names.add(name)
        self._raw(name, handle, size)
        self.files.append({'name': name, 'size': size, 'sha256': digest})

    def _raw(self, name: str, handle, size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(time.time()), 0o444
        self._tar.addfile(info, handle)


@dataclass(kw_only=True, slots=True)
class ArchiveReport:
    """What `verify_archive` found: `problems` in French, empty when the archive is intact and signed."""

    path: str
    public_key: str = ''
    about: dict = field(default_factory=dict)
    files: int = 0
    closings: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The report as printed by `main.py verify --archive`."""
        about = self.about
        lines = [f'Archive {self.path}']
        if about.get('company'):
            lines.append(f'  {about.get("company")} — {about.get("label", "")}')
        if self.public_key:
            lines.append(f'  clé publique de signature : {grouped(self.public_key)}')
            lines.append('  (à comparer à celle imprimée sur les rapports de clôture)')
        lines.append(f'  {self.files} fichier(s) contrôlé(s)')
        for closing in self.closings:
            lines.append(f'  clôture {closing.get("label")} : empreinte {grouped(closing.get("fingerprint", ""))}')
        lines += [f'  ALTÉRÉE : {problem}' for problem in self.problems]
        if self.ok:
            lines.append('  intacte et signée')
        return lines


def verify_archive(path: Path) -> ArchiveReport:
    """Check an archive alone: every member against the manifest, the manifest against its signature, and the
    closings and originals it carries against their own fingerprints."""
    report = ArchiveReport(path=str(path))
    try:
        members, small = _read_members(Path(path), report)
    except (OSError, tarfile.TarError, EOFError) as exc:
        report.problems.append(f'Archive illisible ({type(exc).__name__}) : elle est endommagée ou ce n’en est pas '
                               'une.')
        return report
    manifest_bytes, signature = small.get(MANIFEST), small.get(SIGNATURE)
    if manifest_bytes is None or signature is None:
        report.problems.append('Le manifeste ou sa signature manque : ce n’est pas une archive Facturier complète.')
        return report
    try:
        manifest = json.loads(manifest_bytes)
        listed = {item['name']: item for item in manifest['files']}
        report.public_key = str(manifest['public_key'])
    except (ValueError, KeyError, TypeError):
        report.problems.append('Le manifeste est illisible.')
        return report
    report.about = {key: value for key, value in manifest.items() if key not in ('files', 'public_key')}
    if manifest.get('format') != FORMAT:
        report.problems.append('Ce n’est pas une archive Facturier.')
    if not check_signature(report.public_key, manifest_bytes, signature.decode('ascii', 'replace').strip()):
        report.problems.append('La signature du manifeste est invalide : le manifeste a été modifié, ou signé par une '
                               'autre clé.')
    report.files = len(members)
    for name, (size, digest) in members.items():
        item = listed.get(name)
        if item is None:
            report.problems.append(f'{name} n’est pas dans le manifeste : il a été ajouté à l’archive.')
        elif item.get('sha256') != digest or item.get('size') != size:
            report.problems.append(f'{name} a été modifié : son empreinte n’est plus celle du manifeste.')
    for name in sorted(set(listed) - set(members)):
        report.problems.append(f'{name} manque dans l’archive.')
    report.problems += _closing_problems(small.get(CLOSINGS), report)
    report.problems += _original_problems(small.get(ORIGINALS), members)
    return report


def _read_members(path: Path, report: ArchiveReport) -> tuple[dict[str, tuple[int, str]], dict[str, bytes]]:
    members: dict[str, tuple[int, str]] = {}
    small: dict[str, bytes] = {}
    with tarfile.open(path, 'r:') as tar:
        for info in tar:
            if not info.isfile() or not _safe_name(info.name):
                report.problems.append(f'Élément inattendu dans l’archive : {info.name!r}.')
                continue
            if info.name in members or info.name in small:
                report.problems.append(f'{info.name} figure deux fois dans l’archive.')
                continue
            handle = tar.extractfile(info)
            digest, kept = hashlib.sha256(), []
            keep = info.name in (MANIFEST, SIGNATURE, CLOSINGS, ORIGINALS) and info.size <= _SMALL
            for chunk in iter(partial(handle.read, _CHUNK), b''):
                digest.update(chunk)
                if keep:
                    kept.append(chunk)
            if keep:
                small[info.name] = b''.join(kept)
            if info.name not in (MANIFEST, SIGNATURE):
                members[info.name] = (info.size, digest.hexdigest())
    return members, small


def _closing_problems(data: bytes | None, report: ArchiveReport) -> list[str]:
    if data is None:
        return []
    try:
        closings = json.loads(data)
    except ValueError:
        return ['Les clôtures de l’archive sont illisibles.']
    problems, seen = [], {}
    for item in closings:
        payload, printed = item.get('payload') or {}, item.get('fingerprint', '')
        report.closings.append({'label': payload.get('label'), 'fingerprint': printed})
        if fingerprint(payload) != printed:
            problems.append(f'La clôture {payload.get("label")} ne correspond plus à son empreinte.')
        before = seen.get((item.get('position') or 0) - 1)
        if before is not None and payload.get('previous_fingerprint') != before:
            problems.append(f'La clôture {payload.get("label")} ne suit pas la précédente de l’archive.')
        seen[item.get('position') or 0] = printed
    return problems


def _original_problems(data: bytes | None, members: dict[str, tuple[int, str]]) -> list[str]:
    """Each archived PDF against the fingerprint the integrity chain recorded for its original."""
    if data is None:
        return []
    try:
        originals = json.loads(data)
    except ValueError:
        return ['L’index des originaux de l’archive est illisible.']
    problems = []
    for item in originals:
        name, expected = item.get('pdf'), item.get('pdf_sha256')
        if name and expected and name in members and members[name][1] != expected:
            problems.append(f'Le PDF archivé de {item.get("number")} n’est pas l’original dont l’empreinte a été '
                            'chaînée à son émission.')
    return problems


def _safe_name(name: str) -> bool:
    parts = name.split('/')
    return bool(name) and not name.startswith('/') and '..' not in parts and all(parts) and '\\' not in name
