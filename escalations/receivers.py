"""Receivers of lower apps' signals (connected in ``EscalationsConfig.ready``)."""

from __future__ import annotations

from clients.enums import ConsentScope

from .services import stories_unpublish_for_client


def unpublish_stories_on_withdrawal(sender, *, client, scope, by=None, **kwargs) -> None:
    """A client who withdraws consent to an anonymised story has every published story about
    them taken off the stories pages at once, in the withdrawal's own transaction."""
    if scope == ConsentScope.ANONYMISED_STORY:
        stories_unpublish_for_client(client=client, by=by)
