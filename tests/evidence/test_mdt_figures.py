"""The MDT rows of the evidence dashboard: items discussed at MDT meetings held in the period
and those with a volunteer attending, on constructed data with exact values."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest import approx

from evidence.metrics import EXTRA_FIGURES, compute, mdt_figures
from evidence.scope import Period, locality_columns, model_columns
from livingwell.enums import CoproductionModel
from livingwell.models import LocalityModel
from mdt.enums import MeetingState
from tests.factories import AgendaItemFactory, MdtMeetingFactory, PracticeFactory, VolunteerFactory

from .conftest import at
from .test_views import MARCH as MARCH_QUERY
from .test_views import table_cells, table_header

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
NOW = at("2026-04-15 12:00")
ITEMS, ATTENDED, SHARE = (
    "MDT items discussed",
    "MDT items with a volunteer attending",
    "Share of MDT items with a volunteer attending (%)",
)


def meeting(practice, starts, state=MeetingState.HELD, *, with_volunteer=0, without=0):
    m = MdtMeetingFactory(
        practice=practice, starts_at=starts, ends_at=starts + dt.timedelta(hours=2), state=state
    )
    for _ in range(with_volunteer):
        AgendaItemFactory(meeting=m, volunteer=VolunteerFactory(locality=practice.locality))
    for _ in range(without):
        AgendaItemFactory(meeting=m)
    return m


@pytest.fixture
def mdts(west, east):
    penwith = PracticeFactory(locality=west)
    liskeard = PracticeFactory(locality=east)
    meeting(penwith, at("2026-03-10 13:00"), with_volunteer=2, without=1)
    meeting(penwith, at("2026-03-01 00:00"), with_volunteer=1)  # first moment: in
    meeting(penwith, at("2026-02-28 23:59:59"), with_volunteer=2)  # before
    meeting(penwith, at("2026-04-01 00:00"), without=1)  # after
    meeting(penwith, at("2026-03-20 13:00"), MeetingState.PUBLISHED, with_volunteer=2)  # not held
    meeting(penwith, at("2026-03-21 13:00"), MeetingState.DRAFT, without=1)  # not held
    # British Summer Time: the last moment of 31 March is 22:59:59 UTC.
    meeting(liskeard, at("2026-03-31 23:59:59"), without=2)
    return penwith, liskeard


def test_exact_figures_by_locality(mdts, west, east):
    f = compute(locality_columns([west, east], MARCH), NOW)
    assert [c.key for c in f.columns] == ["west-cornwall", "east-cornwall", "all"]
    assert f.row(ITEMS).values == [4, 2, 6]
    assert f.row(ATTENDED).values == [3, 0, 3]
    assert f.row(SHARE).values == [approx(75.0), approx(0.0), approx(50.0)]
    assert f.row(SHARE).cells() == ["75.0", "0.0", "50.0"]
    assert f.row(ITEMS).section == "MDT meetings"


def test_an_empty_period(mdts, west, east):
    f = compute(
        locality_columns([west, east], Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))), NOW
    )
    assert f.row(ITEMS).values == [0, 0, 0]
    assert f.row(ATTENDED).values == [0, 0, 0]
    assert f.row(SHARE).values == [None, None, None]
    assert f.row(SHARE).cells() == ["", "", ""]


def test_the_period_boundaries(mdts, west, east):
    last_day = Period(dt.date(2026, 3, 31), dt.date(2026, 3, 31))
    f = compute(locality_columns([west, east], last_day), NOW)
    assert f.row(ITEMS).values == [0, 2, 2]
    first_day = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    f = compute(locality_columns([west, east], first_day), NOW)
    assert f.row(ITEMS).values == [1, 0, 1]
    assert f.row(ATTENDED).values == [1, 0, 1]
    feb = Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert compute(locality_columns([west], feb), NOW).row(ATTENDED).values == [2]


def test_by_model_columns_follow_the_windows(mdts, west, east):
    LocalityModel.objects.create(
        locality=west, model=CoproductionModel.FORMAL_MEETING, started_on=dt.date(2025, 1, 1)
    )
    LocalityModel.objects.create(
        locality=west,
        model=CoproductionModel.VOLUNTEERS_IN_MDT,
        started_on=dt.date(2026, 3, 5),
        ended_on=dt.date(2026, 3, 20),
    )
    LocalityModel.objects.create(
        locality=east, model=CoproductionModel.COFFEE_MORNING, started_on=dt.date(2026, 3, 31)
    )
    f = compute(model_columns([west, east], MARCH), NOW)
    values = {c.key: (f.value(ITEMS, c.key), f.value(ATTENDED, c.key)) for c in f.columns}
    assert values == {
        "formal_meeting": (4, 3),
        "volunteers_in_mdt": (3, 2),  # 10 March only
        "coffee_morning": (2, 0),  # East's 31 March
    }


def test_one_query_whatever_the_rows(mdts, west, east):
    columns = locality_columns([west, east], MARCH)
    with CaptureQueriesContext(connection) as ctx:
        mdt_figures(columns)
    assert len(ctx) == 1
    meeting(mdts[0], at("2026-03-12 13:00"), with_volunteer=5, without=5)
    with CaptureQueriesContext(connection) as ctx:
        rows = mdt_figures(columns)
    assert len(ctx) == 1
    assert rows[0].values == [14, 2, 16]


def test_registered_by_the_evidence_app():
    assert mdt_figures in EXTRA_FIGURES


def test_csv_equals_the_table_with_the_mdt_rows(mdts, client_for, admin_user, west, east):
    c = client_for(admin_user)
    page = c.get(reverse("evidence:dashboard") + MARCH_QUERY).content.decode()
    rows = list(
        csv.reader(
            io.StringIO(c.get(reverse("evidence:dashboard_csv") + MARCH_QUERY).content.decode())
        )
    )
    assert rows[0] == ["Section", "Figure", *table_header(page)]
    assert rows[1:] == table_cells(page)
    by_label = {r[1]: r for r in rows[1:]}
    assert table_header(page) == ["East Cornwall", "West Cornwall", "All localities"]
    assert by_label[ITEMS] == ["MDT meetings", ITEMS, "2", "4", "6"]
    assert by_label[ATTENDED] == ["MDT meetings", ATTENDED, "0", "3", "3"]
    assert by_label[SHARE] == ["MDT meetings", SHARE, "0.0", "75.0", "50.0"]
