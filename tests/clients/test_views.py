import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.enums import ConsentAction, ConsentScope
from clients.models import Assignment, Client, ConsentRecord, Need
from clients.services import assignment_create
from livingwell.models import AuditEntry
from tests.factories import ClientFactory, ConsentRecordFactory, NeedFactory, PracticeFactory
from tests.volunteers.helpers import make_ready, ready_volunteer

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


# --- A volunteer sees their own clients and never another volunteer's ----------------------


def test_my_clients_lists_only_mine(client_for, volunteer, west_client, other_volunteers_client):
    assert Client.objects.filter(pk=other_volunteers_client.pk).exists()
    page = body(client_for(volunteer).get(reverse("clients:mine")))
    assert "Elowen Trewin" in page
    assert reverse("clients:detail", args=[west_client.pk]) in page
    assert "Hedra" not in page and "Polglase" not in page


def test_volunteer_cannot_open_another_volunteers_client(
    client_for, volunteer, west_client, other_volunteers_client
):
    url = reverse("clients:detail", args=[other_volunteers_client.pk])
    assert client_for(volunteer).get(url).status_code == 404
    assert not AuditEntry.objects.filter(
        action="view", client_id=other_volunteers_client.pk
    ).exists()


def test_volunteer_loses_sight_when_assignment_ends(client_for, volunteer, assignment, coordinator):
    url = reverse("clients:detail", args=[assignment.client_id])
    c = client_for(coordinator)
    response = c.post(
        reverse("clients:assignment_end", args=[assignment.client_id, assignment.pk]),
        {"ended_on_0": "", "ended_on_1": "", "ended_on_2": "", "reason": "Moved away"}
        | _date("ended_on", timezone.localdate()),
    )
    assert response.status_code == 302
    assert client_for(volunteer).get(url).status_code == 404
    assert "Elowen" not in body(client_for(volunteer).get(reverse("clients:mine")))


def test_visit_page_is_for_the_visit(client_for, volunteer, west_client):
    ConsentRecordFactory(client=west_client, scope=ConsentScope.MDT_CHAMPION, action="withdrawn")
    page = body(client_for(volunteer).get(reverse("clients:detail", args=[west_client.pk])))
    assert '<h1 class="govuk-heading-l">Elowen Trewin</h1>' in page
    assert "In an emergency call <strong>999</strong>" in page
    assert "A lift to the surgery" in page
    assert "1 Fore Street, Penzance" in page
    # What they agreed to, in plain words; no NHS number, no edit links for a volunteer.
    assert "Share with Living Well partners" in page
    assert "9434765870" not in page and "943 476 5870" not in page
    assert reverse("clients:edit", args=[west_client.pk]) not in page


def test_staff_client_page_shows_consent_volunteers_and_actions(
    client_for, coordinator, west_client, volunteer
):
    page = body(client_for(coordinator).get(reverse("clients:detail", args=[west_client.pk])))
    assert "943 476 5870" in page
    assert str(volunteer) in page  # the visiting volunteer
    consent_url = reverse("clients:consent", args=[west_client.pk])
    # Given: one link to withdraw; not asked: one link to give. The same one step either way.
    assert f"{consent_url}?scope=share_with_partners&amp;action=withdrawn" in page
    assert f"{consent_url}?scope=mdt_champion&amp;action=given" in page
    assert reverse("clients:assign", args=[west_client.pk]) in page


def test_team_leader_sees_client_without_change_links(client_for, team_leader, west_client):
    page = body(client_for(team_leader).get(reverse("clients:detail", args=[west_client.pk])))
    assert "Elowen Trewin" in page
    assert reverse("clients:edit", args=[west_client.pk]) not in page
    assert reverse("clients:consent", args=[west_client.pk]) not in page


# --- Audit: every view of a client page ----------------------------------------------------


