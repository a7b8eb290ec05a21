import csv
import datetime as dt
import html
import io
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from livingwell.enums import CoproductionModel
from livingwell.models import LocalityModel
from tests.factories import LocalityFactory

from .conftest import at

pytestmark = pytest.mark.django_db

EVERYONE = [
    "volunteer",
    "coordinator",
    "team_leader",
    "mdt_chair",
    "practitioner",
    "admin",
    "other_volunteer",
    "other_coordinator",
    "other_team_leader",
    "other_mdt_chair",
    "other_practitioner",
]
MAY_SEE = {"coordinator", "other_coordinator", "admin"}
PAGES = ["evidence:dashboard", "evidence:dashboard_csv", "evidence:models"]
MARCH = "?first=2026-03-01&last=2026-03-31&by=locality"


def title(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def table_cells(body):
    """The figures table as rows of [section, label, *cells] read from the page."""
    rows = []
    for match in re.finditer(
        r'<th scope="row" class="govuk-table__header lw-figures__label" data-section="([^"]*)">'
        r"(.*?)</th>(.*?)</tr>",
        body,
        re.S,
    ):
        cells = re.findall(r'data-value="([^"]*)"', match.group(3))
        rows.append([html.unescape(match.group(1)), html.unescape(match.group(2)), *cells])
    return rows


def table_header(body):
    head = re.search(r'<table class="govuk-table lw-figures">.*?<thead.*?</thead>', body, re.S)
    return [html.unescape(h) for h in re.findall(r'numeric">(.*?)</th>', head.group(0))]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_sign_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", EVERYONE)
def test_permission_matrix(users, client_for, page, role):
    response = client_for(users[role]).get(reverse(page))
    assert response.status_code == (200 if role in MAY_SEE else 403)


def test_locality_lead_of_another_role_sees_their_locality(client_for, team_leader, west):
    west.lead = team_leader
    west.save()
    body = client_for(team_leader).get(reverse("evidence:dashboard")).content.decode()
    assert table_header(body) == ["West Cornwall"]


def test_coordinator_sees_only_their_locality(client_for, coordinator, east, west):
    body = client_for(coordinator).get(reverse("evidence:dashboard")).content.decode()
    assert table_header(body) == ["West Cornwall"]
    assert "East Cornwall" not in body


def test_coordinator_cannot_ask_for_another_locality(client_for, coordinator, east, west):
    """With one locality in view there is no locality choice: the parameter changes nothing."""
    url = reverse("evidence:dashboard") + f"{MARCH}&locality={east.pk}"
    body = client_for(coordinator).get(url).content.decode()
    assert table_header(body) == ["West Cornwall"]
    assert "East Cornwall" not in body


def test_lead_of_two_localities_cannot_pick_a_third(client_for, coordinator, west, east):
    north = LocalityFactory(name="North Cornwall", slug="north-cornwall")
    north.lead = coordinator
    north.save()
    c = client_for(coordinator)
    both = c.get(reverse("evidence:dashboard") + MARCH).content.decode()
    assert table_header(both) == ["North Cornwall", "West Cornwall", "All localities"]
    response = c.get(reverse("evidence:dashboard") + f"{MARCH}&locality={east.pk}")
    assert title(response).startswith("Error: ")
    assert "Select a valid choice" in response.content.decode()
    assert "lw-figures" not in response.content.decode()


def test_admin_sees_every_locality_and_the_total(client_for, admin_user, west, east):
    body = client_for(admin_user).get(reverse("evidence:dashboard")).content.decode()
    assert table_header(body) == ["East Cornwall", "West Cornwall", "All localities"]
    one = client_for(admin_user).get(reverse("evidence:dashboard") + f"{MARCH}&locality={east.pk}")
    assert table_header(one.content.decode()) == ["East Cornwall"]


def test_default_period_is_the_last_90_days(client_for, coordinator, west):
    body = client_for(coordinator).get(reverse("evidence:dashboard")).content.decode()
    assert "(90 days), by locality" in body


def test_dashboard_shows_the_figures_and_charts(client_for, coordinator, west, make_escalation):
    make_escalation(west, at("2026-03-10 09:00"), kind="fall", triage=1)
    make_escalation(west, at("2026-03-10 09:00"), kind="transport", triage=3)
    response = client_for(coordinator).get(reverse("evidence:dashboard") + MARCH)
    body = response.content.decode()
    assert title(response) == "Evidence – Living Well"
    rows = {r[1]: r[2:] for r in table_cells(body)}
    assert rows["Observations"] == ["2"]
    assert rows["Medical"] == ["1"]
    assert rows["Median hours to triage"] == ["2.0"]
    assert rows["90th percentile hours to triage"] == ["2.8"]
    # Charts: labelled SVG, figures written on the bars, no inline style.
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 9
    assert '<title id="chart-triage-title">Hours from observation to triage</title>' in body
    assert ">Median: 2.0</text>" in body and ">90th percentile: 2.8</text>" in body
    assert "style=" not in body and "<script>" not in body


def test_csv_equals_the_table(client_for, admin_user, west, east, make_escalation):
    t = at("2026-03-10 09:00")
    make_escalation(west, t, kind="fall", triage=1, referral=2, outcome=30, due=24)
    make_escalation(west, t, kind="money", triage=5)
    make_escalation(east, t, kind="memory", triage=2.25)
    c = client_for(admin_user)
    page = c.get(reverse("evidence:dashboard") + MARCH).content.decode()
    response = c.get(reverse("evidence:dashboard_csv") + MARCH)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="living-well-evidence-2026-03-01-to-2026-03-31-by-locality.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Section", "Figure", *table_header(page)]
    assert rows[1:] == table_cells(page)
    assert len(rows) > 30
    by_label = {r[1]: r[2:] for r in rows[1:]}
    assert by_label["Observations"] == ["1", "2", "3"]
    assert by_label["Median hours to triage"] == ["2.2", "3.0", "2.2"]  # 2.25 shows as 2.2
    assert by_label["Median hours to referral to a service"] == ["", "2.0", "2.0"]


