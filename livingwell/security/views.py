"""The second-factor step, setting up an authenticator app, and the password pages."""

from __future__ import annotations

import base64
import logging

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from .forms import PasswordChangeForm, PasswordResetForm, SecondFactorForm, SetPasswordForm
from .policy import is_staff_user, is_verified, second_factor_required
from .services import (
    base32_key,
    confirmed_totp_device,
    totp_device_confirm,
    totp_device_for_setup,
)

logger = logging.getLogger(__name__)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _verified(request, device) -> None:
    otp_login(request, device)
    # A new key for the more trusted session, as at sign-in.
    request.session.cycle_key()


@login_required
def otp_verify(request):
    """The step after the password: a code from the user's authenticator app."""
    device = confirmed_totp_device(request.user)
    if device is None:
        return redirect(f"{reverse('account:otp_setup')}?{request.GET.urlencode()}")
    if is_verified(request.user):
        return redirect(_next_url(request))
    form = SecondFactorForm(request.POST or None, user=request.user, device=device)
    if request.method == "POST":
        if form.is_valid():
            _verified(request, device)
            logger.info("second factor accepted for user %s", request.user.pk)
            return redirect(_next_url(request))
        logger.warning("second factor refused for user %s", request.user.pk)
    return render(request, "security/otp/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def otp_setup(request):
    """Set up an authenticator app: scan the code (or type the key), then enter a code."""
    if confirmed_totp_device(request.user) is not None:
        if not is_verified(request.user):
            return redirect(f"{reverse('account:otp_verify')}?{request.GET.urlencode()}")
        messages.info(request, "Your authenticator app is already set up.")
        return redirect("account:overview")
    device = totp_device_for_setup(user=request.user)
    form = SecondFactorForm(request.POST or None, user=request.user, device=device)
    if request.method == "POST" and form.is_valid():
        totp_device_confirm(user=request.user, device=device)
        _verified(request, device)
        messages.success(request, "Your authenticator app is set up.")
        return redirect(_next_url(request))
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage)
    qr_data_uri = "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()
    return render(
        request,
        "security/otp/setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_data_uri": qr_data_uri,
            "key": base32_key(device),
            "required": is_staff_user(request.user),
        },
    )


@login_required
def account_overview(request):
    """The user's own account: password and second factor."""
    return render(
        request,
        "security/account/overview.html",
        {
            "has_device": confirmed_totp_device(request.user) is not None,
            "required": second_factor_required(request.user, request.session),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "security/password/change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("account:overview")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed.")
        logger.info("password changed by user %s", self.request.user.pk)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "security/password/reset.html"
    form_class = PasswordResetForm
    email_template_name = "security/password/reset_email.txt"
    subject_template_name = "security/password/reset_subject.txt"
    success_url = reverse_lazy("account:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "security/password/reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password never signs the user in: they sign in again, code and all."""

    template_name = "security/password/reset_confirm.html"
    form_class = SetPasswordForm
    post_reset_login = False
    success_url = reverse_lazy("account:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "security/password/reset_complete.html"
