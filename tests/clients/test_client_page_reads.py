"""A client's page reads, compiled once (clients.selectors.client_page_for and the page's lists):
the same clients as ``clients_for`` for every role, the same rows as the ORM's querysets, and
statements that do not grow with the client's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from clients import selectors
from clients.consent import consents_with_history, current_consent_records
from clients.models import Assignment, ConsentRecord, Need
from clients.services import assignment_create, assignment_end
from tests.factories import ClientFactory, ConsentRecordFactory, NeedFactory
from tests.volunteers.helpers import ready_volunteer

pytestmark = pytest.mark.django_db


def test_each_role_opens_the_clients_clients_for_gives_it_and_no_other(
    users, west_client, other_volunteers_client, east_practice
):
    east_client = ClientFactory(practice=east_practice)
    inactive = users["other_coordinator"]
    inactive.is_active = False
    for user in [*users.values(), AnonymousUser()]:
        for client in (west_client, other_volunteers_client, east_client):
            expected = selectors.clients_for(user).filter(pk=client.pk).first()
            got = selectors.client_page_for(user, client.pk)
            assert (got and got.pk) == (expected and expected.pk), (user, client)
            if got:
                assert got.practice.name == client.practice.name
                assert got.locality.name == client.locality.name


def test_a_volunteer_no_longer_visiting_no_longer_opens_the_client(
    volunteer, coordinator, assignment, west_client
):
    assert selectors.client_page_for(volunteer, west_client.pk).pk == west_client.pk
    assignment_end(assignment=assignment, by=coordinator, ended_on=dt.date.today(), reason="Moved")
    assert selectors.client_page_for(volunteer, west_client.pk) is None


@pytest.mark.parametrize("pk", [0, 2**63, 10**30, "12x", ""])
def test_an_id_no_client_can_have_is_not_found(coordinator, pk):
    assert selectors.client_page_for(coordinator, pk) is None


def test_an_id_out_of_range_is_a_404_not_a_server_error(client_for, coordinator):
    assert client_for(coordinator).get("/clients/99999999999999999999999/").status_code == 404


def test_the_page_lists_are_the_orms(west_client, coordinator, west):
    for n in range(3):
        NeedFactory(client=west_client, description=f"Need {n}", met=n == 1)
        ConsentRecordFactory(client=west_client)
    for n in range(3):
        other = ready_volunteer(west, user__username=f"visitor{n}")
        made = assignment_create(client=west_client, volunteer=other, by=coordinator)
        if n:
            assignment_end(assignment=made, by=coordinator, ended_on=dt.date.today(), reason="")
    pk = west_client.pk
    assert [n.pk for n in selectors.client_needs(pk)] == [
        n.pk for n in Need.objects.filter(client=west_client)
    ]
    visiting = [
        (a.pk, a.volunteer.user.username)
        for a in Assignment.objects.filter(client=west_client, ended_on=None).order_by(
            "started_on", "id"
        )
    ]
    assert [(a.pk, a.volunteer.user.username) for a in selectors.open_assignments_of(pk)] == (
        visiting
    )
    now, past = selectors.assignments_of(pk)
    assert [(a.pk, a.volunteer.user.username) for a in now] == visiting
    assert [(a.pk, a.ended_by_id) for a in past] == [
        (a.pk, a.ended_by_id)
        for a in Assignment.objects.filter(client=west_client, ended_on__isnull=False).order_by(
            "-ended_on", "-id"
        )
    ]
    assert len(past) == 2
    current, history = consents_with_history(west_client)
    assert [c.pk for c in history] == [
        c.pk for c in ConsentRecord.objects.filter(client=west_client)
    ]
    assert current == current_consent_records(west_client)


def test_a_long_history_shows_the_latest_ended_visits_and_consents_and_everyone_visiting(
    west_client, coordinator, west, django_assert_num_queries
):
    day = dt.date(2020, 1, 1)
    ended = []
    for n in range(selectors.PAST_SHOWN + 4):
        other = ready_volunteer(west, user__username=f"past{n}")
        made = assignment_create(client=west_client, volunteer=other, by=coordinator)
        assignment_end(assignment=made, by=coordinator, ended_on=dt.date.today(), reason="")
        # Ended out of the order they were made in, some on the same day.
        Assignment.objects.filter(pk=made.pk).update(
            started_on=day, ended_on=day + dt.timedelta(days=1 + (n * 7) % 17)
        )
        ended.append(made.pk)
    visiting = [
        assignment_create(
            client=west_client,
            volunteer=ready_volunteer(west, user__username=f"now{n}"),
            by=coordinator,
        ).pk
        for n in range(3)
    ]
    for _ in range(60):
        ConsentRecordFactory(client=west_client)
    with django_assert_num_queries(1):
        now, past = selectors.assignments_of(west_client.pk)
    assert [a.pk for a in now] == list(
        Assignment.objects.filter(client=west_client, ended_on=None)
        .order_by("started_on", "id")
        .values_list("pk", flat=True)
    )
    assert set(visiting) <= {a.pk for a in now}
    assert [a.pk for a in past] == list(
        Assignment.objects.filter(pk__in=ended)
        .order_by("-ended_on", "-id")
        .values_list("pk", flat=True)[: selectors.PAST_SHOWN]
    )
    with django_assert_num_queries(1):
        current, history = consents_with_history(west_client)
    assert [c.pk for c in history] == list(
        ConsentRecord.objects.filter(client=west_client).values_list("pk", flat=True)[:50]
    )
    assert current == current_consent_records(west_client)


def test_who_visits_each_client_is_read_for_any_number_of_rows(coordinator, west):
    # More rows than one statement's batch of ids: two statements, the same names as the ORM's.
    clients = [ClientFactory(locality=west) for _ in range(selectors.VISITS_BATCH + 3)]
    # Named, unnamed (the username shows) and with characters JSON escapes.
    names = [("Ada", "Penrose"), ("", ""), ('Zoë "Z"', "O'Brien\\")]
    visitors = [
        ready_volunteer(
            west, user__username=f"visitor{n}", user__first_name=first, user__last_name=last
        )
        for n, (first, last) in enumerate(names)
    ]
    for i, client in enumerate(clients):
        for volunteer in visitors[: i % 4]:
            assignment_create(client=client, volunteer=volunteer, by=coordinator)
    ended = Assignment.objects.filter(client=clients[-1]).order_by("id").first()
    assignment_end(assignment=ended, by=coordinator, ended_on=dt.date.today(), reason="")
    rows = selectors.with_volunteers([{"id": c.pk, "status": c.status} for c in clients])
    for row in rows:
        expected = [
            str(a.volunteer.user)
            for a in Assignment.objects.filter(client_id=row["id"], ended_on=None).order_by(
                "started_on", "id"
            )
        ]
        assert row["volunteers"] == expected
    assert [len(r["volunteers"]) for r in rows[:4]] == [0, 1, 2, 3]
    assert rows[3]["volunteers"] == ["Ada Penrose", "visitor1", 'Zoë "Z" O\'Brien\\']
    assert len(rows[-1]["volunteers"]) == (len(clients) - 1) % 4 - 1
    assert selectors.with_volunteers([]) == []


def test_the_list_names_who_visits_each_client_first_assigned_first(
    client_for, coordinator, west, west_practice
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    names = [("Ada", "Penrose"), ("", ""), ('Zoë "Z"', "O'Brien\\")]
    visitors = [
        ready_volunteer(
            west, user__username=f"lister{n}", user__first_name=first, user__last_name=last
        )
        for n, (first, last) in enumerate(names)
    ]
    alone = ClientFactory(practice=west_practice, last_name="Aaalone")
    busy = ClientFactory(practice=west_practice, last_name="Aaabusy")
    for volunteer in reversed(visitors):
        assignment_create(client=busy, volunteer=volunteer, by=coordinator)
    ended = assignment_create(client=alone, volunteer=visitors[0], by=coordinator)
    assignment_end(assignment=ended, by=coordinator, ended_on=dt.date.today(), reason="")
    web = client_for(coordinator)
    with CaptureQueriesContext(connection) as queries:
        body = web.get(reverse("clients:list")).content.decode()
    first_row = body.split("Aaabusy", 1)[1].split("</tr>", 1)[0]
    shown = ["Zoë &#34;Z&#34; O&#39;Brien\\, lister1, Ada Penrose"]  # the order assigned
    at = [first_row.find(name) for name in shown]
    assert -1 not in at and at == sorted(at), first_row
    alone_row = body.split("Aaalone", 1)[1].split("</tr>", 1)[0]
    assert "Ada Penrose" not in alone_row and "lister" not in alone_row
    if connection.vendor == "postgresql":
        # Read with the page's rows: no statement of its own.
        assert not [q for q in queries if q["sql"].startswith('SELECT "clients_assignment"')]


def test_the_page_sends_as_many_statements_for_a_long_history_as_for_a_short_one(
    client_for, coordinator, west_client, django_assert_max_num_queries
):
    web = client_for(coordinator)
    url = reverse("clients:detail", args=[west_client.pk])
    web.get(url)
    sizes = []
    for _ in range(2):
        with django_assert_max_num_queries(16) as queries:
            body = web.get(url).content.decode()
        sizes.append(len(queries))
        assert "A lift to the surgery" in body
        for n in range(5):
            NeedFactory(client=west_client, description=f"Need {n}")
            ConsentRecordFactory(client=west_client)
    assert sizes[0] == sizes[1]


def test_the_list_filters_show_the_localitys_practices_read_as_a_list(
    client_for, coordinator, west_practice, east_practice
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PracticeFactory

    second = PracticeFactory(locality=west_practice.locality, name="Zennor Surgery")
    web = client_for(coordinator)
    with CaptureQueriesContext(connection) as queries:
        body = web.get(reverse("clients:list"), {"practice": second.pk}).content.decode()
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("DECLARE")]
    assert '<option value="">Any practice</option>' in body
    assert f'<option value="{west_practice.pk}">{west_practice.name}</option>' in body
    assert f'<option value="{second.pk}" selected>Zennor Surgery</option>' in body
    assert east_practice.name not in body


def test_the_list_without_a_search_is_the_filters_queryset_for_random_filters(
    users, west_practice, east_practice, coordinator
):
    import random

    from django.core.paginator import Paginator

    from clients.enums import ClientStatus, ConsentAction, ConsentScope
    from clients.filters import ClientFilter
    from tests.factories import PracticeFactory

    rng = random.Random(9)
    practices = [west_practice, PracticeFactory(locality=west_practice.locality), east_practice]
    visitor = ready_volunteer(west_practice.locality, user__username="visitor")
    for n in range(40):
        client = ClientFactory(
            practice=rng.choice(practices),
            status=rng.choice(ClientStatus.values[:3]),
            last_name=f"Name{n % 7}",
        )
        if rng.random() < 0.4 and client.locality_id == visitor.locality_id:
            assignment_create(client=client, volunteer=visitor, by=coordinator)
        for _ in range(rng.randint(0, 2)):
            ConsentRecordFactory(
                client=client,
                scope=ConsentScope.MDT_CHAMPION,
                action=rng.choice([ConsentAction.GIVEN, ConsentAction.WITHDRAWN]),
            )
    viewers = [users["coordinator"], users["team_leader"], users["admin"]]
    for _ in range(30):
        user = rng.choice(viewers)
        data = {"status": rng.choice(["", *ClientStatus.values[:3]])}
        if rng.random() < 0.4:
            data["practice"] = str(rng.choice(practices).pk)
        for name in ("has_volunteer", "mdt_consent"):
            if rng.random() < 0.5:
                data[name] = rng.choice(["yes", "no"])
        filterset = ClientFilter(data, queryset=selectors.client_list_for(user), user=user)
        if not filterset.is_valid():
            continue
        expected = list(selectors.client_rows(filterset.qs))
        rows = selectors.client_list_rows(user, filterset.form.cleaned_data)
        assert len(rows) == len(expected), data
        paginator = Paginator(rows, 4)
        got = [row for n in paginator.page_range for row in paginator.page(n).object_list]
        assert got == expected, data
    assert selectors.client_list_rows(users["coordinator"], {"q": "Name1"}) is None


def test_the_page_escapes_what_people_wrote_and_says_what_is_missing(
    client_for, coordinator, west_practice
):
    client = ClientFactory(
        practice=west_practice,
        nhs_number="",
        address="<b>Flat 1</b> & Co\nHigh Street",
        phone="",
        visit_notes="",
    )
    need = NeedFactory(client=client, description="<i>Shopping</i>", met=False)
    body = client_for(coordinator).get(reverse("clients:detail", args=[client.pk])).content
    body = body.decode()
    assert "&lt;b&gt;Flat 1&lt;/b&gt; &amp; Co<br>High Street" in body
    assert "<b>Flat 1</b>" not in body and "<i>Shopping</i>" not in body
    assert body.count("Not recorded") == 2 and "None yet" in body  # NHS number, phone; notes
    assert "No volunteer visits" in body
    # Marking a need met is a form carrying the CSRF token, as {% csrf_token %} wrote it.
    met = reverse("clients:need_met", args=[client.pk, need.pk])
    form = body.split(f'action="{met}"', 1)[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken" value="' in form and "Mark met" in form
