"""Errors the domain raises: each carries a message written for a person."""


class DomainError(ValueError):
    """An input the rules refuse (unknown identifier, an action the law or
    the workflow does not allow). The message is shown to the user as is."""