def test_csv_by_model_equals_the_table(client_for, coordinator, west, make_escalation):
    LocalityModel.objects.create(
        locality=west, model=CoproductionModel.TEAM_LEADER, started_on=dt.date(2026, 3, 15)
    )
    make_escalation(west, at("2026-03-16 09:00"), triage=4)
    query = "?first=2026-03-01&last=2026-03-31&by=model"
    c = client_for(coordinator)
    page = c.get(reverse("evidence:dashboard") + query).content.decode()
    rows = list(
        csv.reader(io.StringIO(c.get(reverse("evidence:dashboard_csv") + query).content.decode()))
    )
    assert rows[0] == ["Section", "Figure", "Team-leader coordination"]
    assert rows[1:] == table_cells(page)
    assert "West Cornwall 15 Mar 2026 to 31 Mar 2026" in page


def test_by_model_with_no_model_running_says_so(client_for, coordinator, west):
    body = (
        client_for(coordinator)
        .get(reverse("evidence:dashboard") + "?first=2026-03-01&last=2026-03-31&by=model")
        .content.decode()
    )
    assert "No locality in your view ran a coproduction model in this period" in body


BAD = [
    ("first=2026-02-30&last=2026-03-31&by=locality", "Enter a real date"),
    ("first=&last=2026-03-31&by=locality", "This field is required"),
    ("first=2026-03-31&last=2026-03-01&by=locality", "on or after its start"),
    ("first=1999-12-31&last=2026-03-01&by=locality", "Enter a date from 01 January 2000"),
    ("first=2001-01-01&last=2026-03-01&by=locality", "ten years or less"),
    ("first=2026-03-01&last=2026-03-31&by=colour", "Select a valid choice"),
    ("first=2026-03-01&last=2026-03-31", "This field is required"),
    ("first=%00&last=%27;drop&by=locality", "Enter a real date"),
    ("first=2026-03-01&last=2026-03-31&by=locality&locality=abc", "Select a valid choice"),
    (
        "first=2026-03-01&last=2026-03-31&by=locality&locality=9223372036854775808",
        "Select a valid choice",
    ),
    ("first=99999-01-01&last=2026-03-31&by=locality", "Enter a real date"),
]


@pytest.mark.parametrize(("query", "message"), BAD)
def test_dashboard_bad_input_is_explained(client_for, admin_user, west, east, query, message):
    response = client_for(admin_user).get(reverse("evidence:dashboard") + "?" + query)
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    body = html.unescape(response.content.decode())
    assert message in body
    assert "lw-figures" not in body