@pytest.mark.parametrize("role", ["volunteer", "coordinator", "team_leader", "admin"])
def test_client_page_view_is_audited(client_for, users, west_client, role):
    before = AuditEntry.objects.count()
    client_for(users[role]).get(
        reverse("clients:detail", args=[west_client.pk]), REMOTE_ADDR="10.0.0.7"
    )
    client_for(users[role]).get(
        reverse("clients:detail", args=[west_client.pk]), REMOTE_ADDR="10.0.0.7"
    )
    entries = AuditEntry.objects.order_by("pk")[before:]
    assert [
        (e.actor, e.action, e.object_type, e.object_id, e.client_id, e.ip_address) for e in entries
    ] == [
        (users[role], "view", "clients.client", str(west_client.pk), west_client.pk, "10.0.0.7")
    ] * 2


def test_subject_access_is_audited(client_for, coordinator, west_client):
    client_for(coordinator).get(reverse("clients:subject_access_json", args=[west_client.pk]))
    entry = AuditEntry.objects.filter(action="export").get()
    assert (entry.actor, entry.client_id) == (coordinator, west_client.pk)


# --- Forms: good input saves, bad input says why and saves nothing --------------------------


def _date(name, value: dt.date) -> dict:
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}


def _client_data(gp, **overrides):
    data = {
        "first_name": "Jowan",
        "last_name": "Angove",
        **_date("date_of_birth", dt.date(1941, 7, 30)),
        "nhs_number": "943 476 5919",
        "address": "Flat 2, Morrab Court",
        "postcode": "tr184ds",
        "phone": "01736 111202",
        "practice": gp.pk,
        "visit_notes": "",
        "status": "active",
    }
    data.update(overrides)
    return data


def test_client_create(client_for, coordinator, west_practice):
    response = client_for(coordinator).post(reverse("clients:new"), _client_data(west_practice))
    created = Client.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("clients:detail", args=[created.pk])
    assert (created.nhs_number, created.postcode, created.locality) == (
        "9434765919",
        "TR18 4DS",
        west_practice.locality,
    )
    assert AuditEntry.objects.filter(action="create", client_id=created.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": ""}, "Enter the client’s first name"),
        ({"nhs_number": "943 476 5918"}, "This is not a valid NHS number"),
        ({"nhs_number": "94347659"}, "An NHS number is 10 digits long; this one has 8"),
        ({"nhs_number": "94347659AB"}, "Enter an NHS number using digits only"),
        (
            _date("date_of_birth", dt.date(2099, 1, 1)),
            "The date of birth must be today or in the past",
        ),
        (
            {"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "1940"},
            "The date of birth must be a real date",
        ),
        (
            {"date_of_birth_0": "", "date_of_birth_1": "", "date_of_birth_2": ""},
            "Enter the date of birth",
        ),
        (
            {"date_of_birth_0": "x", "date_of_birth_1": "2", "date_of_birth_2": "1940"},
            "Enter a valid date",
        ),
        ({"postcode": "PENZANCE"}, "Enter a real postcode, like TR18 2AA"),
        ({"phone": "call me"}, "Enter a phone number using digits, spaces and + only"),
        ({"practice": ""}, "Choose the client’s GP practice"),
        ({"practice": "999999"}, "Choose one of the practices listed"),
    ],
)
def test_client_create_bad_input(client_for, coordinator, west_practice, overrides, message):
    response = client_for(coordinator).post(
        reverse("clients:new"), _client_data(west_practice, **overrides)
    )
    assert response.status_code == 200
    assert "<title>Error: Add a client" in body(response)
    assert message in body(response)
    assert not Client.objects.exists()
    assert not AuditEntry.objects.exists()


def test_client_create_refuses_practice_of_another_locality(client_for, coordinator, east_practice):
    response = client_for(coordinator).post(reverse("clients:new"), _client_data(east_practice))
    assert "Choose one of the practices listed" in body(response)
    assert not Client.objects.exists()


