"""The triage queue and the escalation page with its actions, through the test client."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.enums import ConsentScope
from escalations import services
from escalations.enums import Action, EscalationState, ObservationKind, RoutingStatus, Urgency
from escalations.models import Escalation, Outcome, Referral
from livingwell.models import AuditEntry

from ..factories import ClientFactory, ServiceFactory
from .helpers import consent, visit

pytestmark = pytest.mark.django_db
TRIAGE = reverse("escalations:triage")


def detail(e):
    return reverse("escalations:detail", args=[e.pk])


def rows(body):
    """The escalation links in the queue's table, in order."""
    import re

    return re.findall(r'href="/escalations/(\d+)/">([^<]+)</a>', body)


def test_queue_is_the_locality_urgent_then_oldest_with_overdue_marked(
    client_for, coordinator, make_escalation, east_client, other_volunteer, other_coordinator
):
    now = timezone.now()
    worried_old = make_escalation(urgency=Urgency.WORRIED)
    keep_eye = make_escalation(urgency=Urgency.KEEP_AN_EYE, kind=ObservationKind.LONELINESS)
    urgent_new = make_escalation(urgency=Urgency.URGENT, kind=ObservationKind.FALL)
    Escalation.objects.filter(pk=worried_old.pk).update(
        created_at=now - dt.timedelta(days=3), due_at=now - dt.timedelta(days=1)
    )
    east = make_escalation(client=east_client, by=other_volunteer)
    closed = make_escalation()
    Escalation.objects.filter(pk=closed.pk).update(state=EscalationState.CLOSED, closed_at=now)

    body = client_for(coordinator).get(TRIAGE).content.decode()

    assert [int(pk) for pk, _ in rows(body)] == [urgent_new.pk, worried_old.pk, keep_eye.pk]
    assert "Fall: Mary Trevithick" in body
    assert body.count('<strong class="lw-overdue">Overdue</strong>') == 1
    assert f"/escalations/{east.pk}/" not in body and "Jenifer" not in body
    assert f"/escalations/{closed.pk}/" not in body


def test_queue_filters(client_for, coordinator, team_leader, make_escalation):
    fall = make_escalation(urgency=Urgency.URGENT, kind=ObservationKind.FALL)
    money = make_escalation(urgency=Urgency.KEEP_AN_EYE, kind=ObservationKind.MONEY)
    services.escalation_route(escalation_id=money.pk)
    money.refresh_from_db()
    services.escalation_accept(escalation=money, by=team_leader, expected_version=1)
    web = client_for(coordinator)

    def shown(query):
        return [int(pk) for pk, _ in rows(web.get(f"{TRIAGE}?{query}").content.decode())]

    assert shown("kind=fall") == [fall.pk]
    assert shown("kind=fall&kind=money") == [fall.pk, money.pk]
    assert shown("urgency=keep_an_eye") == [money.pk]
    assert shown("state=accepted") == [money.pk]
    assert shown(f"owner={team_leader.pk}") == [money.pk]
    assert shown("owner=none") == [fall.pk]
    assert shown("state=closed") == []
    # Nonsense is ignored, never an error page.
    assert shown("kind=nonsense&owner=zzz&page=abc") == [fall.pk, money.pk]
    assert shown("owner=²") == [fall.pk, money.pk]  # a digit Python's int() refuses


def test_queue_filters_show_what_is_ticked(client_for, coordinator):
    body = client_for(coordinator).get(f"{TRIAGE}?kind=fall&kind=nonsense&state=accepted").text
    ticked = re.findall(r'name="(\w+)" id="(\w+)" value="(\w+)" checked', body)
    assert ticked == [("kind", "id_kind_1", "fall"), ("state", "id_state_2", "accepted")]
    # Every option of the three groups is offered, each with a label for its own input.
    groups = {"kind": ObservationKind, "urgency": Urgency, "state": EscalationState}
    for name, choices in groups.items():
        assert body.count(f'type="checkbox" name="{name}"') == len(choices.choices)
    assert '<label class="govuk-label govuk-checkboxes__label" for="id_urgency_0">' in body