@pytest.mark.parametrize(("query", "message"), BAD)
def test_csv_bad_input_is_a_400_with_the_reason(client_for, admin_user, west, east, query, message):
    response = client_for(admin_user).get(reverse("evidence:dashboard_csv") + "?" + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


def test_dashboard_query_count_does_not_grow(client_for, admin_user, west, east, make_escalation):
    LocalityFactory(name="North Cornwall", slug="north-cornwall")

    def count():
        cache.clear()  # the figures worked out each time, not the kept ones
        c = client_for(admin_user)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("evidence:dashboard") + MARCH).status_code == 200
        return len(ctx)

    for loc in (west, east):
        make_escalation(loc, at("2026-03-10 09:00"), triage=1, referral=2, outcome=3)
    few = count()
    for h in range(20):
        make_escalation(west, at("2026-03-11 09:00"), triage=h, referral=h, outcome=h + 1)
    assert count() == few


# --- kept figures ------------------------------------------------------------------------------


def observations_shown(response):
    return {r[1]: r[2:] for r in table_cells(response.content.decode())}["Observations"]


def test_figures_are_kept_for_a_while_and_say_when(
    client_for, coordinator, west, make_escalation, settings
):
    settings.EVIDENCE_FIGURES_SECONDS = 600
    make_escalation(west, at("2026-03-10 09:00"), triage=1)
    c = client_for(coordinator)
    url = reverse("evidence:dashboard") + MARCH
    with time_machine.travel(at("2026-04-02 10:15"), tick=False):
        first = c.get(url)
        assert observations_shown(first) == ["1"]
        body = first.content.decode()
        assert "Worked out at 10:15 on 2 April 2026." in body
        assert "kept for 10 minutes" in body
    make_escalation(west, at("2026-03-11 09:00"), triage=1)
    with time_machine.travel(at("2026-04-02 10:20"), tick=False):
        with CaptureQueriesContext(connection) as kept:
            again = c.get(url)
        assert observations_shown(again) == ["1"]
        assert "Worked out at 10:15" in again.content.decode()
        assert not any("escalations_escalation" in q["sql"] for q in kept.captured_queries)
        # The CSV is the same kept figures, so it always equals the table beside it.
        rows = list(
            csv.reader(
                io.StringIO(c.get(reverse("evidence:dashboard_csv") + MARCH).content.decode())
            )
        )
        assert [r for r in rows if r[1] == "Observations"] == [
            ["Observations", "Observations", "1"]
        ]
    with time_machine.travel(at("2026-04-02 10:26"), tick=False):
        later = c.get(url)
        assert observations_shown(later) == ["2"]
        assert "Worked out at 10:26" in later.content.decode()


def test_figures_kept_for_one_scope_are_not_shown_to_another(
    client_for, coordinator, other_coordinator, admin_user, west, east, make_escalation
):
    make_escalation(west, at("2026-03-10 09:00"), triage=1)
    make_escalation(west, at("2026-03-11 09:00"), triage=1)
    make_escalation(east, at("2026-03-10 09:00"), triage=1)
    url = reverse("evidence:dashboard") + MARCH
    assert observations_shown(client_for(coordinator).get(url)) == ["2"]
    assert observations_shown(client_for(other_coordinator).get(url)) == ["1"]
    assert observations_shown(client_for(admin_user).get(url)) == ["1", "2", "3"]
    # Another period is other figures.
    april = reverse("evidence:dashboard") + "?first=2026-04-01&last=2026-04-30&by=locality"
    assert observations_shown(client_for(coordinator).get(april)) == ["0"]


def test_with_no_keeping_the_figures_are_worked_out_every_time(
    client_for, coordinator, west, make_escalation, settings
):
    settings.EVIDENCE_FIGURES_SECONDS = 0
    c = client_for(coordinator)
    url = reverse("evidence:dashboard") + MARCH
    make_escalation(west, at("2026-03-10 09:00"), triage=1)
    assert observations_shown(c.get(url)) == ["1"]
    make_escalation(west, at("2026-03-11 09:00"), triage=1)
    body = c.get(url).content.decode()
    assert observations_shown(c.get(url)) == ["2"]
    assert "kept for" not in body


@pytest.mark.parametrize(
    "seconds, words",
    [(600, "10 minutes"), (60, "1 minute"), (90, "90 seconds"), (1, "1 second")],
)
def test_the_page_says_how_long_figures_are_kept(
    client_for, coordinator, west, settings, seconds, words
):
    settings.EVIDENCE_FIGURES_SECONDS = seconds
    body = client_for(coordinator).get(reverse("evidence:dashboard") + MARCH).content.decode()
    assert f"The same figures are kept for {words}, so a change made since" in body


# --- coproduction models ---------------------------------------------------------------------


