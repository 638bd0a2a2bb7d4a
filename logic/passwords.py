"""Password policy and hashing (argon2 through passlib, the maintained libpass fork).

Hashing is slow on purpose: callers run it off the event loop (`run.io_bound`).
"""
from passlib.context import CryptContext

MIN_LENGTH = 12
MAX_LENGTH = 512

_context = CryptContext(schemes=['argon2'], deprecated='auto')
# Verified when the email is unknown, so that a wrong email costs as much time as a wrong password.
_DUMMY_HASH = _context.hash('facturier-dummy-password')


class PasswordError(ValueError):
    """A password that the policy refuses (French message)."""


def check_policy(password: str) -> None:
    """At least 12 characters and no composition rules (NIST SP 800-63B, ANSSI)."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f'Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.')
    if len(password) > MAX_LENGTH:
        raise PasswordError(f'Le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères.')


def hash_password(password: str) -> str:
    check_policy(password)
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
