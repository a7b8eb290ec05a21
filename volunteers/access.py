"""Who may use a page at all. Which rows they see is the selectors' business (a row outside a
user's scope is a 404); a role that may never use a page gets a 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from livingwell.enums import Role


def gate(check: Callable) -> Callable:
    """Decorate a view: anonymous users go to sign in; users for whom ``check(user)`` is
    false get a 403."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def has_perm(perm: str) -> Callable:
    """A check: the user's role carries the model permission ``perm``."""
    return lambda user: user.is_active and user.has_perm(perm)


def is_volunteer(user) -> bool:
    return user.is_active and user.role == Role.VOLUNTEER


def any_of(*checks: Callable) -> Callable:
    return lambda user: any(check(user) for check in checks)