def test_client_create_refuses_duplicate_nhs_number(
    client_for, coordinator, west_client, west_practice
):
    response = client_for(coordinator).post(
        reverse("clients:new"), _client_data(west_practice, nhs_number="943 476 5870")
    )
    assert "A client with this NHS number is already recorded" in body(response)
    assert Client.objects.count() == 1


def test_client_edit(client_for, coordinator, west_client, west_practice):
    response = client_for(coordinator).post(
        reverse("clients:edit", args=[west_client.pk]),
        _client_data(
            west_practice,
            first_name="Elowen",
            last_name="Trewin",
            nhs_number="9434765870",
            visit_notes="Knock loudly",
        ),
    )
    assert response.status_code == 302
    west_client.refresh_from_db()
    assert west_client.visit_notes == "Knock loudly"
    entry = AuditEntry.objects.filter(action="update", object_type="clients.client").get()
    assert entry.summary.startswith("Changed ")


def test_client_edit_bad_input_changes_nothing(client_for, coordinator, west_client, west_practice):
    response = client_for(coordinator).post(
        reverse("clients:edit", args=[west_client.pk]),
        _client_data(west_practice, last_name="", nhs_number="9434765870", status="unknown"),
    )
    page = body(response)
    assert "<title>Error: Change Elowen Trewin" in page
    assert "Enter the client’s last name" in page
    assert "Choose one of the statuses listed" in page
    west_client.refresh_from_db()
    assert west_client.last_name == "Trewin"
    assert not AuditEntry.objects.filter(action="update").exists()


def test_need_add_and_bad_input(client_for, coordinator, west_client):
    c = client_for(coordinator)
    url = reverse("clients:need_new", args=[west_client.pk])
    response = c.post(url, {"kind": "", "description": "   "})
    assert "Choose whether the need is medical or non-medical" in body(response)
    assert "Describe the need" in body(response)
    assert west_client.needs.count() == 1
    response = c.post(url, {"kind": "non_medical", "description": "Help with heating bills"})
    assert response.status_code == 302
    assert west_client.needs.filter(description="Help with heating bills").exists()


def test_need_met_toggle(client_for, coordinator, west_client):
    need = west_client.needs.get()
    client_for(coordinator).post(
        reverse("clients:need_met", args=[west_client.pk, need.pk]), {"met": "1"}
    )
    need.refresh_from_db()
    assert need.met


def test_need_of_another_client_is_404(client_for, coordinator, west_client, west_practice):
    other_need = NeedFactory(client=ClientFactory(practice=west_practice))
    url = reverse("clients:need_met", args=[west_client.pk, other_need.pk])
    assert client_for(coordinator).post(url, {"met": "1"}).status_code == 404
    other_need.refresh_from_db()
    assert not other_need.met


def test_consent_give_and_withdraw_take_the_same_steps(client_for, coordinator, west_client):
    c = client_for(coordinator)
    url = reverse("clients:consent", args=[west_client.pk])
    for action in (ConsentAction.GIVEN, ConsentAction.WITHDRAWN):
        # One link from the client page pre-fills the form; one submit records it.
        page = body(c.get(url, {"scope": "mdt_champion", "action": action}))
        assert _checked(page, "scope") == ["mdt_champion"]
        assert _checked(page, "action") == [action]
        response = c.post(
            url,
            {
                "scope": "mdt_champion",
                "action": action,
                "method": "spoken",
                "privacy_notice_version": "2025-1",
                "notes": "",
            },
        )
        assert response.status_code == 302
    assert list(
        ConsentRecord.objects.filter(client=west_client, scope="mdt_champion")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["given", "withdrawn"]


def _checked(page: str, name: str) -> list[str]:
    """The values of the checked radios called ``name``."""
    found = []
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            found.append(re.search(r'value="([^"]*)"', tag).group(1))
    return found


def test_consent_prefill_ignores_unknown_values(client_for, coordinator, west_client):
    page = body(
        client_for(coordinator).get(
            reverse("clients:consent", args=[west_client.pk]),
            {"scope": "marketing", "action": "maybe"},
        )
    )
    assert _checked(page, "scope") == []
    assert _checked(page, "action") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scope": "", "action": "given", "method": "spoken"}, "Choose what the consent is about"),
        ({"scope": "marketing", "action": "given", "method": "spoken"}, "Select a valid choice"),
        (
            {"scope": "mdt_champion", "action": "", "method": "spoken"},
            "Choose whether they gave or withdrew consent",
        ),
        ({"scope": "mdt_champion", "action": "given", "method": ""}, "Choose how they told you"),
        (
            {
                "scope": "mdt_champion",
                "action": "given",
                "method": "spoken",
                "privacy_notice_version": "",
            },
            "Enter the version of the privacy notice they were given",
        ),
    ],
)
def test_consent_bad_input(client_for, coordinator, west_client, data, message):
    before = ConsentRecord.objects.count()
    data = {"privacy_notice_version": "2025-1", "notes": ""} | data
    response = client_for(coordinator).post(reverse("clients:consent", args=[west_client.pk]), data)
    assert response.status_code == 200
    assert "<title>Error: Record consent" in body(response)
    assert message in body(response)
    assert ConsentRecord.objects.count() == before


