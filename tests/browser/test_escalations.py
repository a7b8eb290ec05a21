"""Journeys through observations and escalations: a volunteer logs what they noticed with the
keyboard on a phone; a coordinator triages it, refers it and closes it with an outcome; the
volunteer reads what came of it and says thank you; a coordinator shares an anonymised story.

Routing and the outcome's notification run in-process (no broker in tests): they happen as
the request that enqueues them commits, in the live server or in the test's own set-up.
"""

from __future__ import annotations

import pytest

from clients.enums import ConsentScope
from escalations import services
from escalations.enums import EscalationState, ObservationKind, ResponseKind, StoryState, Urgency
from escalations.models import Escalation, Observation, Outcome, Referral, Story
from livingwell.models import Notification
from tests.escalations.helpers import consent, visit
from tests.factories import ClientFactory, ServiceFactory

from .test_clients import menu

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NOTICED = "Her kitchen was cold and she said the bus to the surgery has stopped."
OUTCOME = "Thank you: the community transport team now takes her to the surgery on Tuesdays."


@pytest.fixture
def jenifer(west_practice, volunteer):
    """Vera's client in West."""
    client = ClientFactory(
        first_name="Jenifer",
        last_name="Pengelly",
        practice=west_practice,
        address="3 Chapel Street\nPenzance",
        postcode="TR18 4AJ",
    )
    return visit(volunteer, client)


def observed(volunteer, client, *, kind=ObservationKind.TRANSPORT, urgency=Urgency.WORRIED):
    """An observation logged through the service; routing runs as it commits."""
    observation, _ = services.observation_create(
        client=client,
        volunteer=volunteer.volunteer,
        logged_by=volunteer,
        kind=kind,
        urgency=urgency,
        noticed=NOTICED,
        client_wants="To get to her appointments",
    )
    return Escalation.objects.get(observation=observation)


def closed(escalation, coordinator, message=OUTCOME):
    services.escalation_close(
        escalation=escalation,
        by=coordinator,
        expected_version=escalation.version,
        summary="Referred to community transport; booked weekly.",
        message_for_volunteer=message,
        went_well=True,
    )
    escalation.refresh_from_db()
    return escalation


def press(ui, key, times=1):
    for _ in range(times):
        ui.page.keyboard.press(key)


