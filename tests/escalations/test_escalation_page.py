"""The escalation page's reads (escalations.selectors.escalation_page_for and
escalation_record, compiled once): the same scope as ``escalations_for``, everything the page
shows, and a number of statements that does not grow with the escalation's history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from clients.consent import current_consents
from clients.enums import ConsentAction, ConsentScope
from escalations import selectors, services
from escalations.enums import ResponseKind
from escalations.models import Escalation

from ..factories import ServiceFactory
from .helpers import consent

pytestmark = pytest.mark.django_db


def _detail(pk):
    return reverse("escalations:detail", args=[pk])


def test_each_role_sees_the_escalations_escalations_for_gives_it_and_no_other(
    users, make_escalation, east_client
):
    west_one = make_escalation()
    east_one = make_escalation(client=east_client, by=users["other_volunteer"])
    inactive = users["other_coordinator"]
    inactive.is_active = False
    everyone = [*users.values(), AnonymousUser()]
    for user in everyone:
        for escalation in (west_one, east_one):
            expected = selectors.escalations_for(user).filter(pk=escalation.pk).first()
            got = selectors.escalation_page_for(user, escalation.pk)
            assert (got and got.pk) == (expected and expected.pk), (user, escalation)
    assert inactive.is_active is False  # seen as inactive above: nothing


def test_the_escalation_comes_with_what_the_page_names_already_read(
    coordinator, make_escalation, django_assert_num_queries
):
    made = make_escalation()
    services.escalation_route(escalation_id=made.pk)
    Escalation.objects.filter(pk=made.pk).update(service=ServiceFactory(name="Ring and Ride"))
    Escalation.objects.filter(pk=made.pk).update(owner=coordinator)
    made = Escalation.objects.select_related(*selectors.PAGE_RELATED, *selectors.PAGE_PEOPLE).get(
        pk=made.pk
    )
    # The escalation with its observation, the client with their practice, the service, the
    # locality and the people it names: one statement (planned once on PostgreSQL).
    with django_assert_num_queries(1):
        got = selectors.escalation_page_for(coordinator, made.pk)
    with django_assert_num_queries(0):
        assert got.observation.client.practice.name == made.observation.client.practice.name
        assert got.locality.name == made.locality.name
        assert got.service == made.service and got.service.name == "Ring and Ride"
        assert got.observation.volunteer.user.username == "vera"
        assert got.observation.logged_by.username == "vera"
        assert got.owner == coordinator and got.owner.first_name == coordinator.first_name
    assert got.observation.noticed == made.observation.noticed
    # No service and no owner yet: both None, still one statement.
    Escalation.objects.filter(pk=made.pk).update(owner=None, service=None)
    with django_assert_num_queries(1):
        got = selectors.escalation_page_for(coordinator, made.pk)
    with django_assert_num_queries(0):
        assert got.owner is None and got.service is None


def test_the_clients_consents_in_force_come_with_the_escalation(
    coordinator, mary, make_escalation, django_assert_num_queries
):
    made = make_escalation()
    consent(mary, ConsentScope.SHARE_WITH_PARTNERS)
    consent(mary, ConsentScope.MDT_CHAMPION)
    consent(mary, ConsentScope.MDT_CHAMPION, action=ConsentAction.WITHDRAWN)
    with django_assert_num_queries(1):
        got = selectors.escalation_page_for(coordinator, made.pk)
    with django_assert_num_queries(0):
        consents = selectors.page_consents(got)
    assert consents == current_consents(mary)
    assert consents == {
        ConsentScope.SHARE_WITH_PARTNERS: True,
        ConsentScope.MDT_CHAMPION: False,
        ConsentScope.ANONYMISED_STORY: False,
    }


@pytest.mark.parametrize("pk", [0, 2**63, 10**30])
def test_an_id_no_row_can_have_is_not_found(coordinator, pk):
    assert selectors.escalation_page_for(coordinator, pk) is None


def test_an_id_out_of_range_is_a_404_not_a_server_error(client_for, coordinator):
    response = client_for(coordinator).get("/escalations/99999999999999999999999/")
    assert response.status_code == 404


def _full_history(escalation, coordinator, volunteer, n):
    """Referrals, questions and answers, an outcome with the volunteer's replies, a story."""
    service = ServiceFactory(localities=[escalation.locality])
    services.escalation_route(escalation_id=escalation.pk)
    for i in range(n):
        escalation.refresh_from_db()
        services.escalation_refer(
            escalation=escalation,
            by=coordinator,
            expected_version=escalation.version,
            service=service,
            channel="email",
            what_was_shared=f"Shared {i}",
        )
        services.escalation_ask_volunteer(escalation=escalation, by=coordinator, text=f"Ask {i}")
    escalation.refresh_from_db()
    outcome = services.escalation_close(
        escalation=escalation,
        by=coordinator,
        expected_version=escalation.version,
        summary="A lift every Tuesday",
        message_for_volunteer="Thank you, Vera",
        went_well=True,
    )
    for i in range(n):
        services.outcome_respond(
            outcome=outcome, by=volunteer, kind=ResponseKind.QUESTION, text=f"Reply {i}"
        )
    escalation.refresh_from_db()
    services.story_save(
        escalation=escalation, by=coordinator, title="A lift to the surgery", body="She gets there."
    )


