"""The observation form (volunteers and by phone), "My observations" and the volunteer's
page of one observation: content, double submit, the broker being down, bad input."""

from __future__ import annotations

import re
import uuid
from unittest import mock

import pytest
from django.urls import reverse

from escalations import forms
from escalations.enums import Action, EscalationState, ObservationKind, RoutingStatus
from escalations.models import Escalation, Observation
from livingwell.models import AuditEntry

from ..factories import ClientFactory
from .helpers import visit

pytestmark = pytest.mark.django_db

URL = reverse("escalations:observation_create")


def form_data(who, **extra):
    return {
        "submission_key": str(uuid.uuid4()),
        "client": who.pk,
        "noticed": "She seemed confused about her tablets and had bruises on her arm.",
        "kind": "medication",
        "urgency": "worried",
        "client_wants": "Someone to check her tablets with her",
        **extra,
    }


def test_volunteer_form_lists_only_their_clients_and_says_what_to_do_in_an_emergency(
    client_for, volunteer, mary, east_client, west_practice
):
    ClientFactory(practice=west_practice, first_name="Unvisited", last_name="Person")
    body = client_for(volunteer).get(URL).content.decode()
    assert "<title>Tell us what you noticed – Living Well</title>" in body
    assert 'href="tel:999"' in body and 'href="tel:111"' in body
    assert "Mary Trevithick" in body
    assert "Jenifer" not in body and "Unvisited" not in body
    assert "You do not need to do anything medical" in body
    # Never asks the volunteer to act medically: no dosing, diagnosis or treatment words.
    for word in ("dose", "diagnos", "treat", "prescri", "blood pressure"):
        assert word not in body.lower()


