"""Numbering patterns of the document series (SE4).

A pattern mixes literal characters with tokens: {AAAA} year, {AA} two-digit year, {MM} month, {N} counter and
{N:k} counter zero-padded to k digits.

>>> render('F{AAAA}-{N:5}', on=date(2026, 3, 9), counter=42)
'F2026-00042'

Only letters, digits, '-', '_' and '/' may appear around the tokens, and a number stays within 35 characters:
the French e-invoicing rules (BR-FR-01/02) refuse anything else in an invoice number.
"""
import re
from datetime import date
from typing import Literal

from logic import doctypes
from logic.errors import DomainError

Reset = Literal['yearly', 'never']

# The series the registry declares (logic/doctypes.py); deposit invoices share the invoice series (docs/legal.md 2.3).
DEFAULT_PATTERNS: dict[str, str] = {key: series.pattern for key, series in doctypes.SERIES.items()}
SERIES_LABELS: dict[str, str] = {key: series.label for key, series in doctypes.SERIES.items()}
RESET_LABELS: dict[str, str] = {'yearly': 'Chaque année', 'never': 'Jamais'}
MAX_LENGTH = 35
# The length check assumes a counter of 7 digits: ten million documents in a series is out of reach.
CHECKED_COUNTER = 9_999_999
MAX_WIDTH = 10

_LITERAL = re.compile(r'[A-Za-z0-9/_-]')
_TOKEN = re.compile(r'AAAA|AA|MM|N(?::(?P<width>\d{1,2}))?')


class PatternError(DomainError, ValueError):
    """The numbering pattern typed in the settings is unusable; `str(exc)` is the French message to show."""


def validate_pattern(pattern: str, reset: str) -> None:
    """Raise PatternError unless `pattern` gives unique, legal numbers with this reset rule."""
    if reset not in RESET_LABELS:
        raise PatternError(f'Remise à zéro inconnue : « {reset} ».')
    parts = _parse(pattern)
    counters = [part for part in parts if isinstance(part, tuple) and part[0] == 'N']
    if len(counters) != 1:
        raise PatternError('Le modèle doit contenir le compteur {N} (ou {N:5} pour 5 chiffres) une fois et une seule.')
    if reset == 'yearly' and not any(part in (('AAAA', 0), ('AA', 0)) for part in parts):
        # Without the year the counter restarting each January would give a number already used.
        raise PatternError("Avec une remise à zéro annuelle, le modèle doit contenir l'année : {AAAA} ou {AA}.")
    length = len(_render(parts, on=date(2000, 12, 31), counter=CHECKED_COUNTER))
    if length > MAX_LENGTH:
        raise PatternError(f'Les numéros pourraient atteindre {length} caractères : {MAX_LENGTH} au maximum.')


def render(pattern: str, *, on: date, counter: int) -> str:
    """The document number for the `counter`-th document of the period containing `on`."""
    if counter < 1:
        raise ValueError(f'counter must be positive, not {counter}')
    return _render(_parse(pattern), on=on, counter=counter)


def period_key(reset: str, on: date) -> str:
    """The counter's period: '2026' when it restarts every year, '' when it never does."""
    if reset == 'yearly':
        return f'{on.year:04d}'
    if reset == 'never':
        return ''
    raise ValueError(f'unknown reset {reset!r}')


def _render(parts: list[str | tuple[str, int]], *, on: date, counter: int) -> str:
    values = {'AAAA': f'{on.year:04d}', 'AA': f'{on.year % 100:02d}', 'MM': f'{on.month:02d}'}
    return ''.join(part if isinstance(part, str) else values.get(part[0]) or f'{counter:0{part[1]}d}'
                   for part in parts)


def _parse(pattern: str) -> list[str | tuple[str, int]]:
    """Literal characters as strings, tokens as (name, width) with width 0 except for {N:k}."""
    parts: list[str | tuple[str, int]] = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == '{':
            end = pattern.find('}', position)
            match = _TOKEN.fullmatch(pattern, position + 1, end) if end > 0 else None
            if not match:
                shown = pattern[position:end + 1] if end > 0 else pattern[position:]
                raise PatternError(f'Code inconnu dans le modèle : « {shown} » '
                                   '(codes possibles : {AAAA}, {AA}, {MM}, {N}, {N:5}).')
            width = int(match['width'] or 0)
            if match['width'] is not None and not 1 <= width <= MAX_WIDTH:
                raise PatternError(f'Le compteur {{N:{width}}} doit avoir de 1 à {MAX_WIDTH} chiffres.')
            name = match[0].split(':')[0]
            parts.append((name, width))
            position = end + 1
            continue
        if char.isspace():
            raise PatternError("Le modèle ne doit pas contenir d'espace.")
        if not _LITERAL.fullmatch(char):
            raise PatternError(f'Caractère non autorisé dans le modèle : « {char} » '
                               '(lettres sans accent, chiffres, - _ / uniquement).')
        parts.append(char)
        position += 1
    if not parts:
        raise PatternError('Le modèle de numérotation est vide.')
    return parts
