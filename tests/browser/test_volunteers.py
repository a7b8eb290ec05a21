"""Journeys: a coordinator adds a volunteer, who chooses a password from the emailed link; a
coordinator makes a volunteer ready to visit (training, the confidentiality agreement); the
volunteer sees their workload on a phone and says they would attend MDTs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import ConfidentialityAgreementFactory
from volunteers.enums import MdtWish

from .test_clients import menu

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_coordinator_makes_a_volunteer_ready_who_updates_their_details(
    open_ui, coordinator, volunteer
):
    ConfidentialityAgreementFactory(version="2025-1", in_force_from=dt.date(2025, 1, 1))
    profile = volunteer.volunteer
    profile.mdt_wish = MdtWish.NOT_ASKED
    profile.save(update_fields=["mdt_wish"])
    last_month = timezone.localdate() - dt.timedelta(days=30)

    staff = menu(open_ui("desktop").sign_in(coordinator), "Volunteers")
    page = staff.page
    page.get_by_role("link", name=str(volunteer)).click()
    page.wait_for_url(f"**/volunteers/{profile.pk}/")
    staff.check()
    assert "Cannot be assigned to a client yet" in staff.main_text()

    page.get_by_role("link", name=f"Record training for {volunteer}").click()
    page.wait_for_url("**/training/new/")
    staff.check()
    staff.submit("Record training", status=200)
    assert staff.expect_error_summary("id_module_1", "id_completed_on_0") == [
        "Choose which training they completed",
        "Enter the date it was completed",
    ]
    page.get_by_label("Medically aware, not medically trained").check()
    completed = page.get_by_role("group", name="Date completed")
    completed.get_by_label("Day").fill(str(last_month.day))
    completed.get_by_label("Month").fill(str(last_month.month))
    completed.get_by_label("Year").fill(str(last_month.year))
    staff.submit("Record training", status=200)
    assert f"Training recorded for {volunteer}." in staff.main_text()

    page.get_by_role("link", name=f"Record a signature for {volunteer}").click()
    page.wait_for_url("**/agreement/sign/")
    staff.check()
    staff.submit("Record signature", status=200)
    assert staff.expect_error_summary("id_agreement_1", "id_signed_on_0")
    page.get_by_label("2025-1 (in force from 1 January 2025)").check()
    page.get_by_label("Day").fill(str(last_month.day))
    page.get_by_label("Month").fill(str(last_month.month))
    page.get_by_label("Year").fill(str(last_month.year))
    staff.submit("Record signature", status=200)
    assert f"Signature recorded for {volunteer}." in staff.main_text()
    assert "Ready to visit" in staff.main_text()

    # The volunteer, on a phone, reads their workload and answers the MDT question.
    vol = menu(open_ui("phone").sign_in(volunteer), "My workload")
    assert vol.heading() == "Your workload and training"
    assert "Ready to visit" in vol.main_text()
    vol.page.get_by_role("link", name="Change your details").click()
    vol.page.wait_for_url("**/volunteers/me/edit/")
    vol.check()
    vol.page.get_by_label("Phone number").fill("call me")
    vol.page.get_by_label("Yes").check()
    vol.submit("Save your details", status=200)
    assert vol.expect_error_summary("id_phone") == [
        "Enter a phone number using digits, spaces and + only"
    ]
    vol.page.get_by_label("Phone number").fill("07700 900123")
    vol.submit("Save your details", status=200)
    assert "Your details are saved." in vol.main_text()
    profile.refresh_from_db()
    assert (profile.phone, profile.mdt_wish) == ("07700 900123", MdtWish.YES)


def test_coordinator_adds_a_volunteer_who_chooses_a_password_on_a_phone(
    open_ui, coordinator, volunteer
):
    staff = menu(open_ui("desktop").sign_in(coordinator), "Volunteers")
    staff.page.get_by_role("link", name="Add a volunteer").click()
    staff.page.wait_for_url("**/volunteers/new/")
    staff.check()
    staff.submit("Add the volunteer", status=200)
    assert staff.expect_error_summary("id_first_name", "id_last_name", "id_email", "id_username")
    page = staff.page
    page.get_by_label("First name").fill("Wenna")
    page.get_by_label("Last name").fill("Tregenza")
    page.get_by_label("Email address").fill("wenna@example.org")
    page.get_by_label("Username").fill(volunteer.username)  # taken
    staff.submit("Add the volunteer", status=200)
    assert staff.expect_error_summary("id_username") == ["That username is taken: choose another"]
    page.get_by_label("Username").fill("wenna.t")
    staff.submit("Add the volunteer", status=200)
    assert staff.heading() == "Wenna Tregenza"
    assert "We have emailed wenna@example.org a link" in staff.main_text()
    assert "Cannot be assigned to a client yet" in staff.main_text()

    body = mail.outbox[-1].body
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+)", body).group(1)
    vol = open_ui("phone").goto(link)
    assert vol.heading() == "Set a new password"
    new = "a long passphrase wenna chose"
    vol.page.get_by_label("New password", exact=True).fill(new)
    vol.page.get_by_label("New password confirmation").fill(new)
    vol.submit("Set password", status=200)
    vol.goto("/sign-in/")
    vol.page.get_by_label("Username").fill("wenna.t")
    vol.page.get_by_label("Password").fill(new)
    vol.submit("Sign in", status=200)
    assert vol.heading() == "Hello, Wenna"
