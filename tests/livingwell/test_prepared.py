"""Queries compiled once (livingwell.prepared), and the hot lookups that use them: each gives
what the ORM gives, sends one statement, and refuses what it cannot prepare."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from livingwell.context_processors import _UNREAD
from livingwell.models import Locality, Notification, Session, User
from livingwell.prepared import Prepared
from livingwell.security.backends import ModelBackend
from livingwell.security.sessions import SessionStore
from tests.otp import give_totp_device

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_first_is_the_orms_instance_with_every_field_converted(coordinator):
    coordinator.last_login = timezone.now().replace(microsecond=123_456)
    coordinator.save()
    by_pk = Prepared(lambda pk: User.objects.filter(pk=pk), int)
    got = by_pk.first(coordinator.pk)
    assert type(got) is User
    assert _fields(got) == _fields(User.objects.get(pk=coordinator.pk))
    assert got.last_login == coordinator.last_login and got.last_login.tzinfo is not None
    assert not got._state.adding and got._state.db == "default"
    assert by_pk.first(coordinator.pk + 10_000) is None
    # A second call runs the same SQL with the new value.
    assert by_pk.first(str(coordinator.pk)).pk == coordinator.pk


def test_only_the_columns_only_names_are_read_the_rest_deferred_as_the_orm_defers_them(
    coordinator,
):
    by_pk = Prepared(lambda pk: User.objects.only("username", "role").filter(pk=pk), int)
    with CaptureQueriesContext(connection) as queries:
        got = by_pk.first(coordinator.pk)
    assert len(queries) == 1
    columns = queries[0]["sql"].split(" FROM ")[0]
    assert '"first_name"' not in columns and '"username"' in columns
    orms = User.objects.only("username", "role").get(pk=coordinator.pk)
    assert got.get_deferred_fields() == orms.get_deferred_fields() and "first_name" in (
        got.get_deferred_fields()
    )
    assert (got.pk, got.username, got.role) == (orms.pk, orms.username, orms.role)
    # A deferred field is read when asked for, as with the ORM's own instance.
    assert got.first_name == coordinator.first_name


def test_all_is_the_orms_list_in_its_order_in_one_statement(west, east, volunteer):
    for n in range(3):
        Notification.objects.create(
            user=volunteer,
            subject=f"S{n}",
            created_at=timezone.now().replace(microsecond=n * 1000) - dt.timedelta(days=n),
        )
    mine = Prepared(
        lambda user_id: Notification.objects.filter(user_id=user_id).order_by("created_at"), int
    )
    with CaptureQueriesContext(connection) as queries:
        got = mine.all(volunteer.pk)
    assert len(queries) == 1
    orms = list(Notification.objects.filter(user_id=volunteer.pk).order_by("created_at"))
    assert [_fields(n) for n in got] == [_fields(n) for n in orms]
    assert [n.subject for n in got] == ["S2", "S1", "S0"]
    assert got[0].created_at.tzinfo is not None
    assert mine.all(volunteer.pk + 10_000) == []


def test_text_and_datetime_values_go_where_the_orm_put_them(west, east, volunteer):
    by_slug = Prepared(lambda slug: Locality.objects.filter(slug=slug), str)
    assert by_slug.first(west.slug).pk == west.pk
    assert by_slug.first(east.slug).pk == east.pk
    assert by_slug.first("nowhere") is None
    at = timezone.now().replace(microsecond=250_000)
    note = Notification.objects.create(user=volunteer, subject="Seen", created_at=at)
    by_subject = Prepared(
        lambda subject, before: Notification.objects.filter(subject=subject, created_at__lt=before),
        str,
        dt.datetime,
    )
    found = by_subject.first("Seen", at + dt.timedelta(microseconds=1))
    assert _fields(found) == _fields(Notification.objects.get(pk=note.pk))
    assert found.created_at == at
    assert by_subject.first("Seen", at) is None
    assert by_subject.first("Other", at + dt.timedelta(days=1)) is None
    with pytest.raises(ValueError, match="aware"):
        by_subject.first("Seen", dt.datetime(2026, 1, 1))  # noqa: DTZ001 - naive on purpose


def test_count_is_the_orms_count_for_every_user(volunteer, coordinator, team_leader):
    rng = random.Random(7)
    people = [volunteer, coordinator, team_leader]
    for n in range(60):
        Notification.objects.create(
            user=rng.choice(people),
            subject=f"note {n}",
            read_at=timezone.now() if rng.random() < 0.4 else None,
        )
    for person in people:
        expected = Notification.objects.filter(user=person, read_at__isnull=True).count()
        assert _UNREAD.count(person.pk) == expected
    assert (
        sum(_UNREAD.count(p.pk) for p in people)
        == Notification.objects.filter(read_at=None).count()
    )
    assert _UNREAD.count(-1) == 0


def test_each_call_sends_one_statement_even_the_first(volunteer):
    fresh = Prepared(lambda pk: Notification.objects.filter(user_id=pk, read_at=None), int)
    with CaptureQueriesContext(connection) as queries:
        fresh.count(volunteer.pk)
        fresh.count(volunteer.pk)
    assert len(queries) == 2
    by_pk = Prepared(lambda pk: User.objects.filter(pk=pk), int)
    with CaptureQueriesContext(connection) as queries:
        by_pk.first(volunteer.pk)
    assert len(queries) == 1


def test_what_cannot_be_prepared_is_refused_not_answered_wrongly(volunteer):
    with pytest.raises(TypeError):
        Prepared(lambda x: User.objects.filter(pk=x), float)
    joined = Prepared(lambda pk: User.objects.select_related("locality").filter(pk=pk), int)
    with pytest.raises(ValueError, match="own columns"):
        joined.first(volunteer.pk)
    twice = Prepared(lambda pk: User.objects.filter(pk=pk) | User.objects.filter(locality=pk), int)
    with pytest.raises(ValueError, match="once"):
        twice.first(volunteer.pk)
    by_pk = Prepared(lambda pk: User.objects.filter(pk=pk), int)
    with pytest.raises(TypeError, match="expected 1"):
        by_pk.first(volunteer.pk, 2)
    with pytest.raises(ValueError):
        by_pk.first("not a number")


# --- any queryset (fetch) ------------------------------------------------------------------------
def _escalations(volunteer, n=3):
    from escalations.models import Escalation
    from tests.factories import (
        ClientFactory,
        EscalationFactory,
        ObservationFactory,
        PracticeFactory,
        ServiceFactory,
    )

    service = ServiceFactory()
    practice = PracticeFactory(locality=volunteer.locality)
    made = []
    for i in range(n):
        obs = ObservationFactory(
            client=ClientFactory(practice=practice),
            volunteer=volunteer.volunteer,
            logged_by=volunteer,
        )
        made.append(EscalationFactory(observation=obs, service=service if i % 2 else None))
    return Escalation, made


def test_fetch_gives_the_orms_instances_with_what_select_related_joined(volunteer):
    Escalation, made = _escalations(volunteer)
    build = lambda pk: Escalation.objects.filter(pk=pk).select_related(  # noqa: E731
        "observation__client__practice", "service", "locality"
    )
    page = Prepared(build, int)
    for esc in made:
        with CaptureQueriesContext(connection) as queries:
            (got,) = page.fetch(esc.pk)
        assert len(queries) == 1
        orms = build(esc.pk).get()
        assert _fields(got) == _fields(orms)
        for path in ("observation", "observation.client", "observation.client.practice"):
            a, b = got, orms
            for name in path.split("."):
                a, b = getattr(a, name), getattr(b, name)
            assert _fields(a) == _fields(b)
        assert (got.service is None) == (orms.service is None)
        # Joined, so reading them sends nothing more.
        with CaptureQueriesContext(connection) as queries:
            got.observation.client.practice.name, got.locality.name  # noqa: B018
        assert len(queries) == 0
    assert page.fetch(made[-1].pk + 1000) == []


def test_fetch_gives_values_annotations_and_prefetches_as_the_orm_does(volunteer):
    from django.db.models import Count, F

    from livingwell.models import Locality

    Escalation, made = _escalations(volunteer, n=4)
    values = Prepared(
        lambda locality: (
            Escalation.objects.filter(locality_id=locality)
            .values("id", "urgency", client_name=F("observation__client__last_name"))
            .order_by("id")
        ),
        int,
    )
    orms = list(
        Escalation.objects.filter(locality_id=volunteer.locality_id)
        .values("id", "urgency", client_name=F("observation__client__last_name"))
        .order_by("id")
    )
    assert values.fetch(volunteer.locality_id) == orms and len(orms) == 4
    flat = Prepared(
        lambda locality: (
            Escalation.objects.filter(locality_id=locality)
            .order_by("-id")
            .values_list("id", flat=True)
        ),
        int,
    )
    assert flat.fetch(volunteer.locality_id) == [e.pk for e in reversed(made)]
    counted = Prepared(
        lambda slug: Locality.objects.filter(slug=slug).annotate(n=Count("escalations")), str
    )
    (got,) = counted.fetch(volunteer.locality.slug)
    assert got.n == 4 and got.pk == volunteer.locality_id
    prefetched = Prepared(
        lambda pk: Locality.objects.filter(pk=pk).prefetch_related("escalations"), int
    )
    with CaptureQueriesContext(connection) as queries:
        (got,) = prefetched.fetch(volunteer.locality_id)
        ids = sorted(e.pk for e in got.escalations.all())
    assert ids == sorted(e.pk for e in made) and len(queries) == 2


def test_fetch_refuses_a_related_managers_queryset_and_a_value_it_cannot_place(volunteer):
    twice = Prepared(lambda pk: User.objects.filter(pk=pk) | User.objects.filter(locality=pk), int)
    with pytest.raises(ValueError, match="once"):
        twice.fetch(volunteer.pk)
    related = Prepared(lambda pk: volunteer.locality.users.filter(pk=pk), int)
    with pytest.raises(ValueError, match="related manager"):
        related.fetch(volunteer.pk)


def test_a_page_of_rows_is_the_orms_slice_for_every_page(volunteer):
    from django.core.paginator import Paginator

    Escalation, made = _escalations(volunteer, n=7)

    def build(locality):
        return (
            Escalation.objects.filter(locality_id=locality).order_by("-id").values("id", "urgency")
        )

    rows = Prepared(build, int)
    everything = list(build(volunteer.locality_id))
    for offset in range(9):
        for limit in (1, 3, 10):
            assert (
                rows.fetch(volunteer.locality_id, limit=limit, offset=offset)
                == (everything[offset : offset + limit])
            )
    counted = Prepared(build, int).count(volunteer.locality_id)
    paginator = Paginator(rows.page(volunteer.locality_id, count=counted), 3)
    assert paginator.num_pages == 3
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            got = list(paginator.page(number).object_list)
        assert got == everything[(number - 1) * 3 : number * 3] and len(queries) == 1
    assert list(Paginator(rows.page(-1, count=0), 3).get_page(1).object_list) == []
    with pytest.raises(TypeError):
        rows.page(volunteer.locality_id, count=7)[::2]
    sliced = Prepared(lambda pk: User.objects.filter(pk=pk)[:1], int)
    with pytest.raises(ValueError, match="sliced"):
        sliced.fetch(volunteer.pk, limit=1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fetch_in_another_thread_uses_that_threads_connection(volunteer):
    import threading

    from django.db import connections

    by_pk = Prepared(lambda pk: User.objects.filter(pk=pk).select_related("locality"), int)
    assert by_pk.fetch(volunteer.pk)[0].locality == volunteer.locality
    got, errors = [], []

    def other():
        try:
            got.extend(by_pk.fetch(volunteer.pk))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert errors == [] and [u.pk for u in got] == [volunteer.pk]


# --- the session's user ------------------------------------------------------------------------
def test_get_user_is_djangos_answer(volunteer, coordinator):
    ours, djangos = ModelBackend(), DjangoModelBackend()
    for user in (volunteer, coordinator):
        assert _fields(ours.get_user(user.pk)) == _fields(djangos.get_user(user.pk))
    assert ours.get_user(10_000_000) is None
    assert ours.get_user("garbage") is None
    volunteer.is_active = False
    volunteer.save()
    assert ours.get_user(volunteer.pk) is None and djangos.get_user(volunteer.pk) is None


# --- sessions -----------------------------------------------------------------------------------
# Django's own database store, on the table our sessions are kept in. Named as ours: a store
# signs its data with its class's name.
_DjangosStoreOnOurTable = type(
    "SessionStore", (DjangoSessionStore,), {"get_model_class": classmethod(lambda cls: Session)}
)


def test_a_session_reads_back_what_djangos_store_wrote():
    theirs = _DjangosStoreOnOurTable()
    theirs["answer"] = 42
    theirs["when"] = "2026-11-28"
    theirs.create()
    ours = SessionStore(theirs.session_key)
    assert ours.load() == {"answer": 42, "when": "2026-11-28"}
    assert ours.session_key == theirs.session_key


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key():
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("x" * 32).load() == {}
    assert SessionStore(None).load() == {}


def test_an_expired_session_signs_the_user_out(client, volunteer):
    client.force_login(volunteer)
    page = reverse("escalations:my_observations")
    assert client.get(page).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the second factor's device ------------------------------------------------------------------
def _verified(client):
    return client.get(reverse("escalations:triage")).status_code == 200


def test_the_device_in_the_session_verifies_only_its_own_confirmed_user(
    client, coordinator, team_leader
):
    client.force_login(coordinator)  # verified by tests/conftest.py
    assert _verified(client)
    session = client.session
    own = session[DEVICE_ID_SESSION_KEY]
    # Another user's device: not verified, and the session forgets it.
    other = give_totp_device(team_leader)
    session[DEVICE_ID_SESSION_KEY] = other.persistent_id
    session.save()
    assert not _verified(client)
    assert DEVICE_ID_SESSION_KEY not in client.session
    # Its own device, then unconfirmed.
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = own
    session.save()
    assert _verified(client)
    coordinator.totpdevice_set.update(confirmed=False)
    assert not _verified(client)


@pytest.mark.parametrize(
    "persistent_id",
    ["otp_totp.totpdevice/not-a-number", "otp_totp.totpdevice/99999999", "nothing.nowhere/1"],
)
def test_a_device_id_that_names_nothing_is_not_a_second_factor(client, coordinator, persistent_id):
    client.force_login(coordinator)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    assert not _verified(client)


def test_a_legacy_device_id_still_verifies(client, coordinator):
    client.force_login(coordinator)
    session = client.session
    device_id = session[DEVICE_ID_SESSION_KEY].rsplit("/", 1)[1]
    session[DEVICE_ID_SESSION_KEY] = f"django_otp.plugins.otp_totp.models.TOTPDevice/{device_id}"
    session.save()
    assert _verified(client)
