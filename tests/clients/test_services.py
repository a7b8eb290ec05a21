import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from guardian.shortcuts import get_perms

from clients.models import Assignment, Client
from clients.selectors import clients_for, volunteer_suggestions
from clients.services import (
    AssignmentRefused,
    ClientError,
    assignment_create,
    assignment_end,
    client_create,
    client_update,
    need_add,
    need_set_met,
)
from livingwell.models import AuditEntry
from tests.factories import (
    AgreementSignatureFactory,
    ClientFactory,
    ConfidentialityAgreementFactory,
    PracticeFactory,
    TrainingRecordFactory,
    VolunteerFactory,
)
from tests.volunteers.helpers import current_agreement, make_ready, ready_volunteer
from volunteers.enums import TrainingModule, VolunteerStatus

pytestmark = pytest.mark.django_db


def test_assignment_refused_without_training_or_agreement_names_both(
    west_practice, unassigned_volunteer, coordinator
):
    client = ClientFactory(practice=west_practice)
    current_agreement()
    with pytest.raises(AssignmentRefused) as exc:
        assignment_create(client=client, volunteer=unassigned_volunteer, by=coordinator)
    assert exc.value.reasons == [
        "no current ‘Medically aware, not medically trained’ training",
        "has not signed the current confidentiality agreement (2025-1)",
    ]
    assert not Assignment.objects.exists()
    assert get_perms(unassigned_volunteer.user, client) == []


def test_assignment_refused_with_only_training_names_the_agreement(
    west_practice, unassigned_volunteer, coordinator
):
    client = ClientFactory(practice=west_practice)
    current_agreement()
    TrainingRecordFactory(volunteer=unassigned_volunteer)
    with pytest.raises(AssignmentRefused) as exc:
        assignment_create(client=client, volunteer=unassigned_volunteer, by=coordinator)
    assert exc.value.reasons == ["has not signed the current confidentiality agreement (2025-1)"]


def test_assignment_refused_with_expired_training_or_old_agreement(
    west_practice, unassigned_volunteer, coordinator
):
    client = ClientFactory(practice=west_practice)
    today = timezone.localdate()
    old = ConfidentialityAgreementFactory(version="2024-1", in_force_from=dt.date(2024, 1, 1))
    ConfidentialityAgreementFactory(version="2025-1", in_force_from=today - dt.timedelta(days=1))
    AgreementSignatureFactory(volunteer=unassigned_volunteer, agreement=old)
    TrainingRecordFactory(
        volunteer=unassigned_volunteer,
        completed_on=today - dt.timedelta(days=800),
        expires_on=today,  # expires today: not current today
    )
    TrainingRecordFactory(volunteer=unassigned_volunteer, module=TrainingModule.SAFEGUARDING)
    with pytest.raises(AssignmentRefused) as exc:
        assignment_create(client=client, volunteer=unassigned_volunteer, by=coordinator)
    assert exc.value.reasons == [
        "no current ‘Medically aware, not medically trained’ training",
        "has not signed the current confidentiality agreement (2025-1)",
    ]


def test_assignment_refused_when_no_agreement_published(
    west_practice, unassigned_volunteer, coordinator
):
    client = ClientFactory(practice=west_practice)
    TrainingRecordFactory(volunteer=unassigned_volunteer)
    with pytest.raises(AssignmentRefused) as exc:
        assignment_create(client=client, volunteer=unassigned_volunteer, by=coordinator)
    assert exc.value.reasons == ["no confidentiality agreement has been published yet"]


def test_assignment_refused_for_paused_volunteer_or_other_locality(
    west_practice, east, coordinator
):
    client = ClientFactory(practice=west_practice)
    paused = ready_volunteer(west_practice.locality, status=VolunteerStatus.PAUSED)
    elsewhere = ready_volunteer(east)
    with pytest.raises(AssignmentRefused, match="their status is ‘paused’"):
        assignment_create(client=client, volunteer=paused, by=coordinator)
    with pytest.raises(AssignmentRefused, match="they volunteer in another locality"):
        assignment_create(client=client, volunteer=elsewhere, by=coordinator)


def test_assignment_grants_and_ending_revokes_view_permission(
    west_practice, volunteer, coordinator
):
    client = ClientFactory(practice=west_practice)
    make_ready(volunteer.volunteer)
    assert not clients_for(volunteer).exists()

    assignment = assignment_create(client=client, volunteer=volunteer.volunteer, by=coordinator)
    assert get_perms(volunteer, client) == ["view_client"]
    assert list(clients_for(volunteer)) == [client]
    entry = AuditEntry.objects.get(object_type="clients.assignment")
    assert (entry.actor, entry.action, entry.client_id) == (coordinator, "create", client.pk)

    assignment_end(assignment=assignment, by=coordinator, reason="Moved away")
    assignment.refresh_from_db()
    assert assignment.ended_on == timezone.localdate()
    assert (assignment.ended_by, assignment.end_reason) == (coordinator, "Moved away")
    assert get_perms(volunteer, client) == []
    assert not clients_for(volunteer).exists()
    assert AuditEntry.objects.filter(object_type="clients.assignment", action="update").count() == 1
    assert assignment.history.count() == 2


