"""Errors the store raises for a person to read (the CLI exits 2 with the
message, the GUI shows it). Anything else escaping the store is a bug."""

from conneqt_dpo.domain.errors import DomainError


class StoreError(DomainError):
    """An expected failure: bad input, a refused action, an unusable store."""


class NotFound(StoreError):
    pass


class StoreUnavailable(StoreError):
    """The store cannot be opened: folder not writable, file corrupt, schema
    from a newer version, database server unreachable. Nothing was changed."""
