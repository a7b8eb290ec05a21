"""The admin changes clients through the services: audit entries and object permissions follow."""

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_perms

from clients.models import Assignment, Client
from livingwell.models import AuditEntry
from tests.factories import ClientFactory
from tests.volunteers.helpers import ready_volunteer

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "admin:clients_client_changelist",
    "admin:clients_assignment_changelist",
    "admin:clients_consentrecord_changelist",
    "admin:clients_need_changelist",
    "admin:volunteers_volunteer_changelist",
    "admin:volunteers_trainingrecord_changelist",
    "admin:volunteers_confidentialityagreement_changelist",
    "admin:volunteers_agreementsignature_changelist",
]


@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_admin_lists_with_search_and_filters(client_for, admin_user, west_client, name):
    response = client_for(admin_user).get(reverse(name), {"q": "Trewin"})
    assert response.status_code == 200
    assert 'id="changelist-search"' in response.content.decode()


@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_admin_is_for_admins_only(client_for, coordinator, name):
    response = client_for(coordinator).get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_assignment_goes_through_the_service(client_for, admin_user, west_practice, west):
    client = ClientFactory(practice=west_practice)
    volunteer = ready_volunteer(west)
    today = timezone.localdate()
    response = client_for(admin_user).post(
        reverse("admin:clients_assignment_add"),
        {"client": client.pk, "volunteer": volunteer.pk, "started_on": today.isoformat()},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(client=client, volunteer=volunteer, ended_on=None).exists()
    assert get_perms(volunteer.user, client) == ["view_client"]
    assert AuditEntry.objects.filter(object_type="clients.assignment", actor=admin_user).exists()


def test_admin_refuses_an_unready_volunteer(
    client_for, admin_user, west_practice, unassigned_volunteer
):
    client = ClientFactory(practice=west_practice)
    response = client_for(admin_user).post(
        reverse("admin:clients_assignment_add"),
        {"client": client.pk, "volunteer": unassigned_volunteer.pk, "started_on": "2026-01-05"},
    )
    assert response.status_code == 200
    assert "cannot be assigned yet: no current" in response.content.decode()
    assert not Assignment.objects.exists()


def test_admin_ending_an_assignment_revokes_sight(client_for, admin_user, assignment, volunteer):
    response = client_for(admin_user).post(
        reverse("admin:clients_assignment_changelist"),
        {"action": "end_assignments", "_selected_action": [assignment.pk]},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_on == timezone.localdate()
    assert get_perms(volunteer, assignment.client) == []


def test_consent_records_cannot_be_edited_in_the_admin(client_for, admin_user, west_client):
    record = west_client.consents.get()
    c = client_for(admin_user)
    page = c.get(reverse("admin:clients_consentrecord_change", args=[record.pk])).content.decode()
    assert 'name="action"' not in page  # read only
    assert c.get(reverse("admin:clients_consentrecord_add")).status_code == 403
    assert (
        c.post(
            reverse("admin:clients_consentrecord_delete", args=[record.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert west_client.consents.count() == 1


def test_admin_client_change_is_audited(client_for, admin_user, west_client):
    c = client_for(admin_user)
    url = reverse("admin:clients_client_change", args=[west_client.pk])
    data = {
        "first_name": "Elowen",
        "last_name": "Trewin-Pascoe",
        "date_of_birth": "1938-05-17",
        "nhs_number": west_client.nhs_number,
        "address": west_client.address,
        "postcode": west_client.postcode,
        "phone": "",
        "visit_notes": "",
        "practice": west_client.practice_id,
        "status": "active",
        "needs-TOTAL_FORMS": "0",
        "needs-INITIAL_FORMS": "0",
        "needs-MIN_NUM_FORMS": "0",
        "needs-MAX_NUM_FORMS": "1000",
    }
    response = c.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    west_client.refresh_from_db()
    assert west_client.last_name == "Trewin-Pascoe"
    entry = AuditEntry.objects.filter(object_type="clients.client", action="update").get()
    assert (entry.actor, entry.summary) == (admin_user, "Changed last name")


def test_history_cannot_be_reverted_in_the_admin(client_for, admin_user, west_client):
    record = west_client.history.first()
    url = reverse("admin:clients_client_simple_history", args=[west_client.pk, record.history_id])
    c = client_for(admin_user)
    page = c.get(url).content.decode()
    assert "View Elowen Trewin" in page and "Revert" not in page
    assert c.post(url, {"last_name": "Changed", "_change_history": "1"}).status_code == 403
    assert Client.objects.get(pk=west_client.pk).last_name == "Trewin"