def test_queue_is_paginated(client_for, coordinator, make_escalation):
    for _ in range(51):
        make_escalation()
    web = client_for(coordinator)
    with CaptureQueriesContext(connection) as queries:
        first = web.get(TRIAGE).content.decode()
    assert len(rows(first)) == 50 and "Page 1 of 2" in first and "51 in all" in first
    # Unfiltered, the queue's length is the open count at the top: counted once, not twice.
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "escalations_escalation" in q["sql"]
    ]
    assert len(counts) == 1, counts
    second = web.get(f"{TRIAGE}?page=2").content.decode()
    assert len(rows(second)) == 1 and "51 in all" in second
    Escalation.objects.filter(pk=make_escalation().pk).update(
        state=EscalationState.CLOSED, closed_at=timezone.now()
    )
    closed = web.get(f"{TRIAGE}?state=closed").content.decode()
    assert len(rows(closed)) == 1 and "1 in all" in closed


def test_queue_query_count_does_not_grow_with_rows(
    client_for, coordinator, make_escalation, volunteer, west_practice, team_leader
):
    web = client_for(coordinator)
    make_escalation()
    web.get(TRIAGE)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        assert web.get(TRIAGE).status_code == 200
    for i in range(49):
        other = visit(volunteer, ClientFactory(practice=west_practice))
        e = make_escalation(client=other, urgency=[Urgency.URGENT, Urgency.WORRIED][i % 2])
        if i % 3 == 0:
            services.escalation_route(escalation_id=e.pk)
    with CaptureQueriesContext(connection) as fifty:
        body = web.get(TRIAGE).content.decode()
    assert len(rows(body)) == 50
    assert len(fifty) == len(one), [q["sql"] for q in fifty.captured_queries]


def test_routing_failures_are_shown_to_coordinators(
    client_for, coordinator, make_escalation, django_capture_on_commit_callbacks
):
    escalation = make_escalation()
    services.routing_record_failure(escalation_id=escalation.pk, error="Nobody on call")
    web = client_for(coordinator)
    assert "1 could not be routed" in web.get(TRIAGE).content.decode()
    body = web.get(detail(escalation)).content.decode()
    assert "This could not be routed" in body and "Nobody on call" in body
    assert "Route it again" in body
    with django_capture_on_commit_callbacks(execute=True):
        web.post(reverse("escalations:retry_routing", args=[escalation.pk]))
    escalation.refresh_from_db()
    assert escalation.routing_status == RoutingStatus.DONE  # eager: routed at once
    assert escalation.state == EscalationState.ROUTED


def test_escalation_page_shows_the_observation_client_and_history(
    client_for, coordinator, routed, mary, volunteer
):
    consent(mary, ConsentScope.SHARE_WITH_PARTNERS)
    body = client_for(coordinator).get(detail(routed)).content.decode()
    assert "<title>Escalation" in body
    assert "The bus no longer runs" in body
    assert "A lift to the surgery" in body
    assert str(volunteer) in body
    assert mary.practice.name in body
    assert "Sharing with partners: <strong>yes</strong>" in body
    assert "Anonymised story: <strong>no</strong>" in body
    assert f"Reported by {volunteer.volunteer}." in body
    assert "Routed to" in body
    for label in ("Accept: I will look into it", "Refer to a service", "Put forward to the MDT"):
        assert label in body
    assert AuditEntry.objects.filter(
        object_type="escalations.escalation", object_id=str(routed.pk), action="view"
    ).exists()


def test_accept_through_the_page_and_a_stale_second_click_is_told(
    client_for, coordinator, team_leader, routed
):
    web = client_for(team_leader)
    response = web.post(
        reverse("escalations:accept", args=[routed.pk]), {"version": 1}, follow=True
    )
    assert "You have accepted it: it is yours now." in response.content.decode()
    routed.refresh_from_db()
    assert routed.owner == team_leader and routed.state == EscalationState.ACCEPTED

    # The coordinator had the page open at version 1.
    other = client_for(coordinator)
    response = other.post(
        reverse("escalations:accept", args=[routed.pk]), {"version": 1}, follow=True
    )
    body = response.content.decode()
    assert "Someone else changed this escalation while you had it open." in body
    routed.refresh_from_db()
    assert routed.owner == team_leader and routed.version == 2


def test_an_illegal_action_page_explains_itself(client_for, coordinator, make_escalation):
    escalation = make_escalation()  # not routed: cannot be put to an MDT yet
    response = client_for(coordinator).get(
        reverse("escalations:put_to_mdt", args=[escalation.pk]), follow=True
    )
    assert (
        "You cannot put it forward to an MDT now: this escalation is “Waiting to be routed”."
        in response.content.decode()
    )


