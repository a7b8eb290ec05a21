"""Who must enter a second factor, and which pages they may reach before they have."""

from __future__ import annotations

from django.conf import settings
from django.urls import Resolver404, resolve

from livingwell.enums import STAFF_ROLES

# Set at sign-in for a volunteer who chose to set up an authenticator app: from then on their
# sign-in asks for it too.
OPTED_IN_SESSION_KEY = "lw_otp_opted_in"

# The pages a signed-in user may reach before entering their code: signing in and out, the
# code pages themselves, and the probes. Everything else sends them to the code step.
PUBLIC_URL_NAMES = frozenset(
    {"login", "logout", "healthz", "readyz", "account:otp_verify", "account:otp_setup"}
)


def is_staff_user(user) -> bool:
    """Everyone but volunteers: the roles that must use a second factor and that time out idle."""
    return bool(
        user.is_authenticated and (user.role in STAFF_ROLES or user.is_staff or user.is_superuser)
    )


def second_factor_required(user, session) -> bool:
    return is_staff_user(user) or bool(session.get(OPTED_IN_SESSION_KEY))


def is_verified(user) -> bool:
    """True once this session's user entered a code (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def is_public_path(path: str) -> bool:
    if path.startswith(settings.STATIC_URL):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in PUBLIC_URL_NAMES
