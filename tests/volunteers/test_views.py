import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models import Q, Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.services import assignment_create
from tests.factories import (
    ClientFactory,
    ConfidentialityAgreementFactory,
    MeetingSignUpFactory,
    PracticeFactory,
    TrainingRecordFactory,
    VolunteerFactory,
    VolunteerMeetingFactory,
)
from tests.volunteers.helpers import current_agreement, make_ready, ready_volunteer
from volunteers import workload
from volunteers.enums import MdtWish, VolunteerStatus
from volunteers.models import AgreementSignature, TrainingRecord, Volunteer

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def _date(name, value: dt.date) -> dict:
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


@pytest.fixture
def vera(volunteer):
    volunteer.first_name, volunteer.last_name = "Vera", "Penrose"
    volunteer.save(update_fields=["first_name", "last_name"])
    return make_ready(volunteer.volunteer)


def test_workload_counts_clients_practices_and_mdt_practices(client_for, coordinator, vera, west):
    allows = PracticeFactory(locality=west, name="Penwith Surgery", volunteers_may_attend_mdt=True)
    refuses = PracticeFactory(locality=west, name="Mount's Bay", volunteers_may_attend_mdt=False)
    for practice in (allows, allows, refuses):
        assignment_create(client=ClientFactory(practice=practice), volunteer=vera, by=coordinator)
    ended = assignment_create(
        client=ClientFactory(practice=PracticeFactory(locality=west)),
        volunteer=vera,
        by=coordinator,
    )
    from clients.services import assignment_end

    assignment_end(assignment=ended, by=coordinator)

    v = workload.with_workload(Volunteer.objects.filter(pk=vera.pk)).get()
    assert [(p.key, n) for p, n in workload.workload_rows(v)] == [
        ("clients", 3),
        ("practices", 2),
        ("mdt_practices", 1),
        ("mdts", 0),
        ("meetings", 0),
    ]
    page = body(client_for(coordinator).get(reverse("volunteers:detail", args=[vera.pk])))
    assert 'Clients visited now</dt>\n    <dd class="govuk-summary-list__value">3' in page
    assert (
        'Penwith Surgery <strong class="govuk-tag govuk-tag--blue">Volunteers may attend MDTs'
        in page
    )
    assert "Mount&#x27;s Bay" in page


def test_workload_counts_meetings_coming_up(client_for, coordinator, vera, west):
    coming = VolunteerMeetingFactory(locality=west)
    held = VolunteerMeetingFactory(
        locality=west,
        starts_at=timezone.now() - dt.timedelta(days=7),
        ends_at=timezone.now() - dt.timedelta(days=7) + dt.timedelta(hours=2),
    )
    for meeting in (coming, held):
        MeetingSignUpFactory(meeting=meeting, volunteer=vera)
    page = body(client_for(coordinator).get(reverse("volunteers:detail", args=[vera.pk])))
    assert (
        "Volunteer meetings signed up for, coming up</dt>\n"
        '    <dd class="govuk-summary-list__value">1'
    ) in page


def test_workload_takes_providers_from_other_apps(client_for, coordinator, vera, monkeypatch):
    # The extension point the MDT and meeting apps use: one more provider, one more row.
    provider = workload.WorkloadProvider(
        key="mdt_items", label="MDT items to attend", expression=lambda: Value(7)
    )
    monkeypatch.setattr(workload, "WORKLOAD_PROVIDERS", [*workload.WORKLOAD_PROVIDERS, provider])
    page = body(client_for(coordinator).get(reverse("volunteers:detail", args=[vera.pk])))
    assert 'MDT items to attend</dt>\n    <dd class="govuk-summary-list__value">7' in page


def test_detail_names_what_is_missing(client_for, coordinator, west):
    current_agreement()
    unready = VolunteerFactory(locality=west)
    page = body(client_for(coordinator).get(reverse("volunteers:detail", args=[unready.pk])))
    assert "Cannot be assigned to a client yet:" in page
    assert "No current ‘Medically aware, not medically trained’ training" in page
    assert "Has not signed the current confidentiality agreement (2025-1)" in page


def test_detail_shows_training_and_agreements_with_currency(client_for, coordinator, vera):
    today = timezone.localdate()
    old = ConfidentialityAgreementFactory(version="2019-1", in_force_from=dt.date(2019, 1, 1))
    AgreementSignature.objects.create(volunteer=vera, agreement=old, signed_on=dt.date(2019, 2, 1))
    TrainingRecordFactory(
        volunteer=vera,
        module="safeguarding",
        completed_on=today - dt.timedelta(days=800),
        expires_on=today - dt.timedelta(days=70),
    )
    page = body(client_for(coordinator).get(reverse("volunteers:detail", args=[vera.pk])))
    assert "Safeguarding adults" in page and "Expired" in page
    assert "2019-1" in page and "Replaced" in page
    assert "Ready to visit" in page