def test_assign_volunteer(client_for, coordinator, west_client, west):
    other = ready_volunteer(west, user__first_name="Wenna")
    response = client_for(coordinator).post(
        reverse("clients:assign", args=[west_client.pk]),
        {"volunteer": other.pk} | _date("started_on", timezone.localdate()),
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(client=west_client, volunteer=other, ended_on=None).exists()


def test_assign_refuses_unready_volunteer_naming_what_is_missing(
    client_for, coordinator, west_client, unassigned_volunteer
):
    response = client_for(coordinator).post(
        reverse("clients:assign", args=[west_client.pk]),
        {"volunteer": unassigned_volunteer.pk} | _date("started_on", timezone.localdate()),
    )
    page = body(response)
    assert "<title>Error: Assign a volunteer" in page
    assert (
        "cannot be assigned yet: no current ‘Medically aware, not medically trained’ training; "
        "has not signed the current confidentiality agreement (2025-1)" in page
    )
    assert not Assignment.objects.filter(volunteer=unassigned_volunteer).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"volunteer": ""}, "Choose a volunteer"),
        ({"volunteer": "999999"}, "Choose one of the volunteers listed"),
        (
            {"started_on_0": "1", "started_on_1": "1", "started_on_2": "2999"},
            "The start date must be today or in the past",
        ),
    ],
)
def test_assign_bad_input(client_for, coordinator, west_client, west, data, message):
    other = ready_volunteer(west)
    before = Assignment.objects.count()
    data = {"volunteer": other.pk} | _date("started_on", timezone.localdate()) | data
    response = client_for(coordinator).post(reverse("clients:assign", args=[west_client.pk]), data)
    assert message in body(response)
    assert Assignment.objects.count() == before


def test_assign_refuses_volunteer_of_another_locality(client_for, coordinator, west_client, east):
    outsider = ready_volunteer(east)
    response = client_for(coordinator).post(
        reverse("clients:assign", args=[west_client.pk]),
        {"volunteer": outsider.pk} | _date("started_on", timezone.localdate()),
    )
    assert "Choose one of the volunteers listed" in body(response)
    assert not Assignment.objects.filter(volunteer=outsider).exists()


def test_assign_page_suggests_volunteers_of_the_same_practice(
    client_for, coordinator, west_practice, assignment
):
    client = ClientFactory(practice=west_practice)
    page = body(client_for(coordinator).get(reverse("clients:assign", args=[client.pk])))
    assert "1 client at Penwith Surgery; 1 client in all." in page
    assert f'name="volunteer" value="{assignment.volunteer_id}"' in page


