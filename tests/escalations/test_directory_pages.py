"""The service directory (volunteers read, coordinators and admins edit) and the on-call
rota."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from escalations.models import OnCallShift, Service

from ..factories import OnCallShiftFactory, ServiceFactory

pytestmark = pytest.mark.django_db
LIST = reverse("escalations:services")
NEW = reverse("escalations:service_create")
ROTA = reverse("escalations:rota")


@pytest.fixture
def directory(west, east):
    ServiceFactory(
        name="District nurses (Penwith)",
        is_medical=True,
        kinds=["fall", "medication"],
        localities=[west],
        contact_name="Jo Pascoe",
        phone="01736 575555",
        email="penwith.dn@nhs.example",
        organisation="Cornwall Foundation Trust",
        helps_with="Wound care, medication reviews, falls at home",
        hours="Mon-Fri 8:00-18:00",
    )
    ServiceFactory(name="Community transport", kinds=["transport"], localities=[west, east])
    ServiceFactory(name="East only service", localities=[east])
    ServiceFactory(name="Closed service", localities=[west], active=False)


def test_volunteers_read_their_localitys_directory(client_for, volunteer, directory):
    body = client_for(volunteer).get(LIST).content.decode()
    assert "District nurses (Penwith)" in body
    assert "Jo Pascoe" in body and 'href="tel:01736 575555"' in body
    assert "Wound care, medication reviews, falls at home" in body
    assert "Mon-Fri 8:00-18:00" in body and "Cornwall Foundation Trust" in body
    assert "Fall, Medication" in body and "Medical" in body
    assert "Community transport" in body
    assert "East only service" not in body and "Closed service" not in body
    assert "Add a service" not in body and "Change<span" not in body


def test_directory_filters(client_for, volunteer, directory, east):
    web = client_for(volunteer)
    assert "Community transport" not in web.get(f"{LIST}?medical=yes").content.decode()
    body = web.get(f"{LIST}?kind=transport").content.decode()
    assert "Community transport" in body and "District nurses" not in body
    assert "District nurses" in web.get(f"{LIST}?q=wound").content.decode()
    body = web.get(f"{LIST}?locality={east.pk}").content.decode()
    assert "East only service" in body
    # Nonsense filters are ignored, never an error.
    assert web.get(f"{LIST}?kind=zzz&medical=maybe&locality=abc&page=-1").status_code == 200


def test_directory_query_count_does_not_grow(client_for, volunteer, west):
    web = client_for(volunteer)
    ServiceFactory(localities=[west])
    web.get(LIST)
    with CaptureQueriesContext(connection) as one:
        web.get(LIST)
    for _ in range(24):
        ServiceFactory(localities=[west])
    with CaptureQueriesContext(connection) as many:
        body = web.get(LIST).content.decode()
    assert body.count('class="lw-card"') == 25
    assert len(many) == len(one)


def service_data(west, **change):
    return {
        "name": "Memory café",
        "kinds": ["memory", "loneliness"],
        "localities": [west.pk],
        "contact_name": "Ann Tonkin",
        "phone": "01736 111222",
        "email": "",
        "organisation": "Alzheimer's Society",
        "helps_with": "A friendly afternoon for people with memory problems",
        "hours": "Wednesdays 2-4pm",
        "active": "on",
        **change,
    }


def test_coordinator_adds_and_changes_a_service(client_for, coordinator, west):
    web = client_for(coordinator)
    response = web.post(NEW, service_data(west))
    assert response.status_code == 302
    service = Service.objects.get()
    assert service.kinds == ["memory", "loneliness"]
    assert list(service.localities.all()) == [west]
    edit = reverse("escalations:service_edit", args=[service.pk])
    web.post(edit, service_data(west, phone="01736 999000", active=""))
    service.refresh_from_db()
    assert service.phone == "01736 999000" and service.active is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Enter the service&#x27;s name"),
        ({"kinds": []}, "Choose at least one kind of observation"),
        ({"kinds": ["dragons"]}, "Select a valid choice"),
        ({"localities": []}, "Choose at least one locality"),
        ({"contact_name": ""}, "Enter who to call"),
        ({"phone": ""}, "Enter their phone number"),
        ({"phone": "call me maybe"}, "Enter a phone number, like 01872 123456"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"localities": ["99999999999999999999999"]}, "Select a valid choice"),
        ({"localities": ["west"]}, "Select a valid choice"),
        ({"localities": ["²"]}, "Select a valid choice"),
    ],
)
def test_bad_input_on_the_service_form(client_for, coordinator, west, change, message):
    response = client_for(coordinator).post(NEW, service_data(west, **change))
    body = response.content.decode()
    assert "<title>Error: Add a service" in body and message in body
    assert not Service.objects.exists()


def test_a_coordinator_cannot_move_a_service_out_of_their_locality(
    client_for, coordinator, west, east
):
    response = client_for(coordinator).post(NEW, service_data(west, localities=[east.pk]))
    assert "A service you add or change must cover West Cornwall" in response.content.decode()
    assert not Service.objects.exists()


def test_rota_shows_who_is_on_call_and_coordinators_add_shifts(
    client_for, coordinator, team_leader, west, east
):
    OnCallShiftFactory(locality=west, team_leader=team_leader)
    OnCallShiftFactory(locality=east)
    body = client_for(team_leader).get(ROTA).content.decode()
    assert f'{team_leader} <strong class="govuk-tag govuk-tag--green">On call now' in body
    assert "Add a shift" not in body  # team leaders read the rota
    assert body.count('<tr class="govuk-table__row">') == 2  # header + West's one shift

    web = client_for(coordinator)
    start = timezone.localtime() + dt.timedelta(days=1)
    response = web.post(
        ROTA,
        {
            "team_leader": team_leader.pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    assert OnCallShift.objects.filter(locality=west).count() == 2
    shift = OnCallShift.objects.filter(locality=west).latest("starts_at")
    web.post(reverse("escalations:rota_delete", args=[shift.pk]))
    assert OnCallShift.objects.filter(locality=west).count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"team_leader": ""}, "Choose the team leader"),
        ({"starts_at": ""}, "Enter when the shift starts"),
        ({"starts_at": "soon"}, "Enter when the shift starts, like"),
        ({"ends_at": "2026-01-01T08:00"}, "The shift must end after it starts"),
        ({"ends_at": "2026-01-20T09:00"}, "A shift can be at most 7 days long"),
    ],
)
def test_bad_input_on_the_shift_form(client_for, coordinator, team_leader, change, message):
    data = {
        "team_leader": team_leader.pk,
        "starts_at": "2026-01-01T09:00",
        "ends_at": "2026-01-01T17:00",
        **change,
    }
    response = client_for(coordinator).post(ROTA, data)
    body = response.content.decode()
    assert "<title>Error: On-call rota" in body and message in body
    assert not OnCallShift.objects.exists()


def test_a_coordinator_cannot_put_another_localitys_team_leader_on_call(
    client_for, coordinator, other_team_leader
):
    response = client_for(coordinator).post(
        ROTA,
        {
            "team_leader": other_team_leader.pk,
            "starts_at": "2026-01-01T09:00",
            "ends_at": "2026-01-01T17:00",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert not OnCallShift.objects.exists()
