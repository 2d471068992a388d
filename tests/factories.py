"""Builders for test data."""

from __future__ import annotations

from conneqt_dpo.store.views import NewRequest


def request(**kw: object) -> NewRequest:
    """A valid UK GDPR access request by email; override any field."""
    base: dict[str, object] = dict(regime="uk-gdpr", rights=("access",), channel="email",
                                   name="Ada Lovelace", email="ada@example.org")  # fmt: skip
    base.update(kw)
    return NewRequest(**base)  # type: ignore[arg-type]