def test_refer_through_the_page(client_for, coordinator, routed, west, mary):
    consent(mary, ConsentScope.SHARE_WITH_PARTNERS)
    service = ServiceFactory(name="Age UK Cornwall", localities=[west])
    url = reverse("escalations:refer", args=[routed.pk])
    web = client_for(coordinator)
    assert "Age UK Cornwall" in web.get(url).content.decode()
    response = web.post(
        url,
        {
            "version": 1,
            "service": service.pk,
            "channel": "phone",
            "what_was_shared": "That she needs a lift on Tuesdays.",
            "sent_at": "",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.service == service and referral.channel == "phone"
    body = web.get(detail(routed)).content.decode()
    assert "Age UK Cornwall by phone" in body and "That she needs a lift on Tuesdays." in body


def test_put_to_mdt_ask_close_and_reroute_through_the_pages(
    client_for, coordinator, team_leader, routed
):
    web = client_for(coordinator)
    web.post(
        reverse("escalations:put_to_mdt", args=[routed.pk]),
        {"version": 1, "reason": "Repeated falls"},
    )
    routed.refresh_from_db()
    assert routed.state == EscalationState.AT_MDT
    web.post(reverse("escalations:ask", args=[routed.pk]), {"text": "Did she fall again?"})
    assert routed.messages.get().text == "Did she fall again?"
    web.post(
        reverse("escalations:reroute", args=[routed.pk]),
        {"version": 2, "owner": team_leader.pk, "service": "", "reason": "On call tonight"},
    )
    routed.refresh_from_db()
    assert routed.state == EscalationState.ROUTED and routed.owner == team_leader
    web.post(
        reverse("escalations:close", args=[routed.pk]),
        {
            "version": 3,
            "summary": "GP reviewed; falls clinic booked.",
            "message_for_volunteer": "Thank you. Her GP has seen her and help is arranged.",
            "went_well": "yes",
        },
    )
    routed.refresh_from_db()
    assert routed.state == EscalationState.CLOSED
    assert Outcome.objects.get().went_well is True
    actions = list(routed.events.values_list("action", flat=True))
    assert actions == [
        Action.CREATED,
        Action.ROUTED,
        Action.PUT_TO_MDT,
        Action.QUESTION_ASKED,
        Action.REROUTED,
        Action.CLOSED,
    ]


FORMS = [
    ("reroute", {"owner": ""}, "Choose who should triage it"),
    ("reroute", {"owner": "999999"}, "Select a valid choice"),
    ("reroute", {"reason": ""}, "Say why you are re-routing it"),
    ("refer", {"service": ""}, "Choose the service"),
    ("refer", {"channel": "pigeon"}, "Select a valid choice"),
    ("refer", {"what_was_shared": ""}, "Enter what was shared with the service"),
    ("refer", {"sent_at": "yesterday-ish"}, "Enter the date and time it was sent"),
    ("refer", {"sent_at": "2999-01-01 10:00"}, "The time it was sent cannot be in the future"),
    ("put_to_mdt", {"reason": ""}, "Say why the MDT should discuss it"),
    ("ask", {"text": ""}, "Enter your question"),
    ("close", {"summary": ""}, "Enter what happened"),
    ("close", {"message_for_volunteer": ""}, "Enter a message for the volunteer"),
    ("close", {"went_well": "maybe"}, "Select a valid choice"),
    ("close", {"version": "abc"}, "This page was out of date"),
]


@pytest.mark.parametrize(("name", "change", "message"), FORMS)
def test_bad_input_on_every_action_form(
    client_for, coordinator, team_leader, routed, west, name, change, message
):
    service = ServiceFactory(localities=[west])
    data = {
        "version": 1,
        "owner": team_leader.pk,
        "service": service.pk,
        "reason": "A reason",
        "channel": "phone",
        "what_was_shared": "Shared",
        "sent_at": "",
        "text": "A question",
        "summary": "What happened",
        "message_for_volunteer": "Message",
        "went_well": "yes",
        **change,
    }
    response = client_for(coordinator).post(reverse(f"escalations:{name}", args=[routed.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in body
    assert message in body
    routed.refresh_from_db()
    assert routed.version == 1 and routed.state == EscalationState.ROUTED
    assert not routed.messages.exists() and not Referral.objects.exists()


def test_refer_without_consent_or_reason_is_explained_on_the_form(
    client_for, coordinator, routed, west
):
    service = ServiceFactory(localities=[west])
    response = client_for(coordinator).post(
        reverse("escalations:refer", args=[routed.pk]),
        {"version": 1, "service": service.pk, "channel": "phone", "what_was_shared": "x"},
    )
    assert "has not consented to sharing with Living Well partners" in response.content.decode()
    assert not Referral.objects.exists()


def test_queue_rows_say_what_the_escalations_themselves_say(
    client_for, admin_user, coordinator, team_leader, make_escalation, east_client, other_volunteer
):
    """The queue reads rows, not escalations: each label, owner and overdue flag is the
    model's own (``get_FOO_display``, ``str(owner)``, ``is_overdue``)."""
    now = timezone.now()
    routed = make_escalation(urgency=Urgency.URGENT, kind=ObservationKind.FALL)
    services.escalation_route(escalation_id=routed.pk)
    nameless = make_escalation(kind=ObservationKind.MONEY)
    team_leader.first_name = team_leader.last_name = ""
    team_leader.save()
    Escalation.objects.filter(pk=nameless.pk).update(
        owner=team_leader, created_at=now - dt.timedelta(days=2), due_at=now - dt.timedelta(days=1)
    )
    failed = make_escalation(urgency=Urgency.KEEP_AN_EYE)
    services.routing_record_failure(escalation_id=failed.pk, error="Nobody on call")
    east = make_escalation(client=east_client, by=other_volunteer)
    Escalation.objects.filter(pk=east.pk).update(owner=coordinator)

    body = client_for(admin_user).get(TRIAGE).content.decode()
    table = body[body.index("<tbody") : body.index("</tbody>")]
    shown = re.findall(r"<tr .*?</tr>", table, re.S)
    escalations = Escalation.objects.select_related("owner", "locality", "observation__client")
    expected = sorted(escalations, key=lambda e: (e.urgency_rank, e.created_at, e.pk))
    assert len(shown) == len(expected) == 4
    for row, e in zip(shown, expected, strict=True):
        client = e.observation.client
        assert f"{e.get_kind_display()}: {client.first_name} {client.last_name}</a>" in row
        assert f"{e.locality.name}</span>" in row
        assert f">{e.get_urgency_display()}</strong>" in row
        assert f'data-label="State">{e.get_state_display()}' in row
        assert f'data-label="Owner">{e.owner if e.owner else "Nobody yet"}</td>' in row
        assert ("lw-row--overdue" in row) == e.is_overdue
        assert ("Routing failed" in row) == (e.routing_status == RoutingStatus.FAILED)
    assert 'data-label="Owner">tessa</td>' in table  # no name: the username, as str(user)
    assert table.count("lw-row--overdue") == 1


@pytest.mark.parametrize("query", [{}, {"urgency": "worried"}])
def test_queue_length_is_counted_without_joining_the_rows_tables(
    client_for, coordinator, make_escalation, query
):
    # The rows join client, owner and locality; counting them that way took 6 ms at 1M.
    make_escalation()
    with CaptureQueriesContext(connection) as ctx:
        body = client_for(coordinator).get(TRIAGE, query).content.decode()
    assert "1 in all" in body
    counts = [q["sql"] for q in ctx.captured_queries if 'FROM "escalations_escalation"' in q["sql"]]
    counts = [sql for sql in counts if "COUNT(" in sql]
    assert counts and not any("JOIN" in sql for sql in counts)


def test_the_queue_escapes_names_and_keeps_the_chosen_owner_and_overdue_filter(
    client_for, coordinator, team_leader, make_escalation, mary
):
    mary.__class__.objects.filter(pk=mary.pk).update(first_name="<i>Mary</i>", last_name="O'Neil")
    make_escalation()
    web = client_for(coordinator)
    body = web.get(reverse("escalations:triage")).content.decode()
    assert "&lt;i&gt;Mary&lt;/i&gt; O&#39;Neil" in body and "<i>Mary</i>" not in body
    assert "Nothing here" not in body
    chosen = web.get(
        reverse("escalations:triage"), {"owner": str(team_leader.pk), "overdue": "on"}
    ).content.decode()
    assert f'<option value="{team_leader.pk}" selected>' in chosen
    assert 'name="overdue" id="id_overdue" value="on" checked' in chosen
    assert "Nothing here with these filters." in chosen