def test_a_closed_escalation_comes_with_its_outcome_replies_and_story_already_read(
    coordinator, volunteer, mary, make_escalation, django_assert_num_queries
):
    consent(mary, ConsentScope.SHARE_WITH_PARTNERS)
    consent(mary, ConsentScope.ANONYMISED_STORY)
    made = make_escalation()
    _full_history(made, coordinator, volunteer, 2)
    # The escalation with its outcome and story: one statement; the replies: one more.
    with django_assert_num_queries(2):
        got = selectors.escalation_page_for(coordinator, made.pk)
    with django_assert_num_queries(0):
        outcome, story = got.outcome, got.story
        assert outcome.summary == "A lift every Tuesday"
        assert outcome.recorded_by == coordinator and outcome.recorded_by.username
        assert [(r.text, r.author.username) for r in outcome.responses.all()] == [
            ("Reply 0", volunteer.username),
            ("Reply 1", volunteer.username),
        ]
        assert story.title == "A lift to the surgery"
    with django_assert_num_queries(3):  # history, referrals, questions
        record = selectors.escalation_record(got)
    assert record["outcome"] == outcome and record["story"] == story


def test_an_open_escalation_has_no_outcome_or_story_and_no_statement_asks(
    coordinator, make_escalation, django_assert_num_queries
):
    made = make_escalation()
    with django_assert_num_queries(1):
        got = selectors.escalation_page_for(coordinator, made.pk)
    with django_assert_num_queries(3):  # history, referrals, questions
        record = selectors.escalation_record(got)
    assert record["outcome"] is None and record["story"] is None


def test_the_page_shows_the_whole_history_in_statements_that_do_not_grow_with_it(
    client_for,
    coordinator,
    volunteer,
    mary,
    make_escalation,
    django_assert_max_num_queries,
):
    consent(mary, ConsentScope.SHARE_WITH_PARTNERS)
    consent(mary, ConsentScope.ANONYMISED_STORY)
    small, large = make_escalation(), make_escalation()
    _full_history(small, coordinator, volunteer, 1)
    _full_history(large, coordinator, volunteer, 6)
    web = client_for(coordinator)
    web.get(_detail(small.pk))  # the first request reads what later ones keep
    counts = []
    for escalation, n in ((small, 1), (large, 6)):
        with django_assert_max_num_queries(20) as queries:
            body = web.get(_detail(escalation.pk)).content.decode()
        counts.append(len(queries))
        for i in range(n):
            assert f"Shared {i}" in body and f"Ask {i}" in body and f"Reply {i}" in body
        assert "A lift every Tuesday" in body and "Thank you, Vera" in body
        assert "“A lift to the surgery”" in body
        assert "Sharing with partners: <strong>yes</strong>" in body
        assert "Volunteer at an MDT: <strong>no</strong>" in body
        assert f"{coordinator}, " in body  # the outcome's recorder and the history's actor
        assert str(volunteer.volunteer) in body
        assert Escalation.objects.get(pk=escalation.pk).state == "closed"
    assert counts[0] == counts[1]


def test_a_phone_observation_names_who_logged_it_and_the_owner(
    client_for, coordinator, team_leader, volunteer, make_escalation
):
    escalation = make_escalation()
    services.escalation_accept(
        escalation=escalation, by=team_leader, expected_version=escalation.version
    )
    observation = escalation.observation
    observation.logged_by = coordinator
    observation.by_phone = True
    observation.save(update_fields=["logged_by", "by_phone"])
    body = client_for(coordinator).get(_detail(escalation.pk)).content.decode()
    assert f"(by phone, logged by {coordinator})" in body
    assert f'Owner</dt><dd class="govuk-summary-list__value">{team_leader}</dd>' in body


def test_what_people_wrote_is_escaped_and_empty_values_say_so(
    client_for, coordinator, make_escalation
):
    made = make_escalation()
    made.observation.__class__.objects.filter(pk=made.observation_id).update(
        noticed="<b>Ann</b> & Co\nsecond line", client_wants=""
    )
    body = client_for(coordinator).get(_detail(made.pk)).content.decode()
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; Co<br>second line" in body
    assert "<b>Ann</b>" not in body
    assert "Not said" in body and "Nobody yet" in body and "None yet" in body
    assert "Not set yet" in body or made.due_at is not None
    # The actions' forms carry the CSRF token, as {% csrf_token %} wrote it.
    accept = reverse("escalations:accept", args=[made.pk])
    form = body.split(f'action="{accept}"', 1)[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken" value="' in form