def test_volunteer_logs_an_observation_with_the_keyboard_on_a_phone(
    phone, volunteer, password, jenifer, coordinator
):
    ui = phone.goto("/sign-in/")
    page = ui.page
    # Signing in: the cursor starts in Username.
    assert ui.focused()["id"] == "id_username"
    page.keyboard.type(volunteer.username)
    ui.tab_to("#id_password")
    page.keyboard.type(password)
    ui.press_enter(status=200)
    assert ui.path == "/"

    # The menu's "Log an observation", by Tab and Enter: on a phone the menu opens first.
    ui.tab_to("nav button[aria-controls=navigation]")
    page.keyboard.press("Enter")
    ui.tab_to("nav a[href='/observations/new/']")
    ui.press_enter(status=200)
    assert ui.path == "/observations/new/"
    assert ui.heading() == "Tell us what you noticed"

    # Who: the only client's radio takes the focus; Space chooses it.
    ui.tab_to("input[name=client]")
    press(ui, "Space")
    assert page.get_by_label("Jenifer Pengelly").is_checked()
    ui.tab_to("#id_noticed")
    page.keyboard.type(NOTICED)
    # What about: the first kind takes the focus; the arrows move through the choices.
    ui.tab_to("input[name=kind]")
    labels = [
        page.locator(f"label[for='{el.get_attribute('id')}']").inner_text().strip()
        for el in page.locator("input[name=kind]").all()
    ]
    press(ui, "ArrowDown", labels.index("Transport"))
    assert page.get_by_label("Transport", exact=True).is_checked()
    # How worried: left empty, so the first send fails.
    ui.tab_to("input[name=urgency]")
    ui.tab_to("#id_client_wants")
    page.keyboard.type("To get to her appointments")
    ui.tab_to("#id_submit")
    assert ui.focused()["text"] == "Send"
    ui.press_enter(status=200)
    assert ui.expect_error_summary("id_urgency_1", keyboard=True) == ["Choose how worried you are"]
    assert not Observation.objects.exists()
    # What was typed and chosen is still there.
    assert page.get_by_label("What did you notice?").input_value() == NOTICED
    assert page.get_by_label("Transport", exact=True).is_checked()

    # The error link left the cursor on the first urgency; one arrow down is "Worried".
    assert ui.focused()["id"] == "id_urgency_1"
    press(ui, "ArrowDown")
    assert page.get_by_label("Worried").is_checked()
    ui.tab_to("#id_submit")
    ui.press_enter(status=200)

    observation = Observation.objects.get()
    assert (observation.client, observation.kind, observation.urgency) == (
        jenifer,
        ObservationKind.TRANSPORT,
        Urgency.WORRIED,
    )
    assert ui.path == f"/observations/{observation.pk}/"
    text = ui.main_text()
    assert "Thank you. We have it, and the right person will look at it." in text
    assert NOTICED in text
    # The emergency guidance is on the page the volunteer lands on, and can be seen.
    for number in ("999", "111"):
        link = page.get_by_role("link", name=number, exact=True)
        assert link.is_visible()
        assert link.get_attribute("href") == f"tel:{number}"
    # ...straight after the heading, before what they told us.
    assert text.index("If someone is in danger or very unwell now, call 999") < text.index(
        "What you told us"
    )
    # It was routed as the request committed: to the locality's coordinator.
    escalation = observation.escalation
    escalation.refresh_from_db()
    assert escalation.owner == coordinator


def test_team_leader_logs_a_volunteers_call(
    desktop, team_leader, volunteer, jenifer, coordinator, west_practice
):
    # Another client of the locality, whom the caller does not visit: never offered.
    ClientFactory(practice=west_practice, first_name="Loveday", last_name="Unvisited")
    ui = menu(desktop.sign_in(team_leader), "Log a call")
    page = ui.page
    assert ui.heading() == "Log an observation from a call"
    assert page.locator("input[name=client]").count() == 0
    # Continue with nobody chosen: asked again.
    ui.submit("Continue", status=200)
    assert ui.expect_error_summary("id_volunteer") == ["Choose the volunteer who called"]
    page.get_by_label("Which volunteer called?").select_option(label=str(volunteer))
    ui.submit("Continue", status=200)

    # Their clients only, and who called, with a way back.
    names = [
        page.locator(f"label[for='{el.get_attribute('id')}']").inner_text().strip()
        for el in page.locator("input[name=client]").all()
    ]
    assert names == ["Jenifer Pengelly"]
    assert "Loveday" not in ui.main_text()
    caller = page.locator(".govuk-summary-list__row").filter(has_text="Volunteer who called")
    assert caller.locator("dd").first.inner_text() == str(volunteer)
    # "Change" goes back to the question, the caller still chosen; Continue comes back.
    caller.get_by_role("link", name="Change the volunteer who called").click()
    page.wait_for_load_state()
    ui.check()
    assert page.get_by_label("Which volunteer called?").input_value() == str(volunteer.volunteer.pk)
    ui.submit("Continue", status=200)
    page.get_by_label("Jenifer Pengelly").check()
    page.get_by_label("What did you notice?").fill(NOTICED)
    page.get_by_label("Transport", exact=True).check()
    page.get_by_label("Worried").check()
    ui.submit("Send", status=200)

    observation = Observation.objects.get()
    assert (observation.volunteer.user, observation.client, observation.by_phone) == (
        volunteer,
        jenifer,
        True,
    )
    assert observation.logged_by == team_leader
    assert ui.path == f"/escalations/{observation.escalation.pk}/"
    assert "Saved. It is being routed now." in ui.main_text()
    # Routed as the request committed, to the locality's coordinator.
    observation.escalation.refresh_from_db()
    assert observation.escalation.owner == coordinator