def test_end_assignment_bad_input(client_for, coordinator, assignment):
    url = reverse("clients:assignment_end", args=[assignment.client_id, assignment.pk])
    for data, message in [
        (
            _date("ended_on", assignment.started_on - dt.timedelta(days=1)),
            "The end date must be on or after",
        ),
        (
            _date("ended_on", timezone.localdate() + dt.timedelta(days=3)),
            "The end date must be today or in the past",
        ),
        ({"ended_on_0": "", "ended_on_1": "", "ended_on_2": ""}, "Enter the end date"),
    ]:
        response = client_for(coordinator).post(url, data | {"reason": ""})
        assert response.status_code == 200
        assert message in body(response)
    assignment.refresh_from_db()
    assert assignment.ended_on is None


def test_ended_assignment_cannot_be_ended_again(client_for, coordinator, assignment):
    url = reverse("clients:assignment_end", args=[assignment.client_id, assignment.pk])
    client_for(coordinator).post(url, _date("ended_on", timezone.localdate()))
    assert client_for(coordinator).get(url).status_code == 404


def test_client_list_search_and_filters(
    client_for, coordinator, west_client, other_volunteers_client, west
):
    c = client_for(coordinator)
    unvisited = ClientFactory(
        first_name="Kitto", last_name="Bolitho", practice=PracticeFactory(locality=west)
    )
    assert Client.objects.filter(pk=unvisited.pk).exists()

    def names(params):
        page = body(c.get(reverse("clients:list"), params))
        return [n for n in ("Trewin", "Polglase", "Bolitho") if n in page]

    assert names({}) == ["Trewin", "Polglase", "Bolitho"]
    assert names({"q": "elowen"}) == ["Trewin"]
    assert names({"q": "943 476 5870"}) == ["Trewin"]
    assert names({"has_volunteer": "no"}) == ["Bolitho"]
    assert names({"practice": unvisited.practice_id}) == ["Bolitho"]
    ConsentRecordFactory(client=other_volunteers_client, scope=ConsentScope.MDT_CHAMPION)
    assert names({"mdt_consent": "yes"}) == ["Polglase"]
    assert names({"mdt_consent": "no"}) == ["Trewin", "Bolitho"]


def test_client_list_bad_filter_says_so(client_for, coordinator, west_client):
    page = body(
        client_for(coordinator).get(reverse("clients:list"), {"status": "bogus", "page": "x"})
    )
    assert "<title>Error: Clients" in page
    assert "Select a valid choice" in page


# --- N+1 guards: the same number of queries for 1 row and for 30 ----------------------------


