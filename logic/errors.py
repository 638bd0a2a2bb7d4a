"""The base of errors a user can fix: `str(error)` is a French sentence shown as is."""


class DomainError(Exception):
    """A refused action or bad input; nothing was changed."""
