"""Journey: a coordinator arranges a volunteer meeting; a volunteer signs up and raises a topic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from livingwell.enums import Role
from peersupport.models import VolunteerMeeting
from tests.factories import MeetingSignUpFactory, UserFactory, VolunteerMeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_coordinator_arranges_meeting_and_volunteer_signs_up_with_a_topic(
    open_ui, coordinator, volunteer, west, west_practice
):
    matron = UserFactory(
        username="morwen",
        role=Role.PRACTITIONER,
        locality=west,
        practices=[west_practice],
        job_title="Community matron",
    )
    day = timezone.localdate() + dt.timedelta(days=9)

    staff = open_ui("desktop").sign_in(coordinator)
    staff.page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Volunteer meetings"
    ).click()
    staff.page.wait_for_url("**/meetings/")
    staff.check()
    staff.page.get_by_role("button", name="Arrange a meeting").click()
    staff.page.wait_for_url("**/meetings/new/")
    staff.check()

    staff.submit("Save meeting", status=200)
    staff.expect_error_summary("id_kind_1", "id_date", "id_starts", "id_ends", "id_place")

    staff.page.get_by_label("Informal coffee morning").check()
    staff.page.get_by_label("Title").fill("Winter wellbeing")
    staff.page.get_by_label("Date").fill(day.isoformat())
    staff.page.get_by_label("Starts at").fill("10:30")
    staff.page.get_by_label("Ends at").fill("09:00")
    staff.page.get_by_label("Place").fill("The Honey Pot café, Parade Street, Penzance")
    staff.page.get_by_label(f"{matron} (Community matron)").check()
    staff.submit("Save meeting", status=200)
    assert staff.expect_error_summary("id_ends") == ["The meeting must end after it starts"]

    staff.page.get_by_label("Ends at").fill("12:00")
    staff.submit("Save meeting", status=200)
    meeting = VolunteerMeeting.objects.get()
    assert staff.path == f"/meetings/{meeting.pk}/"
    assert staff.heading() == "Winter wellbeing"
    assert "Winter wellbeing arranged." in staff.main_text()
    assert f"{matron}, Community matron" in staff.main_text()

    # The volunteer, on a phone, finds it from the menu and signs up.
    vol = open_ui("phone").sign_in(volunteer)
    vol.goto("/meetings/")
    vol.page.get_by_role("link", name="Winter wellbeing").click()
    vol.page.wait_for_url(f"**/meetings/{meeting.pk}/")
    vol.check()
    vol.submit("Sign up for this meeting", status=200)
    assert "You are signed up." in vol.main_text()
    assert vol.page.get_by_text("You're going").is_visible()

    vol.submit("Add topic", status=200)
    assert vol.expect_error_summary("id_text") == ["Enter the topic you would like to talk about"]
    vol.page.get_by_label("A topic you would like to talk about").fill(
        "How to tell when a client needs more help than a visit"
    )
    vol.submit("Add topic", status=200)
    assert "Topic added. Thank you." in vol.main_text()
    assert "How to tell when a client needs more help than a visit (yours)" in vol.main_text()

    # Back at the desk, the coordinator sees who is coming and what they want to talk about.
    staff.goto(f"/meetings/{meeting.pk}/")
    assert "1 volunteer" in staff.main_text()
    assert f"How to tell when a client needs more help than a visit ({volunteer})" in (
        staff.main_text()
    )


def test_volunteer_adds_meetings_to_calendar_and_resets_the_link(phone, volunteer, west):
    meeting = VolunteerMeetingFactory(locality=west, title="Coffee at the Honey Pot")
    MeetingSignUpFactory(meeting=meeting, volunteer=volunteer.volunteer)

    ui = phone.sign_in(volunteer)
    ui.goto("/meetings/")
    row = ui.page.get_by_role("row").filter(has_text="Coffee at the Honey Pot")
    assert "You're going" in row.inner_text()
    ui.page.get_by_role("link", name="Add your meetings to your own calendar").click()
    ui.page.wait_for_url("**/calendar/")
    ui.check()
    assert "It holds 1 event now" in ui.main_text()
    old_link = ui.page.get_by_label("Your private calendar link").input_value()
    feed = ui.page.request.get(old_link)
    assert feed.status == 200
    assert "BEGIN:VEVENT" in feed.text()

    ui.submit("Reset my calendar link", status=200)
    assert "Your calendar link has been reset." in ui.main_text()
    new_link = ui.page.get_by_label("Your private calendar link").input_value()
    assert new_link != old_link
    assert ui.page.request.get(old_link).status == 404
    assert ui.page.request.get(new_link).status == 200