def test_volunteer_sees_own_page_without_coordinator_actions(client_for, vera, volunteer):
    page = body(client_for(volunteer).get(reverse("volunteers:detail", args=[vera.pk])))
    assert "Your workload and training" in page
    assert reverse("volunteers:me_edit") in page
    assert reverse("volunteers:training_add", args=[vera.pk]) not in page
    assert reverse("volunteers:edit", args=[vera.pk]) not in page


def test_volunteer_never_sees_another_volunteer(client_for, vera, volunteer, west):
    other = ready_volunteer(west)
    assert (
        client_for(volunteer).get(reverse("volunteers:detail", args=[other.pk])).status_code == 404
    )


def test_volunteer_list_filters(client_for, coordinator, vera, west):
    unready = VolunteerFactory(locality=west, user__first_name="Kerensa", user__last_name="Nance")
    gone = VolunteerFactory(
        locality=west,
        status=VolunteerStatus.LEFT,
        user__first_name="Zennor",
        user__last_name="Gone",
    )
    c = client_for(coordinator)

    def names(params):
        page = body(c.get(reverse("volunteers:list"), params))
        return [n for n in ("Penrose", "Nance", "Gone") if n in page]

    assert names({}) == ["Penrose", "Nance"]  # active by default
    assert names({"status": ""}) == ["Penrose", "Nance", "Gone"]
    assert names({"ready": "no"}) == ["Nance"]
    assert names({"ready": "yes"}) == ["Penrose"]
    assert names({"q": "kere"}) == ["Nance"]
    assert unready.pk and gone.pk


def test_volunteer_list_bad_filter(client_for, coordinator, vera):
    page = body(client_for(coordinator).get(reverse("volunteers:list"), {"ready": "perhaps"}))
    assert "<title>Error: Volunteers" in page
    assert "Select a valid choice" in page


def test_me_edit_saves_mdt_wish(client_for, volunteer, vera):
    response = client_for(volunteer).post(
        reverse("volunteers:me_edit"),
        {
            "phone": "07700 900101",
            "address": "",
            "skills": "Crosswords",
            "availability": "Mornings",
            "mdt_wish": MdtWish.NO,
        },
    )
    assert response.status_code == 302
    vera.refresh_from_db()
    assert (vera.mdt_wish, vera.skills) == (MdtWish.NO, "Crosswords")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mdt_wish": ""}, "Say whether you would like to attend MDT meetings"),
        ({"mdt_wish": "always"}, "Select a valid choice"),
        ({"phone": "ring me"}, "Enter a phone number using digits, spaces and + only"),
        ({"phone": "123"}, "Enter a phone number with at least 6 digits"),
    ],
)
def test_me_edit_bad_input(client_for, volunteer, vera, data, message):
    data = {"phone": "", "address": "", "skills": "", "availability": "", "mdt_wish": "yes"} | data
    response = client_for(volunteer).post(reverse("volunteers:me_edit"), data)
    assert "<title>Error: Change your details" in body(response)
    assert message in body(response)
    vera.refresh_from_db()
    assert vera.history.count() == 1  # created, never changed


def test_coordinator_edit_and_left_refused_while_visiting(
    client_for, coordinator, vera, west_practice
):
    assignment_create(client=ClientFactory(practice=west_practice), volunteer=vera, by=coordinator)
    url = reverse("volunteers:edit", args=[vera.pk])
    data = {
        "phone": "",
        "address": "",
        "skills": "",
        "professional_background": "Retired nurse",
        "availability": "",
        "mdt_wish": "yes",
        "status": "left",
    }
    response = client_for(coordinator).post(url, data)
    assert "still visits clients. End their assignments before marking them as left." in body(
        response
    )
    vera.refresh_from_db()
    assert vera.status == "active" and vera.professional_background == ""
    response = client_for(coordinator).post(url, data | {"status": "paused"})
    assert response.status_code == 302
    vera.refresh_from_db()
    assert (vera.status, vera.professional_background) == ("paused", "Retired nurse")


