"""Journeys through clients and consent: a coordinator records a client and their consent,
adds a need and assigns a volunteer; the volunteer finds the client on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.consent import client_consents_to
from clients.enums import ConsentScope
from clients.models import Client
from tests.factories import (
    AgreementSignatureFactory,
    ClientFactory,
    ConfidentialityAgreementFactory,
    TrainingRecordFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MDT = "Their volunteer may speak for them at an MDT"


def menu(ui, label):
    """Follow a link of the main menu (opening it first on a phone, where it is collapsed)
    and check the page it opens."""
    nav = ui.page.get_by_role("navigation", name="Main menu")
    toggle = nav.get_by_role("button", name="Menu")
    # By the viewport, not by whether the toggle shows yet: GOV.UK Frontend's script shows it
    # and then, on a wide screen, hides it again; a busy machine can see it in between.
    if ui.page.viewport_size["width"] < 641 and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    nav.get_by_role("link", name=label).click()
    ui.page.wait_for_load_state()
    ui.check()
    return ui


def test_coordinator_records_a_client_and_their_consent(desktop, coordinator, west_practice):
    ui = menu(desktop.sign_in(coordinator), "Clients")
    assert ui.path == "/clients/"
    assert "0 clients" in ui.main_text()

    ui.page.get_by_role("button", name="Add a client").click()
    ui.page.wait_for_url("**/clients/new/")
    ui.check()
    ui.submit("Save client", status=200)
    messages = ui.expect_error_summary()
    assert messages[:2] == ["Enter the client’s first name", "Enter the client’s last name"]
    assert "Enter the date of birth" in messages
    assert "Choose the client’s GP practice" in messages

    page = ui.page
    page.get_by_label("First name").fill("Loveday")
    page.get_by_label("Last name").fill("Hosking")
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill(str(timezone.localdate().year + 1))
    page.get_by_label("Postcode").fill("TR18")
    page.get_by_label("GP practice").select_option(label="Penwith Surgery")
    ui.submit("Save client", status=200)
    assert ui.expect_error_summary() == [
        "The date of birth must be today or in the past",
        "Enter a real postcode, like TR18 2AA",
    ]

    page.get_by_label("Year").fill("1936")
    page.get_by_label("Postcode").fill("tr182aa")
    ui.submit("Save client", status=200)
    client = Client.objects.get()
    assert ui.path == f"/clients/{client.pk}/"
    assert "Loveday Hosking is recorded." in ui.main_text()
    assert client.postcode == "TR18 2AA"
    consent_row = page.get_by_role("row").filter(has_text=MDT)
    assert "Not asked" in consent_row.inner_text()

    # Consent: the link pre-fills what it is about and that it was given.
    consent_row.get_by_role("link", name="Record consent").click()
    page.wait_for_url(f"**/clients/{client.pk}/consent/**")
    ui.check()
    assert page.get_by_label(MDT).is_checked()
    page.get_by_label("Privacy notice version they were given").fill("")
    ui.submit("Record consent", status=200)
    assert ui.expect_error_summary() == [
        "Choose how they told you",
        "Enter the version of the privacy notice they were given",
    ]
    page.get_by_label("Written").check()
    page.get_by_label("Privacy notice version they were given").fill("2025-1")
    ui.submit("Record consent", status=200)
    assert "Given: Their volunteer may speak for them at an MDT. Recorded." in ui.main_text()
    assert client_consents_to(client, ConsentScope.MDT_CHAMPION)

    # Withdrawing takes no more steps than giving, and acts at once.
    page.get_by_role("row").filter(has_text=MDT).get_by_role(
        "link", name="Record withdrawal"
    ).click()
    page.wait_for_url(f"**/clients/{client.pk}/consent/**")
    ui.check()
    page.get_by_label("Spoken").check()
    ui.submit("Record consent", status=200)
    assert "This acts at once everywhere." in ui.main_text()
    assert "Withdrawn" in page.get_by_role("row").filter(has_text=MDT).inner_text()
    assert not client_consents_to(client, ConsentScope.MDT_CHAMPION)


def test_coordinator_assigns_a_volunteer_who_finds_the_client_on_a_phone(
    open_ui, coordinator, volunteer, west_practice
):
    agreement = ConfidentialityAgreementFactory(version="2025-1", in_force_from=dt.date(2025, 1, 1))
    TrainingRecordFactory(volunteer=volunteer.volunteer)
    AgreementSignatureFactory(volunteer=volunteer.volunteer, agreement=agreement)
    client = ClientFactory(
        first_name="Jenifer",
        last_name="Curnow",
        practice=west_practice,
        phone="01736 000111",
        visit_notes="Knock loudly; she loves talking about the lifeboat.",
    )

    staff = desktop = open_ui("desktop").sign_in(coordinator)
    desktop.goto(f"/clients/{client.pk}/")
    page = staff.page
    page.get_by_role("link", name=f"Add a need for {client}").click()
    page.wait_for_url(f"**/clients/{client.pk}/needs/new/")
    staff.check()
    staff.submit("Add need", status=200)
    assert staff.expect_error_summary("id_kind_1", "id_description") == [
        "Choose whether the need is medical or non-medical",
        "Describe the need",
    ]
    page.get_by_label("Non-medical").check()
    page.get_by_label("What do they need?").fill("A lift to the surgery on Thursdays")
    staff.submit("Add need", status=200)
    assert "Need added." in staff.main_text()

    page.get_by_role("link", name=f"Assign a volunteer to {client}").click()
    page.wait_for_url(f"**/clients/{client.pk}/assign/")
    staff.check()
    page.get_by_label("Volunteer").select_option(label=str(volunteer))
    staff.submit("Assign volunteer", status=200)
    assert f"{volunteer} now visits {client}." in staff.main_text()

    # The volunteer, on a phone, sees the client from "My clients" and what helps a visit.
    vol = open_ui("phone").sign_in(volunteer)
    menu(vol, "My clients")
    card = vol.page.locator(".govuk-summary-card").filter(has_text="Jenifer Curnow")
    assert "01736 000111" in card.inner_text()
    card.get_by_role("link", name="Jenifer Curnow").click()
    vol.page.wait_for_url(f"**/clients/{client.pk}/")
    vol.check()
    text = vol.main_text()
    assert "Knock loudly; she loves talking about the lifeboat." in text
    assert "A lift to the surgery on Thursdays" in text
    assert "NHS number" not in text