def test_models_page_shows_each_localitys_models(client_for, coordinator, admin_user, west, east):
    LocalityModel.objects.create(
        locality=west,
        model=CoproductionModel.COFFEE_MORNING,
        started_on=dt.date(2025, 4, 1),
        ended_on=dt.date(2025, 12, 31),
        notes="Replaced by the formal meeting",
    )
    formal = LocalityModel.objects.create(
        locality=west, model=CoproductionModel.FORMAL_MEETING, started_on=dt.date(2026, 1, 5)
    )
    LocalityModel.objects.create(
        locality=east, model=CoproductionModel.TEAM_LEADER, started_on=dt.date(2026, 2, 1)
    )
    body = client_for(coordinator).get(reverse("evidence:models")).content.decode()
    assert "Informal coffee morning" in body and "31 Dec 2025" in body
    assert "Replaced by the formal meeting" in body
    assert (
        'Formal monthly meeting <strong class="govuk-tag govuk-tag--green">Running</strong>' in body
    )
    assert "Team-leader coordination" not in body  # East's
    assert "/admin/" not in body  # coordinators read, admins change
    admin_body = client_for(admin_user).get(reverse("evidence:models")).content.decode()
    assert "Team-leader coordination" in admin_body
    assert reverse("admin:livingwell_localitymodel_change", args=[formal.pk]) in admin_body


def test_models_page_has_no_n_plus_one(client_for, admin_user, west):
    def count():
        c = client_for(admin_user)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("evidence:models")).status_code == 200
        return len(ctx)

    LocalityModel.objects.create(
        locality=west, model=CoproductionModel.TEAM_LEADER, started_on=dt.date(2026, 2, 1)
    )
    one = count()
    for i in range(5):
        loc = LocalityFactory()
        LocalityModel.objects.create(
            locality=loc, model=CoproductionModel.COFFEE_MORNING, started_on=dt.date(2026, 1, 1 + i)
        )
    assert count() == one


def test_admin_edits_a_localitys_models_in_the_admin(client_for, admin_user, west):
    c = client_for(admin_user)
    response = c.post(
        reverse("admin:livingwell_localitymodel_add"),
        {
            "locality": west.pk,
            "model": CoproductionModel.VOLUNTEERS_IN_MDT,
            "started_on": "2026-01-05",
            "ended_on": "",
            "notes": "Trial at Penwith Surgery",
        },
    )
    assert response.status_code == 302
    run = LocalityModel.objects.get()
    assert (run.model, run.started_on, run.notes) == (
        "volunteers_in_mdt",
        dt.date(2026, 1, 5),
        "Trial at Penwith Surgery",
    )
    response = c.post(
        reverse("admin:livingwell_localitymodel_change", args=[run.pk]),
        {
            "locality": west.pk,
            "model": CoproductionModel.VOLUNTEERS_IN_MDT,
            "started_on": "2026-01-05",
            "ended_on": "2026-06-30",
            "notes": "Reviewed by the board",
        },
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.ended_on == dt.date(2026, 6, 30)


def test_admin_refuses_a_model_ending_before_it_starts(client_for, admin_user, west):
    response = client_for(admin_user).post(
        reverse("admin:livingwell_localitymodel_add"),
        {
            "locality": west.pk,
            "model": CoproductionModel.TEAM_LEADER,
            "started_on": "2026-01-05",
            "ended_on": "2025-01-05",
        },
    )
    assert response.status_code == 200
    assert not LocalityModel.objects.exists()


def test_coordinator_cannot_reach_the_admin(client_for, coordinator):
    response = client_for(coordinator).get(reverse("admin:livingwell_localitymodel_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_nav_shows_evidence_to_coordinators_and_admins_only(users, client_for):
    for role, user in users.items():
        body = client_for(user).get(reverse("home")).content.decode()
        assert (f'href="{reverse("evidence:dashboard")}"' in body) == (role in MAY_SEE), role


def test_the_localities_in_scope_are_read_once(client_for, coordinator, west):
    """Whether there is any, how many (the form's locality field) and which (the figures'
    columns): one statement."""
    web = client_for(coordinator)
    web.get(reverse("evidence:dashboard"))  # the figures kept after the first request
    with CaptureQueriesContext(connection) as ctx:
        assert web.get(reverse("evidence:dashboard")).status_code == 200
    reads = [q["sql"] for q in ctx if 'FROM "livingwell_locality"' in q["sql"]]
    assert len(reads) == 1, reads
