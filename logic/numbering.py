"""Numbering patterns of the document series (SE4).

A pattern mixes literal characters with tokens: {AAAA} year, {AA} two-digit year, {MM} month, {N} counter and
{N:k} counter zero-padded to k digits.

>>> render('F{AAAA}-{N:5}', on=date(2026, 3, 9), counter=42)
'F2026-00042'

Only letters, digits, '-', '_' and '/' may appear around the tokens, and a number stays within 35 characters:
the French e-invoicing rules (BR-FR-01/02) refuse anything else in an invoice number.

No two series may ever give the same number (`can_collide`, `check_distinct`): not only the legal series, where the
law forbids it (docs/legal.md 2.1) and the database refuses it, but quotes, orders and delivery notes too. Counters
of two series are independent, so a shared pattern would never give an order the number of its quote: it would only
name two unrelated documents alike, and a quote numbered like an invoice is taken for it by a client paying
"F2026-00012" or by the accountant. Nothing is gained by allowing it.
"""
import re
from collections.abc import Callable, Mapping
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


def can_collide(first: str, second: str) -> bool:
    """Whether some number of pattern `first` can equal some number of pattern `second`, whatever the dates and the
    counters, a counter past its width included ({N:5} gives 6 digits past 99999).

    Sound: False only when no dates and counters make them equal. It may say True for patterns that can't meet in
    practice, since it ignores that {AAAA}, {AA} and {MM} of one pattern come from the same date.

    >>> can_collide('F{AAAA}-{N:5}', 'AV{AAAA}-{N:5}')
    False
    >>> can_collide('F{N}', 'F{AAAA}{N:5}')  # F202600001: the 202600001st number of the first
    True
    >>> can_collide('F{AA}-{N:3}', 'F{AA}-{N:4}')  # F26-1000: the 1000th number of each
    True
    >>> can_collide('A{N}', 'A0{N:3}')  # a counter never starts with 0 unless it is padded
    False
    """
    (edges, final), (other_edges, other_final) = _automaton(_parse(first)), _automaton(_parse(second))
    seen = {(0, 0)}
    todo = [(0, 0)]
    while todo:  # walk both automata together: a common path from start to both ends is a common number
        state, other_state = todo.pop()
        states, other_states = _closure(edges, state), _closure(other_edges, other_state)
        if final in states and other_final in other_states:
            return True
        for chars, target in (edge for source in states for edge in edges[source] if edge[0]):
            for other_chars, other_target in (edge for source in other_states for edge in other_edges[source]
                                              if edge[0]):
                if chars & other_chars and (target, other_target) not in seen:
                    seen.add((target, other_target))
                    todo.append((target, other_target))
    return False


def check_distinct(key: str, pattern: str, patterns: Mapping[str, str]) -> None:
    """Raise PatternError when `pattern`, for series `key`, could give a number of another series (`patterns`: every
    series' key and pattern), naming that series."""
    for other, other_pattern in patterns.items():
        if other != key and can_collide(pattern, other_pattern):
            label = SERIES_LABELS.get(other, other)
            raise PatternError(f'Ce modèle pourrait donner un numéro de la série « {label} » ({other_pattern}) : '
                               'deux documents ne portent jamais le même numéro. Choisissez un préfixe distinct.')


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


_DIGITS = frozenset('0123456789')
_NONZERO = _DIGITS - {'0'}
# Each date token as the characters allowed at each of its positions (the year 0000 included: sound, not exact).
_DATE_DIGITS = {'AAAA': (_DIGITS,) * 4, 'AA': (_DIGITS,) * 2}
Edges = list[list[tuple[frozenset[str] | None, int]]]


def _automaton(parts: list[str | tuple[str, int]]) -> tuple[Edges, int]:
    """Every number a pattern can give, as a nondeterministic automaton: `edges[state]` lists (characters, next
    state), characters None for an empty move; it starts in state 0 and ends in the returned final state."""
    edges: Edges = [[]]

    def link(source: int, chars: frozenset[str] | None, target: int | None = None) -> int:
        if target is None:
            edges.append([])
            target = len(edges) - 1
        edges[source].append((chars, target))
        return target

    end = 0
    for part in parts:
        if isinstance(part, str):
            end = link(end, frozenset(part))
        elif part[0] == 'MM':  # 01 to 12
            month = link(link(end, frozenset('0')), _NONZERO)
            link(link(end, frozenset('1')), frozenset('012'), month)
            end = month
        elif part[0] == 'N':
            end = _counter(link, end, part[1])
        else:
            for chars in _DATE_DIGITS[part[0]]:
                end = link(end, chars)
    return edges, end


def _counter(link: Callable[..., int], start: int, width: int) -> int:
    """A counter from 1 up, zero-padded to `width` digits: `width` digits not all 0, or more digits without a
    leading 0 (past 99999, {N:5} gives 100000)."""
    longer = link(start, _NONZERO)
    for _ in range(width):
        longer = link(longer, _DIGITS)
    link(longer, _DIGITS, longer)
    if not width:
        return longer
    end = link(longer, None)
    zeros, nonzero = start, None  # exactly `width` digits: still all zeros, or a nonzero digit seen
    for position in range(width):
        last = position == width - 1
        following = link(zeros, _NONZERO, end if last else None)
        if nonzero is not None:
            link(nonzero, _DIGITS, following)
        if not last:
            zeros = link(zeros, frozenset('0'))
        nonzero = following
    return end


def _closure(edges: Edges, state: int) -> set[int]:
    """`state` and every state reached from it by empty moves."""
    found, todo = {state}, [state]
    while todo:
        for chars, target in edges[todo.pop()]:
            if chars is None and target not in found:
                found.add(target)
                todo.append(target)
    return found


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
