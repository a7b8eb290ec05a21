"""django-axes, counting failures in a window: the 11th wrong password for a username within
``LOGIN_FAILURE_WINDOW`` locks it for ``AXES_COOLOFF_TIME``.

Axes on its own counts failures for as long as each comes within the cool-off of the one
before, and locks for the same length; here the two lengths differ (5 and 15 minutes). The
failure log (``AccessFailureLog``, one row per failure) is the source: it has every failure's
time, and the row of the failure that locked is marked ``locked_out``.
"""

from __future__ import annotations

from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessFailureLog
from django.utils import timezone


class WindowedLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        failures = AccessFailureLog.objects.filter(username=username)
        if failures.filter(
            locked_out=True, attempt_time__gt=now - settings.AXES_COOLOFF_TIME
        ).exists():
            return get_failure_limit(request, credentials)
        recent = failures.filter(attempt_time__gt=now - settings.LOGIN_FAILURE_WINDOW).count()
        # While a failure is being recorded it is not in the log yet: count it.
        return recent + (1 if getattr(request, "lw_failure_in_hand", False) else 0)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None:
            request.lw_failure_in_hand = True
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            if request is not None:
                request.lw_failure_in_hand = False

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        """``manage.py axes_reset_username NAME`` lifts a lock early: forget the failures that
        count towards it (older failures stay in the log)."""
        count = super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        if username:
            since = timezone.now() - max(settings.AXES_COOLOFF_TIME, settings.LOGIN_FAILURE_WINDOW)
            AccessFailureLog.objects.filter(username=username, attempt_time__gt=since).delete()
        return count