def test_coordinator_triages_refers_and_closes_with_an_outcome(
    desktop, coordinator, volunteer, jenifer, west
):
    consent(jenifer, ConsentScope.SHARE_WITH_PARTNERS)
    ServiceFactory(
        name="Penwith Community Transport",
        contact_name="Demelza Rowe",
        phone="01736 333444",
        helps_with="Lifts to surgeries and hospital appointments",
        localities=[west],
    )
    escalation = observed(volunteer, jenifer)
    assert (escalation.state, escalation.owner) == (EscalationState.ROUTED, coordinator)

    ui = menu(desktop.sign_in(coordinator), "Triage")
    page = ui.page
    assert ui.heading() == "Triage queue"
    row = page.get_by_role("row").filter(has_text="Jenifer Pengelly")
    assert "Worried" in row.inner_text() and str(coordinator) in row.inner_text()
    row.get_by_role("link", name="Transport: Jenifer Pengelly").click()
    page.wait_for_url(f"**/escalations/{escalation.pk}/")
    ui.check()
    assert NOTICED in ui.main_text()

    ui.submit("Accept: I will look into it", status=200)
    assert "You have accepted it: it is yours now." in ui.main_text()

    # Who to call: the directory, then the referral.
    menu(ui, "Services")
    card = page.locator("section").filter(has_text="Penwith Community Transport")
    assert "Demelza Rowe, 01736 333444" in card.inner_text()
    page.go_back()
    page.wait_for_url(f"**/escalations/{escalation.pk}/")
    page.get_by_role("link", name="Refer to a service").click()
    page.wait_for_url(f"**/escalations/{escalation.pk}/refer/")
    ui.check()
    ui.submit("Record the referral", status=200)
    assert ui.expect_error_summary("id_service", "id_channel_1", "id_what_was_shared") == [
        "Choose the service",
        "Choose how it was sent",
        "Enter what was shared with the service",
    ]
    page.get_by_label("Which service?").select_option(label="Penwith Community Transport")
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("What was shared?").fill(
        "Name, phone number and that she needs lifts to the surgery."
    )
    ui.submit("Record the referral", status=200)
    assert "Referral recorded." in ui.main_text()
    assert Referral.objects.get().service.name == "Penwith Community Transport"

    page.get_by_role("link", name="Close with an outcome").click()
    page.wait_for_url(f"**/escalations/{escalation.pk}/close/")
    ui.check()
    page.get_by_label("What happened?").fill("Community transport booked weekly.")
    ui.submit("Close with this outcome", status=200)
    assert ui.expect_error_summary("id_message_for_volunteer", "id_went_well_1") == [
        "Enter a message for the volunteer",
        "Say whether it went well",
    ]
    page.get_by_label("Message for the volunteer").fill(OUTCOME)
    page.get_by_label("Yes").check()
    ui.submit("Close with this outcome", status=200)
    assert "Closed. The volunteer will be told." in ui.main_text()
    assert "Closed" in ui.main_text()
    assert page.get_by_role("link", name="Close with an outcome").count() == 0

    escalation.refresh_from_db()
    assert escalation.state == EscalationState.CLOSED
    outcome = Outcome.objects.get(escalation=escalation)
    assert outcome.message_for_volunteer == OUTCOME and outcome.went_well
    # The volunteer was told as the close committed.
    assert outcome.volunteer_notified_at is not None
    notification = Notification.objects.get(user=volunteer)
    assert notification.subject == "What came of what you told us about Jenifer"


