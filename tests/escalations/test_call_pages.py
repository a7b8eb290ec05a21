"""Logging a volunteer's call (team leaders and coordinators): first who called, then the
observation form offering only that volunteer's clients, never every client of the locality."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from clients.models import Assignment
from clients.services import assignment_end
from escalations.models import Observation
from volunteers.enums import VolunteerStatus

from ..factories import ClientFactory, VolunteerFactory
from .helpers import visit

pytestmark = pytest.mark.django_db

URL = reverse("escalations:observation_create")


def call(who, volunteer_user, **extra):
    return {
        "submission_key": str(uuid.uuid4()),
        "volunteer": volunteer_user.volunteer.pk,
        "by_phone": "on",
        "client": who.pk,
        "noticed": "Her kitchen was cold and the heating has not worked since Sunday.",
        "kind": "home_access",
        "urgency": "worried",
        "client_wants": "",
        **extra,
    }


def radios(body: str) -> list[str]:
    """The labels of the client radios, in order."""
    ids = re.findall(r'<input type="radio" name="client"[^>]*id="(\w+)"', body)
    return [re.search(rf'<label[^>]*for="{i}">\s*([^<]+?)\s*</label>', body).group(1) for i in ids]


@pytest.fixture
def world(volunteer, mary, west, west_practice, other_volunteer, east_client):
    """Vera visits Mary; Wenna (West) visits Morwenna; an unvisited West client; Jory (East)
    visits Jenifer; Pascoe (West) has paused."""
    wenna = VolunteerFactory(
        locality=west, user__username="wenna", user__first_name="Wenna", user__last_name="Hosking"
    ).user
    visit(wenna, ClientFactory(practice=west_practice, first_name="Morwenna", last_name="Rowe"))
    ClientFactory(practice=west_practice, first_name="Unvisited", last_name="Person")
    paused = VolunteerFactory(
        locality=west,
        status=VolunteerStatus.PAUSED,
        user__username="pascoe",
        user__first_name="Pascoe",
        user__last_name="Paused",
    ).user
    return {"wenna": wenna, "paused": paused}


@pytest.mark.parametrize("role", ["team_leader", "coordinator"])
def test_the_first_step_asks_who_called_from_the_localitys_active_visiting_volunteers(
    request, client_for, world, role, volunteer, other_volunteer, west
):
    VolunteerFactory(locality=west, user__first_name="Idle", user__last_name="Ida")
    body = client_for(request.getfixturevalue(role)).get(URL).content.decode()
    assert "<title>Log an observation from a call – Living Well</title>" in body
    assert '<form method="get"' in body
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', body)
    callers = sorted([volunteer, world["wenna"]], key=lambda u: (u.first_name, u.last_name))
    assert [name for _, name in options] == ["Choose a volunteer", *map(str, callers)]
    assert str(other_volunteer) not in body and "Pascoe" not in body
    assert "Idle" not in body
    assert "Volunteers who visit someone now." in body
    # No client is listed before the caller is known.
    assert "Trevithick" not in body and "Unvisited" not in body and 'name="client"' not in body
    assert 'href="tel:999"' in body


def test_the_second_step_offers_only_the_callers_clients(
    client_for, team_leader, world, volunteer, mary
):
    later = ClientFactory(practice=mary.practice, first_name="Annie", last_name="Pascoe")
    visit(volunteer, later)
    ended = visit(volunteer, ClientFactory(practice=mary.practice, first_name="Ended"))
    assignment_end(assignment=Assignment.objects.get(client=ended), by=None)

    body = client_for(team_leader).get(URL, {"volunteer": volunteer.volunteer.pk}).content.decode()
    assert radios(body) == ["Annie Pascoe", "Mary Trevithick"]
    for other in ("Morwenna", "Unvisited", "Ended"):
        assert other not in body
    assert f'<input type="hidden" name="volunteer" value="{volunteer.volunteer.pk}"' in body
    assert re.search(rf"Volunteer who called</dt>\s*<dd[^>]*>{volunteer}</dd>", body)
    change = f"{URL}?caller={volunteer.volunteer.pk}"
    assert f'<a class="govuk-link" href="{change}">Change' in body
    assert '<form method="post"' in body
    # "Change" goes back to the first step with the caller chosen before.
    first = client_for(team_leader).get(change).content.decode()
    assert "<title>Log an observation from a call" in first
    assert re.search(
        rf'<option value="{volunteer.volunteer.pk}" selected>{volunteer}</option>', first
    )
    assert 'name="client"' not in first


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Choose the volunteer who called"),
        ("abc", "Choose a volunteer of your locality"),
        ("99999999999999999999999", "Choose a volunteer of your locality"),
        ("other", "Choose a volunteer of your locality"),
        ("paused", "Choose a volunteer of your locality"),
        ("idle", "Idle Ida visits no one at the moment."),
    ],
)
def test_a_caller_who_cannot_be_chosen_is_asked_again(
    client_for, team_leader, world, other_volunteer, west, value, message
):
    idle = VolunteerFactory(locality=west, user__first_name="Idle", user__last_name="Ida").user
    users = {"other": other_volunteer, "paused": world["paused"], "idle": idle}
    if value in users:
        value = users[value].volunteer.pk
    response = client_for(team_leader).get(URL, {"volunteer": value})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Log an observation from a call" in body
    assert message in body
    assert 'name="client"' not in body


def test_a_call_is_saved_from_the_second_step(client_for, team_leader, world):
    wenna = world["wenna"]
    morwenna = wenna.volunteer.assignments.get().client
    web = client_for(team_leader)
    assert radios(web.get(URL, {"volunteer": wenna.volunteer.pk}).content.decode()) == [
        "Morwenna Rowe"
    ]
    response = web.post(URL, call(morwenna, wenna))
    observation = Observation.objects.get()
    assert response.url == reverse("escalations:detail", args=[observation.escalation.pk])
    assert (observation.volunteer.user, observation.client, observation.by_phone) == (
        wenna,
        morwenna,
        True,
    )
    assert observation.logged_by == team_leader


def test_a_refused_call_is_drawn_again_with_the_callers_clients_and_choices(
    client_for, team_leader, world, volunteer, mary
):
    response = client_for(team_leader).post(URL, call(mary, volunteer, noticed=""))
    body = response.content.decode()
    assert "<title>Error: Log an observation from a call" in body
    assert "Enter what you noticed" in body
    assert radios(body) == ["Mary Trevithick"]
    assert re.search(rf'name="client"[^>]*value="{mary.pk}"[^>]*checked', body)
    assert f"{volunteer}</dd>" in body
    assert not Observation.objects.exists()


def test_a_client_of_another_volunteer_is_refused(client_for, team_leader, world, volunteer):
    morwenna = world["wenna"].volunteer.assignments.get().client
    body = client_for(team_leader).post(URL, call(morwenna, volunteer)).content.decode()
    assert f"{volunteer} does not visit {morwenna}. Choose their client." in body
    assert radios(body) == ["Mary Trevithick"]
    assert not Observation.objects.exists()


def test_a_client_of_another_locality_is_refused(
    client_for, team_leader, world, volunteer, east_client
):
    body = client_for(team_leader).post(URL, call(east_client, volunteer)).content.decode()
    assert "Choose one of the clients of the volunteer who called" in body
    assert not Observation.objects.exists()


@pytest.mark.parametrize("sent", ["", "abc", "other"])
def test_a_tampered_caller_says_the_page_was_out_of_date(
    client_for, team_leader, world, mary, other_volunteer, sent
):
    data = call(mary, other_volunteer)
    if sent != "other":
        data["volunteer"] = sent
    body = client_for(team_leader).post(URL, data).content.decode()
    assert "This page was out of date. Reload it and try again." in body
    # With no caller there is nobody's clients to offer: the way back to the first step.
    assert 'name="client"' not in body
    assert f'<a class="govuk-link" href="{URL}">Choose the volunteer who called</a>' in body
    assert not Observation.objects.exists()


def test_a_volunteer_is_never_asked_who_called(client_for, volunteer, world):
    morwenna_carer = world["wenna"]
    body = (
        client_for(volunteer).get(URL, {"volunteer": morwenna_carer.volunteer.pk}).content.decode()
    )
    assert "<title>Tell us what you noticed" in body
    assert radios(body) == ["Mary Trevithick"]
    assert 'name="volunteer"' not in body


@pytest.mark.parametrize("role", ["chair", "practitioner"])
def test_roles_that_do_not_take_calls_are_refused(request, client_for, world, volunteer, role):
    web = client_for(request.getfixturevalue(role))
    assert web.get(URL).status_code == 403
    assert web.get(URL, {"volunteer": volunteer.volunteer.pk}).status_code == 403


def test_the_pages_cost_does_not_grow_with_clients_or_volunteers(
    client_for, team_leader, volunteer, mary, west, west_practice, django_assert_max_num_queries
):
    web = client_for(team_leader)

    def load():
        first = web.get(URL)
        second = web.get(URL, {"volunteer": volunteer.volunteer.pk})
        assert first.status_code == second.status_code == 200
        return second.content.decode()

    with django_assert_max_num_queries(20) as few:
        load()
    for _ in range(15):
        visit(volunteer, ClientFactory(practice=west_practice))
        VolunteerFactory(locality=west)
        ClientFactory(practice=west_practice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = load()
    assert len(radios(body)) == 16


def test_only_the_first_step_makes_the_list_of_callers(
    client_for, team_leader, world, volunteer, mary, monkeypatch
):
    """Building the callers' query costs more than the page's own reads: the second step and
    the POST check the caller sent with one lookup and never make the list."""
    from escalations import selectors

    made = []

    def counted(user):
        made.append(user)
        return selectors.callers_for(user)

    monkeypatch.setattr("escalations.forms.callers_for", counted)
    web = client_for(team_leader)
    assert web.get(URL, {"volunteer": volunteer.volunteer.pk}).status_code == 200
    assert web.post(URL, call(mary, volunteer)).status_code == 302
    assert made == []
    assert str(volunteer) in web.get(URL).content.decode()
    assert made == [team_leader]


def test_the_second_step_makes_no_first_step_form(
    client_for, team_leader, world, volunteer, monkeypatch
):
    """A caller the first step would take is read with one lookup, without making and
    validating its form; a caller it would refuse still gets the form and its message."""
    from escalations.forms import CallerForm

    made = []
    real = CallerForm.__init__

    def counted(self, *args, **kwargs):
        made.append(args)
        real(self, *args, **kwargs)

    monkeypatch.setattr(CallerForm, "__init__", counted)
    web = client_for(team_leader)
    body = web.get(URL, {"volunteer": volunteer.volunteer.pk}).content.decode()
    assert 'name="client"' in body and made == []
    body = web.get(URL, {"volunteer": world["paused"].volunteer.pk}).content.decode()
    assert "Choose a volunteer of your locality" in body and len(made) == 1


@pytest.mark.parametrize("role", ["team_leader", "coordinator"])
def test_a_client_sent_with_a_call_is_one_read_of_the_localitys_clients(
    request, world, role, mary, east_client, django_assert_num_queries
):
    from clients.selectors import visible_client

    user = request.getfixturevalue(role)
    with django_assert_num_queries(1):
        found = visible_client(user, mary.pk)
    assert (found.pk, found.first_name) == (mary.pk, mary.first_name)
    with django_assert_num_queries(1):
        assert visible_client(user, east_client.pk) is None
