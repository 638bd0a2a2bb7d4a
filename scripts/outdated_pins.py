#!/usr/bin/env python3
"""List the pins of requirements.txt that are behind the newest release on the package index.

    .venv/bin/python scripts/outdated_pins.py            # pinned, newest, and how big the step is
    .venv/bin/python scripts/outdated_pins.py --json     # the same as a JSON list

The package index here serves no vulnerability data, so staying on the newest release of each pin is how security
fixes arrive (issue 18); `pip-audit -r requirements.txt` checks the pins against known vulnerabilities where its
service is reachable (see the README). This script only reads: it never installs or upgrades anything.

It asks the index through the venv's own pip (`pip index versions NAME`), so the answer honours the same index
settings (pip.conf, PIP_INDEX_URL) and the running Python's version, and skips pre-releases. It compares the pins,
not what happens to be installed: a fresh checkout gets the right answer without a venv that matches them.
Exit code 0 when every pin is the newest release, 1 when some are behind, 2 when the index could not be asked.
"""
import argparse
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from packaging.version import Version  # pinned in requirements.txt

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r'^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)')
# `pip index versions` prints "name (newest)" first, then "Available versions: ..."
NEWEST = re.compile(r'^\S+ \(([^)]+)\)\s*$', re.MULTILINE)
WORKERS = 4  # a few lookups at a time: quick enough, and polite to the index


@dataclass(kw_only=True, slots=True)
class Pin:
    name: str
    pinned: str
    newest: str = ''
    error: str = ''

    @property
    def behind(self) -> bool:
        return bool(self.newest) and _version(self.newest) > _version(self.pinned)

    @property
    def step(self) -> str:
        """'major', 'minor' or 'patch': how much reading of the changelog the upgrade deserves."""
        old, new = _version(self.pinned).release, _version(self.newest).release
        if old[:1] != new[:1]:
            return 'major'
        return 'minor' if old[:2] != new[:2] else 'patch'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('requirements', nargs='?', type=Path, default=ROOT / 'requirements.txt')
    parser.add_argument('--json', action='store_true', help='print the outdated pins as a JSON list')
    args = parser.parse_args(argv)
    pins = read_pins(args.requirements)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pins = list(pool.map(ask_index, pins))
    failed = [pin for pin in pins if pin.error]
    behind = [pin for pin in pins if pin.behind]
    if args.json:
        print(json.dumps([{**asdict(pin), 'step': pin.step} for pin in behind], indent=2))
    else:
        print(f'{len(behind)} of {len(pins)} pins are behind the newest release:')
        for pin in behind:
            print(f'  {pin.name:<24} {pin.pinned:<14} → {pin.newest:<14} ({pin.step})')
    for pin in failed:
        print(f'could not ask the index about {pin.name}: {pin.error}', file=sys.stderr)
    if failed:
        return 2
    return 1 if behind else 0


def read_pins(path: Path) -> list[Pin]:
    """The `name==version` lines of a requirements file (comments, options and unpinned lines are skipped)."""
    pins = []
    for line in path.read_text().splitlines():
        if match := PIN.match(line):
            pins.append(Pin(name=match.group(1), pinned=match.group(2)))
    return pins


def ask_index(pin: Pin) -> Pin:
    result = subprocess.run([sys.executable, '-m', 'pip', 'index', 'versions', pin.name], capture_output=True,
                            text=True, timeout=300, check=False)
    found = NEWEST.search(result.stdout)
    if result.returncode != 0 or found is None:
        pin.error = (result.stderr.strip().splitlines() or ['no answer'])[-1]
    else:
        pin.newest = found.group(1)
    return pin


def _version(text: str) -> Version:
    return Version(text)


if __name__ == '__main__':
    sys.exit(main())
