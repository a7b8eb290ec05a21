"""A coordinator adds a volunteer, who chooses a password from the emailed link."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from livingwell.enums import Role
from livingwell.models import AuditEntry, User
from livingwell.tasks import send_invitation_email
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

URL = reverse("volunteers:new")


def form(**changes):
    data = {
        "first_name": "Wenna",
        "last_name": "Tregenza",
        "email": "wenna@example.org",
        "phone": "07700 900123",
        "username": "wenna.t",
    }
    data.update(changes)
    return data


def test_a_coordinator_adds_a_volunteer_who_chooses_a_password_and_signs_in(
    client_for, client, coordinator, west, django_capture_on_commit_callbacks
):
    web = client_for(coordinator)
    assert 'href="/volunteers/new/"' in web.get(reverse("volunteers:list")).content.decode()
    page = web.get(URL).content.decode()
    assert 'name="locality"' not in page  # their own locality, not a choice
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(URL, form())
    volunteer = Volunteer.objects.get(user__username="wenna.t")
    assert response.url == reverse("volunteers:detail", args=[volunteer.pk])
    user = volunteer.user
    assert (user.first_name, user.last_name, user.email, user.role) == (
        "Wenna",
        "Tregenza",
        "wenna@example.org",
        Role.VOLUNTEER,
    )
    assert volunteer.locality == west == user.locality and volunteer.phone == "07700 900123"
    assert list(user.groups.all()) == [Group.objects.get(name=str(Role.VOLUNTEER))]
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(
        actor=coordinator, object_type="volunteers.volunteer", object_id=str(volunteer.pk)
    ).exists()
    shown = web.get(response.url).content.decode()
    assert "We have emailed wenna@example.org a link to choose a password" in shown

    [email] = mail.outbox
    assert email.to == ["wenna@example.org"]
    assert f"{settings.SITE_URL}/account/password/reset/" in email.body
    assert "Your username is wenna.t" in email.body
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+)", email.body).group(1)
    form_page = client.get(link, follow=True)
    new = "a long passphrase wenna chose"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.url == reverse("account:password_reset_complete")
    assert client.login(username="wenna.t", password=new)
    # The link works once.
    assert "Set a new password" not in client.get(link, follow=True).content.decode()
    # A task run again (redelivered) sends no second link once the password is chosen.
    assert send_invitation_email(user_id=user.pk, by_id=coordinator.pk) is False
    assert len(mail.outbox) == 1


def test_a_coordinator_of_no_locality_is_told_why_nothing_is_added(client_for, coordinator):
    coordinator.locality = None
    coordinator.save(update_fields=["locality"])
    response = client_for(coordinator).post(URL, form())
    assert response.status_code == 200
    assert "Your account belongs to no locality" in response.content.decode()
    assert not User.objects.filter(username="wenna.t").exists() and not mail.outbox


def test_an_admin_chooses_the_locality(client_for, admin_user, east):
    web = client_for(admin_user)
    assert 'name="locality"' in web.get(URL).content.decode()
    web.post(URL, form(locality=east.pk))
    assert Volunteer.objects.get(user__username="wenna.t").locality == east


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_name": ""}, "Enter the volunteer’s first name"),
        ({"email": ""}, "Enter the volunteer’s email address"),
        ({"email": "wenna-at-example"}, "Enter an email address like name@example.com"),
        ({"username": "wenna t!"}, "Use only letters, digits and . _ - in a username"),
        ({"username": "VERA"}, "That username is taken: choose another"),
        ({"phone": "call me"}, "Enter a phone number using digits"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    client_for, coordinator, volunteer, change, message
):
    before = User.objects.count()
    response = client_for(coordinator).post(URL, form(**change))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Add a volunteer" in body and message in body
    assert User.objects.count() == before and not mail.outbox


@pytest.mark.parametrize("role", ["volunteer", "team_leader", "mdt_chair", "practitioner"])
def test_other_roles_cannot_add_volunteers(client_for, users, role):
    web = client_for(users[role])
    assert web.get(URL).status_code == 403
    assert web.post(URL, form()).status_code == 403
    assert not User.objects.filter(username="wenna.t").exists()


def test_a_username_taken_at_the_same_moment_is_refused_not_a_server_error(client_for, coordinator):
    filter_users = User.objects.filter

    def free_then_taken(*args, **lookup):
        # The check finds the name free; another coordinator takes it before the insert.
        if lookup.get("username__iexact") == "wenna.t":
            User.objects.create_user(username="wenna.t")
            return User.objects.none()
        return filter_users(*args, **lookup)

    with mock.patch.object(User.objects, "filter", side_effect=free_then_taken):
        response = client_for(coordinator).post(URL, form())
    assert response.status_code == 200
    assert "That username is taken: choose another" in response.content.decode()
    assert not Volunteer.objects.filter(user__username="wenna.t").exists()
