"""An attending volunteer sees their own client's item and nothing else of the agenda: in the
page, the PDF and the calendar invite alike. Members see every client in all three."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from mdt import services
from tests.factories import MdtMeetingFactory

from .agenda_world import case_at_mdt

pytestmark = pytest.mark.django_db


@pytest.fixture
def agenda(west_practice, chair, volunteer):
    """Four clients on a published agenda; only the first has Vera attending."""
    meeting = MdtMeetingFactory(practice=west_practice, chair=chair, place="Room 4")
    cases = [
        case_at_mdt(
            west_practice, volunteer=volunteer.volunteer, first_name="Jenifer", last_name="Pascoe"
        ),
        case_at_mdt(west_practice, first_name="Loveday", last_name="Tregenza"),
        case_at_mdt(west_practice, first_name="Demelza", last_name="Nankervis"),
        # Vera visits this one too, but she does not attend for it.
        case_at_mdt(
            west_practice,
            volunteer=volunteer.volunteer,
            first_name="Kerensa",
            last_name="Chenoweth",
        ),
    ]
    items = []
    for i, case in enumerate(cases):
        item, failures = services.item_add(
            meeting=meeting,
            escalation=case,
            by=chair,
            reason=f"Secret reason {i}",
            volunteer_attends=i == 0,
        )
        assert failures == []
        items.append(item)
    services.meeting_publish(meeting=meeting, by=chair)
    meeting.refresh_from_db()
    own = items[0].client
    others = [item.client for item in items[1:]]
    for client in [own, *others]:
        assert client.nhs_number  # the data exists before we say it does not leak
    return meeting, own, others


def _squash(text: str) -> str:
    return "".join(text.split())


def page_text(client, meeting) -> str:
    response = client.get(reverse("mdt:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def pdf_text(client, meeting) -> tuple[str, bytes]:
    response = client.get(reverse("mdt:meeting_pdf", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    raw = response.content
    assert raw.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages)
    return text, raw


def ics(client, meeting) -> tuple[Calendar, bytes]:
    response = client.get(reverse("mdt:meeting_ics", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content
    return Calendar.from_ical(raw), raw.replace(b"\r\n ", b"")


def test_volunteer_sees_only_their_own_client_everywhere(client_for, volunteer, agenda):
    meeting, own, others = agenda
    client = client_for(volunteer)
    html = page_text(client, meeting)
    text, raw_pdf = pdf_text(client, meeting)
    cal, raw_ics = ics(client, meeting)
    description = str(cal.walk("VEVENT")[0]["DESCRIPTION"])

    assert own.last_name in html
    assert own.last_name in _squash(text)
    assert f"{own.first_name[0]}.{own.last_name[0]}." in description
    for other in others:
        for secret in (other.last_name, other.first_name, other.nhs_number):
            assert secret not in html
            assert secret not in _squash(text)
            assert secret.encode() not in raw_pdf
            assert secret not in description
            assert secret.encode() not in raw_ics
    for i in range(4):
        reason = f"Secret reason {i}"
        assert reason not in html
        assert _squash(reason) not in _squash(text)
        assert reason.encode() not in raw_ics


def test_volunteers_event_ends_when_they_leave(client_for, volunteer, agenda):
    meeting, own, _ = agenda
    cal, raw = ics(client_for(volunteer), meeting)
    assert raw.count(b"BEGIN:VEVENT") == 1
    assert b"METHOD:PUBLISH" in raw
    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == f"mdt-{meeting.pk}@livingwell"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTEND") == meeting.volunteers_leave_at
    assert event.decoded("DTEND") < meeting.ends_at
    assert str(event["LOCATION"]) == "Room 4"


def test_members_see_every_client_everywhere(client_for, practitioner, agenda):
    meeting, own, others = agenda
    client = client_for(practitioner)
    html = page_text(client, meeting)
    text, _ = pdf_text(client, meeting)
    cal, raw = ics(client, meeting)
    event = cal.walk("VEVENT")[0]
    description = str(event["DESCRIPTION"])
    for person in [own, *others]:
        for shown in (person.last_name, person.nhs_number):
            assert shown in html
            assert shown in _squash(text)
            # The invite leaves the app: initials only, never a name or an NHS number.
            assert shown not in description
            assert shown.encode() not in raw
        assert f"{person.first_name[0]}.{person.last_name[0]}." in description
    assert "Secret reason 1" in html
    assert "Secretreason1" in _squash(text)
    assert event.decoded("DTEND") == meeting.ends_at
    assert str(event["UID"]) == f"mdt-{meeting.pk}@livingwell"
    assert raw.count(b"BEGIN:VEVENT") == 1


def test_the_pdf_shows_time_place_and_protocol_to_the_volunteer(
    client_for, volunteer, west_practice, agenda
):
    meeting, *_ = agenda
    west_practice.confidentiality_protocol = "Nothing leaves the room."
    west_practice.save()
    text, _ = pdf_text(client_for(volunteer), meeting)
    squashed = _squash(text)
    assert "Nothingleavestheroom." in squashed
    assert "Room4" in squashed
    leave = timezone.localtime(meeting.volunteers_leave_at)
    assert f"Volunteersleaveat{leave:%H:%M}" in squashed


def test_a_volunteer_not_attending_gets_nothing(client_for, other_volunteer, volunteer, agenda):
    meeting, *_ = agenda
    for name in ("mdt:meeting_detail", "mdt:meeting_pdf", "mdt:meeting_ics"):
        response = client_for(other_volunteer).get(reverse(name, args=[meeting.pk]))
        assert response.status_code == 404
