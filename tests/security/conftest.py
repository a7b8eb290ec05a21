"""The world the access matrix visits: one of each thing in West, owned by West's users."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from livingwell.models import Notification


@pytest.fixture
def world(users, west, east, west_practice, east_practice):
    """Objects that URL rows build their arguments from (``row(kwargs=lambda w: ...)``).

    Everything here belongs to West and its users, so the ``other_*`` users (East) are the
    outsiders of every row.
    """
    w = SimpleNamespace(users=users, west=west, east=east)
    w.west_practice = west_practice
    w.east_practice = east_practice
    w.notification = Notification.objects.create(
        user=users["coordinator"], subject="A new escalation", url="/"
    )
    return w
