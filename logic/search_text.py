"""Accent- and case-blind search and sort keys, stored beside contacts and articles.

SQLite's UPPER() and LIKE only fold ASCII letters, and PostgreSQL's LIKE folds nothing: searching « elise » must
still find « Élise », and « Zèbre » must not sort before « abeille ». So each row keeps a folded copy of its
searchable text, and searches fold the words typed the same way.

>>> sort_key('  Élise   DURAND ')
'elise durand'
>>> search_words('Étienne  69003')
['etienne', '69003']
"""
import re
import unicodedata

_SPACES = re.compile(r'\s+')
# Letters that Unicode does not decompose into a base letter and an accent.
_SPELLED_OUT = str.maketrans({'œ': 'oe', 'æ': 'ae', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'ð': 'd', 'þ': 'th'})
# Separators people type inside numbers (SIREN '732 829 320', phone '01.23.45.67.89') are kept as word breaks.
_WORD_BREAKS = re.compile(r'[\s.\-_/\u00a0\u202f,;]+')


def fold(text: str) -> str:
    """Lower case without accents; ligatures and other compatibility forms spelled out ('Œuvre' -> 'oeuvre')."""
    text = (text or '').casefold()
    if text.isascii():  # most values (e-mails, numbers, codes): an import folds hundreds of thousands of them
        return text
    decomposed = unicodedata.normalize('NFKD', text.translate(_SPELLED_OUT))
    return ''.join(char for char in decomposed if not unicodedata.combining(char))


def sort_key(text: str, limit: int = 200) -> str:
    """The folded text with spaces collapsed, cut to the column size."""
    return _SPACES.sub(' ', fold(text)).strip()[:limit]


def search_text(*values: str) -> str:
    """One folded string holding every searchable value, separated so that a word never spans two values."""
    return ' | '.join(sort_key(value, 1000) for value in values if value)


def search_words(text: str, *, limit: int = 8) -> list[str]:
    """The folded words of a search; each must appear in the row (AND). Extra words beyond `limit` are ignored."""
    return [word for word in _WORD_BREAKS.split(fold(text)) if word][:limit]