def test_record_training(client_for, coordinator, vera):
    today = timezone.localdate()
    response = client_for(coordinator).post(
        reverse("volunteers:training_add", args=[vera.pk]),
        {
            "module": "dementia_friends",
            **_date("completed_on", today),
            "expires_on_0": "",
            "expires_on_1": "",
            "expires_on_2": "",
        },
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(volunteer=vera, module="dementia_friends")
    assert (record.completed_on, record.expires_on, record.recorded_by) == (
        today,
        None,
        coordinator,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"module": ""}, "Choose which training they completed"),
        (
            {"completed_on_0": "", "completed_on_1": "", "completed_on_2": ""},
            "Enter the date it was completed",
        ),
        (
            {"completed_on_0": "30", "completed_on_1": "2", "completed_on_2": "2025"},
            "The date it was completed must be a real date",
        ),
        (
            _date("completed_on", dt.date(2999, 1, 1)),
            "The date it was completed must be today or in the past",
        ),
        (
            _date("expires_on", dt.date(2020, 1, 1)),
            "The expiry date must be after the date it was completed",
        ),
        ({"expires_on_0": "1", "expires_on_1": "", "expires_on_2": "2030"}, "Enter the month"),
    ],
)
def test_record_training_bad_input(client_for, coordinator, vera, data, message):
    before = TrainingRecord.objects.count()
    base = {
        "module": "safeguarding",
        **_date("completed_on", dt.date(2025, 3, 1)),
        "expires_on_0": "",
        "expires_on_1": "",
        "expires_on_2": "",
    }
    response = client_for(coordinator).post(
        reverse("volunteers:training_add", args=[vera.pk]), base | data
    )
    assert response.status_code == 200
    assert "<title>Error: Record training" in body(response)
    assert message in body(response)
    assert TrainingRecord.objects.count() == before


def test_record_signature_of_version_published_ahead(client_for, coordinator, vera):
    ahead = ConfidentialityAgreementFactory(
        version="2027-1", in_force_from=timezone.localdate() + dt.timedelta(days=30)
    )
    url = reverse("volunteers:signature_add", args=[vera.pk])
    page = body(client_for(coordinator).get(url))
    assert "2027-1 (in force from" in page
    assert 'value="' + str(vera.signatures.get().agreement_id) + '"' not in page  # already signed
    response = client_for(coordinator).post(
        url, {"agreement": ahead.pk, **_date("signed_on", timezone.localdate())}
    )
    assert response.status_code == 302
    assert vera.signatures.filter(agreement=ahead).exists()


def test_record_signature_bad_input(client_for, coordinator, west):
    agreement = current_agreement()
    unsigned = VolunteerFactory(locality=west)
    url = reverse("volunteers:signature_add", args=[unsigned.pk])
    for data, message in [
        (
            {"agreement": ""} | _date("signed_on", timezone.localdate()),
            "Choose the version they signed",
        ),
        (
            {"agreement": "99999"} | _date("signed_on", timezone.localdate()),
            "Choose one of the versions shown",
        ),
        (
            {"agreement": agreement.pk, "signed_on_0": "", "signed_on_1": "", "signed_on_2": ""},
            "Enter the date it was signed",
        ),
    ]:
        response = client_for(coordinator).post(url, data)
        assert message in body(response)
    assert not AgreementSignature.objects.filter(volunteer=unsigned).exists()


def test_signature_page_when_nothing_to_sign(client_for, coordinator, vera):
    page = body(client_for(coordinator).get(reverse("volunteers:signature_add", args=[vera.pk])))
    assert "There is no version for Vera Penrose to sign" in page


# --- N+1 guards ---------------------------------------------------------------------------


def _queries(c, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


def _busy_volunteer(west, coordinator):
    v = ready_volunteer(west)
    TrainingRecordFactory(volunteer=v, module="safeguarding")
    assignment_create(
        client=ClientFactory(practice=PracticeFactory(locality=west)), volunteer=v, by=coordinator
    )
    return v


def test_volunteer_list_queries_do_not_grow(
    client_for, coordinator, west, django_assert_max_num_queries
):
    _busy_volunteer(west, coordinator)
    c = client_for(coordinator)
    one = _queries(c, reverse("volunteers:list"))
    for _ in range(29):
        _busy_volunteer(west, coordinator)
    with django_assert_max_num_queries(one):
        page = body(c.get(reverse("volunteers:list")))
    assert page.count('govuk-tag--green">Ready') == 25


def test_volunteer_page_queries_do_not_grow(
    client_for, coordinator, vera, west, django_assert_max_num_queries
):
    c = client_for(coordinator)
    url = reverse("volunteers:detail", args=[vera.pk])
    assignment_create(
        client=ClientFactory(practice=PracticeFactory(locality=west)),
        volunteer=vera,
        by=coordinator,
    )
    one = _queries(c, url)
    for _ in range(29):
        assignment_create(
            client=ClientFactory(practice=PracticeFactory(locality=west)),
            volunteer=vera,
            by=coordinator,
        )
        TrainingRecordFactory(volunteer=vera, module="induction")
    with django_assert_max_num_queries(one):
        page = body(c.get(url))
    assert len(re.findall(r'href="/clients/\d+/"', page)) == 30


def test_list_counts_match_the_rows(client_for, coordinator, vera, west_practice):
    assignment_create(client=ClientFactory(practice=west_practice), volunteer=vera, by=coordinator)
    page = body(client_for(coordinator).get(reverse("volunteers:list")))
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in page
    assert Volunteer.objects.filter(Q(pk=vera.pk)).count() == 1
