"""The issuer of the current test: what `db.issuing.issue` needs to make the stored originals, in a per-test folder.

Every test gets its own (tests/conftest.py sets it up), so that originals of one test's documents never meet another
test's: `validate_invoice(actor, doc_id, issuer=issuer())`. Rendering runs in a thread (`db.cli_output.in_thread`).
"""
from pathlib import Path

from db.cli_output import in_thread
from db.issuing import Issuer
from tests.helpers import SECRET

_current: Issuer | None = None


def issuer() -> Issuer:
    """The current test's issuer (its originals under the test's tmp_path/files)."""
    if _current is None:
        raise RuntimeError('no issuer: tests/conftest.py sets one up for every test')
    return _current


def start(folder: Path) -> Issuer:
    global _current  # noqa: PLW0603 - one test at a time per process
    (folder / 'uploads').mkdir(parents=True, exist_ok=True)
    _current = Issuer(secret=SECRET, files_dir=folder / 'files', uploads_dir=folder / 'uploads', run=in_thread)
    return _current


def stop() -> None:
    global _current  # noqa: PLW0603
    _current = None