def test_volunteer_reads_the_outcome_and_says_thank_you(phone, volunteer, coordinator, jenifer):
    escalation = closed(observed(volunteer, jenifer), coordinator)
    observation = escalation.observation

    ui = phone.sign_in(volunteer)
    page = ui.page
    header_link = page.locator("header").get_by_role("link", name="Notifications")
    assert header_link.text_content() == "Notifications 1 unread"

    # My observations flags the news; the observation's page says what came of it.
    menu(ui, "My observations")
    card = page.locator(".lw-card").filter(has_text="Transport: Jenifer P.")
    assert "Finished" in card.inner_text() and "News for you" in card.inner_text()
    card.get_by_role("link", name="Transport: Jenifer P.").click()
    page.wait_for_url(f"**/observations/{observation.pk}/")
    ui.check()
    outcome_panel = page.locator("#outcome")
    assert outcome_panel.is_visible()
    assert OUTCOME in outcome_panel.inner_text()

    # The notification says the same, and leads to the same page.
    header_link.click()
    page.wait_for_url("**/notifications/")
    ui.check()
    subject = "What came of what you told us about Jenifer"
    assert OUTCOME in page.locator(".lw-notification").filter(has_text=subject).inner_text()
    page.get_by_role("button", name=f"Open {subject}").click()
    page.wait_for_url(f"**/observations/{observation.pk}/")
    ui.check()
    assert Notification.objects.get(user=volunteer).read_at is not None

    ui.submit("Send", status=200)
    assert ui.expect_error_summary("id_kind_1") == ["Choose to say thank you or to ask a question"]
    page.get_by_label("Say thank you").check()
    page.get_by_label("Your message").fill("Thank you, she is so pleased.")
    ui.submit("Send", status=200)
    assert "Thank you. The coordinator will see your message." in ui.main_text()
    assert "You: thank you" in ui.main_text()
    response = escalation.outcome.responses.get()
    assert (response.kind, response.author) == (ResponseKind.THANKS, volunteer)

    menu(ui, "My observations")
    card = page.locator(".lw-card").filter(has_text="Transport: Jenifer P.")
    assert "News for you" not in card.inner_text()


CLEAN_STORY = (
    "A volunteer noticed that a lady they visit had stopped going to the surgery because the "
    "bus had stopped running. Community transport now takes her every Tuesday."
)


def test_coordinator_shares_an_anonymised_story_that_volunteers_read(
    open_ui, coordinator, volunteer, jenifer, west
):
    consent(jenifer, ConsentScope.ANONYMISED_STORY)
    escalation = closed(observed(volunteer, jenifer), coordinator)

    staff = open_ui("desktop").sign_in(coordinator)
    staff.goto(f"/escalations/{escalation.pk}/")
    page = staff.page
    page.get_by_role("link", name="Write an anonymised story").click()
    page.wait_for_url(f"**/escalations/{escalation.pk}/story/")
    staff.check()
    page.get_by_label("Title").fill("Back to the surgery")
    page.get_by_label("The story").fill(f"Jenifer had stopped going out. {CLEAN_STORY}")
    staff.submit("Save the story", status=200)
    assert "Story saved." in staff.main_text()
    assert "It cannot be published yet: it contains the client's first name" in (staff.main_text())

    # Publishing is refused, and the refusal points at the text to change.
    staff.submit("Publish to West Cornwall", status=200)
    [message] = staff.expect_error_summary("id_body")
    assert message == (
        "Not published. This story contains the client's first name (“Jenifer”). "
        "Take them out before it is shared."
    )
    assert Story.objects.get().state == StoryState.DRAFT
    page.get_by_label("The story").fill(CLEAN_STORY)
    staff.submit("Save the story", status=200)
    assert "Story saved." in staff.main_text()
    assert "cannot be published" not in staff.main_text()
    staff.submit("Publish to West Cornwall", status=200)
    assert "Published on the locality's stories page." in staff.main_text()
    story = Story.objects.get()
    assert (story.state, story.body) == (StoryState.PUBLISHED, CLEAN_STORY)

    # A volunteer of West reads it from the menu.
    vol = menu(open_ui("phone").sign_in(volunteer), "Stories")
    assert vol.path == f"/stories/{west.slug}/"
    story_card = vol.page.locator("article").filter(has_text="Back to the surgery")
    assert CLEAN_STORY in story_card.inner_text()
    assert "Jenifer" not in vol.main_text()
