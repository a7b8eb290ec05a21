"""What every signed-in page asks, read with the session's user on PostgreSQL: the confirmed
authenticator apps that verify a session and the unread notifications' count. The answers are
django-otp's and the count's on every database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.models import Notification
from tests.conftest import require_or_skip
from tests.otp import give_totp_device

pytestmark = pytest.mark.django_db

VERIFY = reverse("account:otp_verify")
SETUP = reverse("account:otp_setup")
HOME = reverse("home")


def _notify(user, n, *, read=False):
    for i in range(n):
        Notification.objects.create(
            user=user,
            subject=f"Note {i}",
            body="",
            url="/",
            key=f"k-{user.pk}-{read}-{i}",
            read_at=timezone.now() if read else None,
        )


def _count_in_header(html: str) -> str | None:
    marker = '<span class="lw-count">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_a_verified_session_goes_on_while_its_app_is_confirmed(client_for, coordinator):
    web = client_for(coordinator)
    assert web.get(HOME).status_code == 200


def test_a_deleted_app_unverifies_the_session_at_once(client_for, coordinator):
    web = client_for(coordinator)
    TOTPDevice.objects.filter(user=coordinator).delete()
    response = web.get(HOME)
    assert response.status_code == 302 and response.url.startswith(SETUP)
    assert DEVICE_ID_SESSION_KEY not in web.session


def test_an_unconfirmed_app_does_not_verify(client_for, coordinator):
    web = client_for(coordinator)
    TOTPDevice.objects.filter(user=coordinator).update(confirmed=False)
    response = web.get(HOME)
    assert response.status_code == 302 and response.url.startswith(SETUP)
    assert DEVICE_ID_SESSION_KEY not in web.session


@pytest.mark.parametrize("persistent_id", ["someone-else", "otp_totp.totpdevice/x", "nonsense"])
def test_a_session_naming_an_app_not_the_users_is_not_verified(
    client_for, coordinator, other_coordinator, persistent_id
):
    web = client_for(coordinator)
    if persistent_id == "someone-else":
        persistent_id = give_totp_device(other_coordinator).persistent_id
    session = web.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    response = web.get(HOME)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert DEVICE_ID_SESSION_KEY not in web.session


def test_the_device_is_the_sessions_when_it_is_used(rf, client_for, coordinator):
    from django.contrib.auth import get_user
    from django.contrib.sessions.middleware import SessionMiddleware

    from livingwell.security.middleware import OTPMiddleware

    web = client_for(coordinator)
    device = TOTPDevice.objects.get(user=coordinator)
    request = rf.get(HOME)
    SessionMiddleware(lambda r: None).process_request(request)
    request.session = web.session
    request.user = get_user(request)
    OTPMiddleware(lambda r: r).__call__(request)
    assert request.user.is_verified()
    assert request.user.otp_device.pk == device.pk
    assert request.user.otp_device.name == device.name


def test_the_header_counts_the_unread_and_follows_marking_them_read(client_for, coordinator):
    _notify(coordinator, 3)
    _notify(coordinator, 2, read=True)
    web = client_for(coordinator)
    assert _count_in_header(web.get(HOME).content.decode()) == "3"
    web.post(reverse("notification_read"))
    assert _count_in_header(web.get(HOME).content.decode()) is None


def test_a_volunteer_with_none_unread_has_no_count(client_for, volunteer):
    assert _count_in_header(client_for(volunteer).get(HOME).content.decode()) is None


def test_on_postgresql_a_page_reads_neither_on_its_own(client_for, coordinator, volunteer):
    if connection.vendor != "postgresql":
        require_or_skip("read with the user on PostgreSQL only (set DATABASE_URL)")
    _notify(coordinator, 2)
    for user, expected in ((coordinator, "2"), (volunteer, None)):
        web = client_for(user)
        web.get(HOME)
        with CaptureQueriesContext(connection) as queries:
            html = web.get(HOME).content.decode()
        assert _count_in_header(html) == expected
        alone = [
            q["sql"]
            for q in queries
            if q["sql"].startswith('SELECT "otp_totp_totpdevice"')
            or q["sql"].startswith('SELECT COUNT(*) FROM (SELECT "livingwell_notification"')
        ]
        assert alone == []


def test_on_postgresql_a_volunteers_own_record_comes_with_them(client_for, volunteer, coordinator):
    if connection.vendor != "postgresql":
        require_or_skip("read with the user on PostgreSQL only (set DATABASE_URL)")
    form = reverse("escalations:observation_create")
    web = client_for(volunteer)
    web.get(form)
    with CaptureQueriesContext(connection) as queries:
        assert web.get(form).status_code == 200
    alone = [q["sql"] for q in queries if q["sql"].startswith('SELECT "volunteers_volunteer"')]
    assert alone == []
    # Anyone else: no volunteer record, as before.
    staff = client_for(coordinator)
    assert staff.get(HOME).status_code == 200
    user = staff.get(HOME).wsgi_request.user
    assert not hasattr(user, "volunteer")
