"""Password policy and hashing (argon2 through passlib, the maintained libpass fork).

The policy follows NIST SP 800-63B § 3.1.1.2 and the ANSSI: at least 12 characters, no composition rules, and no
password an attacker tries first. zxcvbn (Dropbox's offline estimator: common-password lists, keyboard walks,
sequences, repeats, dates) must rate it 3 or more out of 4, about 10^8 guesses; a few rules come first so that the
refusal says plainly why (only spaces, one repeated character, the user's own name or e-mail address inside).

>>> check_policy('correct horse battery staple')
>>> check_policy('password1234')
Traceback (most recent call last):
...
logic.passwords.PasswordError: Ce mot de passe est trop facile à deviner : il fait partie des mots de passe les plus courants. Choisissez plutôt une phrase de quatre mots ou plus, sans lien entre eux.

Hashing is slow on purpose: callers run it off the event loop (`run.io_bound`).
"""
import re
import threading
import unicodedata

from passlib.context import CryptContext

MIN_LENGTH = 12
MAX_LENGTH = 512
# zxcvbn's own threshold for a password that resists online guessing well and offline guessing somewhat.
MIN_SCORE = 3
# zxcvbn's cost grows with the square of the length (it refuses more than 72 characters): a password whose first
# 72 characters are hard to guess is hard to guess.
ESTIMATED_PREFIX = 72
# Words of the user's name or e-mail address shorter than this are too common to refuse inside a password.
IDENTITY_WORD_LENGTH = 4
# Context words an attacker tries on this service (NIST: "the name of the service").
SERVICE_WORDS = ('facturier', 'facture', 'factures', 'facturation')

_context = CryptContext(schemes=['argon2'], deprecated='auto')
# Verified when the email is unknown, so that a wrong email costs as much time as a wrong password.
_DUMMY_HASH = _context.hash('facturier-dummy-password')
# The keys of a French keyboard that sit where other characters sit on a QWERTY one (letters and the digit row).
AZERTY_AS_QWERTY = str.maketrans('azqwmAZQWM,;:!&é"\'(-è_çà', 'qwaz;QWAZ:m,./1234567890')
# zxcvbn keeps the user's words in a module-level dictionary: two threads checking at once must not mix them.
_estimator_lock = threading.Lock()
ADVICE = 'Choisissez plutôt une phrase de quatre mots ou plus, sans lien entre eux.'
# Why zxcvbn found it easy, by the kind of its largest guessable part.
REASONS = {
    'passwords': 'il fait partie des mots de passe les plus courants',
    'user_inputs': 'il reprend votre nom, votre adresse e-mail ou le nom de l’application',
    'dictionary': 'il est fait de mots ou de prénoms trop courants',
    'spatial': 'il suit les touches du clavier (azerty, qwerty…)',
    'sequence': 'il contient une suite comme « abcd » ou « 1234 »',
    'repeat': 'il répète les mêmes caractères',
    'date': 'il repose sur une date ou une année',
    'regex': 'il repose sur une date ou une année',
}


class PasswordError(ValueError):
    """A password that the policy refuses (French message)."""


def check_policy(password: str, *, email: str = '', name: str = '') -> None:
    """Raise PasswordError when the password is too short, too long, or easy to guess for someone who knows the
    user's name and e-mail address."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f'Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.')
    if len(password) > MAX_LENGTH:
        raise PasswordError(f'Le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères.')
    if not password.strip():
        raise PasswordError('Le mot de passe ne peut pas être fait uniquement d’espaces.')
    if len(set(password)) == 1:
        raise PasswordError('Le mot de passe ne peut pas répéter un seul caractère.')
    if _contains_identity(password, email, name):
        raise PasswordError('Le mot de passe ne doit contenir ni votre nom ni votre adresse e-mail.')
    weakness = _weakness(password, [email, email.partition('@')[0], name, *_words(email), *_words(name),
                                    *SERVICE_WORDS])
    if weakness is not None:
        raise PasswordError(f'Ce mot de passe est trop facile à deviner{weakness}. {ADVICE}')


def hash_password(password: str, *, email: str = '', name: str = '') -> str:
    check_policy(password, email=email, name=name)
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not an account exists."""
    if not password_hash:
        _context.verify(password, _DUMMY_HASH)
        return False
    try:
        return _context.verify(password, password_hash)
    except (ValueError, TypeError):
        return False


def _contains_identity(password: str, email: str, name: str) -> bool:
    """The folded password holds the e-mail address or a word of the name or of the address's local part.

    >>> _contains_identity('Durând secret 1', 'alice@atelier-durand.fr', 'Alice Durand')
    True
    >>> _contains_identity('al ice et bob !', 'al@example.com', 'Al Ice')
    False
    """
    folded = _fold(password)
    words = {_fold(word) for word in _words(name) + _words(email.partition('@')[0])}
    needles = {word for word in words if len(word) >= IDENTITY_WORD_LENGTH} | ({_fold(email)} - {''})
    return any(needle in folded for needle in needles)


def _weakness(password: str, user_inputs: list[str]) -> str | None:
    """None when zxcvbn rates the password strong enough, else ' : why' (or '' when it can't tell why).

    zxcvbn knows QWERTY keyboards only: the password is also read as the keys it takes on a French AZERTY keyboard,
    so that 'qsdfghjklm' (the home row there) counts as the keyboard walk it is.

    >>> _weakness('wxcvbnqsdfgh', [])
    ' : il suit les touches du clavier (azerty, qwerty…)'
    """
    result = _estimate(password, user_inputs)
    if result['score'] >= MIN_SCORE:
        if _estimate(password.translate(AZERTY_AS_QWERTY), user_inputs)['score'] >= MIN_SCORE:
            return None
        return f' : {REASONS["spatial"]}'
    guessable = [match for match in result['sequence'] if match['pattern'] != 'bruteforce']
    if not guessable:
        return ''
    largest = max(guessable, key=lambda match: len(match['token']))
    kind = largest['pattern']
    if kind == 'dictionary' and largest.get('dictionary_name') in ('passwords', 'user_inputs'):
        kind = largest['dictionary_name']
    return f' : {REASONS[kind]}' if kind in REASONS else ''


def _estimate(password: str, user_inputs: list[str]) -> dict:
    from zxcvbn import zxcvbn  # ~1 MB of word lists: loaded when a first password is set, not at import

    with _estimator_lock:
        return zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=[value for value in user_inputs if value])


def _words(text: str) -> list[str]:
    return [word for word in re.split(r'[\W_]+', text or '') if word]


def _fold(text: str) -> str:
    """Lower case, accents dropped, letters and digits only: 'Durând-Alice' -> 'durandalice'."""
    decomposed = unicodedata.normalize('NFKD', text.lower())
    return ''.join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))
