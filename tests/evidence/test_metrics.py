"""The figures on constructed data, with exact expected values, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from pytest import approx

from escalations.models import Escalation, Outcome
from evidence.aggregates import DurationSeconds, PercentileCont, percentile
from evidence.metrics import compute, escalation_figures
from evidence.scope import Period, locality_columns, model_columns
from livingwell.enums import CoproductionModel
from livingwell.models import LocalityModel
from peersupport.enums import AttendeeRole, MeetingKind
from peersupport.models import MeetingAttendance
from tests.factories import VolunteerFactory, VolunteerMeetingFactory

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
NOW = at("2026-04-15 12:00")


def figures_for(localities, period=MARCH, now=NOW):
    return compute(locality_columns(localities, period), now)


def has_fed_back_field():
    return any(f.name == "volunteer_notified_at" for f in Outcome._meta.get_fields())


# --- the percentile itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "median", "p90"),
    [
        ([], None, None),
        ([5], 5, 5),
        ([1, 3], 2, 2.8),
        ([10, 1, 3, 2], 2.5, 7.9),  # sorted 1 2 3 10: k=1.5 -> 2.5; k=2.7 -> 3 + 0.7 * 7
        ([4, 4, 4], 4, 4),
        (list(range(1, 12)), 6, 10),  # 11 values: k=5 and k=9 exactly
    ],
)
def test_percentile_cont_semantics(west, make_escalation, hours, median, p90):
    for h in hours:
        make_escalation(west, at("2026-03-10 09:00"), triage=h)
    qs = Escalation.objects.all()
    expr = DurationSeconds("triaged_at", "created_at")
    got_median = percentile(qs, expr, 0.5)
    got_p90 = percentile(qs, expr, 0.9)
    if median is None:
        assert got_median is None and got_p90 is None
    else:
        assert got_median == approx(median * 3600)
        assert got_p90 == approx(p90 * 3600)


def test_percentile_ignores_rows_that_did_not_reach_the_step(west, make_escalation):
    make_escalation(west, at("2026-03-10 09:00"), triage=2)
    make_escalation(west, at("2026-03-10 09:00"))  # never triaged
    make_escalation(west, at("2026-03-10 09:00"), triage=4)
    assert percentile(
        Escalation.objects.all(), DurationSeconds("triaged_at", "created_at"), 0.5
    ) == approx(3 * 3600)


def test_duration_seconds_is_exact_to_the_microsecond(west, make_escalation):
    e = make_escalation(west, at("2026-03-10 09:00"), triage=1)
    Escalation.objects.filter(pk=e.pk).update(
        triaged_at=F("created_at") + dt.timedelta(seconds=90, microseconds=250)
    )
    value = (
        Escalation.objects.annotate(d=DurationSeconds("triaged_at", "created_at"))
        .values_list("d", flat=True)
        .get()
    )
    assert value == approx(90.00025, abs=1e-9)


def test_percentile_cont_is_the_postgresql_aggregate(west, make_escalation):
    make_escalation(west, at("2026-03-10 09:00"), triage=1)
    qs = Escalation.objects.all()
    agg = PercentileCont(DurationSeconds("triaged_at", "created_at"), 0.9)
    if connection.vendor == "postgresql":
        sql = str(qs.annotate(x=agg).values("x").query)
        assert "percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM" in sql
        assert qs.aggregate(x=agg)["x"] == approx(3600)
    else:
        with pytest.raises(NotImplementedError):
            qs.aggregate(x=agg)


def test_percentile_out_of_range_is_refused():
    with pytest.raises(ValueError):
        PercentileCont(DurationSeconds("triaged_at", "created_at"), 1.5)


# --- the dashboard's figures -----------------------------------------------------------------


def test_no_data_gives_zero_counts_and_no_times(west):
    f = figures_for([west])
    col = "west-cornwall"
    assert f.value("Observations", col) == 0
    assert f.value("Reached triage", col) == 0
    assert f.value("Median hours to triage", col) is None
    assert f.value("90th percentile hours to outcome", col) is None
    assert f.value("Share of outcomes fed back (%)", col) is None
    assert f.value("Volunteers active", col) == 0
    assert f.row("Median hours to triage").cells() == [""]


def test_one_observation(west, make_escalation):
    make_escalation(west, at("2026-03-10 09:00"), kind="fall", triage=2, referral=5, outcome=30)
    f = figures_for([west])
    col = "west-cornwall"
    assert f.value("Observations", col) == 1
    assert f.value("Medical", col) == 1
    assert f.value("Non-medical", col) == 0
    assert f.value("Kind: Fall", col) == 1
    for step, hours in [("triage", 2), ("referral to a service", 5), ("outcome", 30)]:
        assert f.value(f"Median hours to {step}", col) == approx(hours)
        assert f.value(f"90th percentile hours to {step}", col) == approx(hours)
    assert f.value("Outcomes recorded", col) == 1
    assert f.value("Volunteers active", col) == 1


def test_exact_figures_for_two_localities(west, east, make_escalation):
    t = at("2026-03-10 09:00")
    # West: triage after 1, 2, 3 and 10 hours; one never triaged.
    make_escalation(west, t, kind="fall", triage=1, referral=4, outcome=24, due=48, fed_back=True)
    make_escalation(west, t, kind="medication", triage=2, outcome=72, due=48, fed_back=False)
    make_escalation(west, t, kind="transport", triage=3, referral=6, due=24)  # overdue now
    make_escalation(west, t, kind="loneliness", triage=10, outcome=5, due=48, fed_back=True)
    make_escalation(west, t, kind="money")  # not triaged, no due time
    # East: one, to show the columns are kept apart.
    make_escalation(east, t, kind="transport", triage=8)
    f = figures_for([west, east])
    assert [c.key for c in f.columns] == ["west-cornwall", "east-cornwall", "all"]

    w = "west-cornwall"
    assert f.value("Observations", w) == 5
    assert f.value("Medical", w) == 2
    assert f.value("Non-medical", w) == 3
    assert f.value("Reached triage", w) == 4
    assert f.value("Median hours to triage", w) == approx(2.5)
    assert f.value("90th percentile hours to triage", w) == approx(7.9)
    assert f.value("Reached referral to a service", w) == 2
    assert f.value("Median hours to referral to a service", w) == approx(5)
    assert f.value("90th percentile hours to referral to a service", w) == approx(5.8)
    assert f.value("Reached outcome", w) == 3
    assert f.value("Median hours to outcome", w) == approx(24)
    assert f.value("90th percentile hours to outcome", w) == approx(62.4)  # 24 + 0.8 * 48
    assert f.value("Outcomes recorded", w) == 3
    assert f.value("Escalations with a due time", w) == 4
    assert f.value("Overdue now (no outcome, past due)", w) == 1
    assert f.value("Outcome after its due time", w) == 1
    if has_fed_back_field():
        assert f.value("Outcomes sent to the volunteer", w) == 2
        assert f.value("Share of outcomes fed back (%)", w) == approx(200 / 3)
        assert f.row("Share of outcomes fed back (%)").cells()[0] == "66.7"
    else:
        assert f.value("Outcomes sent to the volunteer", w) is None

    e = "east-cornwall"
    assert f.value("Observations", e) == 1
    assert f.value("Median hours to triage", e) == approx(8)

    assert f.value("Observations", "all") == 6
    # 1 2 3 8 10: median 3, p90 at k=3.6 -> 8 + 0.6 * 2
    assert f.value("Median hours to triage", "all") == approx(3)
    assert f.value("90th percentile hours to triage", "all") == approx(9.2)
    assert f.row("90th percentile hours to triage").cells() == ["7.9", "8.0", "9.2"]


def test_period_boundaries_in_london_time(west, make_escalation):
    # British Summer Time starts on 29 March 2026, so 31 March ends at 23:00 UTC.
    make_escalation(west, at("2026-02-28 23:59:59"), triage=1)  # before
    make_escalation(west, at("2026-03-01 00:00"), triage=2)  # first moment: in
    make_escalation(west, at("2026-03-31 23:59:59"), triage=3)  # last moment: in
    make_escalation(west, at("2026-04-01 00:00"), triage=4)  # after
    f = figures_for([west])
    assert f.value("Observations", "west-cornwall") == 2
    assert f.value("Median hours to triage", "west-cornwall") == approx(2.5)


def test_a_one_day_period(west, make_escalation):
    make_escalation(west, at("2026-03-10 00:00"), triage=1)
    make_escalation(west, at("2026-03-10 23:59"), triage=3)
    make_escalation(west, at("2026-03-11 00:00"), triage=5)
    f = figures_for([west], Period(dt.date(2026, 3, 10), dt.date(2026, 3, 10)))
    assert f.value("Observations", "west-cornwall") == 2
    assert f.value("Median hours to triage", "west-cornwall") == approx(2)


def test_steps_after_the_period_still_count(west, make_escalation):
    make_escalation(west, at("2026-03-31 20:00"), triage=100)  # triaged in April
    f = figures_for([west])
    assert f.value("Median hours to triage", "west-cornwall") == approx(100)


def test_overdue_depends_on_now(west, make_escalation):
    make_escalation(west, at("2026-03-10 09:00"), due=24)
    assert (
        figures_for([west], now=at("2026-03-11 08:59")).value(
            "Overdue now (no outcome, past due)", "west-cornwall"
        )
        == 0
    )
    assert (
        figures_for([west], now=at("2026-03-11 09:01")).value(
            "Overdue now (no outcome, past due)", "west-cornwall"
        )
        == 1
    )


def test_by_model_windows_follow_start_and_end_dates(west, east, make_escalation):
    LocalityModel.objects.create(
        locality=west,
        model=CoproductionModel.COFFEE_MORNING,
        started_on=dt.date(2026, 3, 10),
        ended_on=dt.date(2026, 3, 20),
    )
    LocalityModel.objects.create(
        locality=west, model=CoproductionModel.FORMAL_MEETING, started_on=dt.date(2025, 1, 1)
    )
    LocalityModel.objects.create(
        locality=east, model=CoproductionModel.COFFEE_MORNING, started_on=dt.date(2026, 3, 25)
    )
    LocalityModel.objects.create(  # after the period: no column
        locality=east, model=CoproductionModel.TEAM_LEADER, started_on=dt.date(2026, 4, 2)
    )
    make_escalation(west, at("2026-03-05 09:00"), triage=1)  # formal only
    make_escalation(west, at("2026-03-10 00:00"), triage=2)  # both (coffee's first moment)
    make_escalation(west, at("2026-03-20 23:59"), triage=3)  # both (coffee's last day)
    make_escalation(west, at("2026-03-21 00:00"), triage=4)  # formal only
    make_escalation(east, at("2026-03-24 09:00"), triage=5)  # nothing ran in East yet
    make_escalation(east, at("2026-03-26 09:00"), triage=6)  # East coffee
    f = compute(model_columns([west, east], MARCH), NOW)
    assert [c.key for c in f.columns] == ["formal_meeting", "coffee_morning"]
    assert f.value("Observations", "formal_meeting") == 4
    assert f.value("Median hours to triage", "formal_meeting") == approx(2.5)
    assert f.value("Observations", "coffee_morning") == 3
    assert f.value("Median hours to triage", "coffee_morning") == approx(3)
    assert f.value("90th percentile hours to triage", "coffee_morning") == approx(5.4)
    assert f.columns[1].note == (
        "East Cornwall 25 Mar 2026 to 31 Mar 2026; West Cornwall 10 Mar 2026 to 20 Mar 2026"
    )


def test_meeting_attendance_by_role(west, east, coordinator, volunteer, practitioner):
    held = VolunteerMeetingFactory(
        locality=west,
        kind=MeetingKind.FORMAL,
        starts_at=at("2026-03-05 10:00"),
        ends_at=at("2026-03-05 12:00"),
    )
    coffee = VolunteerMeetingFactory(
        locality=west,
        kind=MeetingKind.COFFEE_MORNING,
        starts_at=at("2026-03-12 10:00"),
        ends_at=at("2026-03-12 11:00"),
    )
    april = VolunteerMeetingFactory(
        locality=west, starts_at=at("2026-04-01 10:00"), ends_at=at("2026-04-01 11:00")
    )
    elsewhere = VolunteerMeetingFactory(
        locality=east, starts_at=at("2026-03-05 10:00"), ends_at=at("2026-03-05 11:00")
    )
    for meeting in (held, april, elsewhere):
        MeetingAttendance.objects.create(meeting=meeting, user=volunteer, role="volunteer")
    MeetingAttendance.objects.create(meeting=held, user=coordinator, role=AttendeeRole.STAFF)
    MeetingAttendance.objects.create(meeting=held, user=practitioner, role=AttendeeRole.MEDICAL)
    MeetingAttendance.objects.create(meeting=held, name="Dr Lowen", role=AttendeeRole.MEDICAL)
    MeetingAttendance.objects.create(meeting=coffee, user=volunteer, role="volunteer")
    f = figures_for([west])
    w = "west-cornwall"
    assert f.value("Formal monthly meetings held", w) == 1
    assert f.value("Informal coffee mornings held", w) == 1
    assert f.value("Meetings with medical staff", w) == 1
    assert f.value("Attendance: Volunteer", w) == 2
    assert f.value("Attendance: Living Well staff", w) == 1
    assert f.value("Attendance: Medical staff (invited)", w) == 2


def test_volunteers_active(west, east, make_escalation):
    observer = VolunteerFactory(locality=west)
    attender = VolunteerFactory(locality=west)
    VolunteerFactory(locality=west)  # did nothing
    late = VolunteerFactory(locality=west)
    make_escalation(west, at("2026-03-10 09:00"), volunteer=observer)
    make_escalation(west, at("2026-03-11 09:00"), volunteer=observer)
    make_escalation(west, at("2026-04-02 09:00"), volunteer=late)
    meeting = VolunteerMeetingFactory(
        locality=west, starts_at=at("2026-03-05 10:00"), ends_at=at("2026-03-05 11:00")
    )
    MeetingAttendance.objects.create(meeting=meeting, user=attender.user, role="volunteer")
    MeetingAttendance.objects.create(meeting=meeting, user=observer.user, role="volunteer")
    make_escalation(east, at("2026-03-10 09:00"))
    # A West volunteer at an East meeting is active in neither (nor in the total).
    visitor = VolunteerFactory(locality=west)
    east_meeting = VolunteerMeetingFactory(
        locality=east, starts_at=at("2026-03-06 10:00"), ends_at=at("2026-03-06 11:00")
    )
    MeetingAttendance.objects.create(meeting=east_meeting, user=visitor.user, role="volunteer")
    f = figures_for([west, east])
    assert f.value("Volunteers active", "west-cornwall") == 2
    assert f.value("Volunteers active", "east-cornwall") == 1
    assert f.value("Volunteers active", "all") == 3


def test_query_count_does_not_grow_with_rows(west, east, make_escalation):
    # Every column reaches every step, so SQLite's sorted reads run in both cases.
    for locality in (west, east):
        make_escalation(locality, at("2026-03-10 09:00"), triage=1, referral=2, outcome=3)
    columns = locality_columns([west, east], MARCH)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        compute(columns, NOW)
    for h in range(1, 30):
        make_escalation(west, at("2026-03-11 09:00"), triage=h, referral=h, outcome=h + 1)
        make_escalation(east, at("2026-03-11 09:00"), triage=h, referral=h, outcome=h + 1)
    with CaptureQueriesContext(connection) as many:
        compute(columns, NOW)
    assert len(many) == len(few)


def test_escalation_figures_is_one_query_on_postgresql(west, make_escalation):
    if connection.vendor != "postgresql":
        pytest.skip("the single-query form is PostgreSQL's; SQLite reads sorted rows instead")
    make_escalation(west, at("2026-03-10 09:00"), triage=1)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        escalation_figures(locality_columns([west], MARCH), NOW)
    assert len(ctx) == 1
