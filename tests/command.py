"""`python main.py ...` run as an operator would, against a test database and data dir."""
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import SECRET

ROOT = Path(__file__).resolve().parents[1]


def cli(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # A subprocess must not inherit PYTEST_CURRENT_TEST (nor NiceGUI's test settings): it would think it is a test.
    env = {key: value for key, value in os.environ.items() if not key.startswith(('PYTEST', 'NICEGUI'))}
    env.update(FACTURIER_DATABASE_URL=database_url, FACTURIER_DATA_DIR=str(data_dir), FACTURIER_SECRET=SECRET)
    return subprocess.run([sys.executable, str(ROOT / 'main.py'), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