def test_assignment_is_all_or_nothing(west_practice, volunteer, coordinator, monkeypatch):
    client = ClientFactory(practice=west_practice)
    make_ready(volunteer.volunteer)

    def broken_audit(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr("clients.services.audit", broken_audit)
    with pytest.raises(RuntimeError):
        assignment_create(client=client, volunteer=volunteer.volunteer, by=coordinator)
    # No assignment, and no object permission left behind.
    assert not Assignment.objects.exists()
    assert get_perms(volunteer, client) == []


def test_ending_is_all_or_nothing(assignment, volunteer, coordinator, monkeypatch):
    monkeypatch.setattr("clients.services.audit", lambda **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        assignment_end(assignment=assignment, by=coordinator)
    assignment.refresh_from_db()
    assert assignment.ended_on is None
    assert get_perms(volunteer, assignment.client) == ["view_client"]


def test_assignment_twice_is_refused_clearly(assignment, volunteer, coordinator):
    with pytest.raises(ClientError, match="already visits"):
        assignment_create(client=assignment.client, volunteer=volunteer.volunteer, by=coordinator)
    assert Assignment.objects.count() == 1


def test_reassigning_after_an_end_is_allowed(assignment, volunteer, coordinator):
    assignment_end(assignment=assignment, by=coordinator)
    again = assignment_create(
        client=assignment.client, volunteer=volunteer.volunteer, by=coordinator
    )
    assert again.pk != assignment.pk
    assert get_perms(volunteer, assignment.client) == ["view_client"]


def test_ending_twice_or_before_start_is_refused(assignment, coordinator):
    with pytest.raises(ClientError, match="on or after the start date"):
        assignment_end(
            assignment=assignment,
            by=coordinator,
            ended_on=assignment.started_on - dt.timedelta(days=1),
        )
    assignment_end(assignment=assignment, by=coordinator)
    with pytest.raises(ClientError, match="already ended"):
        assignment_end(assignment=assignment, by=coordinator)


def test_client_create_takes_locality_from_practice_and_audits(west_practice, coordinator):
    client = client_create(
        by=coordinator,
        first_name="Jowan",
        last_name="Angove",
        date_of_birth=dt.date(1941, 7, 30),
        nhs_number="9434765919",
        practice=west_practice,
    )
    assert client.locality == west_practice.locality
    entry = AuditEntry.objects.get(object_type="clients.client", object_id=str(client.pk))
    assert (entry.actor, entry.action, entry.client_id) == (coordinator, "create", client.pk)
    assert client.history.get().history_user == coordinator


def test_client_create_refuses_a_bad_nhs_number(west_practice, coordinator):
    with pytest.raises(ValidationError):
        client_create(
            by=coordinator,
            first_name="A",
            last_name="B",
            date_of_birth=dt.date(1940, 1, 1),
            nhs_number="9434765918",
            practice=west_practice,
        )
    assert not Client.objects.exists()
    assert not AuditEntry.objects.exists()


def test_client_update_audits_field_names_not_values(west_client, coordinator, west):
    other = PracticeFactory(locality=west)
    changed = client_update(
        client=west_client,
        by=coordinator,
        data={"phone": "01736 000111", "practice": other, "first_name": west_client.first_name},
    )
    assert changed == ["phone", "practice"]
    entry = AuditEntry.objects.filter(object_type="clients.client", action="update").get()
    assert entry.summary == "Changed phone, practice"
    assert "01736" not in entry.summary
    assert client_update(client=west_client, by=coordinator, data={"phone": "01736 000111"}) == []
    assert AuditEntry.objects.filter(object_type="clients.client", action="update").count() == 1


def test_client_update_moves_locality_with_practice(west_client, coordinator, east_practice):
    client_update(client=west_client, by=coordinator, data={"practice": east_practice})
    west_client.refresh_from_db()
    assert west_client.locality == east_practice.locality


def test_needs_are_audited(west_client, coordinator):
    need = need_add(
        client=west_client, kind="non_medical", description="Rail by the step", by=coordinator
    )
    need_set_met(need=need, met=True, by=coordinator)
    need_set_met(need=need, met=True, by=coordinator)  # no change, no entry
    summaries = list(
        AuditEntry.objects.filter(object_type="clients.need")
        .order_by("at")
        .values_list("summary", flat=True)
    )
    assert summaries == ["Need added (Non-medical)", "Need marked met"]


def test_suggestions_prefer_volunteers_of_the_same_practice(west, west_practice, coordinator):
    other_practice = PracticeFactory(locality=west)
    client = ClientFactory(practice=west_practice)
    same = ready_volunteer(west, user__first_name="Same")
    busy_same = ready_volunteer(west, user__first_name="Busy")
    elsewhere = ready_volunteer(west, user__first_name="Elsewhere")
    unready_same = VolunteerFactory(locality=west, user__first_name="Unready")
    for _ in range(2):
        assignment_create(
            client=ClientFactory(practice=west_practice), volunteer=busy_same, by=coordinator
        )
    assignment_create(
        client=ClientFactory(practice=other_practice), volunteer=busy_same, by=coordinator
    )
    assignment_create(client=ClientFactory(practice=west_practice), volunteer=same, by=coordinator)
    assignment_create(
        client=ClientFactory(practice=other_practice), volunteer=elsewhere, by=coordinator
    )
    # An unready volunteer with a client at the practice (made directly: the service refuses).
    Assignment.objects.create(client=ClientFactory(practice=west_practice), volunteer=unready_same)

    suggestions = volunteer_suggestions(client)
    assert [(v.user.first_name, v.shared_clients, v.open_clients) for v in suggestions] == [
        ("Busy", 2, 3),
        ("Same", 1, 1),
        ("Unready", 1, 1),
    ]
    assert [bool(v.missing) for v in suggestions] == [False, False, True]
    assert elsewhere not in suggestions


def test_suggestions_leave_out_the_clients_own_volunteers(assignment, coordinator, west_practice):
    other_client = ClientFactory(practice=west_practice)
    assert [v.pk for v in volunteer_suggestions(other_client)] == [assignment.volunteer_id]
    assert volunteer_suggestions(assignment.client) == []
