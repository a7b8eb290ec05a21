"""Session limits and the second-factor gate, run on every request after authentication."""

from __future__ import annotations

import logging
import time
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.prepared import Prepared

from .backends import session_user_offered
from .policy import is_public_path, is_staff_user, is_verified, second_factor_required
from .services import confirmed_totp_device

logger = logging.getLogger(__name__)

SIGNED_IN_AT = "lw_signed_in_at"
SEEN_AT = "lw_seen_at"
# The last-seen time is written at most this often, so a busy page does not save the session
# on every request; the idle limit is exact to within this many seconds.
SEEN_RESOLUTION_SECONDS = 60


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, letting the authentication backend take the user the session's store read
    with the session (one statement for both on PostgreSQL, ``livingwell.security.sessions``).
    Django's ``get_user`` still decides who the user is, from the session data, and checks
    the session's hash."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(partial(_session_user, request))


def _session_user(request):
    # Django's own (the user worked out once a request, kept on it), with the session's user on
    # offer while it runs.
    with session_user_offered(request.session):
        return auth_middleware.get_user(request)


_TOTP_DEVICE_BY_PK = Prepared(lambda pk: TOTPDevice.objects.filter(id=pk), int, plan_once=True)


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``), reading the
    session's authenticator app with its SQL compiled once (``livingwell.prepared``): staff
    pay for it on every page. Other kinds of device are read as django-otp reads them."""

    def _verify_user_sync(self, request, user):
        """On PostgreSQL the session's user is read with the ids of their confirmed
        authenticator apps (livingwell.security.backends): a session verified with one of them
        is verified without reading the device, which is read only if something uses it."""
        confirmed = getattr(user, "confirmed_totp_ids", None)
        persistent_id = (
            request.session.get(DEVICE_ID_SESSION_KEY) if confirmed is not None else None
        )
        device_id = self._totp_id(persistent_id) if persistent_id else None
        if device_id is None:
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        if device_id.isdecimal() and int(device_id) in confirmed:
            # The user's own and confirmed, as _finalize_device requires.
            user.otp_device = SimpleLazyObject(partial(_TOTP_DEVICE_BY_PK.first, device_id))
        else:
            del request.session[DEVICE_ID_SESSION_KEY]
        return user

    def _totp_id(self, persistent_id: str) -> str | None:
        """The id in a session's device key if it names an authenticator app, else None."""
        label, _, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        return device_id if label == TOTPDevice.model_label() else None

    def _device_from_persistent_id(self, persistent_id: str):
        device_id = self._totp_id(persistent_id)
        if device_id is None:
            return super()._device_from_persistent_id(persistent_id)
        try:
            return _TOTP_DEVICE_BY_PK.first(device_id)
        except ValueError:
            return None


def _unwrapped(obj):
    """What a lazy object (``SimpleLazyObject``, any depth) stands for, worked out now."""
    while isinstance(obj, LazyObject):
        if obj._wrapped is empty:
            obj._setup()
        obj = obj._wrapped
    return obj


class SessionTimeoutMiddleware:
    """Signs a user out 12 hours after signing in (everyone) or after 30 minutes without a
    request (staff), then sends them to the sign-in page with a message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Every request reads its user here: from now on the user itself, not the two lazy
        # wrappers of Django's and django-otp's middleware, which pass every attribute read on
        # through an exception (a page reads its user's attributes dozens of times).
        user = request.user = _unwrapped(request.user)
        if user.is_authenticated:
            expired = self._expired(request, user)
            if expired:
                logger.info("session of user %s ended %s", user.pk, expired)
                logout(request)
                messages.info(request, f"You were signed out {expired}. Sign in again to go on.")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _expired(request, user) -> str | None:
        session = request.session
        now = time.time()
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        seen_at = session.get(SEEN_AT, now)
        if now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return f"{settings.SESSION_COOKIE_AGE // 3600} hours after signing in"
        idle = settings.STAFF_SESSION_IDLE_SECONDS
        if is_staff_user(user) and now - seen_at > idle:
            return f"after {idle // 60} minutes without activity"
        if SEEN_AT not in session or now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return None


class SecondFactorRequiredMiddleware:
    """Until a staff user has entered a code in this session, every page but signing in and
    out, the code step and the probes sends them to the code step (or, if they have no
    authenticator app yet, to setting one up)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and second_factor_required(user, request.session)
            and not is_verified(user)
            and not is_public_path(request.path_info)
        ):
            step = "account:otp_verify" if confirmed_totp_device(user) else "account:otp_setup"
            target = reverse(step)
            if request.method == "GET":
                target = f"{target}?{urlencode({'next': request.get_full_path()})}"
            return redirect(target)
        return self.get_response(request)
