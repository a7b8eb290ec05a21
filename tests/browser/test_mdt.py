"""Journeys through an MDT with a consented agenda: a chair builds and publishes an agenda with
one consented and one unconsented case; the attending volunteer reads only their client's part
of it on a phone."""

from __future__ import annotations

import pytest

from clients.enums import ConsentAction, ConsentMethod, ConsentScope
from clients.services import consent_record
from escalations import services as escalation_services
from mdt import services as mdt_services
from mdt.enums import MeetingState
from mdt.models import AgendaItem
from tests.escalations.helpers import visit
from tests.factories import ClientFactory, MdtMeetingFactory
from volunteers.enums import MdtWish

from .test_clients import menu
from .test_escalations import observed

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PROTOCOL = "Volunteers attend for their own client's item only, then leave."
NO_CONSENT = "the client has not consented to their volunteer speaking for them at an MDT"


@pytest.fixture
def cases(west_practice, volunteer, coordinator, chair):
    """Two of Vera's clients put forward to Penwith Surgery's MDT: Jenifer consents to Vera
    speaking for her there, Wenna has not been asked. Vera has signed the agreement and would
    attend; the practice's protocol allows volunteers."""
    west_practice.volunteers_may_attend_mdt = True
    west_practice.confidentiality_protocol = PROTOCOL
    west_practice.save(update_fields=["volunteers_may_attend_mdt", "confidentiality_protocol"])
    profile = volunteer.volunteer
    profile.mdt_wish = MdtWish.YES
    profile.save(update_fields=["mdt_wish"])
    jenifer = visit(
        volunteer,
        ClientFactory(first_name="Jenifer", last_name="Pengelly", practice=west_practice),
    )
    wenna = visit(
        volunteer,
        ClientFactory(first_name="Wenna", last_name="Trethowan", practice=west_practice),
    )
    consent_record(
        client=jenifer,
        scope=ConsentScope.MDT_CHAMPION,
        action=ConsentAction.GIVEN,
        method=ConsentMethod.WRITTEN,
        privacy_notice_version="2025-1",
        by=coordinator,
    )
    escalations = {}
    for client in (jenifer, wenna):
        escalation = observed(volunteer, client)
        escalation_services.escalation_put_to_mdt(
            escalation=escalation,
            by=coordinator,
            expected_version=escalation.version,
            reason="Missed appointments since the bus stopped",
        )
        escalations[client.first_name] = escalation
    meeting = MdtMeetingFactory(practice=west_practice, chair=chair)
    return meeting, escalations


def test_chair_builds_a_consented_agenda_and_publishes_it(desktop, chair, volunteer, cases):
    meeting, escalations = cases
    ui = menu(desktop.sign_in(chair), "MDT meetings")
    page = ui.page
    page.get_by_role("row").filter(has_text="Penwith Surgery").get_by_role(
        "link", name="Penwith Surgery"
    ).click()
    page.wait_for_url(f"**/mdt/{meeting.pk}/")
    ui.check()

    def add_case(label):
        page.get_by_label(label).check()
        page.get_by_label("The client's volunteer attends for this item").check()
        ui.submit("Add to the agenda", status=200)
        assert ui.path == f"/mdt/{meeting.pk}/"

    # The candidates say, before anything is chosen, who may bring their volunteer.
    page.get_by_role("link", name="Add a case").click()
    page.wait_for_url(f"**/mdt/{meeting.pk}/items/add/")
    ui.check()
    candidates = page.locator(".lw-card")
    assert "yes, all four conditions hold" in (
        candidates.filter(has_text="Jenifer Pengelly").inner_text()
    )
    wenna_card = candidates.filter(has_text="Wenna Trethowan").inner_text()
    assert "not now, because" in wenna_card and NO_CONSENT in wenna_card
    ui.submit("Add to the agenda", status=200)
    assert ui.expect_error_summary("id_escalation_1") == ["Choose a case to add"]

    add_case("Jenifer Pengelly: Transport (Worried)")
    assert "Jenifer Pengelly is on the agenda." in ui.main_text()
    page.get_by_role("link", name="Add a case").click()
    page.wait_for_url(f"**/mdt/{meeting.pk}/items/add/")
    ui.check()
    assert page.get_by_label("Jenifer Pengelly: Transport (Worried)").count() == 0
    add_case("Wenna Trethowan: Transport (Worried)")
    text = ui.main_text()
    assert "Wenna Trethowan is on the agenda without their volunteer." in text
    assert NO_CONSENT in text

    # On the agenda: Jenifer's item with Vera attending; Wenna's for members only, with why.
    agenda = page.locator(".lw-agenda .lw-card")
    jenifer_item = agenda.filter(has_text="Jenifer Pengelly").inner_text()
    assert f"Volunteer attending: {volunteer}." in jenifer_item
    wenna_item = agenda.filter(has_text="Wenna Trethowan").inner_text()
    assert "No volunteer:" in wenna_item and NO_CONSENT in wenna_item

    ui.check_heading_order()
    ui.submit("Publish the agenda", status=200)
    assert "Agenda published: members and attending volunteers are told." in ui.main_text()
    assert page.get_by_role("button", name="Mark as held").is_visible()

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PUBLISHED
    items = {i.client.first_name: i for i in AgendaItem.objects.filter(meeting=meeting)}
    assert items["Jenifer"].volunteer == volunteer.volunteer
    assert items["Wenna"].volunteer is None
    assert escalations["Jenifer"].pk == items["Jenifer"].escalation_id


def test_attending_volunteer_sees_only_their_clients_item(phone, chair, volunteer, cases):
    meeting, escalations = cases
    for escalation in escalations.values():
        mdt_services.item_add(
            meeting=meeting,
            escalation=escalation,
            by=chair,
            reason="Missed appointments: is she isolated?",
            volunteer_attends=True,
        )
    mdt_services.meeting_publish(meeting=meeting, by=chair)

    ui = phone.sign_in(volunteer)
    page = ui.page
    # The invitation is in the notifications, and leads to the meeting.
    page.locator("header").get_by_role("link", name="Notifications").click()
    page.wait_for_url("**/notifications/")
    ui.check()
    assert "You are invited to the MDT on" in ui.main_text()

    menu(ui, "MDT meetings")
    row = page.get_by_role("row").filter(has_text="Penwith Surgery")
    assert "Wenna" not in ui.main_text()
    row.get_by_role("link", name="Penwith Surgery").click()
    page.wait_for_url(f"**/mdt/{meeting.pk}/")
    ui.check()
    ui.check_heading_order()
    text = ui.main_text()
    assert "Your part of the agenda" in text
    assert "Jenifer Pengelly" in text
    assert PROTOCOL in text
    # Nothing of the other client, nor what members alone read.
    for secret in ("Wenna", "Trethowan", "Missed appointments: is she isolated?"):
        assert secret not in text
    assert page.get_by_role("link", name="Plan and actions").count() == 0

    # The calendar invite says no more than the page.
    invite = page.request.get(f"/mdt/{meeting.pk}/invite.ics")
    assert invite.status == 200
    ics = invite.text().replace("\r\n ", "")  # unfold the long lines
    assert "J.P." in ics and "Pengelly" not in ics  # initials only: invites leave the app
    assert "Wenna" not in ics and "Trethowan" not in ics
