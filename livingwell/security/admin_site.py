"""The Django admin behind the same sign-in and second factor as the rest of the app."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .policy import is_verified


class SecondFactorAdminSite(admin.AdminSite):
    site_header = "Living Well administration"
    site_title = "Living Well admin"

    def has_permission(self, request):
        return super().has_permission(request) and is_verified(request.user)

    def login(self, request, extra_context=None):
        """One way in: the app's sign-in page (lockout, second factor), never a second form."""
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
        target = target or reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated and not is_verified(request.user):
            return redirect(f"{reverse('account:otp_verify')}?{urlencode({'next': target})}")
        if request.user.is_authenticated:
            # Signed in and verified: admins go on; the admin is not for anyone else.
            return redirect(target if self.has_permission(request) else "home")
        return redirect_to_login(target)
