"""Outcomes back to the volunteer, end to end through the test client, and their replies."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from escalations import selectors, services, tasks
from escalations.enums import Action, ResponseKind
from escalations.models import Escalation, Observation, Outcome, OutcomeResponse
from livingwell.models import Notification
from tests.otp import force_login_verified

pytestmark = pytest.mark.django_db


def test_report_close_and_the_volunteer_hears_once(
    client, volunteer, coordinator, mary, django_capture_on_commit_callbacks
):
    # The volunteer reports.
    force_login_verified(client, volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("escalations:observation_create"),
            {
                "submission_key": str(uuid.uuid4()),
                "client": mary.pk,
                "noticed": "Her fridge was empty and she looked thinner.",
                "kind": "eating",
                "urgency": "worried",
                "client_wants": "",
            },
        )
    observation = Observation.objects.get()
    escalation = observation.escalation
    assert escalation.owner == coordinator
    mail.outbox.clear()

    # The coordinator closes it with an outcome.
    force_login_verified(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("escalations:close", args=[escalation.pk]),
            {
                "version": 1,
                "summary": "Dietitian referral; meals on wheels from Monday; weight to recheck.",
                "message_for_volunteer": "Thank you for noticing. She now has meals delivered.",
                "went_well": "yes",
            },
        )
    assert response.status_code == 302

    # The volunteer got one email and one notification, with the words meant for them.
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [volunteer.email]
    assert email.subject == "What came of what you told us about Mary"
    assert "She now has meals delivered." in email.body
    assert "Dietitian" not in email.body  # the staff account stays with staff
    note = Notification.objects.get(user=volunteer, key=f"outcome-{escalation.pk}")
    assert note.url == reverse("escalations:my_observation", args=[observation.pk])

    # ...and sees the message on their page.
    force_login_verified(client, volunteer)
    body = client.get(reverse("escalations:my_observation", args=[observation.pk])).content
    body = body.decode()
    assert "What came of it" in body
    assert "Thank you for noticing. She now has meals delivered." in body
    assert "Dietitian" not in body
    assert "Finished" in body
    outcome = Outcome.objects.get()
    assert outcome.volunteer_notified_at is not None and outcome.volunteer_seen_at is not None

    # Running the task again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_outcome.delay(escalation_id=escalation.pk).get() is False
        assert tasks.notify_outcome(escalation_id=escalation.pk) is False
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=volunteer).count() == 1
    assert escalation.events.filter(action=Action.VOLUNTEER_TOLD).count() == 1


@pytest.fixture
def closed(routed, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_close(
            escalation=routed,
            by=coordinator,
            expected_version=1,
            summary="Community transport booked",
            message_for_volunteer="She has a lift to the surgery now.",
            went_well=True,
        )
    return Escalation.objects.get(pk=routed.pk)


def test_volunteer_thanks_and_asks_and_the_coordinator_sees_and_replies(
    client_for, volunteer, coordinator, closed, django_capture_on_commit_callbacks
):
    page = reverse("escalations:my_observation", args=[closed.observation.pk])
    respond = reverse("escalations:outcome_respond", args=[closed.observation.pk])
    web = client_for(volunteer)
    web.post(respond, {"kind": "thanks", "text": ""})
    again = web.post(respond, {"kind": "thanks", "text": ""})
    assert "You have already said thank you." in again.content.decode()
    staff = client_for(coordinator)
    detail = reverse("escalations:detail", args=[closed.pk])
    reply = reverse("escalations:outcome_reply", args=[closed.pk])
    assert "Send the reply" not in staff.get(detail).content.decode()  # nothing asked yet
    web = client_for(volunteer)
    web.post(respond, {"kind": "question", "text": "Will the lift be every week?"})
    assert list(OutcomeResponse.objects.values_list("kind", "text")) == [
        (ResponseKind.THANKS, ""),
        (ResponseKind.QUESTION, "Will the lift be every week?"),
    ]
    subjects = list(Notification.objects.filter(user=coordinator).values_list("subject", flat=True))
    assert f"{volunteer} said thank you about escalation {closed.pk}" in subjects
    assert f"{volunteer} asked a follow-up question about escalation {closed.pk}" in subjects

    staff = client_for(coordinator)
    body = staff.get(detail).content.decode()
    assert "Will the lift be every week?" in body and "thank you" in body
    form = body.split(f'<form method="post" action="{reply}" novalidate>', 1)[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken"' in form and 'name="text"' in form
    assert "Send the reply" in form
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("escalations:outcome_reply", args=[closed.pk]),
            {"text": "Yes, every Tuesday."},
        )
    web = client_for(volunteer)
    assert "Yes, every Tuesday." in web.get(page).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose to say thank you or to ask a question"),
        ({"kind": "question", "text": ""}, "Write your question"),
        ({"kind": "complaint", "text": "x"}, "Select a valid choice"),
        ({"kind": "question", "text": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_input_on_the_response_form(client_for, volunteer, closed, data, message):
    response = client_for(volunteer).post(
        reverse("escalations:outcome_respond", args=[closed.observation.pk]), data
    )
    body = response.content.decode()
    assert "<title>Error: " in body and message in body
    assert not OutcomeResponse.objects.exists()


def test_a_reply_needs_a_question_and_text(client_for, coordinator, closed):
    web = client_for(coordinator)
    url = reverse("escalations:outcome_reply", args=[closed.pk])
    response = web.post(url, {"text": "Hello"}, follow=True)
    assert "The volunteer has not asked a follow-up question." in response.content.decode()
    response = web.post(url, {"text": ""}, follow=True)
    assert "Enter your reply to the volunteer." in response.content.decode()
    assert not OutcomeResponse.objects.exists()


def test_figures_for_the_evidence_dashboard(closed, west, east):
    figures = selectors.outcome_figures(locality=west)
    assert figures["outcomes"] == 1
    assert figures["fed_back"] == 1
    assert figures["fed_back_share"] == 1.0
    assert figures["seen"] == 0
    assert figures["went_well"] == 1
    assert figures["mean_time_to_outcome"] == (
        closed.outcome.recorded_at - closed.observation.created_at
    )
    assert figures["stories_published"] == 0
    assert selectors.outcome_figures(locality=east)["outcomes"] == 0