def _queries(c, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


def _client_with_everything(practice, coordinator, volunteer):
    client = ClientFactory(practice=practice)
    NeedFactory(client=client)
    ConsentRecordFactory(client=client, scope=ConsentScope.MDT_CHAMPION)
    assignment_create(client=client, volunteer=volunteer, by=coordinator)
    return client


def test_client_list_queries_do_not_grow(
    client_for, coordinator, west_practice, west, django_assert_max_num_queries
):
    volunteer = ready_volunteer(west)
    _client_with_everything(west_practice, coordinator, volunteer)
    c = client_for(coordinator)
    one = _queries(c, reverse("clients:list"))
    for _ in range(29):
        _client_with_everything(west_practice, coordinator, ready_volunteer(west))
    with django_assert_max_num_queries(one):
        page = body(c.get(reverse("clients:list")))
    assert len(re.findall(r'href="/clients/\d+/"', page)) == 25  # one full page


def test_my_clients_queries_do_not_grow(
    client_for, coordinator, volunteer, west_practice, django_assert_max_num_queries
):
    make_ready(volunteer.volunteer)
    _client_with_everything(west_practice, coordinator, volunteer.volunteer)
    c = client_for(volunteer)
    one = _queries(c, reverse("clients:mine"))
    for _ in range(29):
        _client_with_everything(west_practice, coordinator, volunteer.volunteer)
    with django_assert_max_num_queries(one):
        page = body(c.get(reverse("clients:mine")))
    assert page.count('class="govuk-summary-card__title"') == 30


@pytest.mark.parametrize("role", ["coordinator", "volunteer"])
def test_client_page_queries_do_not_grow(
    client_for, users, west_client, west, coordinator, role, django_assert_max_num_queries
):
    c = client_for(users[role])
    url = reverse("clients:detail", args=[west_client.pk])
    one = _queries(c, url)
    for i in range(29):
        NeedFactory(client=west_client, description=f"Need {i}")
        ConsentRecordFactory(
            client=west_client,
            scope=ConsentScope.ANONYMISED_STORY,
            action="given" if i % 2 else "withdrawn",
        )
        assignment_create(client=west_client, volunteer=ready_volunteer(west), by=coordinator)
    with django_assert_max_num_queries(one):
        page = body(c.get(url))
    assert "Need 28" in page


def test_client_page_lists_thirty_volunteers(client_for, coordinator, west_client, west):
    for _ in range(3):
        assignment_create(client=west_client, volunteer=ready_volunteer(west), by=coordinator)
    page = body(client_for(coordinator).get(reverse("clients:detail", args=[west_client.pk])))
    assert page.count(">End<span") == 4


def test_client_needs_tie_to_client(west_client):
    assert Need.objects.filter(client=west_client).count() == 1


def test_home_panel_lists_a_volunteers_clients(
    client_for, volunteer, west_client, other_volunteers_client
):
    page = body(client_for(volunteer).get(reverse("home")))
    assert "Your clients" in page
    assert f'href="{reverse("clients:detail", args=[west_client.pk])}">Elowen Trewin' in page
    assert "Polglase" not in page


def test_home_panel_counts_a_localitys_unvisited_clients(
    client_for, coordinator, west_client, west_practice, east_practice
):
    ClientFactory(practice=west_practice)
    ClientFactory(practice=east_practice)  # another locality: not counted
    page = body(client_for(coordinator).get(reverse("home")))
    assert "1 active client without a volunteer." in page
    assert "?status=active&amp;has_volunteer=no" in page


def test_client_list_rows_show_practice_volunteers_consent_and_status(
    client_for, coordinator, west_client, west, west_practice
):
    """Each row: the name linking to the client, the practice, every volunteer visiting now
    (first assigned first, by name or username) or "None", each consent and the status."""
    first = ready_volunteer(west)
    second = ready_volunteer(west)
    second.user.first_name = second.user.last_name = ""
    second.user.save()
    both = ClientFactory(first_name="Demelza", last_name="Angove", practice=west_practice)
    assignment_create(client=both, volunteer=first, by=coordinator)
    assignment_create(client=both, volunteer=second, by=coordinator)
    ConsentRecordFactory(client=both, scope=ConsentScope.ANONYMISED_STORY)
    alone = ClientFactory(first_name="Jago", last_name="Annear", practice=west_practice)

    page = body(client_for(coordinator).get(reverse("clients:list")))
    rows = {}
    for row in re.findall(r'<tr class="govuk-table__row">.*?</tr>', page, re.S):
        link = re.search(r'href="/clients/(\d+)/">([^<]+)</a>', row)
        if link:
            rows[int(link.group(1))] = row
    row = rows[both.pk]
    assert ">Angove, Demelza</a>" in row and f">{west_practice.name}</td>" in row
    assert f">{first.user}, {second.user.username}</td>" in row
    assert "<li>Partners: no</li>" in row and "<li>Story: yes</li>" in row
    assert ">Active</td>" in row
    assert 'govuk-tag--yellow">None</strong>' in rows[alone.pk]


def test_client_list_is_counted_without_joining_the_rows_tables(
    client_for, coordinator, west_client
):
    with CaptureQueriesContext(connection) as ctx:
        page = body(client_for(coordinator).get(reverse("clients:list")))
    assert "1 client" in page
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"] and 'FROM "clients_client"' in q["sql"]
    ]
    assert len(counts) == 1 and "JOIN" not in counts[0]