def test_volunteer_submits_and_sees_it(
    client_for, volunteer, mary, coordinator, django_capture_on_commit_callbacks
):
    web = client_for(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(URL, form_data(mary))
    observation = Observation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("escalations:my_observation", args=[observation.pk])
    assert observation.volunteer.user == volunteer and observation.logged_by == volunteer
    assert observation.by_phone is False
    escalation = observation.escalation
    assert escalation.state == EscalationState.ROUTED  # routed after the commit, eagerly
    assert escalation.owner == coordinator
    assert AuditEntry.objects.filter(
        object_type="escalations.observation", client_id=mary.pk, action="create"
    ).exists()
    body = web.get(response.url).content.decode()
    assert "Thank you. We have it, and the right person will look at it." in body
    assert "You told us about this." in body
    assert "It reached the person who looks at it." in body
    assert "Being looked at" in body
    # While it is open, what to do in an emergency comes first, before what they told us.
    assert 'href="tel:999"' in body and 'href="tel:111"' in body
    assert body.index('href="tel:999"') < body.index("What you told us")


@pytest.mark.parametrize("form_class", [forms.ObservationForm, forms.StaffObservationForm])
def test_a_form_sent_valid_never_works_out_its_layout(
    monkeypatch, client_for, volunteer, team_leader, mary, form_class
):
    """Laying out the fields is for drawing the form: a valid one is saved and redirected."""
    laid_out = []
    original = form_class.layout_fields
    monkeypatch.setattr(
        form_class, "layout_fields", lambda form: laid_out.append(form) or original(form)
    )
    staff = form_class is forms.StaffObservationForm
    web = client_for(team_leader if staff else volunteer)
    data = form_data(mary, **({"volunteer": volunteer.volunteer.pk} if staff else {}))
    assert web.post(URL, data).status_code == 302
    assert laid_out == []
    refused = web.post(URL, {**data, "noticed": ""})
    assert refused.status_code == 200 and len(laid_out) == 1
    assert 'name="noticed"' in refused.content.decode()


def test_a_double_submit_makes_one_observation(client_for, volunteer, mary):
    data = form_data(mary)
    web = client_for(volunteer)
    first = web.post(URL, data)
    second = web.post(URL, data)
    assert Observation.objects.count() == 1
    assert Escalation.objects.count() == 1
    assert first.url == second.url


def test_saving_does_not_depend_on_the_broker(
    client_for, volunteer, mary, django_capture_on_commit_callbacks
):
    from escalations.tasks import route_escalation

    with (
        mock.patch.object(
            route_escalation, "apply_async", side_effect=ConnectionRefusedError("redis down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(volunteer).post(URL, form_data(mary), follow=True)
    assert response.status_code == 200
    assert "Thank you. We have it" in response.content.decode()
    escalation = Escalation.objects.get()
    assert escalation.state == EscalationState.NEW
    assert escalation.routing_status == RoutingStatus.PENDING  # the sweep will route it


def test_team_leader_logs_a_call_for_a_volunteer(
    client_for, team_leader, volunteer, mary, coordinator
):
    web = client_for(team_leader)
    body = web.get(URL).content.decode()
    assert "Log an observation from a call" in body
    assert str(volunteer) in body
    response = web.post(URL, form_data(mary, volunteer=volunteer.volunteer.pk, by_phone="on"))
    observation = Observation.objects.get()
    assert response.url == reverse("escalations:detail", args=[observation.escalation.pk])
    assert observation.by_phone is True
    assert observation.logged_by == team_leader
    assert observation.volunteer.user == volunteer
    created = observation.escalation.events.get(action=Action.CREATED)
    assert (
        created.volunteer_summary == f"{team_leader} wrote this down for you from your phone call."
    )


def test_team_leader_cannot_log_for_a_client_the_volunteer_does_not_visit(
    client_for, team_leader, volunteer, west_practice
):
    stranger = ClientFactory(practice=west_practice)
    response = client_for(team_leader).post(
        URL, form_data(stranger, volunteer=volunteer.volunteer.pk)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Log an observation from a call" in body
    assert f"{volunteer} does not visit {stranger}. Choose their client." in body
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client": ""}, "Choose who it is about"),
        ({"noticed": "   "}, "Enter what you noticed"),
        ({"kind": ""}, "Choose what it is about"),
        ({"kind": "alien_abduction"}, "Select a valid choice"),
        ({"urgency": ""}, "Choose how worried you are"),
        ({"urgency": "panic"}, "Select a valid choice"),
        ({"noticed": "x" * 4001}, "Ensure this value has at most 4000 characters"),
        ({"submission_key": "not-a-uuid"}, "This page was out of date"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client_for, volunteer, mary, change, message):
    response = client_for(volunteer).post(URL, form_data(mary, **change))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Tell us what you noticed" in body
    assert message in body
    assert not Observation.objects.exists()


def test_a_refused_form_keeps_every_choice_made(client_for, volunteer, mary):
    body = client_for(volunteer).post(URL, form_data(mary, noticed="")).content.decode()
    radio = r'<input type="radio" name="(\w+)"[^>]*id="(\w+)" value="(\w+)" checked'
    checked = re.findall(radio, body)
    assert checked == [
        ("client", "id_client_1", str(mary.pk)),
        ("kind", "id_kind_3", "medication"),
        ("urgency", "id_urgency_2", "worried"),
    ]
    # Each option's label names its own input, numbered from 1 as the error summary expects.
    assert '<label class="govuk-label govuk-radios__label" for="id_kind_3">' in body
    assert len(re.findall(r'name="kind"', body)) == len(ObservationKind.choices)


def test_a_volunteer_cannot_post_about_another_volunteers_client(
    client_for, volunteer, east_client
):
    response = client_for(volunteer).post(URL, form_data(east_client))
    assert "Choose one of the people you visit" in response.content.decode()
    assert not Observation.objects.exists()


@pytest.mark.parametrize("sent", ["abc", "-3", "0", "9" * 25, " 12x", "1.5", "²"])
def test_a_client_that_is_not_a_client_id_is_refused_not_an_error(
    client_for, volunteer, mary, sent
):
    response = client_for(volunteer).post(URL, form_data(mary, client=sent))
    assert response.status_code == 200
    assert "Choose one of the people you visit" in response.content.decode()
    assert not Observation.objects.exists()


def test_a_volunteer_cannot_post_about_a_client_they_no_longer_visit_or_only_half_visit(
    client_for, volunteer, mary, west_practice
):
    from clients.models import Assignment, ClientUserObjectPermission
    from clients.services import assignment_end

    web = client_for(volunteer)
    # An open assignment without the object permission (a stray row): refused.
    ClientUserObjectPermission.objects.filter(content_object=mary).delete()
    assert "Choose one of the people you visit" in web.post(URL, form_data(mary)).content.decode()
    # The permission without an open assignment: refused too.
    joan = visit(volunteer, ClientFactory(practice=west_practice, first_name="Joan"))
    assignment_end(assignment=Assignment.objects.get(client=joan), by=None)
    ClientUserObjectPermission.objects.get_or_create(
        content_object=joan,
        user=volunteer,
        permission=ClientUserObjectPermission.objects.model._meta.get_field(
            "permission"
        ).related_model.objects.get(codename="view_client"),
    )
    assert "Choose one of the people you visit" in web.post(URL, form_data(joan)).content.decode()
    assert not Observation.objects.exists()


def test_the_form_lists_a_volunteers_clients_by_name_in_one_statement(
    client_for, volunteer, mary, west_practice
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    visit(volunteer, ClientFactory(practice=west_practice, first_name="Zoe", last_name="Angove"))
    visit(volunteer, ClientFactory(practice=west_practice, first_name="Amy", last_name="Angove"))
    web = client_for(volunteer)
    with CaptureQueriesContext(connection) as queries:
        body = web.get(URL).content.decode()
    names = re.findall(
        r'<label class="govuk-label govuk-radios__label" for="id_client_\d+">([^<]+)<', body
    )
    assert names == ["Amy Angove", "Zoe Angove", "Mary Trevithick"]
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "clients_client"')]
    assert len(reads) == 1


def test_a_sent_observation_looks_up_only_the_client_chosen(
    client_for, volunteer, mary, west_practice, django_assert_max_num_queries
):
    """The volunteer's clients are not listed to check a choice: the one chosen is read, in
    one statement, and a second client visited changes nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    visit(volunteer, ClientFactory(practice=west_practice, first_name="Joan"))
    web = client_for(volunteer)
    with CaptureQueriesContext(connection) as queries:
        assert web.post(URL, form_data(mary)).status_code == 302
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "clients_client"')]
    assert len(reads) == 1 and str(mary.pk) in reads[0]
    # That read checked the open assignment too: the service does not ask again.
    assert not [q for q in queries if q["sql"].startswith('SELECT "clients_assignment"')]
    # A refused form still lists every client visited, the one chosen checked.
    body = web.post(URL, form_data(mary, noticed="")).content.decode()
    assert "Mary Trevithick" in body and "Joan " in body


def test_the_service_asks_who_visits_a_client_not_read_by_the_volunteers_lookup(
    volunteer, other_volunteer, mary, west_practice
):
    """Only a client read by the volunteer's own lookup (which checked the open assignment in
    the same statement) is taken as visited; any other is looked up, and refused if not."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clients.models import Client
    from clients.selectors import visible_client
    from escalations import services

    def send(client):
        return services.observation_create(
            client=client,
            volunteer=volunteer.volunteer,
            logged_by=volunteer,
            kind="transport",
            urgency="worried",
            noticed="Missed the bus",
        )

    seen = visible_client(volunteer, mary.pk)
    with CaptureQueriesContext(connection) as queries:
        send(seen)
    assert not [q for q in queries if "clients_assignment" in q["sql"]]

    with CaptureQueriesContext(connection) as queries:
        send(Client.objects.get(pk=mary.pk))
    assert [q for q in queries if q["sql"].startswith('SELECT "clients_assignment"')]

    stranger = ClientFactory(practice=west_practice, first_name="Unvisited")
    with pytest.raises(services.EscalationError, match="does not visit"):
        send(stranger)
    # Read by another user's lookup: still asked, still refused.
    stranger.visited_by_user_id = other_volunteer.pk
    with pytest.raises(services.EscalationError, match="does not visit"):
        send(stranger)
    assert Observation.objects.filter(client=stranger).count() == 0


def test_my_observations_lists_only_mine(
    client_for, volunteer, other_volunteer, make_escalation, east_client, west_practice
):
    from escalations import services

    make_escalation()
    services.observation_create(
        client=east_client,
        volunteer=other_volunteer.volunteer,
        logged_by=other_volunteer,
        kind="loneliness",
        urgency="keep_an_eye",
        noticed="Lonely",
    )
    body = client_for(volunteer).get(reverse("escalations:my_observations")).content.decode()
    assert "Transport: Mary T." in body
    assert "Jenifer" not in body and "Loneliness" not in body


def test_a_volunteer_sees_the_history_in_their_words_not_staff_notes(
    client_for, volunteer, routed, coordinator
):
    from escalations import services

    services.escalation_reroute(
        escalation=routed,
        by=coordinator,
        expected_version=1,
        owner=coordinator,
        service=None,
        reason="STAFF-ONLY NOTE about the family",
    )
    body = (
        client_for(volunteer)
        .get(reverse("escalations:my_observation", args=[routed.observation.pk]))
        .content.decode()
    )
    assert "It was passed to a colleague who is better placed to help." in body
    assert "STAFF-ONLY NOTE" not in body
    assert "Routed to" not in body


def test_volunteer_answers_a_question(client_for, volunteer, routed, coordinator):
    from escalations import services

    services.escalation_ask_volunteer(escalation=routed, by=coordinator, text="Which bus?")
    url = reverse("escalations:my_observation", args=[routed.observation.pk])
    web = client_for(volunteer)
    body = web.get(url).content.decode()
    assert "Which bus?" in body and "Send your answer" in body

    bad = web.post(reverse("escalations:observation_answer", args=[routed.observation.pk]), {})
    assert "Enter your answer" in bad.content.decode()
    assert routed.messages.count() == 1

    web.post(
        reverse("escalations:observation_answer", args=[routed.observation.pk]),
        {"text": "The number 7"},
    )
    assert list(routed.messages.values_list("text", flat=True)) == ["Which bus?", "The number 7"]
    assert "Send your answer" not in web.get(url).content.decode()


def test_the_client_page_shows_what_was_noticed(client_for, volunteer, coordinator, routed, mary):
    page = reverse("clients:detail", args=[mary.pk])
    body = client_for(coordinator).get(page).content.decode()
    assert f'href="/escalations/{routed.pk}/"' in body and "Transport" in body

    body = client_for(volunteer).get(page).content.decode()
    assert f"Tell us what you noticed about {mary.first_name}" in body
    assert f'href="/observations/{routed.observation.pk}/"' in body
    form = client_for(volunteer).get(f"{URL}?client={mary.pk}").content.decode()
    assert re.search(rf'name="client"[^>]*value="{mary.pk}"\s*checked="checked"', form)


def test_my_observations_are_counted_without_joining_the_rows_tables(
    client_for, volunteer, make_escalation
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_escalation()
    with CaptureQueriesContext(connection) as ctx:
        assert client_for(volunteer).get(reverse("escalations:my_observations")).status_code == 200
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"] and 'FROM "escalations_observation"' in q["sql"]
    ]
    # (the volunteer's id is a subquery of its own)
    assert len(counts) == 1 and "JOIN" not in counts[0].split(" WHERE ")[0]


def test_the_thanks_go_in_a_cookie_signed_without_zlib(
    client_for, volunteer, mary, monkeypatch, django_capture_on_commit_callbacks
):
    """One short message a send: Django would try zlib on it (livingwell/message_storage.py)."""
    import zlib

    tried, compress = [], zlib.compress
    monkeypatch.setattr(zlib, "compress", lambda data, *a: tried.append(data) or compress(data))
    web = client_for(volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(URL, form_data(mary))
    assert response.status_code == 302
    assert not [data for data in tried if b"Thank you" in data]
    body = web.get(response.url).content.decode()
    assert "Thank you. We have it, and the right person will look at it." in body
