"""The staff second factor: setting up, the code step, reuse, reset, and the admin."""

import re
import time

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livingwell.security.policy import PUBLIC_URL_NAMES
from tests.otp import give_totp_device, next_code, totp_code

from .urlconf import is_admin_internal, named_urls

pytestmark = pytest.mark.django_db

VERIFY = reverse("account:otp_verify")
SETUP = reverse("account:otp_setup")


def sign_in(client, username, password):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_staff_without_app_set_it_up_after_signing_in(client, coordinator, password):
    sign_in(client, "colin", password)
    response = client.get(reverse("home"))
    assert response.url == f"{SETUP}?next=%2F"
    page = client.get(response.url)
    body = page.content.decode()
    assert "<title>Set up your authenticator app – Living Well</title>" in body
    assert 'src="data:image/svg+xml;base64,' in body
    device = TOTPDevice.objects.get(user=coordinator)
    assert device.confirmed is False
    key = re.search(r'<code class="lw-key">([A-Z2-7 ]+)</code>', body).group(1)
    assert key.replace(" ", "") == __import__("base64").b32encode(device.bin_key).decode()

    response = client.post(SETUP, {"code": totp_code(device.key), "next": "/"})
    assert response.url == "/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("home")).status_code == 200


def test_setting_up_with_a_wrong_code_changes_nothing(client, coordinator, password):
    sign_in(client, "colin", password)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=coordinator)
    wrong = f"{(int(totp_code(device.key)) + 1) % 1000000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "<title>Error: Set up your authenticator app" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(reverse("home")).url.startswith(SETUP)


def test_every_private_page_sends_unverified_staff_to_the_code_step(client_for, coordinator):
    give_totp_device(coordinator)
    client = client_for(coordinator, verified=False)
    checked = []
    for url in named_urls():
        if url.name in PUBLIC_URL_NAMES or is_admin_internal(url.name):
            continue
        path = url.dummy_path()
        response = client.get(path)
        assert response.status_code == 302, (url.name, response.status_code)
        assert response.url.startswith(f"{VERIFY}?next="), (url.name, response.url)
        checked.append(url.name)
    assert {"home", "notifications", "admin:index", "account:password_change"} <= set(checked)
    # A page that does not exist is no way round it either.
    assert client.get("/no-such-page/").url.startswith(VERIFY)
    # The public ones answer.
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(VERIFY).status_code == 200


def test_code_step_signs_in_and_changes_the_session_key(client, coordinator, password):
    device = give_totp_device(coordinator)
    sign_in(client, "colin", password)
    key_after_password = client.session.session_key
    response = client.post(VERIFY, {"code": next_code(device), "next": "/notifications/"})
    assert response.url == "/notifications/"
    assert client.session.session_key != key_after_password
    assert client.get("/notifications/").status_code == 200


def test_a_code_is_refused_the_second_time(client, coordinator, password):
    device = give_totp_device(coordinator)
    code = next_code(device)
    sign_in(client, "colin", password)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, "colin", password)
    response = client.post(VERIFY, {"code": code})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Enter your code" in body
    assert "has been used already" in body
    assert client.get(reverse("home")).url.startswith(VERIFY)


def test_the_next_accepted_code_follows_the_devices_drift_and_last_step(
    client, coordinator, password
):
    from livingwell.security.services import next_accepted_code

    device = give_totp_device(coordinator)
    # Learnt two steps ahead of the clock (quick re-sign-ins), the step now used.
    now = time.time()
    clock_t = int((now - device.t0) // device.step)
    device.drift, device.last_t = 2, clock_t + 2
    device.save()
    code, wait = next_accepted_code(device, now)
    assert code == totp_code(device.key, at=now, steps=3) and wait == 0  # within tolerance
    device.last_t = clock_t + 3
    code, wait = next_accepted_code(device, now)
    # Step clock + 4 is accepted once the clock reaches clock + 1.
    assert code == totp_code(device.key, at=now, steps=4)
    assert wait == pytest.approx(device.t0 + (clock_t + 1) * device.step - now)
    device.last_t = clock_t + 2
    device.save()
    sign_in(client, "colin", password)
    response = client.post(VERIFY, {"code": next_accepted_code(device)[0]})
    assert response.status_code == 302, "the code of the device's own step was refused"


def test_wrong_codes_are_refused_then_slowed_down(client, coordinator, password):
    device = give_totp_device(coordinator)
    sign_in(client, "colin", password)
    # The clock stands still: "straight after" stays straight after however busy the machine.
    with time_machine.travel(time.time(), tick=False):
        wrong = f"{(int(totp_code(device.key)) + 500000) % 1000000:06d}"
        response = client.post(VERIFY, {"code": wrong})
        assert "That code is not right" in response.content.decode()
        # Straight after a wrong code even the right one waits (django-otp's back-off).
        response = client.post(VERIFY, {"code": totp_code(device.key)})
        assert "Too many wrong codes" in response.content.decode()
        assert client.get(reverse("home")).url.startswith(VERIFY)
    with time_machine.travel(time.time() + 2, tick=False):
        response = client.post(VERIFY, {"code": totp_code(device.key)})
        assert response.status_code == 302


def test_open_redirect_after_the_code_is_refused(client, coordinator, password):
    device = give_totp_device(coordinator)
    sign_in(client, "colin", password)
    response = client.post(VERIFY, {"code": next_code(device), "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_a_password_reset_does_not_skip_the_second_factor(client, coordinator):
    give_totp_device(coordinator)
    client.post(reverse("account:password_reset"), {"email": coordinator.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    new = "a brand new passphrase for colin"
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.url == reverse("account:password_reset_complete")
    assert SESSION_KEY not in client.session  # setting a password signs no one in
    sign_in(client, "colin", new)
    assert client.get(reverse("home")).url.startswith(VERIFY)


def test_volunteers_are_not_asked_for_a_code(client, volunteer, password):
    sign_in(client, "vera", password)
    assert client.get(reverse("home")).status_code == 200


def test_a_volunteer_who_set_up_an_app_is_asked_for_it(client, volunteer, password):
    device = give_totp_device(volunteer)
    sign_in(client, "vera", password)
    assert client.get(reverse("home")).url.startswith(VERIFY)
    client.post(VERIFY, {"code": next_code(device)})
    assert client.get(reverse("home")).status_code == 200


def test_the_admin_asks_for_the_second_factor(client_for, admin_user):
    client = client_for(admin_user, verified=False)
    give_totp_device(admin_user)
    assert client.get(reverse("admin:index")).url.startswith(VERIFY)
    client = client_for(admin_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Living Well administration" in response.content.decode()


def test_the_admin_site_itself_refuses_an_unverified_admin(rf, admin_user):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = admin_user
    request.user.is_verified = lambda: False
    assert admin.site.has_permission(request) is False
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request) is True


def test_the_admin_login_is_the_app_sign_in(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.url == f"{reverse('login')}?next=/admin/"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(code=st.text(max_size=40))
def test_any_typed_code_gets_an_answer_not_an_error(client_for, coordinator, code):
    give_totp_device(coordinator)
    client = client_for(coordinator, verified=False)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "<title>Error: Enter your code" in response.content.decode()
